"""Output that cannot steer the terminal: control characters that content carries are shown, not sent.

A title holding ESC [ 2 J would clear the screen of whoever runs `briefings show`; one holding a carriage
return could print over an error. Every line briefings prints goes through PrintableStream, which writes
such characters as `\\x1b`. Line breaks and tabs pass unchanged."""
from __future__ import annotations

# every control character but newline and tab → `\xNN` (str.translate: no `re` for the answers start.py gives)
_SHOWN = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))}


def printable(text: str) -> str:
    """The text with every control character but newline and tab written as `\\xNN`."""
    return text.translate(_SHOWN) if not text.isprintable() else text


def without_controls(text: str) -> str:
    """The text without control characters (newline, tab and the carriage return of a CRLF stay): for written
    documents."""
    global _DOCUMENT_CONTROL
    if _DOCUMENT_CONTROL is None:
        import re

        _DOCUMENT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
    return _DOCUMENT_CONTROL.sub("", text)


_DOCUMENT_CONTROL = None


class PrintableStream:
    """A text stream (stdout, stderr) that writes through printable(); everything else is the stream's own."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))  # bytes raise TypeError, as a text stream does

    def __getattr__(self, name):
        return getattr(self.stream, name)
