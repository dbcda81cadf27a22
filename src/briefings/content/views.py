"""`list` and `show`: the library as tables and as one item with its links."""
from __future__ import annotations

import datetime as dt
import json

from briefings.content import model as m
from briefings.errors import BriefingsError, did_you_mean
from briefings.content.library import Library
from briefings.content.positions import locate

COLUMNS = {
    "vraag": ["id", "status", "classificatie", "gesteld_door", "vraag"],
    "maatregel": ["id", "thema", "status", "soort", "titel"],
    "bron": ["id", "soort", "jaar", "organisatie", "titel"],
    "cijfer": ["id", "waarde", "eenheid", "peildatum", "bron", "omschrijving"],
    "aanbeveling": ["id", "bron", "reactie", "maatregelen", "tekst"],
    "bevinding": ["id", "bron", "tekst"],
    "document": ["id", "soort", "datum", "status", "classificatie", "titel"],
    "thema": ["id", "nummer", "pijler", "titel"],
    "persoon": ["id", "rol", "partij", "naam"],
    "toezegging": ["id", "soort", "status", "uiterlijk", "door", "tekst"],
    "kernboodschap": ["id", "status", "classificatie", "titel"],
    "prestatieafspraken": ["id", "spoor", "titel"],
    "prestatieafspraak": ["id", "prestatieafspraken", "nummer", "tekst"],
}
ALIASES = {"vragen": "vraag", "maatregelen": "maatregel", "bronnen": "bron", "cijfers": "cijfer",
           "aanbevelingen": "aanbeveling", "documenten": "document", "themas": "thema", "personen": "persoon",
           "toezeggingen": "toezegging", "bevindingen": "bevinding"}


def _value(lib: Library, item: m.Item, column: str):
    if column == "maatregelen" and isinstance(item, m.Aanbeveling):
        return ", ".join(x.id for x in lib.measures_for(item.id))
    if column in ("bron", "prestatieafspraken") and item._parent and not hasattr(item, column) or (
        column == "bron" and isinstance(item, (m.Aanbeveling, m.Bevinding))
    ):
        return item._parent
    value = getattr(item, column, None)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    if isinstance(value, str):
        value = " ".join(value.split())
    return "" if value is None else value


def resolve_kind(kind: str) -> str:
    kind = ALIASES.get(kind, kind)
    if kind not in COLUMNS:
        raise BriefingsError(f"unknown kind '{kind}'", hint=did_you_mean(kind, [*COLUMNS, *ALIASES])
                             or f"kinds: {', '.join(COLUMNS)}")
    return kind


def list_items(lib: Library, kind: str, fmt: str = "table") -> str:
    kind = resolve_kind(kind)
    columns = COLUMNS[kind]
    rows = [[_value(lib, item, c) for c in columns] for item in lib.items(kind)]
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=2)
    return table(columns, rows)


def table(columns: list[str], rows: list[list], width: int = 160) -> str:
    texts = [[str(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in texts]) for i, c in enumerate(columns)]
    fixed = sum(widths[:-1]) + 2 * (len(widths) - 1)
    widths[-1] = max(10, min(widths[-1], width - fixed))
    def line(values):
        cells = [v if len(v) <= w else v[: w - 1] + "…" for v, w in zip(values, widths)]
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in texts]
    out.append(f"({len(rows)} {'item' if len(rows) == 1 else 'items'})")
    return "\n".join(out)


def reuse(lib: Library, vraag: m.Vraag) -> dict:
    """Which answers this one takes over, which questions take it over, and the documents it lands in."""
    users = lib.reused_by(vraag)
    return {
        "takes_over": [q.id for q in lib.answer_sources(vraag)],
        "taken_over_by": [q.id for q in users],
        "documents": [d.id for d in lib.documents() if any(x is vraag for x in lib.uses(d))],
    }


def _reuse_lines(lib: Library, vraag: m.Vraag) -> list[str]:
    info = reuse(lib, vraag)
    out = []
    if info["takes_over"]:
        out.append(f"  takes over the answer of: {', '.join(info['takes_over'])}")
    out.append(f"  answer taken over by: {', '.join(info['taken_over_by']) or 'nothing'}")
    out.append(f"  in documents: {', '.join(info['documents']) or 'none'}")
    return out


def describe(lib: Library, item: m.Item) -> dict:
    data = item.model_dump(mode="json", exclude_none=True)
    for key in ("bevindingen", "aanbevelingen", "cijfers", "doelen"):
        if key in data and isinstance(item, (m.Bron, m.Prestatieafspraken)):
            data[key] = [x.get("id", x.get("titel")) for x in data[key]]
    return {
        "kind": item.kind,
        "id": item.id,
        "location": str(locate(item)),
        "parent": item._parent,
        "fields": data,
        "refers_to": [{"field": link.field, "kind": link.kind, "id": link.target} for link in lib.outgoing(item)],
        "referred_by": [{"kind": link.source.kind, "id": link.source.id, "field": link.field,
                         "location": str(link.location)} for link in lib.incoming.get(item.id, ())],
        **({"reuse": reuse(lib, item)} if isinstance(item, m.Vraag) else {}),
    }


def show_item(lib: Library, item_id: str, fmt: str = "text") -> str:
    item = lib.get(item_id)
    info = describe(lib, item)
    if fmt == "json":
        return json.dumps(info, ensure_ascii=False, indent=2)
    out = [f"{item.kind} {item.id}  ({info['location']})"]
    if item._parent:
        out.append(f"  in: {item._parent}")
    for key, value in info["fields"].items():
        if key == "id":
            continue
        if isinstance(value, str) and "\n" in value.strip():
            out.append(f"  {key}:")
            out += [f"    {ln}" for ln in value.rstrip().splitlines()]
        else:
            out.append(f"  {key}: {value}")
    if isinstance(item, m.Vraag):
        out += _reuse_lines(lib, item)
    if isinstance(item, m.Aanbeveling):
        measures = lib.measures_for(item.id)
        out.append(f"  answered by: {', '.join(x.id for x in measures) or '(no measure)'}")
    out.append("  refers to:" if info["refers_to"] else "  refers to: nothing")
    out += [f"    {r['kind']} {r['id']}  (via {r['field']})" for r in info["refers_to"]]
    out.append("  referred by:" if info["referred_by"] else "  referred by: nothing")
    out += [f"    {r['kind']} {r['id']}  (via {r['field']}, {r['location']})" for r in info["referred_by"]]
    return "\n".join(out)
