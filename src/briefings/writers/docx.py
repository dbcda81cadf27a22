"""DOCX writer: Markdown written onto a reference document, reproducible to the byte.

The body (paragraphs, lists, tables) comes from wordml.BodyWriter; this module adds the package parts:
header and footer, language, core and custom properties, and the reproducible zip.
"""
from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from briefings.errors import BriefingsError, Location

from briefings.writers.wordml import (CT_CUSTOM_PROPERTIES, CUSTOM_FMTID, EPOCH, RT_CUSTOM_PROPERTIES, VAL, W, ZIP_DATE,
                                       BodyWriter, Styles, clean_text, field_run, first_child, parse_markdown, sub,
                                       text_run)


@dataclass
class DocxMeta:
    title: str
    subject: str = ""
    author: str = ""
    keywords: list[str] = field(default_factory=list)
    classification: str = ""      # shown in the header, e.g. "Intern"
    reference: str = ""           # kenmerk, shown in the header
    date: datetime.date | None = None   # core created/modified come from this (reproducible)
    language: str = "nl-NL"
    toc: bool = False             # a table of contents after the title block, an entry per heading
    toc_pages: dict[str, int] | None = None  # its page numbers (bookmark → page), as a layout found them
    toc_field: bool = True        # False: entries without the TOC field, for LibreOffice to number (see wordml)
    concept: bool = False         # not final: "Concept" in the header and as a watermark
    custom: dict[str, str] = field(default_factory=dict)  # custom document properties
    provenance: str = ""          # how the document was made (version, commit, content hash): core comments


def markdown_to_docx(markdown: str, meta: DocxMeta, reference_doc: Path, baseline: str | None = None,
                     revision=None) -> bytes:
    """The DOCX bytes for markdown, styled by reference_doc; equal input gives equal bytes.

    With a baseline (the Markdown of an earlier version) the differences become Word tracked
    changes attributed to revision (a writers.redline.Revision); see writers/redline.py.
    """
    import docx  # python-docx is slow to import; only the DOCX output needs it
    from docx.opc.exceptions import PackageNotFoundError

    reference_doc = Path(reference_doc)
    if not reference_doc.is_file():
        raise BriefingsError("reference document not found", Location(str(reference_doc)),
                             hint="run templates/make_huisstijl.py or pass an existing .docx")
    try:
        document = docx.Document(str(reference_doc))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BriefingsError(f"reference document is not a usable .docx: {error}",
                             Location(str(reference_doc))) from error

    tokens = parse_markdown(clean_text(markdown))
    writer = BodyWriter(document, reference_doc)
    writer.write_title_block(tokens)
    toc = (meta.toc_pages, meta.toc_field) if meta.toc else None
    if toc:
        writer.write_toc(*toc)
    writer.write_blocks(tokens)
    writer.finish()
    if baseline is not None:
        from briefings.writers.redline import track_changes

        track_changes(document, writer, parse_markdown(clean_text(baseline)), toc, revision)
    _write_header_footer(document, writer.styles, meta)
    _set_language(document, meta.language)
    _set_core_properties(document, meta)
    if meta.custom:
        _set_custom_properties(document, meta.custom)

    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        entries = {name: package.read(name) for name in package.namelist()}
    return reproducible_zip(entries)


