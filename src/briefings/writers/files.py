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
