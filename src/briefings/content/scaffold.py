"""`briefings nieuw KIND`: a new content file with the schema line, the required keys and the allowed values
as comments, formatted as `briefings fmt` would, that passes `briefings check` at once."""
from __future__ import annotations

import datetime as dt
import json
import re
import typing
from pathlib import Path

from briefings.content import model as m
from briefings.content.fmt import format_text
from briefings.content.library import Library
from briefings.content.load import display_path
from briefings.errors import BriefingsError, Location, did_you_mean

TODO = "[invullen]"  # the placeholder rule flags it once a document uses the item
KINDS: dict[str, tuple[str, type[m.Model], str]] = {  # kind → (folder, model, schema file)
    "vraag": ("vragen", m.Vraag, "vraag"),
    "persoon": ("personen", m.Persoon, "persoon"),
    "cijfer": ("cijfers", m.CijferBestand, "cijfers"),
    "kernboodschap": ("kernboodschap", m.Kernboodschap, "kernboodschap"),
    "maatregel": ("maatregelen", m.Maatregel, "maatregel"),
    "toezegging": ("toezeggingen", m.Toezegging, "toezegging"),
    **{soort: ("documenten", cls, f"document-{soort}") for soort, cls in m.DOCUMENT_SOORTEN.items()},
}
DEFAULTS = {"status": "concept", "classificatie": "intern"}


def create(lib: Library, kind: str, item_id: str, values: dict[str, str], basis: str | None = None,
           today: dt.date | None = None) -> Path:
    """Write content/<folder>/<id>.yaml; refuses an existing id or file. Returns the path written."""
    from briefings.writers.files import write_text_atomic

    today = today or dt.date.today()
    if kind not in KINDS:
        raise BriefingsError(f"unknown kind '{kind}'", hint=did_you_mean(kind, KINDS) or f"kinds: {', '.join(KINDS)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", item_id or ""):
        raise BriefingsError(f"'{item_id}' is not a valid id", hint="lowercase letters, digits and hyphens, e.g. "
                             "annotatie-fkd-2025-01")
    if item_id in lib.by_id:
        raise BriefingsError(f"id '{item_id}' is already used by the {lib.by_id[item_id].kind} at "
                             f"{Location(lib.by_id[item_id]._path, lib.by_id[item_id]._line)}",
                             hint="ids are unique across the library; pick another")
    folder, cls, schema = KINDS[kind]
    path = Path(lib.root) / folder / f"{item_id}.yaml"
    if path.exists():
        raise BriefingsError("file exists", Location(display_path(path)), "pick another id")
    if basis is not None:
        body = _from_basis(lib, kind, item_id, basis, values, today)
    else:
        body = _fresh(lib, kind, cls, item_id, values, today)
    text = f"# yaml-language-server: $schema=../../schemas/{schema}.schema.json\n" + body
    text = format_text(text, folder, display_path(path))
    _validate(text, folder, display_path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    return path


def _fresh(lib: Library, kind: str, cls, item_id: str, values: dict, today: dt.date) -> str:
    if cls is m.CijferBestand:
        bron = values.get("bron") or _first(lib, "bron")
        return (f"bron: {bron}\npeildatum: {today.isoformat()}\ncijfers:\n  - id: {item_id}\n    waarde: 0\n"
                f"    eenheid: procent   # procent | aantal\n    omschrijving: {json.dumps(values.get('omschrijving', TODO))}\n")
    lines = []
    for name, info in cls.model_fields.items():
        if name == "id":
            lines.append(f"id: {item_id}")
            continue
        if name not in values and not info.is_required():
            continue
        value, comment = _value(lib, kind, name, info, values, today)
        lines.append(f"{name}: {value}" + (f"   # {comment}" if comment else ""))
    return "\n".join(lines) + "\n"


def _value(lib: Library, kind: str, name: str, info, values: dict, today: dt.date) -> tuple[str, str]:
    ref_kind, is_md = field_meta_of(info)
    choices = _literal(info.annotation)
    if name == "soort" and kind in m.DOCUMENT_SOORTEN:
        return kind, ""
    if name in values:
        given = values[name]
        return (json.dumps(given, ensure_ascii=False) if not choices else given), (" | ".join(choices) if choices else "")
    if choices:
        default = DEFAULTS.get(name)
        return (default if default in choices else choices[0]), " | ".join(choices)
    if ref_kind:
        first = _first(lib, ref_kind, name)
        return first, f"a {ref_kind} id"
    if info.annotation in (dt.date,):
        return today.isoformat(), ""
    origin = typing.get_origin(info.annotation)
    if origin is list:
        return json.dumps([f"- {TODO}"], ensure_ascii=False), ""
    if info.annotation in (int, float):
        return "1", ""
    return json.dumps(TODO), ""


def field_meta_of(info) -> tuple[str | None, bool]:
    kind = next((x.kind for x in info.metadata if isinstance(x, m.Ref)), None)
    return kind, any(x is m.MD for x in info.metadata)


def _literal(annotation) -> list[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    for arg in typing.get_args(annotation):
        found = _literal(arg)
        if found:
            return found
    return []


def _first(lib: Library, kind: str, name: str = "") -> str:
    items = lib.items(kind)
    if kind == "persoon" and name == "voor":
        items = [p for p in items if p.rol == "wethouder"] or items
    if not items:
        raise BriefingsError(f"no {kind} in the library to refer to", hint=f"create one first: briefings nieuw {kind}")
    return items[0].id


def _from_basis(lib: Library, kind: str, item_id: str, basis: str, values: dict, today: dt.date) -> str:
    """An earlier document's spec as the start of a new one: same sections and questions, new id and date,
    status concept, nothing of its sending."""
    import io

    from ruamel.yaml import YAML

    doc = lib.get(basis, "document")
    if doc.soort != kind:
        raise BriefingsError(f"'{basis}' is a {doc.soort}, not a {kind}", hint=f"briefings nieuw {doc.soort} "
                             f"--op-basis-van {basis}")
    source = Path(doc._path)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(source.read_text(encoding="utf-8"))
    data["id"] = item_id
    data["datum"] = today
    data["status"] = "concept"
    for key in ("verzending", "kenmerk"):
        data.pop(key, None)
    data.ca.items.pop("status", None)  # a remark about the earlier document's state
    data.ca.comment = None  # the earlier document's heading remarks
    for key, value in values.items():
        data[key] = value
    out = io.StringIO()
    yaml.dump(data, out)
    lines = out.getvalue().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("# yaml-language-server"))


def _validate(text: str, folder: str, shown: str) -> None:
    """Refuse to write a file the loader would reject (a wrong value given as an option)."""
    import os
    import tempfile

    from briefings.content.load import parse_file

    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        parse_file(name, folder, shown)
    finally:
        os.unlink(name)
