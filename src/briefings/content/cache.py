"""A cache of parsed content files, so that checking a large library does not parse every file again.

Each entry is one file's validated model object, keyed by the file's path as shown, modification
time, change time, size and inode, with the file's positions packed apart (unpacked only when a
message needs a line and column). The objects carry the facts later stages derived from their own
content (references, matches of the check patterns; see load.remember), so a warm run does not
derive them again. The cache is split into shards; only shards holding a changed file are rewritten.

The cache lives in the user's cache folder (never in the project, so a repository cannot plant
one), is pickled, and is thrown away whole when it cannot be read or when briefings (any of its
modules), pydantic or Python change. A file changed in the last RACY_SECONDS is not cached.

By default only libraries of at least AUTO_MIN_FILES files use it: smaller ones parse in less time
than the cache takes to read. BRIEFINGS_CACHE=0 switches it off, BRIEFINGS_CACHE=1 on for any size;
BRIEFINGS_CACHE_DIR moves it. The near-duplicate check keeps its comparisons in the same place, and
the document templates their compiled code (see assemble).
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import time
import zlib
from pathlib import Path

from briefings import paths
from briefings.snapshots import stat_of

AUTO_MIN_FILES = 500
RACY_SECONDS = 2  # a file changed this recently may change again within the same timestamp: not cached


def _setting() -> str:
    return os.environ.get("BRIEFINGS_CACHE", "auto").strip().lower()


def _folder() -> Path:
    return Path(paths.cache_root())


_CODE_KEY: str | None = None


def _code_key() -> str:
    """Changes whenever the code that builds the cached objects may have changed: briefings (any module),
    pydantic, Python."""
    global _CODE_KEY
    if _CODE_KEY is None:
        import pydantic

        _CODE_KEY = hashlib.sha256(f"{paths.code_key()}\n{pydantic.VERSION}\n{sys.version}".encode()).hexdigest()[:16]
    return _CODE_KEY


def enabled(n_files: int) -> bool:
    setting = _setting()
    return not (setting in ("0", "off", "no", "false") or (setting == "auto" and n_files < AUTO_MIN_FILES))


def code_cache_folder(name: str) -> Path | None:
    """A folder of compiled code (templates) for this version of briefings; None when caching is off.
    Not tied to a library's size: compiling a template costs more than reading it back."""
    if _setting() in ("0", "off", "no", "false"):
        return None
    return _folder() / f"{name}-{_code_key()}"


def shared_file(name: str) -> Path | None:
    """A cache file for every library (e.g. the page numbers LibreOffice laid out); None when caching is off."""
    if _setting() in ("0", "off", "no", "false"):
        return None
    return _folder() / name


def cache_folder(root: Path) -> Path:
    """The folder of the caches of a content root (for caches that key themselves, such as the search index)."""
    return Path(paths.root_cache_folder(root))


def cache_file(root: Path, name: str) -> Path:
    """Where the cache `name` of the content root lives; the name changes with the code."""
    return cache_folder(root) / f"{name}-{_code_key()}.pickle"


def read_cache(path: Path):
    """The cached object, or None when there is none or it cannot be trusted or read."""
    try:
        st = os.stat(path)
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        with open(path, "rb") as handle:
            return _Unpickler(handle).load()
    except Exception:  # missing, damaged or foreign: only a slower run
        return None


_NONE = (type(None), ())  # reduces to None: type(None)() is None


class _Pickler(pickle.Pickler):
    """Leaves out loaded YAML data (kept on model objects for positions): the cache packs positions apart.

    reducer_override, not persistent_id: pickle asks persistent_id about every object, every string
    and number included, and reducer_override only about objects other than exact instances of the
    built-in types, a fraction of them (writing a cold cache: about 40% less time in pickle)."""

    def reducer_override(self, obj):
        return _NONE if type(obj) in _LEFT_OUT else NotImplemented


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid):  # caches written by the persistent_id pickler of earlier versions
        return None


def _left_out() -> tuple:
    from briefings.content.yamlpos import PosDict, PosList

    return (PosDict, PosList)


_LEFT_OUT = _left_out()


def dumps(obj) -> bytes:
    """Pickled without loaded YAML data (PosDict, PosList): those come back as None."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def loads(data: bytes):
    return _Unpickler(io.BytesIO(data)).load()


def write_cache(path: Path, obj) -> None:
    """Replace the cache (and older versions of it); a cache that cannot be written is skipped."""
    from briefings.writers.files import write_bytes_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(prefix + "*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        write_bytes_atomic(path, dumps(obj))
    except OSError:
        pass


SHARDS = 16  # the parse cache is split, so that a change to one file rewrites a sixteenth of it


def _shard(name: str) -> int:
    return zlib.crc32(name.encode("utf-8", "surrogateescape")) % SHARDS


class ParseCache:
    """Parsed files of one content root, with the facts later stages derived from them (see load.remember)."""

    def __init__(self, root: Path, shards: list[tuple[Path, dict]]):
        self.shards = shards  # per shard: (cache file, file path inside the root → (stat key, object))
        self.prefix = len(str(root)) + 1
        self.seen: set[str] = set()
        self.dirty: set[int] = set()

    @classmethod
    def open(cls, root: Path, n_files: int) -> "ParseCache | None":
        if not enabled(n_files):
            return None
        shards = []
        for i in range(SHARDS):
            path = cache_file(root, f"parsed.{i}")
            entries = read_cache(path)
            shards.append((path, entries if isinstance(entries, dict) else {}))
        return cls(Path(root), shards)

    @staticmethod
    def key(path: Path, shown: str):
        st = stat_of(str(path))
        # the change time too: an edit that keeps the size and sets the old modification time back still
        # changes it (as git's index does)
        return (shown, st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)

    def name(self, path: Path) -> str:
        return str(path)[self.prefix:]

    def get(self, path: Path, shown: str):
        name = self.name(path)
        self.seen.add(name)
        entry = self.shards[_shard(name)][1].get(name)
        try:
            if entry is not None and entry[0] == self.key(path, shown):
                return entry[1], entry[2]
        except OSError:
            pass
        return None

    def put(self, path: Path, shown: str, obj, packed: bytes | None = None) -> None:
        """Cache a freshly parsed file: its object (without the loaded data) and its packed positions."""
        from briefings.content.yamlpos import pack_positions

        try:
            key = self.key(path, shown)
        except OSError:
            return
        name = self.name(path)
        shard = _shard(name)
        entries = self.shards[shard][1]
        packed = packed or pack_positions(obj.__dict__.get("_raw"))
        if packed is None or time.time_ns() - max(key[1], key[4]) < RACY_SECONDS * 1_000_000_000:
            if entries.pop(name, None) is not None:
                self.dirty.add(shard)
            return
        entries[name] = (key, obj, packed)
        self.dirty.add(shard)

    def save(self) -> None:
        """Write the shards that changed; files no longer in the library are dropped."""
        from briefings.content.positions import take_written

        dirty = set(self.dirty)
        for shard, (_, entries) in enumerate(self.shards):
            stale = set(entries) - self.seen
            for name in stale:
                del entries[name]
            if stale:
                dirty.add(shard)
        written = take_written()  # files whose items gained facts: their shards change too
        if written:
            for shard, (_, entries) in enumerate(self.shards):
                if any(entry[0][0] in written for entry in entries.values()):
                    dirty.add(shard)
        for shard in sorted(dirty):
            write_cache(*self.shards[shard])
        self.dirty.clear()


