"""Safe YAML loading that remembers where every key and value stands.

Mappings load as `PosDict` and sequences as `PosList`; both keep the
position of each entry so that validation errors can name a line and column.
"""
from __future__ import annotations

import yaml

from .errors import ContentError, Location

try:  # the C loader is several times faster; fall back where libyaml is missing
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader


class Pos(tuple):
    """(line, col), 1-based, plus the scalar style ('|', '>', quotes or None)."""

    __slots__ = ()

    def __new__(cls, mark, style=None):
        return tuple.__new__(cls, (mark.line + 1, mark.column + 1, style))

    @property
    def line(self) -> int:
        return self[0]

    @property
    def col(self) -> int:
        return self[1]

    @property
    def style(self):
        return self[2]


class PosDict(dict):
    __slots__ = ("pos", "key_pos", "value_pos")


class PosList(list):
    __slots__ = ("pos", "item_pos")


class _Loader(_Base):
    def __init__(self, stream, path: str):
        super().__init__(stream)
        self.path = path


def _construct_mapping(loader: _Loader, node):
    data = PosDict()
    data.pos = Pos(node.start_mark)
    data.key_pos, data.value_pos = {}, {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _error(loader, key_node.start_mark, "a key must be a plain word, not a list or mapping")
        if key in data:
            first = data.key_pos[key]
            raise _error(
                loader,
                key_node.start_mark,
                f"duplicate key '{key}' (first at line {first.line})",
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_pos[key] = Pos(key_node.start_mark)
        data.value_pos[key] = Pos(value_node.start_mark, getattr(value_node, "style", None))
    return data


def _construct_sequence(loader: _Loader, node):
    data = PosList(loader.construct_object(child, deep=True) for child in node.value)
    data.pos = Pos(node.start_mark)
    data.item_pos = [Pos(child.start_mark, getattr(child, "style", None)) for child in node.value]
    return data


def _refuse_tag(loader: _Loader, suffix, node):
    raise _error(loader, node.start_mark, f"tag '{node.tag}' is not allowed; content files hold plain data only")


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:omap", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_multi_constructor("", _refuse_tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse_tag)


def _error(loader: _Loader, mark, message: str) -> ContentError:
    return ContentError(message, Location(loader.path, mark.line + 1, mark.column + 1))


def load_yaml(text: str, path: str):
    """Parse one YAML document; every failure is a ContentError with a location."""
    if "\x00" in text:
        raise ContentError("file holds a NUL byte; is it a binary file?", Location(path, 1, 1))
    loader = _Loader(text, path)
    try:
        return loader.get_single_data()
    except ContentError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise ContentError(f"invalid YAML: {problem}", loc) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", Location(path, 1, 1)) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        raise ContentError(f"invalid YAML: {type(exc).__name__}: {exc}", Location(path, 1, 1)) from None
    finally:
        loader.dispose()


def position_of(data, loc: tuple, key_itself: bool = False) -> Pos | None:
    """The position of the value at `loc` inside loaded data, or the nearest parent's."""
    best = getattr(data, "pos", None)
    node = data
    for i, step in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, PosDict) and step in node:
            best = node.key_pos[step] if (last and key_itself) else node.value_pos[step]
            node = node[step]
        elif isinstance(node, PosList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_pos[step]
            node = node[step]
        else:
            break
    return best
