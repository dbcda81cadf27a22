"""The errors a user can cause. Each carries a location and prints without a traceback."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

import click

from briefings.paths import display_path  # noqa: F401 (shown_path and callers use it from here)


@dataclass(frozen=True)
class Location:
    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        if not self.col:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, or None."""
    matches = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


class BriefingsError(click.ClickException):
    """Root of every error the user can cause. Exit code 1."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.location = location
        self.hint = hint
        self.problem = message
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.location}: {self.problem}" if self.location else self.problem
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def format_message(self) -> str:
        return self.render()

    def show(self, file=None) -> None:  # no "Error:" prefix: the location leads
        click.echo(self.render(), err=True)


class ContentError(BriefingsError):
    """Broken YAML, a wrong type or an unknown key in a content file."""


def not_utf8(shown: str, data: bytes) -> ContentError:
    """A file that does not decode as UTF-8, located at the line and column of its first bad byte."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start, reason = exc.start, exc.reason
    else:  # pragma: no cover - the caller saw it fail
        start, reason = 0, "not UTF-8"
    line = data.count(b"\n", 0, start) + 1
    col = len(data[data.rfind(b"\n", 0, start) + 1:start].decode("utf-8", "replace")) + 1
    return ContentError(f"file is not UTF-8 text ({reason} at byte {start})", Location(shown, line, col),
                        "save the file as UTF-8")


class DuplicateIdError(BriefingsError):
    """Two items share an id."""


class ReferenceError_(BriefingsError):
    """A reference to an id that does not exist."""


class TemplateError(BriefingsError):
    """A Jinja2 template that does not parse or render."""


class PathError(BriefingsError):
    """A content path that escapes the content root."""


class ClassificationError(BriefingsError):
    """An item more confidential than the audience it is built for."""


class EmbargoError(ClassificationError):
    """An item under embargo, built or exported for the public before its date."""


class CheckFailed(BriefingsError):
    """Traceability checks found errors; the findings were printed already."""


class FileAccessError(BriefingsError, OSError):
    """The operating system refused to read or write a file: a full disk, a read-only folder, a folder
    where a file should be. Also an OSError, so that code skipping optional files (a cache) still can."""

    def __init__(self, verb: str, path: str, reason: str):
        self.verb, self.path, self.reason = verb, path, reason
        BriefingsError.__init__(self, f"briefings: cannot {verb} {path}: {reason}")

    @classmethod
    def of(cls, verb: str, path, exc: OSError) -> "FileAccessError":
        if isinstance(exc, FileAccessError):
            return exc
        return cls(verb, shown_path(path), exc.strerror or str(exc) or type(exc).__name__)


shown_path = display_path  # the name the file-writing code uses


class ErrorGroup(BriefingsError):
    """Several content errors at once, printed one per line."""

    def __init__(self, errors: list[BriefingsError]):
        self.errors = errors
        super().__init__("\n".join(e.render() for e in errors))

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)
