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

import hashlib
import json
import os
import re
import sqlite3
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

SCHEMA_VERSION = "1"
COLUMNS = ("vraag", "antwoord", "themas", "bronnen", "raadslid")
WEIGHTS = (10.0, 4.0, 1.5, 1.0, 2.0)  # bm25 column weights, in COLUMNS order
WORD = re.compile(r"\w+", re.UNICODE)
NUMBER = re.compile(r"\bvraag\s+(\d+)\b", re.IGNORECASE)


@dataclass
class Hit:
    id: str
    vraag: str
    snippet: str
    status: str
    gecontroleerd: str | None
    documenten: list[str]
    score: float
    nummers: dict[str, int] = field(default_factory=dict)  # document id → the question's number there


@dataclass
class Filters:
    themas: tuple[str, ...] = ()
    bronnen: tuple[str, ...] = ()
    statussen: tuple[str, ...] = ()
    raadsleden: tuple[str, ...] = ()
    documenten: tuple[str, ...] = ()


# -- words -----------------------------------------------------------------------------------------------


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
    for word in WORD.findall(fold(text)):
        stem = _STEMS.get(word)
        if stem is None:
            if _STEMMER is None:  # the Dutch stemmer alone: the package's index imports every language
                from snowballstemmer.dutch_stemmer import DutchStemmer

                _STEMMER = DutchStemmer()
            stem = _STEMS[word] = _STEMMER.stemWord(word)
        out.append(stem)
    return out


# -- the index -------------------------------------------------------------------------------------------


def index_path(root: Path) -> Path:
    """In the user's cache folder; the name changes with briefings' code (which renders the texts). Not
    cache.cache_file: its key imports pydantic, which a search with a fresh index does not need."""
    import sys

    from briefings import __version__
    from briefings.content.cache import cache_folder

    package = Path(__file__).parents[1]
    parts = [SCHEMA_VERSION, __version__, sys.version]
    for path in sorted(package.rglob("*.py")):
        try:
            st = os.stat(path)
            parts.append(f"{path.relative_to(package)}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(path.name)
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return cache_folder(root) / f"zoek-{key}.sqlite"


def content_stamp(root: Path) -> str:
    """A digest of every content file's path, size and times: equal stamps, equal content (as the parse cache).
    A plain walk, without the loader's imports: a search with a fresh index loads nothing else."""
    parts = [SCHEMA_VERSION]
    stack = [str(root)]
    while stack:
        try:
            entries = sorted(os.scandir(stack.pop()), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            parts.append(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class Index:
    def __init__(self, connection: sqlite3.Connection, built_in: float | None = None):
        self.db = connection
        self.built_in = built_in  # seconds the index took to build in this run, None when it was fresh
        # the stems of the library's words, kept with the index: the stemmer is imported only for a new word
        _STEMS.update(self.db.execute("SELECT word, stem FROM stem"))

    def search(self, query: str, filters: Filters = Filters(), limit: int = 20) -> list[Hit]:
        hits = [h for h in self._by_number(query) if _passes(self._facts(h.id), filters)]
        seen = {h.id for h in hits}
        words = [s for s in stems(NUMBER.sub(" ", query)) if s]
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
        match = NUMBER.search(query)
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
        return json.loads(row[0])

    def _hit(self, item_id: str, score: float, words: list[str], facts: dict) -> Hit:
        return Hit(item_id, facts["vraag"], snippet(facts, words), facts["status"], facts["gecontroleerd"],
                   facts["documenten"], round(-score, 3) if score > -1e8 else 0.0, facts["nummers"])

    def close(self) -> None:
        self.db.close()


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


def open_index(root: Path, load: Callable[[], object]) -> Index:
    """The search index of a content root: the stored one when its stamp matches the content, else one
    built now from load() (the Library). An unreadable index is removed and rebuilt."""
    path = index_path(root)
    stamp = content_stamp(root)
    if path.exists():
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            found = db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            if found and found[0] == stamp:
                return Index(db)
            db.close()
        except sqlite3.DatabaseError:
            pass  # damaged or foreign: rebuilt below
    started = time.perf_counter()
    build_index(load(), path, stamp)
    return Index(sqlite3.connect(f"file:{path}?mode=ro", uri=True), time.perf_counter() - started)


def build_index(lib, path: Path, stamp: str) -> None:
    """Write the index of lib to path, atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary)
    try:
        db.executescript(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE v(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, facts TEXT);"
            "CREATE TABLE nummer(document TEXT, nummer INTEGER, vraag TEXT);"
            "CREATE INDEX nummer_by ON nummer(nummer);"
            "CREATE TABLE stem(word TEXT PRIMARY KEY, stem TEXT);"
            f"CREATE VIRTUAL TABLE tekst USING fts5({', '.join(COLUMNS)}, "
            "tokenize = 'unicode61 remove_diacritics 2');")
        rows, texts, numbers = [], [], []
        for rowid, facts in enumerate(_facts_of(lib), start=1):
            rows.append((rowid, facts["id"], json.dumps(facts, ensure_ascii=False)))
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
        return json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2)
    if not hits:
        return "no questions found"
    out = []
    for h in hits:
        where = ", ".join(f"{d} (vraag {h.nummers[d]})" if d in h.nummers else d for d in h.documenten) or "no document"
        out += [f"{h.id}  [{h.status}, gecontroleerd {h.gecontroleerd or 'nooit'}]", f"  {h.vraag}",
                f"  {h.snippet}", f"  in: {where}", ""]
    return "\n".join(out).rstrip()


def search(root: Path, load: Callable[[], object], query: str, filters: Filters = Filters(), fmt: str = "text",
           limit: int = 20, note: Callable[[str], None] | None = None) -> str:
    """`briefings zoek`: the hits for query, rendered; note() hears how long building the index took."""
    for attempt in (1, 2):
        index = open_index(root, load)
        try:
            hits = index.search(query, filters, limit)
        except sqlite3.DatabaseError:  # damaged past its first pages: never trusted, built again
            if attempt == 2:
                raise
            index_path(root).unlink(missing_ok=True)
            continue
        finally:
            index.close()
        if index.built_in is not None and note is not None:
            note(f"search index built in {index.built_in:.2f} s")
        return render_hits(hits, fmt)
    return ""
