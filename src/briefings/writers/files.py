"""Atomic writes: a temporary file in the same folder, then a rename. A failed write leaves the old file."""
from __future__ import annotations

import atexit
import itertools
import os
from pathlib import Path

# Temporary files being written. Each is named before it is created, so that an interrupt at any
# moment (SIGINT, or SIGTERM, which cli.main turns into one) leaves none behind: the write removes its
# own on the way out, and whatever an interrupt left is removed when the process exits.
_PENDING: set[str] = set()
_COUNTER = itertools.count()


def remove_pending() -> None:
    for tmp in list(_PENDING):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        _PENDING.discard(tmp)


atexit.register(remove_pending)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _write_unnamed(path, data):
        return
    tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}-{next(_COUNTER)}.tmp")
    _PENDING.add(tmp)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        _PENDING.discard(tmp)


def _write_unnamed(path: Path, data: bytes) -> bool:
    """Write through an unnamed file (Linux O_TMPFILE) that gets a name only to be renamed over `path`.

    Even a SIGKILL then leaves neither a half-written file nor a stray temporary one. False where the
    platform or file system has no unnamed files; the caller falls back to a named temporary file.
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(path.parent, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False
    tmp = None
    try:
        os.fchmod(fd, _mode_for(path))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        name = f".{path.name}.{os.getpid()}-{next(_COUNTER)}.tmp"
        folder = os.open(path.parent, os.O_RDONLY)
        try:  # a dir fd makes Python call linkat, which follows the /proc link to the unnamed file
            tmp = os.path.join(path.parent, name)
            _PENDING.add(tmp)
            os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=folder, dst_dir_fd=folder)
        except OSError:
            _PENDING.discard(tmp)
            tmp = None
            return False
        finally:
            os.close(folder)
        os.replace(tmp, path)
        _PENDING.discard(tmp)
        tmp = None
        return True
    finally:
        os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            _PENDING.discard(tmp)


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
