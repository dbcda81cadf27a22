"""WordprocessingML from Markdown tokens: the body writer shared by the DOCX writer and redline.

The Markdown is parsed with markdown-it (CommonMark plus pipe tables and YAML front
matter) and the token stream is walked once, appending WordprocessingML to the body of
the reference document. Styles are looked up by their built-in names, so a reference
document saved by a Dutch Word (style id "Kop1", name "heading 1") works too.

Lists: every Markdown list gets its own w:num over the abstract numbering of its list
style, with a w:startOverride for ordered lists. Each list therefore restarts at its
Markdown start number, and the list depth becomes the numbering level (w:ilvl), which
is what Word, LibreOffice and pandoc use to nest lists.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from briefings.errors import BriefingsError, Location

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "{%s}" % W_NS
VAL = W + "val"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

RT_HYPERLINK = R_NS + "/hyperlink"
RT_NUMBERING = R_NS + "/numbering"
RT_CUSTOM_PROPERTIES = R_NS + "/custom-properties"
CT_CUSTOM_PROPERTIES = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CT_NUMBERING = "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

EPOCH = datetime.datetime(2000, 1, 1)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MAX_STYLE_DEPTH = 3  # List Bullet 3 serves every deeper list; its numbering level goes on
TOC_INSTRUCTION = r' TOC \o "1-3" \h \z \u '
TOC_TITLE = "Inhoud"
TOC_LEVELS = 3
TOC_BOOKMARK = "_Toc{:06d}"  # Word's prefix for the hidden bookmarks a table of contents points to

# XML 1.0 forbids these; they are dropped rather than escaped.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ALIGN = {"left": "left", "center": "center", "right": "right"}


def clean_text(text: str) -> str:
    """Text without the characters XML cannot hold."""
    return ILLEGAL_XML.sub("", text)


def parse_markdown(markdown: str) -> list:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    from briefings.writers.mdlinks import linear_links

    # CommonMark's nesting limit of 20 drops the text of lists nested ten deep; 50 still
    # stays far from Python's recursion limit.
    parser = MarkdownIt("commonmark", {"maxNesting": 50}).enable("table").use(front_matter_plugin).use(linear_links)
    return parser.parse(markdown)


def front_matter(tokens: list) -> dict:
    if not tokens or tokens[0].type != "front_matter":
        return {}
    import yaml

    try:
        data = yaml.safe_load(tokens[0].content)
    except yaml.YAMLError as error:
        raise BriefingsError(f"the Markdown front matter is not valid YAML: {error}") from error
    return data if isinstance(data, dict) else {}


class Styles:
    """Style ids of the reference document, found by built-in name (case-insensitive)."""

    def __init__(self, document, reference_doc: Path):
        self.reference_doc = reference_doc
        self.element = document.styles.element
        self._by_name: dict[str, object] = {}
        for style in self.element.iterchildren(W + "style"):
            name = style.find(W + "name")
            style_id = style.get(W + "styleId") or ""
            if name is not None:
                self._by_name.setdefault(name.get(VAL, "").lower(), style)
            self._by_name.setdefault(style_id.lower(), style)
        self._ids: dict[str, str] = {}

    def element_of(self, name: str):
        style = self._by_name.get(name.lower())
        if style is None:
            style = self._by_name.get(name.replace(" ", "").lower())
        if style is None:
            raise BriefingsError(
                f"the reference document has no style '{name}'", Location(str(self.reference_doc)),
                hint=f"add a style named '{name}' to it, or start from templates/huisstijl.docx")
        return style

    def indent(self, name: str) -> str | None:
        """The left indent (twips) the style or a style it is based on sets, if any."""
        style = self.element_of(name)
        for _ in range(10):
            ind = style.find(f"{W}pPr/{W}ind")
            if ind is not None and (ind.get(W + "left") or ind.get(W + "start")):
                return ind.get(W + "left") or ind.get(W + "start")
            based_on = style.find(W + "basedOn")
            if based_on is None:
                return None
            style = self.element_of(based_on.get(VAL))
        return None

    def id(self, name: str) -> str:
        style_id = self._ids.get(name)
        if style_id is None:
            style_id = self._ids[name] = self.element_of(name).get(W + "styleId")
        return style_id


@dataclass
class ListState:
    style_depth: int  # 1 to MAX_STYLE_DEPTH
    style: str
    num_id: str
    ilvl: str
    indent: str | None  # where the item text starts, for its continuation paragraphs
    pending: bool = False  # the current item has not written its first paragraph yet
    ordered: bool = False


class Numbering:
    """One w:num per Markdown list, over the abstract numbering of the list style."""

    def __init__(self, document, styles: Styles):
        self.styles = styles
        self.element = self._numbering_element(document)
        nums = self.element.findall(W + "num")
        self.next_num = max((int(n.get(W + "numId")) for n in nums), default=0) + 1
        self._abstract_of_num = {n.get(W + "numId"): n.find(W + "abstractNumId").get(VAL)
                                 for n in nums}
        self._levels: dict[str, tuple[str, int]] = {}
        self._abstracts = {a.get(W + "abstractNumId"): a
                           for a in self.element.findall(W + "abstractNum")}
        self._cleanup = self.element.find(W + "numIdMacAtCleanup")

    @staticmethod
    def _numbering_element(document):
        part = document.part
        try:
            return part.part_related_by(RT_NUMBERING).element
        except KeyError:
            from docx.opc.packuri import PackURI
            from docx.oxml import parse_xml
            from docx.parts.numbering import NumberingPart

            element = parse_xml(f'<w:numbering xmlns:w="{W_NS}"/>')
            numbering = NumberingPart(PackURI("/word/numbering.xml"), CT_NUMBERING, element,
                                      part.package)
            part.relate_to(numbering, RT_NUMBERING)
            return element

    def new_list(self, style_name: str, ordered: bool, depth: int,
                 start: int) -> tuple[str, str, str | None]:
        """(numId, ilvl, text indent) of a fresh numbering instance for a list at depth.

        Lists nested deeper than the list styles reach share the deepest style but go on
        down the levels of its abstract numbering, so the nesting stays visible.
        """
        style_depth = min(depth, MAX_STYLE_DEPTH)
        abstract_id, base = self._level_of(style_name, ordered, style_depth)
        levels = self._abstracts[abstract_id].findall(W + "lvl")
        level_index = min(base + depth - style_depth, max(len(levels) - 1, 0))
        ilvl = str(level_index)
        num_id = str(self.next_num)
        self.next_num += 1
        num = self._make(self.element, "num", {W + "numId": num_id})
        self._make(num, "abstractNumId", {VAL: abstract_id})
        if ordered:
            override = self._make(num, "lvlOverride", {W + "ilvl": ilvl})
            self._make(override, "startOverride", {VAL: str(start)})
        if self._cleanup is not None:  # must stay the last child
            self._cleanup.addprevious(num)
        return num_id, ilvl, self._indent(levels, ilvl)

    @staticmethod
    def _indent(levels: list, ilvl: str) -> str | None:
        for level in levels:
            if level.get(W + "ilvl") == ilvl:
                ind = level.find(f"{W}pPr/{W}ind")
                if ind is not None:
                    return ind.get(W + "left") or ind.get(W + "start")
        return None

    def _level_of(self, style_name: str, ordered: bool, depth: int) -> tuple[str, int]:
        if style_name not in self._levels:
            self._levels[style_name] = (self._style_level(style_name)
                                        or self._own_level(ordered, depth))
        return self._levels[style_name]

    def _style_level(self, style_name: str) -> tuple[str, int] | None:
        """(abstractNumId, ilvl) from the w:numPr of the style or the styles it is based on."""
        style = self.styles.element_of(style_name)
        for _ in range(10):
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None and num_pr.find(W + "numId") is not None:
                abstract_id = self._abstract_of_num.get(num_pr.find(W + "numId").get(VAL))
                ilvl = num_pr.find(W + "ilvl")
                if abstract_id not in self._abstracts:
                    return None
                return abstract_id, int(ilvl.get(VAL)) if ilvl is not None else 0
            based_on = style.find(W + "basedOn")
            if based_on is None:
                return None
            style = self.styles.element_of(based_on.get(VAL))
        return None

    def _own_level(self, ordered: bool, depth: int) -> tuple[str, int]:
        """A multi-level definition of our own, for list styles without numbering."""
        abstracts = self.element.findall(W + "abstractNum")
        abstract_id = str(max((int(a.get(W + "abstractNumId")) for a in abstracts), default=-1) + 1)
        abstract = self.element.makeelement(W + "abstractNum", {W + "abstractNumId": abstract_id})
        self._make(abstract, "multiLevelType", {VAL: "hybridMultilevel"})
        for ilvl in range(9):
            level = self._make(abstract, "lvl", {W + "ilvl": str(ilvl)})
            self._make(level, "start", {VAL: "1"})
            self._make(level, "numFmt", {VAL: "decimal" if ordered else "bullet"})
            self._make(level, "lvlText", {VAL: f"%{ilvl + 1}." if ordered else "\u2022"})
            self._make(level, "lvlJc", {VAL: "left"})
            ppr = self._make(level, "pPr")
            self._make(ppr, "ind", {W + "left": str(360 * (ilvl + 1)), W + "hanging": "360"})
        first_num = self.element.find(W + "num")
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.element.append(abstract)
        self._abstracts[abstract_id] = abstract
        return abstract_id, depth - 1

    @staticmethod
    def _make(parent, tag: str, attrib: dict | None = None):
        child = parent.makeelement(W + tag, attrib or {})
        parent.append(child)
        return child


def sub(parent, tag: str, attrib: dict | None = None):
    child = parent.makeelement(tag, attrib or {})
    parent.append(child)
    return child


def text_run(parent, text: str, rpr: tuple = ()) -> None:
    """A w:r holding text; tabs become w:tab. rpr is a tuple of (tag, attrib) pairs."""
    run = sub(parent, W + "r")
    if rpr:
        props = sub(run, W + "rPr")
        for tag, attrib in rpr:
            sub(props, tag, attrib)
    for i, piece in enumerate(text.split("\t")):
        if i:
            sub(run, W + "tab")
        if piece:
            t = sub(run, W + "t")
            t.text = piece
            if piece[0] == " " or piece[-1] == " ":
                t.set(XML_SPACE, "preserve")


def _field_start(parent, instruction: str) -> None:
    """The begin, instruction and separate runs of a complex field whose result follows."""
    sub(sub(parent, W + "r"), W + "fldChar", {W + "fldCharType": "begin"})
    sub(sub(parent, W + "r"), W + "instrText", {XML_SPACE: "preserve"}).text = instruction
    sub(sub(parent, W + "r"), W + "fldChar", {W + "fldCharType": "separate"})


def field_run(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field marked dirty, so Word computes it when the document opens."""
    def run():
        return sub(paragraph, W + "r")

    sub(run(), W + "fldChar", {W + "fldCharType": "begin", W + "dirty": "true"})
    sub(run(), W + "instrText", {XML_SPACE: "preserve"}).text = instruction
    sub(run(), W + "fldChar", {W + "fldCharType": "separate"})
    sub(run(), W + "t").text = placeholder
    sub(run(), W + "fldChar", {W + "fldCharType": "end"})


