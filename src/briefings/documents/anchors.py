"""Anchors: where a block of a built document came from, kept in the DOCX as hidden bookmarks.

The templates mark a question (`vraag`), an answer (`antwoord`) and a key-message block
(`blokken`, by index) with an HTML comment in the Markdown; the DOCX writer turns each into a
bookmark around the block's paragraphs and the Markdown output drops them. Word and LibreOffice
keep bookmarks through editing, so `briefings import wijzigingen` finds the item of each
paragraph a reviewer changed.

A bookmark name holds at most 40 letters, digits and underscores (Word's rule), so it cannot
hold an item id: it holds a hash of (id, field, index) that the importer recomputes from the
library, and a hash of the field's source text at build time, so the importer sees whether the
item changed in the library since the build. Names start with an underscore: Word lists them
only as hidden bookmarks. An item listed twice in one document has a second bookmark with `_2`
after the name (names are unique in a DOCX).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PREFIX = "_bf"
MARKER = re.compile(r"<!--(/?)bf:(_bf[0-9a-f]{10}_[0-9a-f]{8})-->")
MARKER_LINE = re.compile(r"^[ \t]*<!--/?bf:_bf[0-9a-f]{10}_[0-9a-f]{8}-->[ \t]*\n", re.M)


@dataclass(frozen=True)
class Anchor:
    item_id: str
    field: str
    index: int | None = None

    @property
    def key(self) -> str:
        return _hash(f"{self.item_id}|{self.field}|{'' if self.index is None else self.index}", 10)

    def label(self) -> str:
        return f"{self.item_id}.{self.field}" + ("" if self.index is None else f"[{self.index}]")


def _hash(text: str, length: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def text_hash(text: str | None) -> str:
    return _hash((text or "").strip("\n"), 8)


def bookmark_name(anchor: Anchor, source_text: str | None) -> str:
    return f"{PREFIX}{anchor.key}_{text_hash(source_text)}"


def occurrence(name: str, n: int) -> str:
    """The bookmark name of an item's n-th place in one document (from 1): bookmark names must be unique, and
    an item may be listed twice (Word would drop the second bookmark of a name)."""
    return name if n == 1 else f"{name}_{n}"


def parse_name(name: str) -> tuple[str, str] | None:
    """(anchor key, text hash) of a bookmark name of ours, else None; the place (occurrence) aside."""
    match = re.fullmatch(r"_bf([0-9a-f]{10})_([0-9a-f]{8})(?:_[1-9][0-9]{0,3})?", name or "")
    return (match.group(1), match.group(2)) if match else None


def start(anchor: Anchor, source_text: str | None) -> str:
    return f"<!--bf:{bookmark_name(anchor, source_text)}-->"


def end(anchor: Anchor, source_text: str | None) -> str:
    return f"<!--/bf:{bookmark_name(anchor, source_text)}-->"


def strip(markdown: str) -> str:
    """The Markdown without anchors: marker lines go with their line end, inline markers alone."""
    return MARKER.sub("", MARKER_LINE.sub("", markdown))


def marker(html: str) -> tuple[bool, str] | None:
    """(is start, bookmark name) when an HTML comment is one of our markers."""
    match = MARKER.fullmatch(html.strip())
    return (match.group(1) == "", match.group(2)) if match else None


def anchors_of(lib) -> dict[str, Anchor]:
    """Anchor key → anchor for every field the templates mark, for the importer."""
    found: dict[str, Anchor] = {}
    for item in lib.items("vraag"):
        for field_name in ("vraag", "antwoord"):
            anchor = Anchor(item.id, field_name)
            found[anchor.key] = anchor
    for item in lib.items("kernboodschap"):
        for index in range(len(item.blokken)):
            anchor = Anchor(item.id, "blokken", index)
            found[anchor.key] = anchor
    return found


def source_text(lib, anchor: Anchor) -> str | None:
    item = lib.by_id.get(anchor.item_id)
    if item is None:
        return None
    value = getattr(item, anchor.field, None)
    if anchor.index is not None:
        value = value[anchor.index] if isinstance(value, list) and anchor.index < len(value) else None
    return value
