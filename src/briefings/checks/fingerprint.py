"""Fingerprints of what an answer rests on, and `review`, which records one in the question's file.

An answer rests on its own text, the figures it cites, the sources behind it, the measures it names and
the answers it takes over. When any of these changes after a review, the stored fingerprint no longer matches and the
suspect-answer check flags the answer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

from briefings.content import model as m
from briefings.errors import BriefingsError, ContentError, Location
from briefings.content.library import Library, walk_refs
from briefings.content.load import display_path
from briefings.content.positions import remember
from briefings.content.fmt import format_text
from briefings.writers.files import write_text_atomic

FIGURE_FIELDS = ("waarde", "eenheid", "peildatum", "bron", "benadering")
SOURCE_FIELDS = ("titel", "jaar", "soort", "referentie")
MEASURE_FIELDS = ("titel", "status", "beschrijving")


def rests_on(lib: Library, vraag: m.Vraag, answers: list[m.Vraag] | None = None) -> list[m.Item]:
    """The figures a question cites, then its sources and those of its figures, then its measures; an answer
    taken over (antwoord_van, [[antwoord:id]]) brings what it rests on. `answers`: lib.answer_sources(vraag),
    when the caller has them already."""
    figures, sources, measures = {}, {}, {}
    by_id = lib.by_id
    for current in (vraag, *(lib.answer_sources(vraag) if answers is None else answers)):
        known = lib.refs.get(current.id) if by_id.get(current.id) is current else None  # resolved at load
        for link in walk_refs(current) if known is None else known:
            target = by_id.get(link.target)
            if target is None:
                continue
            kind = type(target)
            if kind is m.Cijfer and link.inline:
                figures[target.id] = target
            elif kind is m.Maatregel:
                measures[target.id] = target
            elif kind is m.Bron and link.field == "bronnen":
                sources[target.id] = target
    for cijfer in figures.values():
        bron = lib.cijfer_bron(cijfer)
        if bron is not None:
            sources.setdefault(bron.id, bron)
    return [*figures.values(), *sources.values(), *measures.values()]


def _norm(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical(lib: Library, vraag: m.Vraag) -> str:
    """The canonical JSON a fingerprint is taken of: content only, key-sorted, whitespace-normalised. It covers
    the answer's own text and that of every answer it takes over, so rewording either makes it suspect."""
    parts: dict[str, dict[str, str]] = {"antwoord": {}, "bron": {}, "cijfer": {}, "maatregel": {}}  # in key order
    answers = lib.answer_sources(vraag)
    for current in (vraag, *answers):
        parts["antwoord"][current.id] = remember(current, "answer_json", _answer_json)
    for item in rests_on(lib, vraag, answers):
        parts[item.kind][item.id] = remember(item, "fingerprint", _content)
    # json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) of the kind → id → fields
    # mapping, put together from each item's own encoded fields (ids need no escaping: see model.Id)
    return "{" + ",".join(f'"{kind}":{{' + ",".join(f'"{i}":{found[i]}' for i in sorted(found)) + "}"
                          for kind, found in parts.items()) + "}"


def answer_text(vraag: m.Vraag) -> str:
    """What of an answer's own text a fingerprint covers: its words (layout and whitespace aside) and the
    answer it takes over."""
    text = _norm(vraag.antwoord or "")
    return f"{text} [[antwoord_van:{vraag.antwoord_van}]]" if vraag.antwoord_van else text


def _answer_json(vraag: m.Vraag) -> str:
    """answer_text encoded as in the canonical JSON; it depends on the question's own file alone, so it is
    kept with the question (and in the parse cache)."""
    return json.dumps(answer_text(vraag), ensure_ascii=False)


_FIELDS = {m.Cijfer: FIGURE_FIELDS, m.Bron: SOURCE_FIELDS, m.Maatregel: MEASURE_FIELDS}


def _content(item: m.Item) -> str:
    """What of an item counts for the fingerprints of answers resting on it (its own file's content only:
    a figure's bron and peildatum may come from the top of its file)."""
    values = item.__dict__
    return json.dumps({f: _norm(values[f]) for f in _FIELDS[type(item)]}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


def fingerprint(lib: Library, vraag: m.Vraag) -> str:
    return hashlib.sha256(canonical(lib, vraag).encode("utf-8")).hexdigest()[:16]


# --- review ------------------------------------------------------------------------------------------


def review(lib: Library, ids: list[str], today: dt.date, door: str | None = None) -> list[Path]:
    """Record a review (date, fingerprint, reviewer) in each question's file. Every id is checked
    before any file is written; each file is rewritten atomically, comments and layout kept."""
    vragen = [lib.get(i, "vraag") for i in dict.fromkeys(ids)]
    if door is not None:
        lib.get(door, "persoon")
    files = {display_path(p): p for p in lib.content.files}
    updates = []
    for vraag in vragen:
        path = files.get(vraag._path, Path(vraag._path))
        entry = {"datum": today, **({"door": door} if door else {}), "vingerafdruk": fingerprint(lib, vraag)}
        updates.append((path, _keep_canonical(path, _with_review(path, entry))))
    for path, text in updates:
        write_text_atomic(path, text)  # keeps the file's mode
    return [path for path, _ in updates]


def _keep_canonical(path: Path, text: str) -> str:
    """A file that was in `briefings fmt` form stays in it; any other keeps its own layout."""
    original = path.read_bytes().decode("utf-8")
    shown = display_path(path)
    try:
        if format_text(original, "vragen", shown) == original:
            return format_text(text, "vragen", shown)
    except BriefingsError:
        pass
    return text


def _with_review(path: Path, entry: dict) -> str:
    """The file's text with `beoordeling` set to entry, via a ruamel round trip."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    original = path.read_bytes().decode("utf-8")  # not read_text: keep \r\n visible
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(**_indentation(original))
    data = yaml.load(original)
    value = CommentedMap(entry)
    if "beoordeling" in data:
        data["beoordeling"] = value
    else:
        keys = list(data)
        at = keys.index("gecontroleerd") + 1 if "gecontroleerd" in keys else len(keys)
        data.insert(at, "beoordeling", value)
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    if "\r\n" in original:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    _validate(text, display_path(path))
    return text


def _indentation(text: str) -> dict:
    """The block-sequence indentation the file already uses, so a round trip keeps it."""
    match = re.search(r"^( *)[\w-]+:[ \t]*(?:#.*)?\r?\n( *)- ", text, re.MULTILINE)
    if match and len(match.group(2)) > len(match.group(1)):
        offset = len(match.group(2)) - len(match.group(1))
        return {"mapping": 2, "sequence": offset + 2, "offset": offset}
    return {"mapping": 2, "sequence": 2, "offset": 0}


def _validate(text: str, shown: str) -> None:
    """Refuse to write a file the loader would reject."""
    from pydantic import ValidationError

    from briefings.content.yamlpos import load_yaml

    try:
        m.Vraag.model_validate(load_yaml(text, shown))
    except ValidationError as exc:
        raise ContentError(f"review would make the file invalid: {exc.errors()[0]['msg']}", Location(shown)) from None
