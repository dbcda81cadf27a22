"""Atomic writes: a temporary file in the same folder, then a rename. A failed write leaves the old file.

Every failure of the operating system (a full disk, a read-only folder, a folder where the file should be)
is a FileAccessError, `briefings: cannot write PATH: REASON`, and leaves no temporary file behind.
"""
from __future__ import annotations

import atexit
import itertools
import os
import re
import time
from pathlib import Path

from briefings.errors import FileAccessError, shown_path

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path.parent)
        if not _write_unnamed(path, data):
            _write_named(path, data)
    except OSError as exc:
        raise FileAccessError("write", shown_path(path), _reason(path, exc)) from None


def _reason(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileAccessError):
        return exc.reason
    if isinstance(exc, (FileExistsError, NotADirectoryError)):  # a file where a folder should be
        blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            return f"{shown_path(blocking)} is a file, not a folder"
    if isinstance(exc, IsADirectoryError) and path.is_dir():
        return "it is a folder"
    return exc.strerror or str(exc) or type(exc).__name__


# A temporary file left by a run that was killed (SIGKILL, a power cut) where files cannot be written
# unnamed: `.NAME.PID-N.tmp`. The next write into its folder removes it once its process has gone.
_LEFTOVER = re.compile(r"\..+\.(\d+)-\d+\.tmp")
_CLEANED: set[str] = set()  # folders already looked at by this process
_STALE_SECONDS = 24 * 3600  # where no process can be asked whether it still runs


def remove_leftovers(folder: Path) -> None:
    key = str(folder)
    if key in _CLEANED:
        return
    _CLEANED.add(key)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        found = _LEFTOVER.fullmatch(entry.name)
        if found is None or entry.path in _PENDING or _may_be_writing(int(found.group(1)), entry):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _may_be_writing(pid: int, entry) -> bool:
    """Whether the process that named a temporary file may still be writing it."""
    if os.name == "nt":  # os.kill would end the process there: go by age
        try:
            return time.time() - entry.stat(follow_symlinks=False).st_mtime < _STALE_SECONDS
        except OSError:
            return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def _write_named(path: Path, data: bytes) -> None:
    tmp = os.path.join(path.parent, f".{path.name}.{os.getpid()}-{next(_COUNTER)}.tmp")
    _PENDING.add(tmp)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.chmod(tmp, _mode_for(path))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:  # not made, or the file system refuses: the original error tells more
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
            except OSError:
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
