"""A DOCX as a list of paragraphs: style, list level, text before and after tracked changes, anchors, comments.

python-docx (already a dependency: the writer builds on it) opens the package and resolves the style
names; the body is then walked as plain WordprocessingML with lxml, because python-docx has no API for
tracked changes (w:ins, w:del), bookmarks or comment ranges, and mammoth and docx2python both flatten
exactly those away (mammoth keeps insertions and drops deletions; docx2python reads only one side).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from briefings.errors import BriefingsError, Location

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{%s}" % W_NS


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str


@dataclass
class Paragraph:
    index: int              # position in the body, from 0
    style: str              # the style's name (e.g. "List Bullet", "heading 2"), lower case
    level: int | None       # list level (w:ilvl) when numbered, else None
    num_id: str | None      # the list instance
    new: str                # the text with every tracked change accepted
    old: str                # the text with every tracked change rejected
    bold: bool = False      # all of its text is bold
    inserted: bool = False  # the paragraph mark itself is a tracked insertion
    deleted: bool = False   # the paragraph mark is a tracked deletion
    anchors: list[str] = field(default_factory=list)   # bookmark names around it (documents/anchors.py)
    comments: list[str] = field(default_factory=list)  # ids of comments anchored in it
    in_table: bool = False
    ordered: bool = False   # a numbered (not bulleted) list item

    @property
    def changed(self) -> bool:
        return self.new != self.old or self.inserted or self.deleted

    @property
    def is_heading(self) -> bool:
        return self.style.startswith(("heading", "kop")) or self.style in ("title", "titel")

    @property
    def heading_level(self) -> int:
        digits = "".join(c for c in self.style if c.isdigit())
        return int(digits) if digits and self.style.startswith(("heading", "kop")) else 0


@dataclass
class DocxText:
    path: Path
    paragraphs: list[Paragraph]
    comments: dict[str, Comment]
    properties: dict[str, str]   # custom document properties


def read_docx(path: Path) -> DocxText:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BriefingsError(f"not a usable .docx: {error}", Location(str(path)),
                             hint="save the file from Word or LibreOffice as .docx") from error
    styles = _style_names(document)
    paragraphs = _paragraphs(document.element.body, styles)
    formats = _number_formats(document)
    for paragraph in paragraphs:
        if paragraph.level is not None:
            fmt = formats.get((paragraph.num_id, paragraph.level))
            paragraph.ordered = (fmt not in (None, "bullet", "none") if fmt is not None
                                 else paragraph.style.startswith("list number"))
    return DocxText(path, paragraphs, _comments(document), _custom_properties(path))


def _style_names(document) -> dict[str, str]:
    names = {}
    for style in document.styles.element.iterchildren(W + "style"):
        name = style.find(W + "name")
        style_id = style.get(W + "styleId") or ""
        names[style_id] = (name.get(W + "val") if name is not None else style_id).lower()
    return names


def _paragraphs(body, styles: dict[str, str]) -> list[Paragraph]:
    out: list[Paragraph] = []
    bookmark_names: dict[str, str] = {}  # LibreOffice may write one name under two ids
    open_names: list[str] = []
    for element in body.iter(W + "p", W + "bookmarkStart", W + "bookmarkEnd"):
        if element.tag == W + "bookmarkStart" and element.getparent().tag != W + "p":
            _open(element, bookmark_names, open_names)
            continue
        if element.tag == W + "bookmarkEnd" and element.getparent().tag != W + "p":
            _close(element, bookmark_names, open_names)
            continue
        if element.tag != W + "p":
            continue
        for start in element.iter(W + "bookmarkStart"):
            _open(start, bookmark_names, open_names)
        paragraph = _paragraph(element, len(out), styles)
        paragraph.anchors = list(open_names)
        for end in element.iter(W + "bookmarkEnd"):
            _close(end, bookmark_names, open_names)
        out.append(paragraph)
    return out


def _open(start, names: dict[str, str], open_names: list[str]) -> None:
    name = start.get(W + "name") or ""
    names[start.get(W + "id")] = name
    if name.startswith("_bf") and name not in open_names:
        open_names.append(name)


def _close(end, names: dict[str, str], open_names: list[str]) -> None:
    name = names.get(end.get(W + "id"))
    if name in open_names:
        open_names.remove(name)


def _paragraph(element, index: int, styles: dict[str, str]) -> Paragraph:
    ppr = element.find(W + "pPr")
    style, level, num_id, inserted, deleted = "normal", None, None, False, False
    if ppr is not None:
        pstyle = ppr.find(W + "pStyle")
        if pstyle is not None:
            style = styles.get(pstyle.get(W + "val"), pstyle.get(W + "val", "").lower())
        num_pr = ppr.find(W + "numPr")
        if num_pr is not None and num_pr.find(W + "numId") is not None:
            num_id = num_pr.find(W + "numId").get(W + "val")
            ilvl = num_pr.find(W + "ilvl")
            if num_id != "0":
                level = int(ilvl.get(W + "val")) if ilvl is not None else 0
        rpr = ppr.find(W + "rPr")
        if rpr is not None:
            inserted = rpr.find(W + "ins") is not None
            deleted = rpr.find(W + "del") is not None
    if level is None and style.startswith(("list bullet", "list number", "list paragraph")):
        digits = "".join(c for c in style if c.isdigit())
        level = int(digits) - 1 if digits else 0
    new, old, bold = _texts(element)
    comments = [c.get(W + "id") for c in element.iter(W + "commentRangeStart", W + "commentReference")]
    in_table = next(element.iterancestors(W + "tc"), None) is not None
    return Paragraph(index, style, level, num_id, new, old, bold, inserted, deleted,
                     comments=list(dict.fromkeys(comments)), in_table=in_table)


def _texts(paragraph) -> tuple[str, str, bool]:
    new, old = [], []
    bold_chars = plain_chars = 0
    for element in paragraph.iter(W + "t", W + "delText", W + "tab", W + "br", W + "noBreakHyphen"):
        if next(element.iterancestors(W + "p"), None) is not paragraph:
            continue  # a paragraph nested in a text box
        in_ins = next(element.iterancestors(W + "ins"), None) is not None
        in_del = element.tag == W + "delText" or next(element.iterancestors(W + "del"), None) is not None
        if element.tag in (W + "t", W + "delText"):
            text = element.text or ""
        elif element.tag == W + "noBreakHyphen":
            text = "-"
        else:
            text = "\t" if element.tag == W + "tab" else "\n"
        if not in_del:
            new.append(text)
        if not in_ins:
            old.append(text)
        if element.tag == W + "t" and text.strip():
            run = element.getparent()
            b = run.find(f"{W}rPr/{W}b")
            if b is not None and b.get(W + "val") not in ("0", "false"):
                bold_chars += len(text)
            else:
                plain_chars += len(text)
    return "".join(new), "".join(old), bold_chars > 0 and plain_chars == 0


def _comments(document) -> dict[str, Comment]:
    from lxml import etree

    found = {}
    for rel in document.part.rels.values():
        if rel.reltype.endswith("/comments") and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob)
            for comment in root.iter(W + "comment"):
                text = "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in comment.iter(W + "p"))
                found[comment.get(W + "id")] = Comment(comment.get(W + "id"), comment.get(W + "author", ""),
                                                       comment.get(W + "date", ""), text.strip())
    return found


def _custom_properties(path: Path) -> dict[str, str]:
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as package:
            data = package.read("docProps/custom.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    found = {}
    for prop in etree.fromstring(data):
        value = "".join(prop.itertext())
        found[prop.get("name", "")] = value
    return found


def _number_formats(document) -> dict[tuple[str, int], str]:
    """(numId, level) → w:numFmt of the numbering definitions (decimal, bullet, ...)."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return {}
    abstract = {}
    for definition in numbering.iterchildren(W + "abstractNum"):
        levels = {}
        for level in definition.iterchildren(W + "lvl"):
            fmt = level.find(W + "numFmt")
            levels[int(level.get(W + "ilvl", "0"))] = fmt.get(W + "val") if fmt is not None else "decimal"
        abstract[definition.get(W + "abstractNumId")] = levels
    found = {}
    for num in numbering.iterchildren(W + "num"):
        ref = num.find(W + "abstractNumId")
        levels = abstract.get(ref.get(W + "val") if ref is not None else None, {})
        for level, fmt in levels.items():
            found[(num.get(W + "numId"), level)] = fmt
    return found
