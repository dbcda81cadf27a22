"""`briefings zoek`: ranked full-text search over questions and answers, as rendered text.

The index is an SQLite FTS5 table (Python's standard library; no server, no extra package) ranked by
bm25 with column weights, so a match in the question outranks one in the answer, which outranks one in
the source list. Dutch word forms come from the Snowball stemmer (`snowballstemmer`), applied to the
indexed text and to the query alike, after folding case and diacritics ("geïnformeerd" → "geinformeerd");
FTS5's unicode61 tokenizer folds diacritics too (remove_diacritics 2). The index holds rendered text
(figures in Dutch notation, no [[...]] markup) and lives in the user's cache folder next to the parse
cache. A fresh index is recognised from the content files' sizes and times alone, so a search does not
load the library; a changed library rebuilds it, and an index that cannot be read is rebuilt, never trusted.

The module has no command-line code: `open_index(root, load)` and `Index.search(...)` can serve other
commands (a faster `check`, a `list vraag --zoek`) as they are.
"""
from __future__ import annotations

import marshal
import os
import sqlite3
import sys
import time
import unicodedata

from briefings.paths import root_cache_folder, sha256

SCHEMA_VERSION = "2"  # facts kept with marshal (a fresh index is searched without importing json)
COLUMNS = ("vraag", "antwoord", "themas", "bronnen", "raadslid")
WEIGHTS = (10.0, 4.0, 1.5, 1.0, 2.0)  # bm25 column weights, in COLUMNS order


class Hit:
    """A question found: what a hit shows (render_hits) and `--format json` gives."""

    FIELDS = ("id", "vraag", "snippet", "status", "gecontroleerd", "documenten", "score", "nummers")

    def __init__(self, id: str, vraag: str, snippet: str, status: str, gecontroleerd: str | None,
                 documenten: list[str], score: float, nummers: dict[str, int] | None = None):
        self.id, self.vraag, self.snippet, self.status = id, vraag, snippet, status
        self.gecontroleerd, self.documenten, self.score = gecontroleerd, documenten, score
        self.nummers = nummers if nummers is not None else {}  # document id → the question's number there

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


class Filters:
    def __init__(self, themas=(), bronnen=(), statussen=(), raadsleden=(), documenten=()):
        self.themas, self.bronnen, self.statussen = tuple(themas), tuple(bronnen), tuple(statussen)
        self.raadsleden, self.documenten = tuple(raadsleden), tuple(documenten)


# -- words -----------------------------------------------------------------------------------------------


_NOT_WORD: dict[int, str | None] = {}  # characters seen that are not word characters → " "


def words(text: str) -> list[str]:
    """The words of a text as the regular expression \\w+ finds them (letters, digits, underscores), without
    importing `re`: a search answered from a fresh index starts in a few milliseconds."""
    for c in set(text).difference(map(chr, _NOT_WORD)):
        if not (c.isalnum() or c == "_"):
            _NOT_WORD[ord(c)] = " "
    return text.translate(_NOT_WORD).split()


