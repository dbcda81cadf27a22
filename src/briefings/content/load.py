"""Stage 1: YAML files → typed model items, each knowing its file and line."""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from briefings.content import model as m
from briefings.errors import (BriefingsError, ContentError, ErrorGroup, Location, PathError, did_you_mean,
                              display_path, not_utf8)
from briefings.content.positions import attach, keep_packed, locate
from briefings.content.yamlpos import PosDict, load_yaml, position_of

SUFFIXES = (".yaml", ".yml")


def safe_join(root: Path, relative: str, where: Location | None = None) -> Path:
    """Join a content-relative path, refusing one that escapes the root."""
    shown = display_path(root)
    hint = f"give a path relative to the content folder {shown}, without '..'"
    if "\x00" in relative:
        raise PathError("path holds a NUL character", where, hint)
    if os.path.isabs(relative) or relative.startswith("~"):
        raise PathError(f"absolute path '{relative}' is not allowed", where, hint)
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()):
        if os.path.normpath(root / relative).startswith(os.path.join(os.path.normpath(root), "")):
            raise PathError(f"path '{relative}' escapes the content folder {shown} through a link; not read",
                            where, "copy the file into the content folder instead of linking to it")
        raise PathError(f"path '{relative}' escapes the content folder {shown}", where, hint)
    return target


@dataclass
class Content:
    """Everything loaded from one content root, in file order."""

    root: Path
    items: list[m.Item] = field(default_factory=list)
    cijferbestanden: list[m.CijferBestand] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every content file, as text
    cache: object = None  # the ParseCache, when the library is large enough to use one

    @property
    def files(self) -> list[Path]:
        return [Path(p) for p in self.paths]

    def save_cache(self) -> None:
        """Store what this run parsed and derived, for the next run (a no-op without a cache)."""
        if self.cache is not None:
            self.cache.save()


def _model_keys(cls: type[BaseModel], raw, loc: tuple) -> list[str]:
    """The allowed keys at `loc`, for a did-you-mean hint on an unknown key."""
    current: type[BaseModel] | None = cls
    for step in loc[:-1]:
        if current is None or isinstance(step, int):
            continue
        info = current.model_fields.get(step)
        current = model_in(info.annotation) if info else None
    return list(current.model_fields) if current else []


def model_in(annotation) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found:
            return found
    return None


def _translate(exc: ValidationError, cls: type[BaseModel], raw, path: str) -> list[ContentError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        where = ".".join(str(p) for p in loc) or "file"
        hint = None
        if kind == "extra_forbidden":
            pos = position_of(raw, loc, key_itself=True)
            message = f"unknown key '{loc[-1]}'"
            if len(loc) > 1:
                message += f" in {'.'.join(str(p) for p in loc[:-1])}"
            hint = did_you_mean(str(loc[-1]), _model_keys(cls, raw, loc))
            if not hint:
                allowed = _model_keys(cls, raw, loc)
                hint = f"allowed keys: {', '.join(allowed)}" if allowed else None
        elif kind == "missing":
            pos = position_of(raw, loc[:-1])
            message = f"missing required key '{loc[-1]}'"
            if len(loc) > 1:
                message += f" in {'.'.join(str(p) for p in loc[:-1])}"
        elif kind == "literal_error":
            pos = position_of(raw, loc)
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{where}: '{err['input']}' is not one of {expected}"
            choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",")]
            hint = did_you_mean(str(err["input"]), [c for c in choices if c])
        elif kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
            pos = position_of(raw, loc)
            message = f"id '{err['input']}' is not valid: use lowercase letters, digits and hyphens"
        else:
            pos = position_of(raw, loc)
            value = err["input"]
            shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
            message = f"{where}: {err['msg'].lower()} (got {shown[:60]})"
            if kind.startswith(("date", "datetime")):
                hint = "write a date as YYYY-MM-DD, e.g. 2024-07-04"
        loc_ = Location(path, pos.line, pos.col) if pos else Location(path, 1, 1)
        errors.append(ContentError(message, loc_, hint))
    return errors


def parse_file(path: Path | str, folder: str, shown: str | None = None):
    """One content file → a validated model object (not yet indexed)."""
    shown = shown or display_path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise not_utf8(shown, Path(path).read_bytes()) from None
    except OSError as exc:
        raise ContentError(f"cannot read file: {exc.strerror}", Location(shown)) from None
    raw = load_yaml(text, shown)
    if not isinstance(raw, PosDict):
        got = "an empty file" if raw is None else "a list" if isinstance(raw, list) else f"a single value ({raw!r:.40})"
        raise ContentError(f"expected a mapping of keys (like 'id: ...'), got {got}", Location(shown, 1, 1))
    cls = m.KINDS[folder]
    if cls is m.Document:
        soort = raw.get("soort")
        if not isinstance(soort, str) and soort is not None:  # a list or mapping: not a kind, and not hashable
            soort = str(soort)
        if soort not in m.DOCUMENT_SOORTEN:
            pos = position_of(raw, ("soort",))
            hint = did_you_mean(str(soort), m.DOCUMENT_SOORTEN)
            msg = "missing required key 'soort'" if soort is None else f"unknown document soort '{soort}'"
            raise ContentError(msg, Location(shown, pos.line, pos.col), hint or f"one of: {', '.join(m.DOCUMENT_SOORTEN)}")
        cls = m.DOCUMENT_SOORTEN[soort]
    try:
        obj = cls.model_validate(raw)
    except ValidationError as exc:
        errors = _translate(exc, cls, raw, shown)
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    attach(obj, raw, shown)
    return obj


