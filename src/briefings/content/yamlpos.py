"""Safe YAML loading that remembers where every key and value stands.

Mappings load as `PosDict` and sequences as `PosList`; both keep the
position of each entry so that validation errors can name a line and column.
"""
from __future__ import annotations

import math

import yaml

from briefings.errors import ContentError, Location

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


# Positions are stored packed in one int per entry (line, column, and for values the scalar style),
# which keeps loaded files small in memory and quick to cache; Pos objects are made on request.
_STYLES = (None, "|", ">", "'", '"', "")
_STYLE_CODE = {style: code for code, style in enumerate(_STYLES)}
_COL_BITS, _LINE_MAX, _COL_MAX = 24, (1 << 25) - 1, (1 << 24) - 1
_POS_BITS = 25 + _COL_BITS


def _pack(mark) -> int:
    return min(mark.line + 1, _LINE_MAX) << _COL_BITS | min(mark.column + 1, _COL_MAX)


def _pack_value(node) -> int:
    return _pack(node.start_mark) << 3 | _STYLE_CODE.get(getattr(node, "style", None), 0)


def _unpack(packed: int, style=None) -> Pos:
    return tuple.__new__(Pos, (packed >> _COL_BITS, packed & _COL_MAX, style))


def _unpack_value(packed: int) -> Pos:
    return _unpack(packed >> 3, _STYLES[packed & 7])


class PosDict(dict):
    """A mapping that knows where it, each key and each value stand."""

    __slots__ = ("_at", "_kv")  # packed position; key → packed key position << _POS_BITS + 3 | value

    @property
    def pos(self) -> Pos:
        return _unpack(self._at)

    def key_position(self, key) -> Pos:
        return _unpack(self._kv[key] >> (_POS_BITS + 3))

    def value_position(self, key) -> Pos:
        return _unpack_value(self._kv[key] & ((1 << (_POS_BITS + 3)) - 1))


class PosList(list):
    """A sequence that knows where it and each item stand."""

    __slots__ = ("_at", "_items")

    @property
    def pos(self) -> Pos:
        return _unpack(self._at)

    def item_position(self, index: int) -> Pos:
        return _unpack_value(self._items[index])


class _Loader(_Base):
    def __init__(self, stream, path: str):
        super().__init__(stream)
        self.path = path
        self.built = {}  # collection node → object, so an alias shares its anchor's object
        self.depth = 0


class _PyLoader(yaml.SafeLoader):
    """The pure-Python loader, for files nested so deeply that libyaml's recursion could crash the process."""

    def __init__(self, stream, path: str):
        super().__init__(stream)
        self.path = path
        self.built = {}
        self.depth = 0


MAX_DEPTH = 100  # content files nest a few levels; deeper is a mistake (or an attack)
_NESTING = ("[", "{", "- ", "-\n", ": ", ":\n", "? ")
_C_SAFE_NESTING = 10_000  # libyaml composes recursively in C; 20,000 levels pass, 50,000 crash it