class BodyWriter:
    """Walks the markdown-it token stream once and appends paragraphs and tables."""

    def __init__(self, document, reference_doc: Path, body=None):
        self.part = document.part
        self.body = document.element.body if body is None else body  # another body: a scratch render
        self.styles = Styles(document, reference_doc)
        self.numbering = Numbering(document, self.styles)
        self.sect_pr = self.body.find(W + "sectPr")
        if self.sect_pr is None:
            self.sect_pr = self.body.makeelement(W + "sectPr", {})
        for child in list(self.body):
            self.body.remove(child)
        self.lists: list[ListState] = []
        self.quote_depth = 0
        self.after_table = False  # the last block written is a table (len(body) is slow)
        self._rpr_cache: dict[tuple, tuple] = {}
        self.heading_level = 0  # of the last heading written: a question goes one level below it
        self._toc = None  # (heading paragraph, pages, field) of a table of contents to fill in finish()
        self.letter = False  # front matter `layout: letter`: no title block, closing kept with its signature
        self._bookmarks = 0
        self._bookmark_ids: dict[str, str] = {}
        self._bookmark_names: dict[str, int] = {}  # anchor → how often it was marked: each bookmark's name is unique
        self._pending_bookmarks: list[str] = []  # anchors that start at the next paragraph

    # -- blocks ---------------------------------------------------------------

    def write_title_block(self, tokens: list) -> None:
        front = front_matter(tokens)
        self.letter = front.get("layout") == "letter"
        if self.letter:  # a letter names its subject in its details block; the title stays a property
            return
        for key, style in (("title", "Title"), ("subtitle", "Subtitle")):
            value = front.get(key)
            if value not in (None, ""):
                paragraph = self._paragraph(self.styles.id(style))
                if key == "title":  # a heading of the outline: tagged H1 in a PDF (PDF/UA), its first bookmark
                    sub(paragraph.find(W + "pPr"), W + "outlineLvl", {VAL: "0"})
                text_run(paragraph, clean_text(str(value)))

    def write_toc(self, pages: dict[str, int] | None = None, field: bool = True) -> None:
        """A table of contents here, filled by finish() with an entry per heading (levels 1 to TOC_LEVELS).

        Each entry links to a bookmark on its heading and shows its page with a PAGEREF field. `pages`
        (bookmark name → page) are the page numbers a layout found; without them the numbers stay empty.
        field=False leaves out the TOC field around the entries: LibreOffice then computes every PAGEREF
        itself, which is how a build finds the pages (inside a TOC field it shows the numbers written).
        """
        heading = self._paragraph(self.styles.id("TOC Heading"))
        text_run(heading, TOC_TITLE)
        self._toc = (heading, pages, field)

    def write_blocks(self, tokens: list) -> None:
        i, end = 0, len(tokens)
        while i < end:
            token = tokens[i]
            kind = token.type
            if kind == "paragraph_open":
                children = tokens[i + 1].children
                question = self._is_question(children)
                paragraph = self._body_paragraph()
                if question:
                    self._mark_question(paragraph)
                self._inline(paragraph, children)
                i += 3
                continue
            if kind == "heading_open":
                self._open_pending_item()
                level = min(int(token.tag[1:]), 4)
                self.heading_level = level
                heading = self._paragraph(self.styles.id(f"Heading {level}"), heading=True)
                self._inline(heading, tokens[i + 1].children)
                i += 3
                continue
            if kind == "table_open":
                i = self._table(tokens, i)
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                self._open_list(token, ordered=kind == "ordered_list_open")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.lists[-1].pending = True
            elif kind == "list_item_close":
                self._open_pending_item()
            elif kind == "blockquote_open":
                self.quote_depth += 1
            elif kind == "blockquote_close":
                self.quote_depth -= 1
            elif kind in ("fence", "code_block"):
                self._code(token.content)
            elif kind == "html_block":
                if not self._anchor(token.content):
                    self._literal(token.content)
            elif kind == "hr":
                self._page_break()
            i += 1

    def finish(self) -> None:
        if self.after_table:
            self._paragraph(None)
        if self.letter:
            self._keep_closing_together()
        if self._toc is not None:
            self._fill_toc(*self._toc)
        self.body.append(self.sect_pr)

    # -- navigation: questions, table of contents, letters ----------------------

    def _is_question(self, children: list) -> bool:
        """The first paragraph of a top-level numbered item that is bold throughout: how the templates write
        a question (`vraag` in templates/_macros.md.j2)."""
        if not (len(self.lists) == 1 and self.lists[0].ordered and self.lists[0].pending):
            return False
        from briefings.documents.anchors import marker

        children = [t for t in children if not (t.type == "text" and not t.content.strip())
                    and not (t.type == "html_inline" and marker(t.content) is not None)]  # an item's anchors
        if not children:
            return False
        if children[0].type != "strong_open" or children[-1].type != "strong_close":
            return False
        depth = 0
        for token in children[:-1]:
            depth += token.type == "strong_open"
            depth -= token.type == "strong_close"
            if depth == 0:  # bold ends before the paragraph does
                return False
        return True

    def _mark_question(self, paragraph) -> None:
        """An outline level one below the heading it sits under (Word's navigation pane, PDF bookmarks), and
        kept with the first line of its answer."""
        ppr = paragraph.find(W + "pPr")
        style = ppr.find(W + "pStyle")
        keep = ppr.makeelement(W + "keepNext", {})
        if style is not None:
            style.addnext(keep)
        else:
            ppr.insert(0, keep)
        sub(ppr, W + "outlineLvl", {VAL: str(min(self.heading_level, 8))})

    def _keep_closing_together(self) -> None:
        """A letter ends with its closing and signature: the last paragraph of the letter (before the first
        page break, where the attachments begin) keeps its lines together and the one before it stays with it."""
        paragraphs = []
        for child in self.body.iterchildren(W + "p", W + "tbl"):
            if child.tag == W + "tbl":
                paragraphs.clear()
                continue
            if child.find(f"{W}r/{W}br[@{W}type='page']") is not None:
                break
            if child.find(f".//{W}t") is not None:
                paragraphs.append(child)
        for index, paragraph in enumerate(paragraphs[-2:]):
            ppr = first_child(paragraph, W + "pPr")
            tags = ["keepLines"] if index or len(paragraphs) < 2 else ["keepNext", "keepLines"]
            anchor = ppr.find(W + "pStyle")
            for tag in tags:
                element = ppr.makeelement(W + tag, {})
                if anchor is not None:
                    anchor.addnext(element)
                else:
                    ppr.insert(0, element)
                anchor = element

    def _fill_toc(self, heading, pages: dict[str, int] | None, field: bool) -> None:
        levels = {self.styles.id(f"Heading {level}"): level for level in range(TOC_LEVELS, 0, -1)}
        next_id = 1 + max((int(b.get(W + "id")) for b in self.body.iter(W + "bookmarkStart")
                           if (b.get(W + "id") or "").isdigit()), default=0)
        entries = []
        for paragraph in heading.itersiblings(W + "p"):
            style = paragraph.find(f"{W}pPr/{W}pStyle")
            level = levels.get(style.get(VAL)) if style is not None else None
            text = "".join(t.text or "" for t in paragraph.iter(W + "t")).strip()
            if level is None or not text:
                continue
            name = TOC_BOOKMARK.format(len(entries) + 1)
            start = paragraph.makeelement(W + "bookmarkStart", {W + "id": str(next_id), W + "name": name})
            paragraph.find(W + "pPr").addnext(start)
            sub(paragraph, W + "bookmarkEnd", {W + "id": str(next_id)})
            next_id += 1
            entries.append((level, name, text))
        if not entries:
            heading.getparent().remove(heading)
            return
        anchor = heading
        for index, (level, name, text) in enumerate(entries):
            paragraph = heading.makeelement(W + "p", {})
            sub(sub(paragraph, W + "pPr"), W + "pStyle", {VAL: self.styles.id(f"TOC {level}")})
            if field and index == 0:
                _field_start(paragraph, TOC_INSTRUCTION)
            link = sub(paragraph, W + "hyperlink", {W + "anchor": name, W + "history": "1"})
            text_run(link, text)
            sub(sub(link, W + "r"), W + "tab")
            page = (pages or {}).get(name)
            _field_start(link, f" PAGEREF {name} \\h ")
            if page is not None:
                text_run(link, str(page))
            sub(sub(link, W + "r"), W + "fldChar", {W + "fldCharType": "end"})
            if field and index == len(entries) - 1:
                sub(sub(paragraph, W + "r"), W + "fldChar", {W + "fldCharType": "end"})
            anchor.addnext(paragraph)
            anchor = paragraph

    def _paragraph(self, style_id: str | None, num: tuple[str, str] | None = None,
                   indent: str | None = None, heading: bool = False):
        after_table, self.after_table = self.after_table and not heading, False
        paragraph = sub(self.body, W + "p")
        if style_id or num or after_table:
            ppr = sub(paragraph, W + "pPr")
            if style_id:
                sub(ppr, W + "pStyle", {VAL: style_id})
            if num:
                num_pr = sub(ppr, W + "numPr")
                sub(num_pr, W + "ilvl", {VAL: num[1]})
                sub(num_pr, W + "numId", {VAL: num[0]})
            if after_table:  # tables have no spacing of their own
                sub(ppr, W + "spacing", {W + "before": "120"})
            if indent:
                sub(ppr, W + "ind", {W + "left": indent})
        for name in self._pending_bookmarks:
            self._bookmark_start(paragraph, name)
        self._pending_bookmarks.clear()
        return paragraph

    # -- anchors: hidden bookmarks around the blocks of an item (documents/anchors.py) --

    def _anchor(self, html: str) -> bool:
        """Handle a block anchor marker; False when the HTML is something else."""
        from briefings.documents.anchors import marker

        found = marker(html)
        if found is None:
            return False
        is_start, name = found
        if is_start:
            self._pending_bookmarks.append(name)
        elif name in self._pending_bookmarks:  # an empty block: no paragraph to mark
            self._pending_bookmarks.remove(name)
        else:
            last = self.body[-1] if len(self.body) else None
            if last is not None and last.tag == W + "tbl":
                last = list(last.iter(W + "p"))[-1]
            if last is not None:
                sub(last, W + "bookmarkEnd", {W + "id": self._bookmark_ids[name]})
        return True

    def _bookmark_start(self, paragraph, name: str) -> str:
        """A bookmarkStart as the first child after the paragraph properties; returns its id."""
        from briefings.documents.anchors import occurrence

        self._bookmarks += 1
        bookmark_id = str(self._bookmarks)
        self._bookmark_ids[name] = bookmark_id  # its end: an item's places in a document never overlap
        seen = self._bookmark_names[name] = self._bookmark_names.get(name, 0) + 1
        start = paragraph.makeelement(W + "bookmarkStart", {W + "id": bookmark_id, W + "name": occurrence(name, seen)})
        ppr = paragraph.find(W + "pPr")
        paragraph.insert(0 if ppr is None else 1, start)
        return bookmark_id

    def _body_paragraph(self):
        """A paragraph in the right style: a list item, its continuation, a quote or Normal."""
        if self.lists:
            current = self.lists[-1]
            if current.pending:
                current.pending = False
                return self._paragraph(current.style, (current.num_id, current.ilvl))
            # numId 0 switches numbering off, and pandoc then keeps the paragraph in the
            # item. LibreOffice drops the style's indent with it, hence the direct indent.
            depth = current.style_depth
            name = "List Continue" if depth == 1 else f"List Continue {depth}"
            return self._paragraph(self.styles.id(name), ("0", "0"),
                                   current.indent or self.styles.indent(name))
        if self.quote_depth:
            return self._paragraph(self.styles.id("Quote"))
        return self._paragraph(None)

    def _open_pending_item(self) -> None:
        """Write the marker paragraph of an item that starts with something else than text."""
        if self.lists and self.lists[-1].pending:
            self._body_paragraph()

    def _open_list(self, token, ordered: bool) -> None:
        self._open_pending_item()
        depth = len(self.lists) + 1
        style_depth = min(depth, MAX_STYLE_DEPTH)
        base = "List Number" if ordered else "List Bullet"
        style_name = base if style_depth == 1 else f"{base} {style_depth}"
        start = int(token.attrGet("start") or 1) if ordered else 1
        num_id, ilvl, indent = self.numbering.new_list(style_name, ordered, depth, start)
        self.lists.append(ListState(style_depth, self.styles.id(style_name), num_id, ilvl, indent, ordered=ordered))

    def _code(self, content: str) -> None:
        paragraph = self._body_paragraph()
        rpr = ((W + "rStyle", {VAL: self.styles.id("HTML Code")}),)
        for i, line in enumerate(content.rstrip("\n").split("\n")):
            if i:
                sub(sub(paragraph, W + "r"), W + "br")
            if line:
                text_run(paragraph, line, rpr)

    def _literal(self, content: str) -> None:
        paragraph = self._body_paragraph()
        for i, line in enumerate(content.rstrip("\n").split("\n")):
            if i:
                sub(sub(paragraph, W + "r"), W + "br")
            if line:
                text_run(paragraph, line)

    def _page_break(self) -> None:
        run = sub(self._paragraph(None), W + "r")
        sub(run, W + "br", {W + "type": "page"})

    # -- tables ---------------------------------------------------------------

    def _table(self, tokens: list, i: int) -> int:
        """Write the table starting at tokens[i]; return the index after table_close."""
        self._open_pending_item()
        if self.after_table:
            self._paragraph(None)  # two adjacent tables would merge into one
        rows: list[tuple[bool, list]] = []
        header = False
        while tokens[i].type != "table_close":
            kind = tokens[i].type
            if kind == "thead_open":
                header = True
            elif kind == "thead_close":
                header = False
            elif kind == "tr_open":
                rows.append((header, []))
            elif kind in ("th_open", "td_open"):
                style = tokens[i].attrGet("style") or ""
                align = ALIGN.get(style.removeprefix("text-align:"))
                rows[-1][1].append((align, tokens[i + 1].children or []))
            i += 1
        header = [cells for is_header, cells in rows if is_header]
        if header and not any(_plain(children).strip() for cells in header for _, children in cells):
            rows = [row for row in rows if not row[0]]  # `| | |`: a table without a header, a layout block
            self._write_table(rows, layout=True)
        else:
            self._write_table(rows)
        return i + 1

    def _write_table(self, rows: list[tuple[bool, list]], layout: bool = False) -> None:
        """Rows never split across pages; header rows repeat on every page. Column widths follow the text.

        A layout table (a details block, no header) has no grid lines.
        """
        columns = max((len(cells) for _, cells in rows), default=1) or 1
        widths = column_widths(rows, columns, self._text_width())
        table = sub(self.body, W + "tbl")
        tbl_pr = sub(table, W + "tblPr")
        sub(tbl_pr, W + "tblStyle", {VAL: self.styles.id("Table Grid")})
        sub(tbl_pr, W + "tblW", {W + "w": "5000", W + "type": "pct"})
        if layout:
            borders = sub(tbl_pr, W + "tblBorders")
            for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                sub(borders, W + side, {VAL: "nil"})
        sub(tbl_pr, W + "tblLayout", {W + "type": "fixed"})
        if layout:  # no grid lines to keep clear of: the text lines up with the text around it
            sub(sub(tbl_pr, W + "tblCellMar"), W + "left", {W + "w": "0", W + "type": "dxa"})
        sub(tbl_pr, W + "tblLook", {VAL: "0400" if layout else "04A0", W + "firstRow": "0" if layout else "1",
                                     W + "lastRow": "0", W + "firstColumn": "0", W + "lastColumn": "0",
                                     W + "noHBand": "0", W + "noVBand": "1"})
        grid = sub(table, W + "tblGrid")
        for width in widths:
            sub(grid, W + "gridCol", {W + "w": str(width)})
        for is_header, cells in rows:
            row = sub(table, W + "tr")
            row_pr = sub(row, W + "trPr")
            sub(row_pr, W + "cantSplit")
            if is_header:
                sub(row_pr, W + "tblHeader")
            for (align, children), width in zip(cells + [(None, [])] * (columns - len(cells)), widths):
                cell = sub(row, W + "tc")
                sub(sub(cell, W + "tcPr"), W + "tcW", {W + "w": str(width), W + "type": "dxa"})
                paragraph = sub(cell, W + "p")
                if align:
                    sub(sub(paragraph, W + "pPr"), W + "jc", {VAL: align})
                self._inline(paragraph, children, bold=is_header)
        self.after_table = True

    def _text_width(self) -> int:
        size, margins = self.sect_pr.find(W + "pgSz"), self.sect_pr.find(W + "pgMar")
        try:
            return (int(size.get(W + "w")) - int(margins.get(W + "left"))
                    - int(margins.get(W + "right")))
        except (AttributeError, TypeError, ValueError):
            return 9026

    # -- inline ---------------------------------------------------------------

    def _inline(self, paragraph, children: list, bold: bool = False) -> None:
        """Runs for the inline tokens; adjacent text with the same formatting shares a run."""
        container = paragraph
        strong = 1 if bold else 0
        emphasis = 0
        link = False
        pending: list[str] = []
        pending_format: tuple = ()
        ends: list[str] = []

        def flush():
            if pending:
                text_run(container, "".join(pending), self._rpr(pending_format))
                pending.clear()

        def add(text: str, code: bool = False):
            nonlocal pending_format
            if not text:
                return
            current = (strong > 0, emphasis > 0, code, link)
            if current != pending_format:
                flush()
                pending_format = current
            pending.append(text)

        for token in children:
            kind = token.type
            if kind == "text":
                add(token.content)
            elif kind == "softbreak":
                add(" ")
            elif kind == "code_inline":
                add(token.content, code=True)
            elif kind == "strong_open":
                strong += 1
            elif kind == "strong_close":
                strong -= 1
            elif kind == "em_open":
                emphasis += 1
            elif kind == "em_close":
                emphasis -= 1
            elif kind == "hardbreak":
                flush()
                sub(sub(container, W + "r"), W + "br")
            elif kind == "link_open":
                href = token.attrGet("href") or ""
                if href and not href.startswith("#"):
                    flush()
                    relation = self.part.relate_to(href, RT_HYPERLINK, is_external=True)
                    container = sub(paragraph, W + "hyperlink",
                                     {"{%s}id" % R_NS: relation, W + "history": "1"})
                    link = True
            elif kind == "link_close":
                if link:
                    flush()
                    container, link = paragraph, False
            elif kind == "image":
                add(token.content)
            elif kind == "html_inline" and self._inline_anchor(token.content, paragraph, ends):
                continue
            elif token.content:  # html_inline and anything unknown: the literal text
                add(token.content.replace("\n", " "))
        flush()
        for bookmark_id in ends:
            sub(paragraph, W + "bookmarkEnd", {W + "id": bookmark_id})

    def _inline_anchor(self, html: str, paragraph, ends: list) -> bool:
        """An anchor marker inside a paragraph: the bookmark starts before its text, or ends after it."""
        from briefings.documents.anchors import marker

        found = marker(html)
        if found is None:
            return False
        if found[0]:
            self._bookmark_start(paragraph, found[1])
        elif found[1] in self._bookmark_ids:
            ends.append(self._bookmark_ids[found[1]])
        return True

    def _rpr(self, fmt: tuple) -> tuple:
        """Run properties for (bold, italic, code, link), in schema order."""
        cached = self._rpr_cache.get(fmt)
        if cached is None:
            bold, italic, code, link = fmt
            props = []
            if link:
                props.append((W + "rStyle", {VAL: self.styles.id("Hyperlink")}))
            elif code:
                props.append((W + "rStyle", {VAL: self.styles.id("HTML Code")}))
            if bold:
                props += [(W + "b", {}), (W + "bCs", {})]
            if italic:
                props += [(W + "i", {}), (W + "iCs", {})]
            cached = self._rpr_cache[fmt] = tuple(props)
        return cached