def content_files(root: Path, outside: list[str] | None = None) -> list[tuple[str, Path]]:
    """(folder, path) for every content file, in a stable order (links to files outside the root: see
    content_paths)."""
    return [(folder, Path(path)) for folder, path in content_paths(root, outside)]


def content_paths(root: Path, outside: list[str] | None = None) -> list[tuple[str, str]]:
    """(folder, path as text) for every content file: files of a folder by name, then its subfolders
    by name. Hidden files and folders are left out. (Text, not Path: a large library has many.)
    Links to files outside the root are left out too, and listed in `outside` when given."""
    found: list[tuple[str, str]] = []
    real_root = os.path.realpath(root)

    def walk(folder: str, directory: str, linked: bool) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        subfolders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                if not entry.is_symlink():  # as os.walk: a linked folder is not followed
                    subfolders.append(entry.path)
            elif name.endswith(SUFFIXES):
                if (linked or entry.is_symlink()) and not inside_root(real_root, entry.path):
                    if outside is not None:
                        outside.append(entry.path)
                    continue
                found.append((folder, entry.path))
        for sub in subfolders:
            walk(folder, sub, linked)

    for folder in m.KINDS:
        directory = os.path.join(str(root), folder)
        walk(folder, directory, os.path.islink(directory))
    return found


def inside_root(real_root: str, path) -> bool:
    """Whether path, with every link resolved, lies in the content root (itself resolved)."""
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def outside_error(path: str) -> PathError:
    """A content file that is a link to a file outside the content root: refused unread."""
    return PathError("reached through a link that leads outside the content folder; not read", Location(display_path(path)),
                     "copy the file into the content folder instead of linking to it")


FREEZE_MIN_FILES = 500


@contextmanager
def building(freeze: bool):
    """Build many small objects without cycles: the garbage collector only costs time while they are made.

    With freeze, the objects made so far are moved out of the collector's sight for good (gc.freeze):
    a large library lives until the command ends, and a full collection would walk all of it again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


def load_content(root: Path, save_cache: bool = True) -> Content:
    """Load every content file under root. All errors are gathered, then raised together.

    With save_cache=False the caller saves the parse cache (Content.save_cache) once it is done,
    so that facts derived later are stored in the same write."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError(f"content folder not found: {display_path(root)}", Location(display_path(root)),
                           "run briefings in a project folder (with content/), or set content: in briefings.yaml")
    content = Content(root=root)
    errors: list[BriefingsError] = []
    unknown = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".") and p.name not in m.KINDS]
    for p in unknown:
        errors.append(
            ContentError(
                f"unknown content folder '{p.name}'",
                Location(display_path(p)),
                did_you_mean(p.name, m.KINDS) or f"folders are: {', '.join(m.KINDS)}",
            )
        )
    outside: list[str] = []
    files = content_paths(root, outside)
    errors.extend(outside_error(path) for path in outside)
    from briefings.content.cache import ParseCache

    with building(freeze=len(files) >= FREEZE_MIN_FILES):
        cache = ParseCache.open(root, len(files))
        _load_files(content, files, cache, errors)
    content.cache = cache
    for item in content.items:
        if isinstance(item, m.Document):
            for bijlage in item.bijlagen:
                if bijlage.bestand is not None:
                    try:
                        read_include(root, bijlage)
                    except BriefingsError as exc:
                        errors.append(exc)
    if save_cache or errors:  # the files that did load stay cached while the others are being fixed
        content.save_cache()
    if errors:
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
    return content


