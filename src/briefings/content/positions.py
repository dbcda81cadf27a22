"""Where loaded items stand in their files, and facts derived from one file alone.

Every model object knows its file and keeps its loaded data with positions (yamlpos.PosDict), so
checks and errors can point at `path:line:col` long after loading.
"""
from __future__ import annotations

from pydantic import BaseModel

from briefings.content import model as m
from briefings.content.yamlpos import PosDict, PosList, position_of
from briefings.errors import Location


_WRITTEN: set[str] = set()  # files (as shown) whose items gained a fact, for the parse cache to store


def remember(item: m.Item, key, compute):
    """A fact derived from the item's own content alone, computed once and kept on the item.

    The parse cache stores items with these facts, so a warm run skips deriving them. Only facts
    that depend on nothing but the item's file may be kept here: the cache is checked against
    that file (and against the code that derives them), nothing else."""
    memo = item.__dict__.get("_memo")
    if memo is None:
        memo = item.__dict__["_memo"] = {}
    found = memo.get(key)
    if found is None:
        found = memo[key] = compute(item)
        _WRITTEN.add(getattr(item, "_path", ""))
    return found


def take_written() -> set[str]:
    """The files (as shown) whose items gained facts since the last call."""
    written = set(_WRITTEN)
    _WRITTEN.clear()
    return written


def locate(obj: BaseModel, *loc) -> Location:
    """Where a model object, or one of its fields (loc), stands in its file."""
    path = getattr(obj, "_path", "") or "?"
    if not loc and isinstance(obj, m.Item) and obj._line:
        return Location(path, obj._line, obj._col)
    raw = raw_of(obj)
    pos = position_of(raw, tuple(loc)) if raw is not None else None
    return Location(path, pos.line, pos.col) if pos else Location(path)


# Files loaded from the parse cache keep their positions packed until a location is asked for:
# shown path → (the file's object, packed positions), for the latest load of that path (so a process
# that loads libraries again and again keeps one entry per file, not one per load).
_PACKED: dict[str, tuple[BaseModel, bytes]] = {}


def raw_of(obj: BaseModel):
    """The loaded data of a model object, with positions (yamlpos.PosDict); None if unknown.
    For a file from the parse cache the values are left out: only positions and keys are there."""
    raw = obj.__dict__.get("_raw")
    if raw is None:
        path = getattr(obj, "_path", None)
        pending = _PACKED.pop(path, None) if path else None
        if pending is not None:
            from briefings.content.yamlpos import unpack_positions

            attach(pending[0], unpack_positions(pending[1]), path)
            raw = obj.__dict__.get("_raw")
    return raw


def keep_packed(shown: str, obj: BaseModel, packed: bytes) -> None:
    _PACKED[shown] = (obj, packed)


def attach(obj, raw, path: str) -> None:
    """Give every model object in the tree its raw data and file, for locations later."""
    if not isinstance(obj, BaseModel):
        return
    obj._raw = raw
    obj._path = path
    pos = getattr(raw, "pos", None)
    if isinstance(obj, m.Item) and pos:
        obj._line, obj._col = pos.line, pos.col
    if not isinstance(raw, PosDict):
        return
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        sub = raw.get(name)
        if isinstance(value, BaseModel):
            attach(value, sub, path)
        elif isinstance(value, list) and isinstance(sub, PosList):
            for child, child_raw in zip(value, sub):
                attach(child, child_raw, path)
