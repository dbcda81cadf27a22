"""Work on a second core: run a function in a forked process and collect its result.

Only for large inputs, where the work outweighs starting a process and moving the result back.
`BRIEFINGS_JOBS=1` keeps everything in one process.
"""
from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may run on, or 1 where forking is unavailable or switched off."""
    if not hasattr(os, "fork") or os.environ.get("BRIEFINGS_JOBS") == "1":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fork_call(func, *args):
    """Start func(*args) in a forked process. Returns a function that waits for and returns its result,
    or None when the process failed (the caller then does the work itself); None at once if it cannot fork.

    The result travels pickled (with the parse cache's pickler, which leaves loaded YAML data out). An
    interrupt ends the forked process quietly: the parent reports it."""
    import signal

    from briefings.content.cache import dumps, loads

    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the forked process never returns into the caller
        status = 1
        try:
            os.close(read)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            data = dumps(func(*args))
            with os.fdopen(write, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)

    def collect():
        with os.fdopen(read, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        try:
            return loads(data)
        except Exception:  # a damaged result: the caller does the work itself
            return None

    return collect
