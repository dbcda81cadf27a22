"""LibreOffice's part of a build: page numbers for tables of contents, then the PDFs.

Page numbers need a page layout, which only a word processor has. A document with a table of contents is
first rendered as a draft: its entries carry PAGEREF fields without the TOC field around them, so
LibreOffice computes each page number while converting it. The page of every heading (a named
destination in that PDF) then goes into the final DOCX, inside a real TOC field, as Word shows it
without asking to update. The PDF of the final DOCX is checked against those pages.

Each round converts all its documents in one LibreOffice process: one for the drafts and the PDFs of
documents without a table of contents, one for the PDFs of documents with one.
"""
from __future__ import annotations

import re
from dataclasses import replace

from briefings.documents.build import Output

ROUNDS = 3  # a table of contents whose numbers move its headings (it never did) gets this many tries
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
        find_soffice()
    except ConversionError as error:
        if wants_pdf:
            raise
        for output in drafts:
            warn(f"{output.doc.id}: table of contents without page numbers: {error.problem}")
        finals = {o.doc.id: replace(rerender(o.doc, {}), write=o.write) for o in drafts}
        return [finals.get(o.doc.id, o) if o.draft else o for o in outputs], {f.path for f in finals.values()}

    with tempfile.TemporaryDirectory(prefix="briefings-profile-") as profile:  # made once, used by every round
        return _rounds(outputs, drafts, wants_pdf, rerender, partial(docx_bytes_to_pdf, profile=profile), warn)


def _rounds(outputs: list[Output], drafts: list[Output], wants_pdf: set, rerender, convert, warn):
    plain = [o for o in outputs if o.path.suffix == ".docx" and not o.draft and o.doc.id in wants_pdf]
    converted = convert([(o.doc.id, o.data) for o in drafts + plain])
    pdfs = {o.doc.id: pdf for o, pdf in zip(plain, converted[len(drafts):])}
    finals = {}
    for output, pdf in zip(drafts, converted):
        pages = _toc_pages(pdf)
        if not pages:
            warn(f"{output.doc.id}: table of contents without page numbers: LibreOffice's PDF showed no pages")
        finals[output.doc.id] = (replace(rerender(output.doc, pages), write=output.write), pages)
    for _ in range(ROUNDS):
        check = [doc_id for doc_id in finals if doc_id in wants_pdf and doc_id not in pdfs]
        if not check:
            break
        converted = convert([(doc_id, finals[doc_id][0].data) for doc_id in check])
        for doc_id, pdf in zip(check, converted):
            final, pages = finals[doc_id]
            if _toc_pages(pdf) == pages:
                pdfs[doc_id] = pdf
            else:  # the numbers themselves moved a heading: number again from this layout
                pages = _toc_pages(pdf)
                finals[doc_id] = (replace(rerender(final.doc, pages), write=final.write), pages)
    for doc_id in finals:  # settled enough after ROUNDS: the last PDF stands
        if doc_id in wants_pdf and doc_id not in pdfs:
            pdfs[doc_id] = convert([(doc_id, finals[doc_id][0].data)])[0]

    result = []
    for output in outputs:
        if output.draft:
            output = finals[output.doc.id][0]
        result.append(output)
        if output.path.suffix == ".docx" and output.doc.id in pdfs:
            result.append(replace(output, path=output.path.with_suffix(".pdf"), data=pdfs[output.doc.id],
                                  write=True, draft=False))
    return result, set()


def _toc_pages(pdf: bytes) -> dict[str, int]:
    from briefings.writers.pdf import destination_pages
    from briefings.writers.wordml import TOC_BOOKMARK

    pages = {}
    for name, page in destination_pages(pdf).items():
        found = _TOC_NAME.search(name)
        if found:
            pages[TOC_BOOKMARK.format(int(found.group(1)))] = page
    return pages
