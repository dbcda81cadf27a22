"""The program's entry point. `briefings --help` is asked for most and must answer at once: it is printed
from `help_text` (Click's own output, kept current by tests/test_start.py) without importing Click, which
is most of the start-up. So are `briefings build` when nothing changed since the last build of the same
request (documents.quick answers from the build's record), `briefings check` when nothing changed since its
findings were recorded (checks.record) and `briefings zoek` with a fresh search index
(search.index answers from it). Every other call, and the help on a terminal narrower than 80 columns, goes
through Click (`cli.main`)."""
import os
import sys

HELP_ARGS = (["--help"], ["-h"])
WIDTH = 80  # Click wraps help to the terminal's width up to this; the prepared text is for this width


def _columns() -> int:
    """The terminal's width as Click sees it (shutil.get_terminal_size, without importing shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or WIDTH


def _root_option(args: list[str]) -> tuple[str | None, list[str]]:
    """(--root's folder, the rest) when the arguments start with it and it is a folder; else (None, args)."""
    if args[:1] == ["--root"] and len(args) > 1:
        root, rest = args[1], args[2:]
    elif args[:1] and args[0].startswith("--root="):
        root, rest = args[0][len("--root="):], args[1:]
    else:
        return None, args
    return (root, rest) if root and os.path.isdir(root) else (None, ["--root", root, *rest])


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in HELP_ARGS and _columns() >= WIDTH:
        from briefings.help_text import TEXT

        sys.stdout.write(TEXT)
        sys.stdout.flush()
        return
    root, command = _root_option(args)
    if command[:1] == ["build"] and root is None:
        from briefings.documents.quick import answer_build

        if answer_build(command[1:]):  # nothing changed since the last build of this request
            return
    if command[:1] == ["check"]:
        from briefings.checks.record import answer_check

        code = answer_check(command[1:], root)  # nothing changed since the findings were recorded
        if code is not None:
            sys.exit(code)
    if command[:1] == ["zoek"]:
        from briefings.search.index import answer_search

        if answer_search(command[1:], root):  # the search index is fresh
            return
    from briefings.cli import main as run

    run(argv)