def read_include(root: Path, bijlage: m.Bijlage) -> None:
    """Read the Markdown file an attachment includes (`bestand`), refusing paths outside the content root."""
    where = locate(bijlage, "bestand")
    if not bijlage.bestand.strip():
        raise ContentError("bestand: empty path", where, "give a path relative to the content folder")
    path = safe_join(root, bijlage.bestand, where)
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ContentError(f"bestand: file not found: {bijlage.bestand}", where,
                           f"expected {shown}, relative to the content folder {display_path(root)}") from None
    except OSError as exc:
        raise ContentError(f"bestand: cannot read {bijlage.bestand}: {exc.strerror}", where) from None
    if b"\x00" in data:
        raise ContentError("file holds a NUL byte; is it a binary file?", Location(shown, 1, 1),
                           "bestand must be a Markdown text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise not_utf8(shown, data) from None
    bijlage._inhoud = text.removeprefix("\ufeff")
    bijlage._inhoud_pad = shown


def _shown_paths(root: Path, files: list[tuple[str, str]]) -> list[str]:
    """display_path of every file, without a relpath per file when the root is shown relative."""
    shown_root = display_path(root)
    if os.path.isabs(shown_root) or shown_root.startswith(".."):
        return [display_path(path) for _, path in files]
    prefix = len(str(root)) + 1
    return [os.path.join(shown_root, path[prefix:]) if shown_root != "." else path[prefix:] for _, path in files]


PARALLEL_PARSE_MIN = 1000  # files to parse: fewer parse faster than a second process starts and reports back


def _parse_one(files, shown_paths, index: int, cache, failed: dict):
    folder, path = files[index]
    shown = shown_paths[index]
    try:
        obj = parse_file(path, folder, shown)
    except ErrorGroup as group:
        failed[index] = group.errors
        return None
    except BriefingsError as exc:
        failed[index] = [exc]
        return None
    if cache is not None:
        cache.put(path, shown, obj)
    return obj


def _parse_packed(files, shown_paths, indexes: list[int]) -> dict[int, tuple]:
    """In a forked process: index → (object, packed positions) for the files that parse without error."""
    from briefings.content.yamlpos import pack_positions

    parsed = {}
    for index in indexes:
        folder, path = files[index]
        try:
            obj = parse_file(path, folder, shown_paths[index])
        except BriefingsError:
            continue
        packed = pack_positions(obj.__dict__.get("_raw"))
        if packed is not None:
            parsed[index] = (obj, packed)
    return parsed


def _load_files(content: Content, files: list[tuple[str, str]], cache, errors: list[BriefingsError]) -> None:
    content.paths.extend(path for _, path in files)
    add_objects(content, parse_files(content.root, files, cache, errors))


def parse_files(root: Path, files: list[tuple[str, str]], cache, errors: list[BriefingsError]) -> list:
    """The model object of each file (None for one that failed: its errors are added to `errors`, in file order).
    Many files are parsed in two processes."""
    shown_paths = _shown_paths(root, files)
    objects: list = [None] * len(files)
    todo: list[int] = []  # files not in the cache
    for index, ((_, path), shown) in enumerate(zip(files, shown_paths)):
        found = cache.get(path, shown) if cache is not None else None
        if found is None:
            todo.append(index)
        else:
            objects[index] = found[0]
            keep_packed(shown, *found)
    from briefings.content.parallel import cores, fork_call

    half = todo[len(todo) // 2:] if len(todo) >= PARALLEL_PARSE_MIN and cores() >= 2 else []
    collect = fork_call(_parse_packed, files, shown_paths, half) if half else None
    mine = todo if collect is None else todo[:len(todo) // 2]
    failed: dict[int, list[BriefingsError]] = {}
    for index in mine:
        objects[index] = _parse_one(files, shown_paths, index, cache, failed)
    if collect is not None:
        parsed = collect() or {}
        for index in half:
            if index in parsed:  # parsed by the other process, positions packed
                obj, packed = parsed[index]
                objects[index] = obj
                keep_packed(shown_paths[index], obj, packed)
                if cache is not None:
                    cache.put(files[index][1], shown_paths[index], obj, packed)
            else:  # it failed on this file (or altogether): parse it here, for the same errors as ever
                objects[index] = _parse_one(files, shown_paths, index, cache, failed)
    for index in sorted(failed):  # in file order
        errors.extend(failed[index])
    return objects


def add_objects(content: Content, objects: list) -> None:
    """Add the items of parsed files to content: a file's figures, findings, recommendations and agreements
    become items of their own, knowing their parent. (Adding an object twice sets the same again.)"""
    for obj in objects:
        if obj is None:
            continue
        if isinstance(obj, m.CijferBestand):
            content.cijferbestanden.append(obj)
            for cijfer in obj.cijfers:
                cijfer._parent = obj.bron
                if cijfer.bron is None:
                    cijfer.bron = obj.bron
                if cijfer.peildatum is None:
                    cijfer.peildatum = obj.peildatum
                content.items.append(cijfer)
        else:
            content.items.append(obj)
            for attr in ("bevindingen", "aanbevelingen"):
                for child in obj.__dict__.get(attr, ()):
                    child._parent = obj.id
                    content.items.append(child)
            if isinstance(obj, m.Prestatieafspraken):
                for doel in obj.doelen:
                    for afspraak in doel.afspraken:
                        afspraak._parent = obj.id
                        content.items.append(afspraak)