def reproducible_zip(entries: dict[str, bytes]) -> bytes:
    """A zip of entries with fixed order, timestamps, permissions and compression."""
    first = "[Content_Types].xml"
    names = sorted(entries, key=lambda name: (name != first, name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, entries[name], compresslevel=6)
    return buffer.getvalue()


# -- document parts --------------------------------------------------------------


def _write_header_footer(document, styles: Styles, meta: DocxMeta) -> None:
    section = document.sections[-1]
    parts = ("Concept" if meta.concept else "", meta.classification, meta.reference)
    label = " \u00b7 ".join(clean_text(text) for text in parts if text)
    if label:
        header = _fresh_story(section.header)
        paragraph = _story_paragraph(header, styles.id("Header"))
        text_run(paragraph, label)
        if meta.concept:
            paragraph.append(_watermark("CONCEPT"))
    footer = _fresh_story(section.footer)
    paragraph = _story_paragraph(footer, styles.id("Footer"))
    text_run(paragraph, "pagina ")
    field_run(paragraph, " PAGE ", "1")
    text_run(paragraph, " van ")
    field_run(paragraph, " NUMPAGES ", "1")


_V = "urn:schemas-microsoft-com:vml"
_O = "urn:schemas-microsoft-com:office:office"


def _watermark(text: str):
    """A run holding a VML text watermark, diagonal and light grey behind the page, as Word's own
    (Design > Watermark) writes it in the header; LibreOffice shows it and carries it into a PDF."""
    from lxml import etree

    run = etree.Element(W + "r")
    pict = etree.SubElement(run, W + "pict")
    kind = etree.SubElement(pict, f"{{{_V}}}shapetype", {
        "id": "_x0000_t136", "coordsize": "21600,21600", f"{{{_O}}}spt": "136", "adj": "10800",
        "path": "m@7,l@8,m@5,21600l@6,21600e"})
    etree.SubElement(kind, f"{{{_V}}}path", {f"{{{_O}}}extrusionok": "f", "gradientshapeok": "t",
                                             f"{{{_O}}}connecttype": "custom"})
    etree.SubElement(kind, f"{{{_V}}}textpath", {"on": "t", "fitshape": "t"})
    shape = etree.SubElement(pict, f"{{{_V}}}shape", {
        "id": "briefings-concept", "type": "#_x0000_t136", "fillcolor": "#d8d8d8", "stroked": "f",
        f"{{{_O}}}allowincell": "f",
        "style": "position:absolute;margin-left:0;margin-top:0;width:460pt;height:115pt;rotation:315;"
                 "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
                 "mso-position-vertical:center;mso-position-vertical-relative:margin"})
    etree.SubElement(shape, f"{{{_V}}}fill", {"opacity": ".5"})
    etree.SubElement(shape, f"{{{_V}}}textpath", {"on": "t", "fitshape": "t", "style": "font-family:\"Calibri\";font-size:1pt",
                                                     "string": text})
    return run


def _fresh_story(story):
    """The header or footer element, without its empty paragraphs (a logo stays)."""
    story.is_linked_to_previous = False
    element = story.part.element
    for paragraph in element.findall(W + "p"):
        # `is None`, not truth: an element without children is false, so a line of text would count as empty
        if next(paragraph.iter(W + "t", W + "drawing", W + "pict", W + "fldChar", W + "fldSimple"), None) is None:
            element.remove(paragraph)
    return element


def _story_paragraph(element, style_id: str):
    paragraph = sub(element, W + "p")
    sub(sub(paragraph, W + "pPr"), W + "pStyle", {VAL: style_id})
    return paragraph


def _set_language(document, language: str) -> None:
    """The language of docDefaults, which Word uses for spelling and hyphenation."""
    defaults = first_child(document.styles.element, W + "docDefaults")
    rpr_default = first_child(defaults, W + "rPrDefault")
    rpr = rpr_default.find(W + "rPr")
    if rpr is None:
        rpr = sub(rpr_default, W + "rPr")
    lang = rpr.find(W + "lang")
    if lang is None:
        lang = sub(rpr, W + "lang")
    lang.set(VAL, clean_text(language))


def _set_core_properties(document, meta: DocxMeta) -> None:
    props = document.core_properties
    props.title = _core_text(meta.title)
    props.subject = _core_text(meta.subject)
    props.author = props.last_modified_by = _core_text(meta.author)
    props.keywords = _core_text(", ".join(meta.keywords))
    props.comments = _core_text(meta.provenance)
    props.language = _core_text(meta.language)
    moment = (datetime.datetime(meta.date.year, meta.date.month, meta.date.day)
              if meta.date else EPOCH)
    props.created = props.modified = moment
    props.revision = 1


def _core_text(text: str) -> str:
    """Core properties hold at most 255 characters (python-docx enforces it)."""
    return clean_text(text)[:255]


def _escape(text: str) -> str:
    """XML character data (as xml.sax.saxutils.escape, which would import urllib, http and ssl)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoteattr(text: str) -> str:
    """An XML attribute value in double quotes."""
    text = _escape(text)
    for char, entity in (('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        text = text.replace(char, entity)
    return f'"{text}"'


def _set_custom_properties(document, custom: dict[str, str]) -> None:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT_CUSTOM_PROPERTIES:
            del package.rels[rel_id]
    properties = "".join(
        f'<property fmtid="{CUSTOM_FMTID}" pid="{pid}" name={_quoteattr(clean_text(str(name)))}>'
        f"<vt:lpwstr>{_escape(clean_text(str(value)))}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(custom.items(), start=2))
    xml = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
           '2006/docPropsVTypes">'
           f"{properties}</Properties>")
    part = Part(PackURI("/docProps/custom.xml"), CT_CUSTOM_PROPERTIES, xml.encode("utf-8"), package)
    package.relate_to(part, RT_CUSTOM_PROPERTIES)