CELL_PADDING = 216 + 60  # left and right cell margins of the table style, and a little room for rounding
SHORT_CELL = 20      # characters: a short text with a digit (a date, an id, a number) is never wrapped
DIGIT = re.compile(r"\d")
# Advance widths of Arial (and its metric twin Liberation Sans) in thousandths of an em; others: 556, capitals 667
_ARIAL = {**dict.fromkeys("ijl'|.,:;!I", 222), **dict.fromkeys("ft /()[]-", 278), "r": 333, "\"": 355,
          **dict.fromkeys("ckszvxy", 500), "m": 833, "w": 722, "M": 833, "W": 944, "%": 889, "@": 1015,
          **dict.fromkeys("CDHNRU", 722), **dict.fromkeys("GOQ", 778), "J": 500, "L": 556, "F": 611, "T": 611,
          "Z": 611}


def text_width(text: str, bold: bool = False) -> int:
    """The width of text in 10 pt Arial, in twips (an em is 200 twips); bold is a little wider."""
    thousandths = sum(_ARIAL.get(c, 667 if c.isupper() else 556) for c in text)
    return round(thousandths * 0.2 * (1.08 if bold else 1.0))


def _plain(children: list) -> str:
    return "".join(t.content if t.type in ("text", "code_inline") else " " if t.type == "softbreak" else ""
                   for t in children)


