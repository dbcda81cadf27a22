"""The Woo publication package, as the Woo index harvests it (`briefings build ... --woo`).

For each document with a Woo decision, `build/woo/<doc-id>/` holds the redacted PDF (PDF/A-2, tagged)
and DOCX and `<doc-id>.diwoo.xml`, its DiWoo metadata; for the whole publication `build/woo/` holds
`sitemap.xml` (what the Woo index harvests) and `inventaris.csv` and `.xlsx` (one row per document).
Everything is made in memory and checked first (DiWoo schema, leak check), and written last.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from briefings.content import model as m
from briefings.errors import BriefingsError, ErrorGroup, Location

PACKAGE = "woo"


@dataclass
class Package:
    doc: m.Document
    meta: object  # diwoo.Metadata
    element: object  # its diwoo:Document
    files: dict[str, bytes] = field(default_factory=dict)  # name in the document's folder → content
    withheld: list[str] = field(default_factory=list)  # fragments as they would have read
    output: object = None  # the DOCX as built (documents.build.Output), which the PDF is made from


def publish_woo(lib, project, docs: list[m.Document], out_dir: Path | None, echo, baseline=None) -> list[Path]:
    """Build, check and write the Woo package of docs (each with a Woo decision); return the files written."""
    from briefings.content.load import display_path
    from briefings.documents.build import git_commit

    root = (out_dir or project.build) / PACKAGE
    commit = git_commit(project.root)
    packages = [package_document(lib, project, doc, commit, baseline) for doc in docs]
    make_pdfs(lib, project, packages, commit, baseline)
    listed = {p.doc.id: p.meta for p in packages}
    for doc_id, meta in earlier_packages(root).items():  # documents published by earlier runs stay listed
        listed.setdefault(doc_id, meta)
    shared = publication_files(project, listed, {p.doc.id: p.element for p in packages}, root)
    check_leaks(lib, packages, shared)
    from briefings.writers.files import write_bytes_atomic

    written = []
    for package in packages:
        for name, data in package.files.items():
            written.append(root / package.doc.id / name)
            write_bytes_atomic(written[-1], data)
    for name, data in shared.items():
        written.append(root / name)
        write_bytes_atomic(written[-1], data)
    for path in written:
        echo(display_path(path))
    return written


def package_document(lib, project, doc: m.Document, commit: str, baseline=None) -> Package:
    """One document's package in memory: DOCX (PDF follows), DiWoo metadata, validated."""
    from briefings.documents.build import render_document
    from briefings.publish import diwoo

    published = doc.woo.besluit != "niet openbaar"
    files: dict[str, bytes] = {}
    withheld: list[str] = []
    grounds = list(doc.woo.gronden)
    assembled = None
    if published:
        [output] = render_document(lib, project, doc, ("docx", "pdf"), Path("."), woo=True, commit=commit,
                                   baseline=baseline)
        assembled = output.assembled
        files[f"{doc.id}.docx"] = output.data
        withheld = [w.text for w in assembled.withheld]
        grounds = sorted({*grounds, *assembled.woo_grounds})
    meta = metadata(lib, project, doc, assembled, grounds,
                    [f"{doc.id}.pdf", f"{doc.id}.docx"] if published else [])
    element = diwoo.document_element(meta)
    diwoo.validate(element, doc.id, _settings_location(project, doc))
    files[f"{doc.id}.diwoo.xml"] = diwoo.to_bytes(element)
    return Package(doc, meta, element, files, withheld, output if published else None)


def metadata(lib, project, doc: m.Document, assembled, grounds: list[str], bestanden: list[str]):
    from briefings.documents.woo import Redactor
    from briefings.publish import diwoo

    settings = project.woo
    title = assembled.title if assembled is not None else doc.titel
    subject = assembled.subject if assembled is not None else (doc.onderwerp or "")
    keywords = assembled.keywords if assembled is not None else []
    if assembled is None:  # not published: the inventory still lists it, names redacted
        redact = Redactor.of(lib, project)
        title, subject = redact(title), redact(subject)
    return diwoo.Metadata(
        doc_id=doc.id, titel=title, omschrijving=subject, soort=doc.soort, creatiedatum=doc.datum,
        kenmerk=doc.kenmerk, besluit=doc.woo.besluit, besluitdatum=doc.woo.datum, besluitkenmerk=doc.woo.kenmerk,
        gronden=grounds, trefwoorden=keywords, bestanden=bestanden,
        informatiecategorie=settings["informatiecategorie"].get(doc.soort, ""),
        uitgever=settings["uitgever"], taal=settings["taal"])


