"""One canonical layout for content files: comments kept, data unchanged.

`briefings fmt` rewrites a file through ruamel.yaml's round trip: keys in the order of the model's fields,
2-space indentation with lists as "  - " under their key, multi-line text as literal blocks, quotes only
where YAML would read another type. Before it writes, it checks that PyYAML reads exactly the same data
as before; a file that would change is refused, never written. Writes are atomic.
"""
from __future__ import annotations

import functools
import io
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel

from briefings.content import model as m
from briefings.errors import BriefingsError, ContentError, Location, PathError, not_utf8
from briefings.content.load import SUFFIXES, content_files, display_path, inside_root, model_in, outside_error
from briefings.writers.files import write_text_atomic
from briefings.content.yamlpos import load_yaml

WIDTH = 120
BODY_LAST = ("bijlagen", "onderdelen")  # a document's header fields stay together above its body
_MAX_PASSES = 3
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


class FormatError(BriefingsError):
    """fmt refused a file because formatting it would change its data."""


# --- key order -----------------------------------------------------------------------------------


def key_order(cls: type[BaseModel]) -> list[str]:
    """The canonical key order of a model: its fields, a document's body last."""
    names = list(cls.model_fields)
    if issubclass(cls, m.Document):
        names = [n for n in names if n not in BODY_LAST] + [n for n in BODY_LAST if n in names]
    return names


def _field_model(cls: type[BaseModel] | None, key) -> type[BaseModel] | None:
    if cls is None or not isinstance(key, str):
        return None
    info = cls.model_fields.get(key)
    return model_in(info.annotation) if info else None


def file_model(folder: str | None, data) -> type[BaseModel] | None:
    """The model of a content file's top level; documents dispatch on their `soort`."""
    cls = m.KINDS.get(folder or "")
    if not isinstance(data, dict):
        return None
    if cls is m.Document:
        soort = data.get("soort")
        return m.DOCUMENT_SOORTEN.get(soort, m.Document) if isinstance(soort, str) else m.Document
    return cls


# --- the ruamel.yaml round trip ------------------------------------------------------------------


@functools.cache
def _resolver_class():
    """A ruamel resolver with PyYAML's (YAML 1.1) implicit types, so `yes`, `on` and `0777` stay quoted."""
    from ruamel.yaml.resolver import VersionedResolver

    # tuples: ruamel extends the list it gets with `+=`, which must not grow this table
    table: dict = {None: ()}
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        table[first] = table.get(first, ()) + tuple(resolvers)

    class PyYAMLResolver(VersionedResolver):
        @property
        def processing_version(self):
            return (1, 1)

        @property
        def versioned_resolver(self):
            return table

    return PyYAMLResolver


@functools.cache
def _emitter_class():
    """ruamel's emitter, as strict as PyYAML about ':' and '?' in flow sequences ([a:b] is a mapping there).

    Double-quoted strings stay on one line: ruamel can break them next to an escape, which adds a space.
    """
    from ruamel.yaml.emitter import RoundTripEmitter

    class PyYAMLEmitter(RoundTripEmitter):
        def analyze_scalar(self, scalar):
            analysis = super().analyze_scalar(scalar)
            if ":" in scalar or "?" in scalar:
                analysis.allow_flow_plain = False
            return analysis

        def write_double_quoted(self, text, split=True):
            super().write_double_quoted(text, split=False)

    return PyYAMLEmitter


def _float_text(value: float) -> str:
    """A float as PyYAML writes it: repr, with a '.0' YAML 1.1 needs before an exponent."""
    value = float(value)
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


@functools.cache
def _representer_class():
    """Numbers in one plain decimal form: ruamel's own round trip of floats and octals is not exact."""
    from ruamel.yaml.representer import RoundTripRepresenter
    from ruamel.yaml.scalarfloat import ScalarFloat
    from ruamel.yaml.scalarint import BinaryInt, DecimalInt, HexCapsInt, HexInt, OctalInt, ScalarInt

    class PlainNumbers(RoundTripRepresenter):
        pass

    for cls in (float, ScalarFloat):  # registered on the subclass only: ruamel's own stays as it is
        PlainNumbers.add_representer(
            cls, lambda rep, value: rep.represent_scalar("tag:yaml.org,2002:float", _float_text(value)))
    for cls in (ScalarInt, BinaryInt, OctalInt, HexInt, HexCapsInt, DecimalInt):
        PlainNumbers.add_representer(
            cls, lambda rep, value: rep.represent_scalar("tag:yaml.org,2002:int", str(int(value))))
    return PlainNumbers


