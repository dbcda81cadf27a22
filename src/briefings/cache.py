"""A cache of parsed content files, so that checking a large library does not parse every file again.

Each entry is one file's validated model object, keyed by the file's path as shown, modification
time, size and inode. The cache lives in the user's cache folder (never in the project, so a
repository cannot plant one), is pickled, and is thrown away whole when it cannot be read or
when briefings, pydantic or the loading code change.

By default only libraries of at least AUTO_MIN_FILES files use it: smaller ones parse in less time
than the cache takes to read. BRIEFINGS_CACHE=0 switches it off, BRIEFINGS_CACHE=1 on for any size;
BRIEFINGS_CACHE_DIR moves it. The near-duplicate check keeps its comparisons in the same place.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path

AUTO_MIN_FILES = 500
RACY_SECONDS = 2  # a file changed this recently may change again within the same timestamp: not cached
_CODE = ("model.py", "yamlpos.py", "load.py", "cache.py")


def _setting() -> str:
    return os.environ.get("BRIEFINGS_CACHE", "auto").strip().lower()


def _folder() -> Path:
    explicit = os.environ.get("BRIEFINGS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "briefings"


def _code_key() -> str:
    """Changes whenever the code that builds the cached objects may have changed."""
    import pydantic

    from . import __version__

    here = Path(__file__).parent
    parts = [__version__, pydantic.VERSION, sys.version]
    for name in _CODE:
        try:
            st = os.stat(here / name)
            parts.append(f"{name}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(name)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def enabled(n_files: int) -> bool:
    setting = _setting()
    return not (setting in ("0", "off", "no", "false") or (setting == "auto" and n_files < AUTO_MIN_FILES))


def cache_file(root: Path, name: str) -> Path:
    """Where the cache `name` of the content root lives; the name changes with the code."""
    root_key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return _folder() / root_key / f"{name}-{_code_key()}.pickle"


def read_cache(path: Path):
    """The cached object, or None when there is none or it cannot be trusted or read."""
    try:
        st = os.stat(path)
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, damaged or foreign: only a slower run
        return None


def write_cache(path: Path, obj) -> None:
    """Replace the cache (and older versions of it); a cache that cannot be written is skipped."""
    from .writers.files import write_bytes_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(prefix + "*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        write_bytes_atomic(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass


class ParseCache:
    def __init__(self, path: Path, entries: dict, root: Path):
        self.path = path
        self.entries = entries  # file path inside the root → (stat key, object)
        self.prefix = len(str(root)) + 1
        self.seen: set[str] = set()
        self.changed = False

    @classmethod
    def open(cls, root: Path, n_files: int) -> "ParseCache | None":
        if not enabled(n_files):
            return None
        path = cache_file(root, "parsed")
        entries = read_cache(path)
        return cls(path, entries if isinstance(entries, dict) else {}, Path(root))

    @staticmethod
    def key(path: Path, shown: str):
        st = os.stat(path)
        return (shown, st.st_mtime_ns, st.st_size, st.st_ino)

    def get(self, path: Path, shown: str):
        name = str(path)[self.prefix:]
        self.seen.add(name)
        entry = self.entries.get(name)
        try:
            if entry is not None and entry[0] == self.key(path, shown):
                return entry[1]
        except OSError:
            pass
        return None

    def put(self, path: Path, shown: str, obj) -> None:
        try:
            key = self.key(path, shown)
        except OSError:
            return
        name = str(path)[self.prefix:]
        if time.time_ns() - key[1] < RACY_SECONDS * 1_000_000_000:
            self.entries.pop(name, None)
            return
        self.entries[name] = (key, obj)
        self.changed = True

    def save(self) -> None:
        """Write the cache when it changed; files no longer in the library are dropped."""
        stale = set(self.entries) - self.seen
        for name in stale:
            del self.entries[name]
        if self.changed or stale:
            write_cache(self.path, self.entries)