def column_widths(rows: list[tuple[bool, list]], columns: int, total: int) -> list[int]:
    """Column widths in twips that add up to total, as a browser lays out an automatic table: each column
    gets at least its longest word (or its longest date, id or number, which are not wrapped) and the rest
    is shared out by how much more its longest text needs."""
    least, most = [0] * columns, [0] * columns
    for is_header, cells in rows:
        for column, (_, children) in enumerate(cells[:columns]):
            text = " ".join(_plain(children).split())
            width = text_width(text, bold=is_header)
            most[column] = max(most[column], width)
            unbroken = width if len(text) <= SHORT_CELL and DIGIT.search(text) else \
                max((text_width(word, bold=is_header) for word in text.split()), default=0)
            least[column] = max(least[column], unbroken)
    least = [CELL_PADDING + w for w in least]
    most = [CELL_PADDING + w for w in most]
    if sum(most) <= total:  # everything fits on one line: share the spare room by need
        widths = [m + (total - sum(most)) * m / sum(most) for m in most]
    elif sum(least) >= total:
        widths = [low * total / sum(least) for low in least]
    else:
        spare = (total - sum(least)) / (sum(most) - sum(least))
        widths = [low + (m - low) * spare for low, m in zip(least, most)]
    result = [int(w) for w in widths]
    result[-1] += total - sum(result)
    return result


def first_child(parent, tag: str):
    """The child element `tag` of parent; made as its first child when missing (where the schema wants it)."""
    child = parent.find(tag)
    if child is None:
        child = parent.makeelement(tag, {})
        parent.insert(0, child)
    return child

