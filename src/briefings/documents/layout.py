"""LibreOffice's part of a build: page numbers for tables of contents, then the PDFs.

Page numbers need a page layout, which only a word processor has. A document with a table of contents is
first rendered as a draft: its entries carry PAGEREF fields without the TOC field around them, so
LibreOffice computes each page number while converting it. The page of every heading (a named
destination in that PDF) then goes into the final DOCX, inside a real TOC field, as Word shows it
without asking to update. The PDF of the final DOCX is checked against those pages.

The pages are remembered (in the cache folder, by the draft's text and styles and the LibreOffice used):
a draft laid out before needs no LibreOffice for its DOCX, and its PDF is made in the same round as the
others. Each round converts all its documents in one LibreOffice process with one profile: usually one
round, two when a table of contents is new.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import replace

from briefings.documents.build import Output

ROUNDS = 3  # a table of contents whose numbers move its headings (it never did) gets this many tries
REMEMBERED = 500  # laid-out drafts kept in the cache
_TOC_NAME = re.compile(r"Toc(\d{6})$")


def needs_layout(outputs: list[Output], formats: dict[str, tuple[str, ...]]) -> bool:
    return any(o.draft for o in outputs) or any("pdf" in f for f in formats.values())


def lay_out(outputs: list[Output], formats: dict[str, tuple[str, ...]], rerender, warn) -> tuple[list[Output], set]:
    """The outputs with tables of contents numbered and PDFs added, and the paths left unfinished.

    `formats` maps each document id to the formats asked for; `rerender(doc, pages)` renders a document's
    DOCX again with the page numbers of its table of contents; `warn(text)` reports a table of contents
    left without numbers because LibreOffice is missing (only when no PDF was asked for).
    """
    import tempfile
    from functools import partial

    from briefings.writers.pdf import ConversionError, docx_bytes_to_pdf, find_soffice

    wants_pdf = {doc_id for doc_id, fmts in formats.items() if "pdf" in fmts}
    drafts = [o for o in outputs if o.draft]
    try:
        soffice = find_soffice()
    except ConversionError as error:
        if wants_pdf:
            raise
        for output in drafts:
            warn(f"{output.doc.id}: table of contents without page numbers: {error.problem}")
        finals = {o.doc.id: replace(rerender(o.doc, {}), write=o.write) for o in drafts}
        return [finals.get(o.doc.id, o) if o.draft else o for o in outputs], {f.path for f in finals.values()}

    memory = _Pages(soffice)
    with tempfile.TemporaryDirectory(prefix="briefings-profile-") as profile:  # made once, used by every round
        result = _rounds(outputs, wants_pdf, rerender, partial(docx_bytes_to_pdf, profile=profile), warn, memory)
    memory.save()
    return result, set()


def _rounds(outputs: list[Output], wants_pdf: set, rerender, convert, warn, memory: "_Pages") -> list[Output]:
    finals: dict[str, tuple[Output, dict]] = {}  # document id → final DOCX, the pages it shows
    drafts = []
    for output in (o for o in outputs if o.draft):
        pages = memory.get(output.data)
        if pages is None:
            drafts.append(output)
        else:
            finals[output.doc.id] = (replace(rerender(output.doc, pages), write=output.write), pages)
    plain = [o for o in outputs if o.path.suffix == ".docx" and not o.draft and not o.tracked
             and o.doc.id in wants_pdf]
    pdfs: dict[str, bytes] = {}
    check = [doc_id for doc_id in finals if doc_id in wants_pdf]
    for _ in range(ROUNDS):
        jobs = [(o.doc.id, o.data) for o in drafts + plain] + [(d, finals[d][0].data) for d in check]
        if not jobs:
            break
        converted = convert(jobs)
        for output, pdf in zip(drafts, converted):
            pages = _toc_pages(pdf)
            if not pages and _has_entries(output.data):
                warn(f"{output.doc.id}: table of contents without page numbers: LibreOffice's PDF showed none")
            memory.put(output.data, pages)
            finals[output.doc.id] = (replace(rerender(output.doc, pages), write=output.write), pages)
        pdfs.update((o.doc.id, pdf) for o, pdf in zip(plain, converted[len(drafts):]))
        unsettled = []
        for doc_id, pdf in zip(check, converted[len(drafts) + len(plain):]):
            final, pages = finals[doc_id]
            if _toc_pages(pdf) == pages:
                pdfs[doc_id] = pdf
            else:  # the numbers moved a heading (or the remembered ones were wrong): number from this layout
                pages = _toc_pages(pdf)
                finals[doc_id] = (replace(rerender(final.doc, pages), write=final.write), pages)
                pdfs[doc_id] = pdf  # stands if the rounds run out
                unsettled.append(doc_id)
        check = unsettled + [o.doc.id for o in drafts if o.doc.id in wants_pdf]
        drafts, plain = [], []

    result = []
    for output in outputs:
        if output.draft:
            output = finals[output.doc.id][0]
        result.append(output)
        if output.path.suffix == ".docx" and not output.tracked and output.doc.id in pdfs:
            result.append(replace(output, path=output.path.with_suffix(".pdf"), data=pdfs[output.doc.id],
                                  write=True, draft=False))
    return result


def _has_entries(docx: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return b'w:name="_Toc' in package.read("word/document.xml")


def _toc_pages(pdf: bytes) -> dict[str, int]:
    from briefings.writers.pdf import destination_pages
    from briefings.writers.wordml import TOC_BOOKMARK

    pages = {}
    for name, page in destination_pages(pdf).items():
        found = _TOC_NAME.search(name)
        if found:
            pages[TOC_BOOKMARK.format(int(found.group(1)))] = page
    return pages


class _Pages:
    """Page numbers of laid-out drafts, by what decides the layout: the draft's parts under word/ (text,
    styles, numbering, header, footer) and the LibreOffice that laid it out (program, size, date)."""

    def __init__(self, soffice: str):
        from briefings.documents.incremental import PDF_OPTIONS

        real = os.path.realpath(soffice)
        try:
            st = os.stat(real)
            self.engine = f"{real}:{st.st_size}:{st.st_mtime_ns}:{PDF_OPTIONS}"
        except OSError:
            self.engine = None
        from briefings.content.cache import shared_file

        self.path = None if self.engine is None else shared_file("toc-pages.json")
        self.known: dict[str, dict[str, int]] = {}
        self.changed = False
        if self.path is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.known = {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self.known = {}

    def key(self, docx: bytes) -> str:
        digest = hashlib.sha256(str(self.engine).encode())
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            for name in sorted(n for n in package.namelist() if n.startswith("word/")):
                digest.update(name.encode() + b"\0" + package.read(name) + b"\0")
        return digest.hexdigest()

    def get(self, docx: bytes) -> dict[str, int] | None:
        if self.path is None:
            return None
        pages = self.known.get(self.key(docx))
        return {str(k): int(v) for k, v in pages.items()} if pages else None

    def put(self, docx: bytes, pages: dict[str, int]) -> None:
        if self.path is not None and pages:
            key = self.key(docx)
            self.known.pop(key, None)
            self.known[key] = pages  # the newest last: the oldest go first when there are too many
            self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        from briefings.writers.files import write_text_atomic

        kept = dict(list(self.known.items())[-REMEMBERED:])
        try:
            write_text_atomic(self.path, json.dumps(kept, sort_keys=False))
        except OSError:
            pass  # a cache that cannot be written is only slower next time
