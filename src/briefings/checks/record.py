"""`briefings check` with nothing changed answers from the findings of its last run.

A check records its findings with the snapshot of the files it read (snapshots.snapshot: the content and
template folders, the settings file, the code of briefings), under the request: the project's folders, the
documents asked for, the date checked as of, and the working folder (findings name paths relative to it).
When the snapshot taken now equals the recorded one, the findings are the same, and `check` prints them
without loading the library: before Click is imported when called from the command line (start.py).

The record lives in the user's cache folder, next to the parse cache, and like it only for libraries of
content.cache.AUTO_MIN_FILES files or more (BRIEFINGS_CACHE=1 for any size, 0 for none): a smaller library is
checked in less time than it takes to take the snapshot. A library with a sent document keeps no record:
its check reads git history, which the snapshot does not cover. A record that cannot be read is ignored.
"""
import os
import sys
import time

from briefings.paths import (caching_off, find_root, read_marshal, root_cache_folder, settings_state, sha256,
                             write_marshal)
from briefings.snapshots import folders_of, forget_stats, snapshot

FORMAT = 1
KEEP = 8  # the findings of this many different requests are kept
NAME = "check-findings"


def _key(folders: tuple, documents: list[str], today: str) -> str:
    return sha256(repr([*folders, documents, today, os.getcwd()]).encode("utf-8", "surrogateescape")).hexdigest()


def _read(root: str) -> dict:
    record = read_marshal(os.path.join(root_cache_folder(root), NAME))
    return record if isinstance(record, dict) and record.get("format") == FORMAT else {}


def _recorded(record: dict, key: str, tree: str | None):
    entry = record.get("entries", {}).get(key) if tree is not None else None
    return entry[1] if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == tree else None


def checked_rows(load, project, documents: list[str], today) -> list[tuple]:
    """The findings of `briefings check` as rows (output.FIELDS), sorted: recorded ones while nothing changed,
    else from the library load() gives (which raises the errors that stop loading)."""
    import datetime as dt

    day = today or dt.date.today()
    taken = None
    if not caching_off():
        folders = folders_of(project)
        taken = (folders, _key(folders, list(documents), day.isoformat()), snapshot(folders, [], keep_stats=True))
        rows = _recorded(_read(folders[0]), *taken[1:])
        if rows is not None:
            forget_stats()
            return rows
    try:
        lib = load()  # the parse cache takes the files' stat from the snapshot
    finally:
        forget_stats()
    from briefings.checks.rules import run_checks
    from briefings.content.cache import enabled

    rows = [f.row() for f in run_checks(lib, project, documents=list(documents) or None, today=day)]
    if (taken is not None and taken[2] is not None and enabled(len(lib.content.paths))
            and not any(d.verzending is not None for d in lib.documents())):
        _remember(*taken, rows)
    return rows


def _remember(folders: tuple, key: str, tree: str, rows: list[tuple]) -> None:
    root = folders[0]
    record = _read(root)
    entries = record.get("entries", {}) if record.get("settings") == (folders, settings_state(root)) else {}
    entries[key] = (tree, rows, time.time_ns())
    newest = sorted(entries.items(), key=lambda item: item[1][2] if isinstance(item[1], tuple) else 0)[-KEEP:]
    write_marshal(os.path.join(root_cache_folder(root), NAME),  # not written: the next check runs
                  {"format": FORMAT, "settings": (folders, settings_state(root)), "entries": dict(newest)})


# -- `briefings check` with nothing changed, before Click ----------------------------------------------------


def check_request(args: list[str]):
    """(format, strict, documents, date) of `briefings check ARGS` when it has only the options the record
    knows, with a date as YYYY-MM-DD; None for anything else (Click then reports what is wrong)."""
    fmt, strict, documents, today = "text", False, [], None
    items = iter(args)
    for arg in items:
        name, has_value, value = arg.partition("=") if arg.startswith("--") else (arg, False, None)
        if arg == "--strict":
            strict = True
        elif name in ("--format", "--document", "--today"):
            value = value if has_value else next(items, None)
            if value is None or value.startswith("-"):
                return None
            if name == "--format":
                if value not in ("text", "json", "github"):
                    return None
                fmt = value
            elif name == "--document":
                documents.append(value)
            elif len(value) == 10 and value[4] == value[7] == "-" and (value[:4] + value[5:7] + value[8:]).isdigit() \
                    and value.isascii():
                today = value
            else:
                return None
        else:
            return None
    return fmt, strict, documents, today or time.strftime("%Y-%m-%d")


def answer_check(args: list[str], root: str | None) -> int | None:
    """Print the findings of `briefings check ARGS` when nothing changed since they were recorded, and give
    the exit code; None when the check must run."""
    request = check_request(args)
    if request is None or caching_off():
        return None
    fmt, strict, documents, today = request
    root = os.path.realpath(root if root is not None else find_root())
    record = _read(root)
    settings = record.get("settings")
    if not (isinstance(settings, tuple) and len(settings) == 2 and isinstance(settings[0], tuple)
            and settings[0][:1] == (root,) and settings[1] == settings_state(root)):
        return None
    folders = settings[0]
    rows = _recorded(record, _key(folders, documents, today), snapshot(folders, []))
    if rows is None:
        return None
    return print_rows(rows, fmt, strict)


def print_rows(rows: list[tuple], fmt: str, strict: bool) -> int:
    """Print findings as `check` does; the exit code."""
    from briefings.checks.output import exit_code_of, format_rows

    lines, summary = format_rows(rows, fmt)
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
    if summary is not None:
        sys.stderr.write(summary + "\n")
        sys.stderr.flush()
    return exit_code_of(rows, strict)
