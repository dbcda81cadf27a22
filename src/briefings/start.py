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


def _quick_answer(args: list[str]) -> int | None:
    """The exit code of a command answered from a record without Click (see the module's docstring); None when
    the command line must run it. Output goes through PrintableStream as the command line's does; anything that
    goes wrong here leaves the command to the command line, which reports it."""
    root, command = _root_option(args)
    name = command[0] if command else None
    if name not in ("build", "check", "zoek") or (name == "build" and root is not None):
        return None
    from briefings.printable import PrintableStream

    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(sys.stdout), PrintableStream(sys.stderr)
    try:
        if name == "build":
            from briefings.documents.quick import answer_build

            return 0 if answer_build(command[1:]) else None  # nothing changed since the last build of this request
        if name == "check":
            from briefings.checks.record import answer_check

            return answer_check(command[1:], root)  # nothing changed since the findings were recorded
        from briefings.search.index import answer_search

        return 0 if answer_search(command[1:], root) else None  # the search index is fresh
    except BrokenPipeError:  # the reader went away (`briefings check | head`): as the command line, quietly
        sys.stderr = streams[1]
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except Exception:  # noqa: BLE001  a record that cannot be used: the command line runs the command
        if os.environ.get("BRIEFINGS_DEBUG"):
            raise
        return None
    finally:
        if isinstance(sys.stdout, PrintableStream):
            sys.stdout, sys.stderr = streams


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in HELP_ARGS and _columns() >= WIDTH:
        from briefings.help_text import TEXT

        sys.stdout.write(TEXT)
        sys.stdout.flush()
        return
    answered = _quick_answer(args)
    if answered is not None:
        sys.exit(answered)
    from briefings.cli import main as run

    run(argv)
