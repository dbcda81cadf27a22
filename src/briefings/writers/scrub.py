"""Redact a finished DOCX as a whole: every XML part of the zip, not only the body the writer produced.

The reference document (templates/huisstijl.docx) brings its own headers, footers, properties,
comments and people list into every build; tracked changes carry an author. A Woo build passes the
whole package through the redactor: each text node and attribute value is redacted, and every
author-like attribute (w:author, w:initials, w15:userId) becomes the given role.
"""
from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Callable

AUTHOR_ATTRIBUTES = {"author", "initials", "userId", "providerId"}


def scrub_docx(data: bytes, redact: Callable[[str], str], role: str) -> bytes:
    from lxml import etree

    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info)
            if info.filename.endswith((".xml", ".rels")):
                try:
                    root = etree.fromstring(payload)
                except etree.XMLSyntaxError:
                    root = None
                if root is not None and _scrub_tree(root, redact, role):
                    payload = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, payload)
    return out.getvalue()


def _scrub_tree(root, redact: Callable[[str], str], role: str) -> bool:
    changed = False
    for element in root.iter():
        if isinstance(element.tag, str):
            for key, value in element.attrib.items():
                local = key.rsplit("}", 1)[-1]
                new = role if local in AUTHOR_ATTRIBUTES and value else redact(value)
                if new != value:
                    element.set(key, new)
                    changed = True
        for slot in ("text", "tail"):
            value = getattr(element, slot)
            if value:
                new = redact(value)
                if new != value:
                    setattr(element, slot, new)
                    changed = True
    return changed