def _yaml():
    from ruamel.yaml import YAML

    rt = YAML(typ="rt")
    rt.Resolver = _resolver_class()
    rt.Emitter = _emitter_class()
    rt.Representer = _representer_class()
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = WIDTH
    rt.allow_unicode = True
    rt.preserve_quotes = False  # quotes only where needed: one form whatever the author typed
    return rt


def _block_safe(text: str) -> bool:
    """Can this text be a literal or folded block without trailing spaces or escapes?"""
    if not text.strip() or _SPECIAL.search(text) or text.startswith("\t"):  # a tab cannot start a block
        return False
    return all(line == line.rstrip(" \t") for line in text.split("\n"))


def _styled(value, column: int):
    """A string in its canonical style: multi-line text as a literal block, an author's block style kept.

    column: where the block's text starts, so that folded lines can be kept within WIDTH.
    """
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    if isinstance(value, FoldedScalarString):
        return _refold(value, WIDTH - column) if _block_safe(str(value)) else str(value)
    if isinstance(value, LiteralScalarString):
        return value if _block_safe(str(value)) else str(value)
    if isinstance(value, str) and "\n" in value and _block_safe(value):
        return LiteralScalarString(value)
    return value


def _refold(value, limit: int):
    """Keep a folded block's own line breaks and add breaks where a line would run past the width."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    text = str(value)
    folds = set(getattr(value, "fold_pos", []))

    def foldable(i: int) -> bool:
        return 0 < i < len(text) - 1 and text[i] == " " and not text[i - 1].isspace() and not text[i + 1].isspace()

    added = set()
    offset = 0
    for line in text.split("\n"):
        if line and not line[0].isspace():  # more-indented lines are never folded
            start, previous = offset, None
            for i in range(offset, offset + len(line) + 1):
                at_end = i == offset + len(line)
                if not at_end and not foldable(i):
                    continue
                if i - start > limit and previous is not None:
                    added.add(previous)
                    start = previous + 1
                if i in folds:
                    start, previous = i + 1, None
                else:
                    previous = i
        offset += len(line) + 1
    if not added:
        return value
    result = FoldedScalarString(text)
    result.fold_pos = sorted(folds | added)
    return result


def _builtin(value):
    """ruamel's types as the plain Python values PyYAML can write."""
    if isinstance(value, dict):
        return {_builtin(k): _builtin(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_builtin(v) for v in value]
    for cls in (bool, int, float, str):
        if isinstance(value, cls):
            return cls(value)
    return value


def _fits_flow(seq, column: int, key) -> bool:
    """Would a flow sequence of plain values stay on its key's line within WIDTH?"""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if any(isinstance(v, (CommentedMap, CommentedSeq)) and len(v) for v in seq):
        return False
    flat = yaml.safe_dump([_builtin(v) for v in seq], default_flow_style=True, width=10**9,
                          allow_unicode=True).strip()
    return column + len(str(key)) + 2 + len(flat) <= WIDTH


def _canonical(node, cls: type[BaseModel] | None, column: int = 0, key=""):
    """Bring a loaded tree into canonical form, in place, and return it (a string may come back restyled).

    column: where this mapping's keys or this sequence's dashes stand; key: the key it is the value of.
    Mappings are blocks; a sequence stays in flow style ([a, b]) only while it fits on its key's line.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        if len(node) and node.fa.flow_style():
            node.fa.set_block_style()
        for name in list(node):
            _restyle(node, name, _canonical(node[name], _field_model(cls, name), column + 2, name))
        if cls is not None:
            _reorder(node, cls)
        return node
    if isinstance(node, CommentedSeq):
        if len(node) and node.fa.flow_style() and not _fits_flow(node, column - 2, key):
            node.fa.set_block_style()
        for i in range(len(node)):
            _restyle(node, i, _canonical(node[i], cls, column + 2))
        return node
    return _styled(node, column)


def _restyle(container, key, new) -> None:
    """Put a restyled string in place, keeping the comment slot after it right.

    After a block scalar the slot holds only the lines below it; after any other value it starts with
    the end of the value's own line. A value with an end-of-line comment keeps its style.
    """
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    old = container[key]
    if new is old:
        return
    was_block = isinstance(old, (LiteralScalarString, FoldedScalarString))
    is_block = isinstance(new, (LiteralScalarString, FoldedScalarString))
    if was_block != is_block:
        if was_block and getattr(old, "comment", None):
            return
        entry = container.ca.items.get(key)
        pos = 2 if isinstance(container, CommentedMap) else 0
        token = entry[pos] if entry else None
        if token is not None and is_block:
            if not token.value.startswith("\n"):
                return
            # the end of the line goes; after a `|+` block, blank lines would become its text
            rest = token.value.lstrip("\n") if new.endswith("\n\n") else token.value[1:]
            token.value = _flush_left(rest)
            if not token.value:
                entry[pos] = None
        elif token is not None:
            token.value = "\n" + token.value
    container[key] = new


# --- moving keys with their comments -------------------------------------------------------------
#
# ruamel.yaml keeps a full-line comment in the slot after the value it follows. A comment belongs to the
# key below it, so when keys move, the lines after one key's value go along with the key that follows.


def _is_block(value) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0 and not value.fa.flow_style()


def _tail_slot(container, key) -> tuple[list, int, bool | str]:
    """The comment slot right after the value at container[key], inside nested blocks to their last line.

    Also says whether that value is a block scalar: its slot holds only the lines after it, while a
    slot after any other value starts with the end of the value's own line. "keep" is a block that
    keeps its trailing blank lines (`|+`).
    """
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    value = container[key]
    if _is_block(value):
        last = next(reversed(value)) if isinstance(value, CommentedMap) else len(value) - 1
        return _tail_slot(value, last)
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    block = isinstance(value, (LiteralScalarString, FoldedScalarString))
    if block and value.endswith("\n\n"):
        block = "keep"
    return entry, 2 if isinstance(container, CommentedMap) else 0, block


def _take_after(container, key) -> str:
    """Remove and return the full comment (and blank) lines after container[key]; an end-of-line comment stays."""
    entry, pos, block = _tail_slot(container, key)
    token = entry[pos]
    if token is None:
        return ""
    value = token.value
    if block:
        entry[pos] = None
        return value
    if value.lstrip(" ").startswith("#"):
        eol, _, rest = value.partition("\n")
        token.value = eol + "\n"
        return rest
    entry[pos] = None
    return value[1:]


def _flush_left(lines: str) -> str:
    """Comment lines at column 0, so that none lands inside a block scalar; the text pass indents them."""
    return "\n".join(line.lstrip(" ") for line in lines.split("\n"))


def _put_after(container, key, lines: str) -> None:
    """Add full comment (and blank) lines after the value at container[key]."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    if not lines:
        return
    lines = _flush_left(lines)
    entry, pos, block = _tail_slot(container, key)
    if block == "keep":
        lines = lines.lstrip("\n")  # a blank line right after a `|+` block would become part of its text
        if not lines:
            return
    token = entry[pos]
    if token is None:
        entry[pos] = CommentToken(lines if block else "\n" + lines, CommentMark(0))
    else:
        token.value = token.value + lines


def _reorder(node, cls: type[BaseModel]) -> None:
    """Put a mapping's keys in model order; unknown keys keep their order at the end."""
    rank = {name: i for i, name in enumerate(key_order(cls))}
    keys = list(node)
    wanted = sorted(keys, key=lambda k: rank.get(k, len(rank)) if isinstance(k, str) else len(rank))
    if keys == wanted:
        return
    above = {keys[i]: _take_after(node, keys[i - 1]) for i in range(1, len(keys))}
    tail = _take_after(node, keys[-1])
    for key in wanted:
        node.move_to_end(key)
    for previous, key in zip(wanted, wanted[1:]):
        _put_after(node, previous, above.get(key, ""))
    _put_after(node, wanted[-1], tail)
    lead = above.get(wanted[0], "")
    if lead:  # they stood above the key that is now first: keep them right under it rather than lose them
        _put_after(node, wanted[0], lead + _take_after(node, wanted[0]))


# --- the text pass: comment indentation, blank lines, trailing spaces ---------------------------


def _scalar_lines(text: str) -> set[int]:
    """0-based numbers of the lines that continue a quoted or block scalar: their text is data."""
    lines = text.split("\n")
    inside: set[int] = set()
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if not isinstance(token, yaml.ScalarToken) or not token.style:  # plain lines may lose trailing spaces
            continue
        first, end = token.start_mark.line + 1, token.end_mark.line
        if token.style in ("|", ">"):  # it ends where the next line begins
            header = lines[token.start_mark.line][token.start_mark.column:].split("#")[0]
            last = end - 1
            while "+" not in header and last >= first and not lines[last].strip(" "):
                last -= 1  # blank lines after a clipped or stripped block are layout, not data
            inside.update(range(first, last + 1))
        else:
            inside.update(range(first, end + 1))
    return inside


def _tidy(text: str) -> str:
    """Indent each full-line comment like the line it stands above; one blank line at most; no trailing spaces."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    data = _scalar_lines(text)
    out: list[str] = []
    pending: list[str] = []  # comment and blank lines waiting for the next content line

    def flush(indent: int) -> None:
        for line in pending:
            if line:
                out.append(" " * indent + line)
            elif out and out[-1] != "":
                out.append("")
        pending.clear()

    for number, line in enumerate(lines):
        if number in data:
            out.append(line)
            continue
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            pending.append(stripped)
            continue
        flush(len(line) - len(line.lstrip(" ")))
        out.append(line.rstrip(" \t"))
    flush(0)
    while out and out[-1] == "":
        out.pop()
    while out and out[0] == "":
        out.pop(0)
    return "\n".join(out) + "\n"


# --- one file ------------------------------------------------------------------------------------


def _same(a, b) -> bool:
    """Equal data with equal types all the way down (1, 1.0 and True are not the same value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)  # key order is layout, not data
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # .nan
    return type(a) is type(b) and a == b


def _one_pass(text: str, folder: str | None, shown: str) -> str:
    from ruamel.yaml.error import YAMLError

    rt = _yaml()
    buffer = io.StringIO()
    try:
        tree = rt.load(text)
        _canonical(tree, file_model(folder, tree))
        rt.dump(tree, buffer)
    except YAMLError as exc:  # ruamel reads or writes this file differently from PyYAML: leave it alone
        raise FormatError(f"cannot format: ruamel.yaml: {str(exc).splitlines()[0]}", Location(shown, 1, 1),
                          "the file was left unchanged") from None
    return _tidy(buffer.getvalue())


def format_text(text: str, folder: str | None = None, shown: str = "<text>") -> str:
    """The canonical form of one content file's text. Raises ContentError or FormatError, never changes data."""
    before = load_yaml(text, shown)  # broken YAML: `path:line:col: message`, as everywhere else
    if before is None:
        return text  # empty or only comments: nothing to lay out
    current = text
    for _ in range(_MAX_PASSES):  # a layout change may move a comment once; stop at the fixed point
        formatted = _one_pass(current, folder, shown)
        try:
            after = yaml.load(formatted, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise FormatError(f"cannot format: the formatted text does not parse ({exc.__class__.__name__})",
                              Location(shown, 1, 1), "please report this file; it was left unchanged") from None
        if not _same(_plain(before), after):
            raise FormatError("cannot format: the formatted text would read as different data",
                              Location(shown, 1, 1), "please report this file; it was left unchanged")
        if formatted == current:
            break
        current = formatted
    return current


def _plain(data):
    """PosDict/PosList → dict/list, so types compare with what PyYAML loads."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


@dataclass
class FmtReport:
    """What fmt did: files that changed (or would change) and files it could not format."""

    changed: list[Path] = field(default_factory=list)
    errors: list[BriefingsError] = field(default_factory=list)
    checked: int = 0


def format_file(path: Path, folder: str | None, check: bool = False) -> bool:
    """Format one file; True when its text changes. With check, nothing is written."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise not_utf8(shown, raw) from None
    except OSError as exc:
        raise ContentError(f"cannot read file: {exc.strerror}", Location(shown)) from None
    formatted = format_text(text, folder, shown)
    if formatted == text:
        return False
    if not check:
        if path.read_bytes() != raw:
            raise FormatError("file changed while it was being formatted; left as it is", Location(shown),
                              "run fmt again")
        write_text_atomic(path.resolve(), formatted)
    return True


def _folder_of(path: Path, content_root: Path) -> str | None:
    try:
        relative = path.resolve().relative_to(content_root.resolve())
    except ValueError:
        return None
    folder = relative.parts[0] if len(relative.parts) > 1 else None
    return folder if folder in m.KINDS else None


def targets(content_root: Path, paths: typing.Sequence[str | Path] = (),
            outside: list[str] | None = None) -> list[tuple[str | None, Path]]:
    """(folder, path) of every file to format: the given files and folders, or the whole content folder
    (whose links to files outside it are listed in `outside`, not returned)."""
    content_root = Path(content_root)
    if not paths:
        if not content_root.is_dir():
            raise ContentError(f"content folder not found: {display_path(content_root)}",
                               Location(display_path(content_root)))
        return content_files(content_root, outside)
    found: list[tuple[str | None, Path]] = []
    for given in map(Path, paths):
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith(SUFFIXES) and not name.startswith("."):
                        file = Path(dirpath) / name
                        found.append((_folder_of(file, content_root), file))
        elif given.is_file():
            found.append((_folder_of(given, content_root), given))
        else:
            raise ContentError(f"no such file or folder: {given}", Location(str(given)))
    return found


def format_paths(content_root: Path, paths: typing.Sequence[str | Path] = (), check: bool = False) -> FmtReport:
    """Format the given files (default: all content files). Errors are collected per file, never half-written."""
    report = FmtReport()
    real_root = os.path.realpath(content_root)
    outside: list[str] = []
    for folder, path in targets(content_root, paths, outside):
        report.checked += 1
        try:
            if not inside_root(real_root, path):  # read nothing outside the root, write nothing there
                raise PathError("outside the content folder; fmt formats content files only",
                                Location(display_path(path)),
                                f"give a file or folder in {display_path(content_root)} (a link to a file "
                                "outside it is not followed)")
            if format_file(path, folder, check):
                report.changed.append(path)
        except BriefingsError as exc:
            report.errors.append(exc)
    report.errors.extend(outside_error(path) for path in outside)
    return report


def run(content_root: Path, paths: typing.Sequence[str] = (), check: bool = False, echo=print) -> int:
    """The `fmt` command: print changed files (stdout) and errors (stderr); the exit code."""
    report = format_paths(content_root, paths, check)
    for path in report.changed:
        echo(display_path(path))
    for error in report.errors:
        echo(error.render(), err=True)
    if report.errors:
        return 1
    return 1 if check and report.changed else 0


def set_values(text: str, changes: typing.Sequence[tuple[tuple, object]], folder: str | None = None,
               shown: str = "<text>") -> str:
    """The file's text with the values at key paths replaced, comments kept, in canonical form.

    A path is a tuple of keys and list indexes from the top ("blokken", 2); a new key goes last in its
    mapping and takes its place in the canonical key order. Used by imports that edit the library.
    """
    from ruamel.yaml.error import YAMLError

    rt = _yaml()
    buffer = io.StringIO()
    try:
        tree = rt.load(text)
        for path, value in changes:
            container = tree
            for key in path[:-1]:
                container = container[key]
            if path[-1] in container if isinstance(container, dict) else path[-1] < len(container):
                _restyle(container, path[-1], _styled(value, 2 * len(path)))
            else:
                container[path[-1]] = _styled(value, 2 * len(path))
        rt.dump(tree, buffer)
    except YAMLError as exc:
        raise FormatError(f"cannot update: ruamel.yaml: {str(exc).splitlines()[0]}", Location(shown, 1, 1),
                          "the file was left unchanged") from None
    return format_text(_tidy(buffer.getvalue()), folder, shown)
