"""Output that cannot steer the terminal: control characters that content carries are shown, not sent.

A title holding ESC [ 2 J would clear the screen of whoever runs `briefings show`; one holding a carriage
return could print over an error. Every line briefings prints goes through PrintableStream, which writes
such characters as `\\x1b`. Line breaks and tabs pass unchanged."""
from __future__ import annotations

import re

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """The text with every control character but newline and tab written as `\\xNN`."""
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text) if CONTROL.search(text) else text


def without_controls(text: str) -> str:
    """The text without control characters (newline, tab and the carriage return of a CRLF stay): for written
    documents."""
    return _DOCUMENT_CONTROL.sub("", text)


_DOCUMENT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


class PrintableStream:
    """A text stream (stdout, stderr) that writes through printable(); everything else is the stream's own."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))  # bytes raise TypeError, as a text stream does

    def __getattr__(self, name):
        return getattr(self.stream, name)