def _settings_location(project, doc: m.Document) -> Location:
    from briefings.content.load import display_path

    if project.config_path is not None:
        return Location(display_path(project.config_path))
    return Location(doc._path or doc.id)


def make_pdfs(lib, project, packages: list[Package], commit: str, baseline=None) -> None:
    """The PDFs of all packages, in one LibreOffice run (a second one numbers a new table of contents)."""
    from briefings.documents.build import render_document
    from briefings.documents.layout import lay_out

    todo = [p for p in packages if p.output is not None]
    if not todo:
        return

    def rerender(doc: m.Document, pages: dict[str, int]):
        [again] = render_document(lib, project, doc, ("docx", "pdf"), Path("."), woo=True, commit=commit,
                                  baseline=baseline, toc_pages=pages)
        return again

    outputs, _ = lay_out([p.output for p in todo], {p.doc.id: ("docx", "pdf") for p in todo}, rerender,
                         lambda text: None)  # a PDF was asked for: no LibreOffice is an error, not a warning
    made = {(o.doc.id, o.path.suffix): o.data for o in outputs}
    for package in todo:
        doc_id = package.doc.id
        package.files = {f"{doc_id}.pdf": made[doc_id, ".pdf"], **package.files,
                         f"{doc_id}.docx": made[doc_id, ".docx"]}


def earlier_packages(root: Path) -> dict:
    """The metadata of documents published into root by earlier runs."""
    from lxml import etree

    from briefings.publish import diwoo

    found = {}
    for path in sorted(root.glob("*/*.diwoo.xml")) if root.is_dir() else ():
        try:
            meta = diwoo.read_metadata(etree.parse(str(path)).getroot())
        except (etree.XMLSyntaxError, ValueError, OSError):
            continue
        if meta.doc_id == path.parent.name:
            found[meta.doc_id] = meta
    return found


def publication_files(project, listed: dict, elements: dict, root: Path) -> dict[str, bytes]:
    """sitemap.xml and the inventory, for every document the publication holds."""
    from lxml import etree

    from briefings.publish import diwoo
    from briefings.publish.inventory import inventory_csv, inventory_xlsx

    base = project.woo["publicatie_url"].rstrip("/") + "/"
    entries = []
    for doc_id, meta in sorted(listed.items()):
        if meta.besluit == "niet openbaar" or not meta.bestanden:
            continue
        element = elements.get(doc_id)
        if element is None:
            element = etree.parse(str(root / doc_id / f"{doc_id}.diwoo.xml")).getroot()
        entries.append((f"{base}{doc_id}/{meta.bestanden[0]}", meta.besluitdatum, element))
    rows = [listed[doc_id] for doc_id in sorted(listed, key=lambda d: (listed[d].creatiedatum, d))]
    return {"sitemap.xml": diwoo.sitemap(entries), "inventaris.csv": inventory_csv(rows),
            "inventaris.xlsx": inventory_xlsx(rows)}


def check_leaks(lib, packages: list[Package], shared: dict[str, bytes]) -> None:
    """Refuse the whole publication when a redacted name or a withheld fragment is anywhere in it."""
    from briefings.documents.woo import Redactor
    from briefings.publish.leaks import find_leaks

    redactor = Redactor(lib.items("persoon"))
    fragments = [text for p in packages for text in p.withheld]
    files = {f"{p.doc.id}/{name}": data for p in packages for name, data in p.files.items()}
    leaks = find_leaks({**files, **shared}, redactor, fragments)
    if leaks:
        errors = [BriefingsError(f"Woo leak check: {leak}", None,
                                 "nothing was written; find where the text comes from (content, reference "
                                 "document, settings) and redact or withhold it") for leak in leaks[:20]]
        raise errors[0] if len(errors) == 1 else ErrorGroup(errors)