def fold(text: str) -> str:
    """Lower case without diacritics: "Geïnformeerd" → "geinformeerd"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STEMMER = None
_STEMS: dict[str, str] = {}  # word → stem: the stemmer is pure Python, and a library repeats its words


def stems(text: str) -> list[str]:
    """The Dutch stems of the words of a text, folded."""
    global _STEMMER
    out = []
    for word in words(fold(text)):
        stem = _STEMS.get(word)
        if stem is None:
            if _STEMMER is None:  # the Dutch stemmer alone: the package's index imports every language
                from snowballstemmer.dutch_stemmer import DutchStemmer

                _STEMMER = DutchStemmer()
            stem = _STEMS[word] = _STEMMER.stemWord(word)
        out.append(stem)
    return out


# -- the index -------------------------------------------------------------------------------------------


def index_path(root) -> str:
    """In the user's cache folder; the name changes with briefings' code (which renders the texts)."""
    from briefings.paths import code_key

    key = sha256(f"{SCHEMA_VERSION}\n{sys.version}\n{code_key()}".encode()).hexdigest()[:16]
    return os.path.join(root_cache_folder(root), f"zoek-{key}.sqlite")


def content_stamp(root) -> str:
    """A digest of every content file's path, size and times: equal stamps, equal content (as the parse cache).
    A plain walk, without the loader's imports: a search with a fresh index loads nothing else."""
    rows: list = [SCHEMA_VERSION]
    stack = [str(root)]
    while stack:
        try:
            scan = os.scandir(stack.pop())
        except OSError:
            continue
        with scan:
            for entry in scan:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                rows.append((entry.path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    rows[1:] = sorted(rows[1:])  # in the order of the paths, whatever order the folders list them in
    return sha256(marshal.dumps(rows, 0)).hexdigest()[:32]  # version 0: the bytes depend on the values alone


class Index:
    def __init__(self, connection: sqlite3.Connection, built_in: float | None = None):
        self.db = connection
        self.built_in = built_in  # seconds the index took to build in this run, None when it was fresh
        # the stems of the library's words, kept with the index: the stemmer is imported only for a new word
        _STEMS.update(self.db.execute("SELECT word, stem FROM stem"))

    def search(self, query: str, filters: Filters = Filters(), limit: int = 20) -> list[Hit]:
        hits = [h for h in self._by_number(query) if _passes(self._facts(h.id), filters)]
        seen = {h.id for h in hits}
        words = [s for s in stems(_without_number(query)) if s]
        for words_query in _queries(words):
            if len(hits) >= limit:
                break
            rows = self.db.execute(
                f"SELECT v.id, bm25(tekst, {', '.join(map(str, WEIGHTS))}) AS score FROM tekst JOIN v ON "
                "v.rowid = tekst.rowid WHERE tekst MATCH ? ORDER BY score, v.id LIMIT 500", (words_query,)).fetchall()
            for item_id, score in rows:
                if item_id in seen:
                    continue
                seen.add(item_id)
                facts = self._facts(item_id)
                if _passes(facts, filters):
                    hits.append(self._hit(item_id, score, words, facts))
                    if len(hits) >= limit:
                        break
            if hits:
                break  # all words first; any word only when that finds nothing
        return hits[:limit]

    def _by_number(self, query: str) -> list[Hit]:
        """"vraag 13 annotatie-fkd-verwey-jonker": the question with that number in that document."""
        if "vraag" not in query.lower():
            return []
        import re

        match = re.search(NUMBER, query, re.IGNORECASE)
        if not match:
            return []
        rest = set(re.findall(r"[a-z0-9][a-z0-9-]*", query.lower()))
        rows = self.db.execute("SELECT document, vraag FROM nummer WHERE nummer = ?", (int(match.group(1)),)).fetchall()
        found = []
        for document, vraag in rows:
            facts = self._facts(vraag)
            if document in rest:
                found.append(self._hit(vraag, -1e9, [], facts))
        return found

    def _facts(self, item_id: str) -> dict:
        row = self.db.execute("SELECT facts FROM v WHERE id = ?", (item_id,)).fetchone()
        return marshal.loads(row[0])

    def _hit(self, item_id: str, score: float, words: list[str], facts: dict) -> Hit:
        return Hit(item_id, facts["vraag"], snippet(facts, words), facts["status"], facts["gecontroleerd"],
                   facts["documenten"], round(-score, 3) if score > -1e8 else 0.0, facts["nummers"])

    def close(self) -> None:
        self.db.close()


NUMBER = r"\bvraag\s+(\d+)\b"  # "vraag 13 DOC"


def _without_number(query: str) -> str:
    if "vraag" not in query.lower():
        return query
    import re

    return re.sub(NUMBER, " ", query, flags=re.IGNORECASE)


def _queries(words: list[str]) -> list[str]:
    if not words:
        return []
    quoted = ['"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words)]
    return [" AND ".join(quoted)] + ([" OR ".join(quoted)] if len(quoted) > 1 else [])


def _passes(facts: dict, f: Filters) -> bool:
    return ((not f.themas or bool(set(f.themas) & set(facts["themas_ids"])))
            and (not f.bronnen or bool(set(f.bronnen) & set(facts["bronnen_ids"])))
            and (not f.statussen or facts["status"] in f.statussen)
            and (not f.raadsleden or facts["raadslid_id"] in f.raadsleden)
            and (not f.documenten or bool(set(f.documenten) & set(facts["documenten"]))))


def snippet(facts: dict, words: list[str], width: int = 14) -> str:
    """A few words around the first match, the matched words marked with «»; the answer's start without one."""
    wanted = set(words)
    for column in ("vraag", "antwoord", "bronnen_tekst", "themas_tekst"):
        text = " ".join(str(facts.get(column) or "").split())
        tokens = text.split(" ")
        marks = [i for i, token in enumerate(tokens) if wanted and set(stems(token)) & wanted]
        if marks:
            start = max(0, marks[0] - width // 3)
            shown = tokens[start:start + width]
            out = " ".join(f"«{t}»" if i + start in marks else t for i, t in enumerate(shown))
            return ("… " if start else "") + out + (" …" if start + width < len(tokens) else "")
    tokens = " ".join(str(facts.get("antwoord") or "").split()).split(" ")
    return " ".join(tokens[:width]) + (" …" if len(tokens) > width else "")


def open_index(root, load) -> "Index | None":
    """The search index of a content root: the stored one when its stamp matches the content, else one
    built now from load() (the Library), or None without load. An unreadable index is removed and rebuilt."""
    path = index_path(root)
    stamp = content_stamp(root)
    if os.path.exists(path):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            found = db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            if found and found[0] == stamp:
                return Index(db)
            db.close()
        except sqlite3.DatabaseError:
            pass  # damaged or foreign: rebuilt below
    if load is None:
        return None
    started = time.perf_counter()
    build_index(load(), path, stamp)
    return Index(sqlite3.connect(f"file:{path}?mode=ro", uri=True), time.perf_counter() - started)


def build_index(lib, path: str, stamp: str) -> None:
    """Write the index of lib to path, atomically (a temporary file renamed into place)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    if os.path.exists(temporary):
        os.unlink(temporary)
    db = sqlite3.connect(temporary)
    try:
        db.executescript(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE v(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, facts BLOB);"
            "CREATE TABLE nummer(document TEXT, nummer INTEGER, vraag TEXT);"
            "CREATE INDEX nummer_by ON nummer(nummer);"
            "CREATE TABLE stem(word TEXT PRIMARY KEY, stem TEXT);"
            f"CREATE VIRTUAL TABLE tekst USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'unicode61 remove_diacritics 2');")
        rows, texts, numbers = [], [], []
        for rowid, facts in enumerate(_facts_of(lib), start=1):
            rows.append((rowid, facts["id"], marshal.dumps(facts)))
            texts.append((rowid, *(" ".join(stems(facts[c + "_zoek"])) for c in COLUMNS)))
            numbers += [(doc, n, facts["id"]) for doc, n in facts["nummers"].items()]
        db.executemany("INSERT INTO v VALUES (?, ?, ?)", rows)
        db.executemany(f"INSERT INTO tekst(rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})", texts)
        db.executemany("INSERT INTO nummer VALUES (?, ?, ?)", numbers)
        db.executemany("INSERT INTO stem VALUES (?, ?)", sorted(_STEMS.items()))
        db.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp,))
        db.commit()
    finally:
        db.close()
    os.replace(temporary, path)


def _facts_of(lib):
    """Per question: the rendered texts and the facts a hit shows and the filters use."""
    from briefings.content import model as m
    from briefings.publish.export import Expander

    expand = Expander(lib)
    numbers: dict[str, dict[str, int]] = {}
    used_in: dict[str, list[str]] = {}
    for doc in lib.documents():
        counter = 0

        def walk(onderdelen):
            nonlocal counter
            for o in onderdelen:
                for vid in o.vragen:
                    if vid not in numbers.setdefault(vid, {}) or doc.id not in numbers[vid]:
                        counter += 1
                        numbers[vid].setdefault(doc.id, counter)
                walk(o.onderdelen)

        walk(doc.onderdelen)
        for item in lib.uses(doc):
            if isinstance(item, m.Vraag):
                used_in.setdefault(item.id, []).append(doc.id)
    for q in lib.items("vraag"):
        vraag = " ".join(expand(q.vraag, (q.id,)).split())
        antwoord = expand.answer(q, (q.id,))
        themas = [lib.by_id[t].titel for t in q.themas if t in lib.by_id]
        bronnen = [f"{b.label()} {b.titel} {b.organisatie}" for b in (lib.by_id.get(i) for i in q.bronnen) if b]
        persoon = lib.by_id.get(q.gesteld_door) if q.gesteld_door else None
        raadslid = f"{persoon.naam} {persoon.partij or ''}".strip() if persoon else ""
        yield {
            "id": q.id, "vraag": vraag, "antwoord": antwoord, "status": q.status,
            "gecontroleerd": q.gecontroleerd.isoformat() if q.gecontroleerd else None,
            "documenten": used_in.get(q.id, []), "nummers": numbers.get(q.id, {}),
            "themas_ids": list(q.themas), "bronnen_ids": list(q.bronnen), "raadslid_id": q.gesteld_door,
            "bronnen_tekst": "; ".join(bronnen), "themas_tekst": "; ".join(themas),
            "vraag_zoek": f"{q.id.replace('-', ' ')} {vraag}", "antwoord_zoek": antwoord,
            "themas_zoek": " ".join(themas), "bronnen_zoek": " ".join(bronnen), "raadslid_zoek": raadslid,
        }


def render_hits(hits: list[Hit], fmt: str = "text", built_in: float | None = None) -> str:
    if fmt == "json":
        import json

        return json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2)
    if not hits:
        return "no questions found"
    out = []
    for h in hits:
        where = ", ".join(f"{d} (vraag {h.nummers[d]})" if d in h.nummers else d for d in h.documenten) or "no document"
        out += [f"{h.id}  [{h.status}, gecontroleerd {h.gecontroleerd or 'nooit'}]", f"  {h.vraag}",
                f"  {h.snippet}", f"  in: {where}", ""]
    return "\n".join(out).rstrip()


def search(project, load, query: str, filters: Filters = Filters(), fmt: str = "text",
           limit: int = 20, note=None) -> str:
    """`briefings zoek`: the hits for query, rendered; note() hears how long building the index took."""
    from briefings.paths import remember_content

    remember_content(project)  # so that the next search with a fresh index needs neither Click nor the settings
    return _search(project.content, load, query, filters, fmt, limit, note)


def _search(root, load, query: str, filters: Filters, fmt: str, limit: int, note) -> str | None:
    for attempt in (1, 2):
        index = open_index(root, load)
        if index is None:
            return None
        try:
            hits = index.search(query, filters, limit)
        except sqlite3.DatabaseError:  # damaged past its first pages: never trusted, built again
            if attempt == 2 or load is None:
                raise
            os.unlink(index_path(root))
            continue
        finally:
            index.close()
        if index.built_in is not None and note is not None:
            note(f"search index built in {index.built_in:.2f} s")
        return render_hits(hits, fmt)
    return ""


# -- `briefings zoek` with a fresh index, before Click -------------------------------------------------------

_LISTS = {"--thema": "themas", "--bron": "bronnen", "--status": "statussen", "--raadslid": "raadsleden",
          "--document": "documenten"}
STATUSES = ("concept", "afgestemd", "definitief")


def answer_search(args: list[str], root: str | None) -> bool:
    """Print what `briefings zoek ARGS` prints and True, when the index is fresh and ARGS hold only the options
    this knows; False when the command line must run (a stale index, anything unusual)."""
    from briefings.paths import known_content

    request = _search_request(args)
    content = known_content(root)
    if request is None or content is None:
        return False
    query, lists, fmt, limit = request
    try:
        text = _search(content, None, query, Filters(**lists), fmt, limit, None)
    except sqlite3.DatabaseError:
        return False
    if text is None:
        return False
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return True


def _search_request(args: list[str]):
    words: list[str] = []
    lists: dict[str, list[str]] = {}
    fmt, limit = "text", 20
    items = iter(args)
    for arg in items:
        name, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, False, None)
        if name in _LISTS or name in ("--format", "--limit"):
            value = value if has_value else next(items, None)
            if value is None or value.startswith("-"):
                return None
            if name == "--format":
                if value not in ("text", "json"):
                    return None
                fmt = value
            elif name == "--limit":
                if not (value.isdigit() and value.isascii() and int(value) >= 1):
                    return None
                limit = int(value)
            elif name == "--status" and value not in STATUSES:
                return None
            else:
                lists.setdefault(_LISTS[name], []).append(value)
        elif arg.startswith("-") or arg == "":
            return None
        else:
            words.append(arg)
    return (" ".join(words), lists, fmt, limit) if words else None