def _may_nest_deeply(text: str) -> bool:
    """Whether the text could nest deeper than libyaml can safely compose (a cheap upper bound)."""
    total = 0
    for indicator in _NESTING:
        total += text.count(indicator)
        if total > _C_SAFE_NESTING:
            return True
    return False


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS = {tag: yaml.SafeLoader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp")}
_SCALAR_NAMES = {"tag:yaml.org,2002:timestamp": "date", "tag:yaml.org,2002:int": "whole number",
                 "tag:yaml.org,2002:float": "number"}
_FLOAT = "tag:yaml.org,2002:float"
_BUSY = object()

# Aliases (*name) reuse what an anchor (&name) holds. Loading shares the object, but anything that walks or
# prints the data sees it expanded, so a 1 KB file of nested aliases could stand for billions of values.
# A file may use aliases only within these limits, whatever field they are in.
MAX_ALIASES = 1_000  # alias uses per file
MAX_ALIAS_VALUES = 10_000  # values that the aliases stand for, all together
MAX_ALIAS_CHARS = 1_000_000  # characters of text that the aliases stand for, all together


def _build(loader: _Loader, node):
    """The Python value of a node: the common tags directly, anything else through PyYAML's constructors."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        scalar = _SCALARS.get(tag)
        if scalar is None:
            return loader.construct_object(node, deep=True)
        try:
            value = scalar(loader, node)
        except (ValueError, OverflowError) as exc:  # 2024-02-30, or a number too large
            what = _SCALAR_NAMES.get(tag, tag)
            raise _error(loader, node.start_mark, f"'{node.value:.40}' is not a valid {what}: {exc}")
        if tag == _FLOAT and not math.isfinite(value):  # .nan, .inf: "NaN%" must never reach a document
            raise _error(loader, node.start_mark, f"'{node.value:.40}' is not a finite number",
                         "give a number like 55 or 12.5")
        return value
    built = loader.built.get(node)
    if built is _BUSY:
        raise _error(loader, node.start_mark, "an alias refers to the mapping or list that holds it")
    if built is not None:
        return built
    if loader.depth >= MAX_DEPTH:
        raise _error(loader, node.start_mark, f"nested more than {MAX_DEPTH} levels deep")
    loader.built[node] = _BUSY
    loader.depth += 1
    if tag == _MAP:
        built = _construct_mapping(loader, node)
    elif tag == _SEQ:
        built = _construct_sequence(loader, node)
    else:
        built = loader.construct_object(node, deep=True)
    loader.depth -= 1
    loader.built[node] = built
    return built


def _construct_mapping(loader: _Loader, node):
    data = PosDict()
    data._at = _pack(node.start_mark)
    positions = data._kv = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _build(loader, key_node)
        try:
            hash(key)
        except TypeError:
            raise _error(loader, key_node.start_mark, "a key must be a plain word, not a list or mapping")
        if key in data:
            first = data.key_position(key)
            raise _error(
                loader,
                key_node.start_mark,
                f"duplicate key '{key}' (first at line {first.line})",
            )
        data[key] = _build(loader, value_node)
        positions[key] = _pack(key_node.start_mark) << (_POS_BITS + 3) | _pack_value(value_node)
    return data


def _construct_sequence(loader: _Loader, node):
    data = PosList(_build(loader, child) for child in node.value)
    data._at = _pack(node.start_mark)
    data._items = [_pack_value(child) for child in node.value]
    return data


class _AliasBudget:
    """Counts what the aliases in a composed file stand for, before anything expands them (MAX_ALIAS_*).

    Linear in the nodes the file holds: what each node stands for is measured once."""

    def __init__(self, loader):
        self.loader = loader
        self.measured: dict[int, tuple[int, int]] = {}  # id(node) → (values, characters) it stands for
        self.aliases = self.values = self.chars = 0

    def measure(self, node, depth: int) -> tuple[int, int]:
        key = id(node)
        known = self.measured.get(key)
        if known is not None:
            if known is not _BUSY:  # a recursive alias is _build's to report
                self._spend(node, known)
            return known if known is not _BUSY else (1, 0)
        if isinstance(node, yaml.ScalarNode):
            size = (1, len(node.value))
        elif depth > MAX_DEPTH:  # _build reports the nesting
            size = (1, 0)
        else:
            self.measured[key] = _BUSY
            values, chars = 1, 0
            children = node.value if isinstance(node, yaml.SequenceNode) else (
                child for pair in node.value for child in pair)
            for child in children:
                v, c = self.measure(child, depth + 1)
                values, chars = values + v, chars + c
            size = (values, chars)
        self.measured[key] = size
        return size

    def _spend(self, node, size: tuple[int, int]) -> None:
        self.aliases += 1
        self.values += size[0]
        self.chars += size[1]
        for used, limit, what in ((self.aliases, MAX_ALIASES, "alias uses"),
                                  (self.values, MAX_ALIAS_VALUES, "values"),
                                  (self.chars, MAX_ALIAS_CHARS, "characters")):
            if used > limit:
                raise _error(self.loader, node.start_mark,
                             f"alias expansion exceeds {limit:,} {what}, the limit for aliases in one file",
                             "write the values out instead of repeating an '&anchor' through '*aliases'")


def _refuse_tag(loader: _Loader, suffix, node):
    raise _error(loader, node.start_mark, f"tag '{node.tag}' is not allowed; content files hold plain data only")


for _cls in (_Loader, _PyLoader):
    _cls.add_constructor(_MAP, _construct_mapping)
    _cls.add_constructor("tag:yaml.org,2002:omap", _construct_mapping)
    _cls.add_constructor(_SEQ, _construct_sequence)
    _cls.add_multi_constructor("", _refuse_tag)
    _cls.add_multi_constructor("tag:yaml.org,2002:python/", _refuse_tag)


# -- plain files straight from libyaml's events -----------------------------------------------------------
#
# Content files are plain: mappings, lists and scalars, without anchors, merge keys or tags. Those are built
# from the parser's events directly, without a node graph, resolving plain scalars as the node path does
# (YAML 1.1: yes/no/on/off are booleans, 010 is octal, 2024-07-04 a date). Anything else, and every error,
# goes through the node path, so messages and positions stay exactly as they are.

_COMPOSE = object()  # the file needs the node path
_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_MAP_TAGS = (None, "!", _MAP)
_SEQ_TAGS = (None, "!", _SEQ)


class _NotPlain(Exception):
    pass


def _plain_scalar(loader, event):
    tag, value = event.tag, event.value
    if tag is None or tag == "!":
        if not event.implicit[0]:  # quoted or block text: a string
            return value
        for candidate, pattern in _RESOLVERS.get(value[:1], ()):
            if pattern.match(value):
                tag = candidate
                break
        else:
            return value
    if tag == _STR:
        return value
    construct = _SCALARS.get(tag)
    if construct is None:  # a merge key, or a tag the node path refuses
        raise _NotPlain
    built = construct(loader, yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style))
    if tag == _FLOAT and not math.isfinite(built):  # refused there, with its message
        raise _NotPlain
    return built


def _load_plain(text: str, path: str):
    """The loaded data of a plain file, as the node path builds it; _COMPOSE when it is not plain or not valid."""
    from yaml.events import (DocumentEndEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                             SequenceStartEvent, StreamEndEvent)

    loader = _Loader(text, path)
    get = loader.get_event
    try:
        get()  # the stream starts
        if type(get()) is StreamEndEvent:  # no document at all
            return None
        stack: list[list] = []  # per open collection: [object, is a mapping, key, packed key position]
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                if event.anchor is not None:
                    raise _NotPlain
                mark = event.start_mark
                value = _plain_scalar(loader, event)
                packed = (min(mark.line + 1, _LINE_MAX) << _COL_BITS | min(mark.column + 1, _COL_MAX)) << 3 \
                    | _STYLE_CODE.get(event.style, 0)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or len(stack) >= MAX_DEPTH \
                        or event.tag not in (_MAP_TAGS if kind is MappingStartEvent else _SEQ_TAGS):
                    raise _NotPlain
                mark = event.start_mark
                at = min(mark.line + 1, _LINE_MAX) << _COL_BITS | min(mark.column + 1, _COL_MAX)
                if kind is MappingStartEvent:
                    new = PosDict()
                    new._kv = {}
                else:
                    new = PosList()
                    new._items = []
                new._at = at
                stack.append([new, kind is MappingStartEvent, None, None])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value = stack.pop()[0]
                packed = value._at << 3
            else:
                raise _NotPlain
            if not stack:
                break
            top = stack[-1]
            if not top[1]:
                top[0].append(value)
                top[0]._items.append(packed)
            elif top[3] is None:  # a key
                if kind is not ScalarEvent or value in top[0]:  # a list as a key, or a duplicate: refused there
                    raise _NotPlain
                top[2], top[3] = value, packed >> 3
            else:
                top[0][top[2]] = value
                top[0]._kv[top[2]] = top[3] << (_POS_BITS + 3) | packed
                top[3] = None
        if type(get()) is not DocumentEndEvent or type(get()) is not StreamEndEvent:  # a second document
            raise _NotPlain
        return value
    except Exception:  # _NotPlain, a YAML error, a scalar out of range: the node path decides and reports
        return _COMPOSE
    finally:
        loader.dispose()


def pack_positions(data) -> bytes | None:
    """The positions in loaded data, without its values, as compact bytes (for the parse cache).
    None when a key cannot be packed (a date as a key, say)."""
    import marshal

    try:
        return marshal.dumps(_positions_only(data, 0))
    except (ValueError, RecursionError):
        return None


def _positions_only(data, depth: int):
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(data, PosDict):
        keys = tuple(data)
        return (0, data._at, keys, tuple(data._kv[k] for k in keys),
                tuple(_positions_only(data[k], depth + 1) for k in keys))
    if isinstance(data, PosList):
        return (1, data._at, tuple(data._items), tuple(_positions_only(v, depth + 1) for v in data))
    return None


def unpack_positions(packed: bytes):
    """pack_positions undone: PosDicts and PosLists that answer position_of; every plain value is None."""
    import marshal

    return _rebuild(marshal.loads(packed))


def _rebuild(tree):
    if tree is None:
        return None
    if tree[0] == 0:
        _, at, keys, packed, children = tree
        data = PosDict(zip(keys, map(_rebuild, children)))
        data._at = at
        data._kv = dict(zip(keys, packed))
        return data
    _, at, items, children = tree
    data = PosList(map(_rebuild, children))
    data._at = at
    data._items = list(items)
    return data


def _error(loader: _Loader, mark, message: str, hint: str | None = None) -> ContentError:
    return ContentError(message, Location(loader.path, mark.line + 1, mark.column + 1), hint)


_YAML_HINTS = (  # PyYAML's problem → what usually causes it
    ("found undefined alias", "a value starting with '*' refers to an '&anchor'; put the text in quotes"),
    ("mapping values are not allowed", "a value holding ': ' needs quotes (vraag: \"Wat: is dit?\"), "
                                       "or the line is indented too far"),
    ("found unknown escape character", "in double quotes a backslash starts an escape; use single quotes"),
    ("expected ',' or ']'", "a list opened with '[' is not closed with ']'"),
    ("expected ',' or '}'", "a mapping opened with '{' is not closed with '}'"),
    ("while scanning a quoted scalar", "a quote is not closed"),
    ("did not find expected key", "check the indentation of this line against the lines above"),
    ("did not find expected '-' indicator", "check the indentation of this list item"),
    ("could not find expected ':'", "a key needs a ':' after it, or a multi-line text needs '|'"),
)


def _yaml_hint(problem: str, text: str, mark) -> str | None:
    if mark is not None and "cannot start any token" in problem:
        line = text.split("\n")[mark.line] if mark.line < text.count("\n") + 1 else ""
        char = line[mark.column:mark.column + 1]
        if char == "\t":
            return "indent with spaces; YAML does not allow tabs"
        if char:
            return f"a value starting with '{char}' needs quotes"
    return next((hint for key, hint in _YAML_HINTS if key in problem), None)


def _too_deep(text: str, mark) -> tuple[int, int] | None:
    """Where flow collections ([ and {) nest deeper than MAX_DEPTH before the parser's error mark, as (line, col).

    Parsers have limits of their own (PyYAML 6.0.4 stops at 1,000 flow levels with its own message); a file
    they refuse for nesting gets the project's message at the project's limit. Linear in the text; quoted
    strings and comments are skipped. The top-level collection counts as the first level."""
    end = mark.index if mark is not None and mark.index is not None else len(text)
    depth, line, col, quote, i = 1, 1, 1, "", 0
    while i < end:
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
                col += 1
            elif char == quote:
                quote = ""
        elif char in "'\"" and (i == 0 or text[i - 1] in " \t\n[{,:"):
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n"):
            newline = text.find("\n", i, end)
            if newline < 0:
                break
            col += newline - i
            i = newline
            continue
        elif char in "[{" and (depth > 1 or _opens_flow(text, i)):
            depth += 1
            if depth > MAX_DEPTH:
                return line, col
        elif char in "]}":
            depth = max(1, depth - 1)
        if char == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    return None


def _opens_flow(text: str, i: int) -> bool:
    """Whether the [ or { at text[i], outside any flow collection, starts one: at the start of a line or a
    value (after `key:`, `- ` or `? `), not inside a plain scalar ("Zie [[cijfer:x]]"). Only the blanks
    just before it are looked at, so the scan stays linear."""
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] == "\n" or (text[j] in ":-?" and j < i - 1)


def load_yaml(text: str, path: str):
    """Parse one YAML document; every failure is a ContentError with a location."""
    if "\x00" in text:
        raise ContentError("file holds a NUL byte; is it a binary file?", Location(path, 1, 1))
    deep = _may_nest_deeply(text)
    if not deep:
        data = _load_plain(text, path)
        if data is not _COMPOSE:
            return data
    return _load_composed(text, path, deep)


def _load_composed(text: str, path: str, deep: bool = False):
    """Through libyaml's node graph (or the pure-Python loader for deep nesting): anchors, merge keys, every
    tag, and every error with its message and place."""
    loader = (_PyLoader if deep else _Loader)(text, path)
    try:
        node = loader.get_single_node()
        if node is not None and "&" in text:  # no anchor, no alias
            _AliasBudget(loader).measure(node, 0)
        return None if node is None else _build(loader, node)
    except ContentError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        deep = _too_deep(text, mark)
        if deep is not None:  # our own limit and message, whatever limit the parser has
            raise ContentError(f"nested more than {MAX_DEPTH} levels deep", Location(path, *deep)) from None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        if (exc.problem or "").startswith("but found another document"):
            problem = "a second document ('---') in the file; a content file holds one"
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise ContentError(f"invalid YAML: {problem}", loc, _yaml_hint(problem, text, mark)) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", Location(path, 1, 1)) from None
    except RecursionError:
        raise ContentError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", Location(path, 1, 1)) from None
    except (ValueError, OverflowError) as exc:
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
            best = node.key_position(step) if (last and key_itself) else node.value_position(step)
            node = node[step]
        elif isinstance(node, PosList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_position(step)
            node = node[step]
        else:
            break
    return best
