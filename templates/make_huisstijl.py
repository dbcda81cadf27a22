"""Generate templates/huisstijl.docx, the reference document the DOCX writer builds on.

    python templates/make_huisstijl.py [output.docx]

The house style of a Dutch municipality without its proprietary font: Arial everywhere,
A4 with 2.5 cm margins, Dutch as the document language, restrained colours (red titles,
dark grey headings). The script starts from python-docx's default template, replaces its
styles, numbering and settings, drops the parts a reference document does not need and
writes the zip with fixed timestamps, so every run gives the same bytes.

Style ids are Word's built-in ids (Title, Heading1, ListBullet2, ...), so Word, LibreOffice
and pandoc recognise them. Edit the tables below and run the script again; do not edit the
.docx by hand.
"""
from __future__ import annotations

import datetime
import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from briefings.writers.docx import reproducible_zip

OUTPUT = Path(__file__).with_name("huisstijl.docx")
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"

FONT = "Arial"
MONO = "Courier New"
RED = "EC0000"
DARK = "333333"
GREY = "595959"
LINK = "004699"
RULE = "BFBFBF"

STEP = 360  # list indent per level, in twips (0.635 cm)
A4 = (11906, 16838)
MARGIN = 1417  # 2.5 cm
TEXT_WIDTH = A4[0] - 2 * MARGIN
FIXED_DATE = datetime.datetime(2024, 1, 1)  # core properties are written as UTC


def run_props(size: float | None = None, color: str | None = None, bold=False, italic=False,
              font: str | None = None, extra: str = "") -> str:
    xml = (f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
           if font else "")
    xml += "<w:b/><w:bCs/>" if bold else ""
    xml += "<w:i/><w:iCs/>" if italic else ""
    xml += f'<w:color w:val="{color}"/>' if color else ""
    xml += f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>' if size else ""
    return f"<w:rPr>{xml}{extra}</w:rPr>" if xml or extra else ""


def spacing(before=0, after=0, line: int | None = None) -> str:
    """Spacing in points; line is in 240ths of a line (276 = 1.15)."""
    line_xml = f' w:line="{line}" w:lineRule="auto"' if line else ""
    return f'<w:spacing w:before="{before * 20}" w:after="{after * 20}"{line_xml}/>'


def style(kind: str, style_id: str, name: str, *, based_on: str | None = "Normal",
          next_style: str | None = None, ppr: str = "", rpr: str = "", extra: str = "",
          priority: int | None = None, qformat=False, hidden=False, default=False) -> str:
    """A w:style; extra holds the table properties of table styles."""
    default_xml = ' w:default="1"' if default else ""
    xml = f'<w:style w:type="{kind}"{default_xml} w:styleId="{style_id}"><w:name w:val="{name}"/>'
    xml += f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    xml += f'<w:next w:val="{next_style}"/>' if next_style else ""
    xml += f'<w:uiPriority w:val="{priority}"/>' if priority is not None else ""
    xml += "<w:semiHidden/><w:unhideWhenUsed/>" if hidden else ""
    xml += "<w:qFormat/>" if qformat else ""
    xml += f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    xml += rpr + extra
    return xml + "</w:style>"


def heading(level: int, size: float, color: str, before: int, after: int) -> str:
    return style(
        "paragraph", f"Heading{level}", f"heading {level}", next_style="Normal", priority=9,
        qformat=True, hidden=level > 1,
        ppr=(f"<w:keepNext/><w:keepLines/>{spacing(before, after)}"
             f'<w:outlineLvl w:val="{level - 1}"/>'),
        rpr=run_props(size, color, bold=True))


def list_style(style_id: str, name: str, num_id: int | None, level: int) -> str:
    """A list paragraph; numbered styles carry their numbering, continuations an indent.

    Contextual spacing keeps the items of one list tight, while a change of level or a
    continuation paragraph gets the normal space.
    """
    numbering = (f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
                 if num_id else "")
    indent = "" if num_id else f'<w:ind w:left="{STEP * (level + 1)}"/>'
    return style("paragraph", style_id, name, priority=99, hidden=True,
                 ppr=numbering + spacing(0, 6) + indent + "<w:contextualSpacing/>")


def toc_style(level: int) -> str:
    return style("paragraph", f"TOC{level}", f"toc {level}", next_style="Normal", priority=39,
                 hidden=True,
                 ppr=(f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/>'
                      f'</w:tabs>{spacing(0, 3)}<w:ind w:left="{(level - 1) * 220}"/>'),
                 rpr=run_props(bold=level == 1))


TABLE_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))

STYLES = [
    # Normal has no properties of its own: spacing lives in docDefaults so that the
    # table style's tighter spacing wins inside tables.
    style("paragraph", "Normal", "Normal", based_on=None, qformat=True, default=True),
    style("character", "DefaultParagraphFont", "Default Paragraph Font", based_on=None,
          priority=1, hidden=True, default=True),
    style("table", "TableNormal", "Normal Table", based_on=None, priority=99, hidden=True,
          default=True,
          extra='<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
                '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
                '</w:tblCellMar></w:tblPr>'),
    style("numbering", "NoList", "No List", based_on=None, priority=99, hidden=True,
          default=True),
    style("paragraph", "Title", "Title", next_style="Normal", priority=10, qformat=True,
          ppr=f"<w:keepNext/>{spacing(0, 6, 240)}", rpr=run_props(20, RED, bold=True)),
    style("paragraph", "Subtitle", "Subtitle", next_style="Normal", priority=11, qformat=True,
          ppr=f"<w:keepNext/>{spacing(0, 18, 240)}", rpr=run_props(13, GREY)),
    heading(1, 14, RED, 18, 6),
    heading(2, 12, DARK, 14, 4),
    heading(3, 10, DARK, 10, 2),
    heading(4, 10, GREY, 8, 2),
    list_style("ListBullet", "List Bullet", 1, 0),
    list_style("ListBullet2", "List Bullet 2", 1, 1),
    list_style("ListBullet3", "List Bullet 3", 1, 2),
    list_style("ListNumber", "List Number", 2, 0),
    list_style("ListNumber2", "List Number 2", 2, 1),
    list_style("ListNumber3", "List Number 3", 2, 2),
    list_style("ListContinue", "List Continue", None, 0),
    list_style("ListContinue2", "List Continue 2", None, 1),
    list_style("ListContinue3", "List Continue 3", None, 2),
    style("paragraph", "Quote", "Quote", next_style="Normal", priority=29, qformat=True,
          ppr=f'<w:pBdr><w:left w:val="single" w:sz="12" w:space="8" w:color="{RULE}"/></w:pBdr>'
              f'<w:ind w:left="227" w:right="567"/>',
          rpr=run_props(color=GREY, italic=True)),
    style("paragraph", "Header", "header", priority=99, hidden=True,
          ppr=f'{spacing(0, 0, 240)}<w:jc w:val="right"/>', rpr=run_props(8, GREY)),
    style("paragraph", "Footer", "footer", priority=99, hidden=True,
          ppr=f'{spacing(0, 0, 240)}<w:jc w:val="right"/>', rpr=run_props(8, GREY)),
    style("paragraph", "TOCHeading", "TOC Heading", based_on="Heading1", next_style="Normal",
          priority=39, hidden=True, qformat=True, ppr='<w:outlineLvl w:val="9"/>'),
    toc_style(1),
    toc_style(2),
    toc_style(3),
    style("character", "Hyperlink", "Hyperlink", based_on="DefaultParagraphFont", priority=99,
          hidden=True, rpr=run_props(color=LINK, extra='<w:u w:val="single"/>')),
    style("character", "HTMLCode", "HTML Code", based_on="DefaultParagraphFont", priority=99,
          hidden=True, rpr=run_props(9, font=MONO)),
    style("character", "Strong", "Strong", based_on="DefaultParagraphFont", priority=22,
          qformat=True, rpr=run_props(bold=True)),
    style("character", "Emphasis", "Emphasis", based_on="DefaultParagraphFont", priority=20,
          qformat=True, rpr=run_props(italic=True)),
    style("table", "TableGrid", "Table Grid", based_on="TableNormal", priority=59,
          ppr=spacing(0, 0, 240),
          extra=f'<w:tblPr><w:tblBorders>{TABLE_BORDERS}</w:tblBorders><w:tblCellMar>'
                '<w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
                '</w:tblCellMar></w:tblPr>'
                '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
                '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/></w:tcPr>'
                '</w:tblStylePr>'),
]

DOC_DEFAULTS = (
    "<w:docDefaults><w:rPrDefault>"
    + run_props(10, font=FONT, extra='<w:lang w:val="nl-NL" w:eastAsia="en-US" w:bidi="ar-SA"/>')
    + "</w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl/>"
    + spacing(0, 6, 276)
    + "</w:pPr></w:pPrDefault></w:docDefaults>"
)

BULLETS = ["\u2022", "\u2013", "\u25e6", "\u25aa"]  # bullet, en dash, white bullet, small square


def level(ilvl: int, bullet: bool) -> str:
    fmt = ('<w:numFmt w:val="bullet"/>'
           f'<w:lvlText w:val="{BULLETS[ilvl % len(BULLETS)]}"/>') if bullet else (
        f'<w:numFmt w:val="decimal"/><w:lvlText w:val="%{ilvl + 1}."/>')
    indent = STEP * (ilvl + 1)
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/>{fmt}<w:lvlJc w:val="left"/>'
            f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{indent}"/></w:tabs>'
            f'<w:ind w:left="{indent}" w:hanging="{STEP}"/></w:pPr>'
            f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:hint="default"/>'
            '</w:rPr></w:lvl>')


def abstract_num(abstract_id: int, nsid: str, bullet: bool) -> str:
    levels = "".join(level(i, bullet) for i in range(9))
    return (f'<w:abstractNum w:abstractNumId="{abstract_id}"><w:nsid w:val="{nsid}"/>'
            f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>')


# numId 1: bullets, numId 2: numbers. The writer adds one w:num per Markdown list over
# these abstract definitions, found through the list styles' w:numPr.
NUMBERING = (
    f"<w:numbering {nsdecls('w')}>"
    + abstract_num(0, "4B1D0001", bullet=True)
    + abstract_num(1, "4B1D0002", bullet=False)
    + '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    + '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
    + "</w:numbering>"
)

APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Template>huisstijl.docx</Template><Application>briefings</Application>"
    "<DocSecurity>0</DocSecurity></Properties>"
).encode()


FONT_TABLE = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    f'<w:fonts {nsdecls("w")}>'
    f'<w:font w:name="{FONT}"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/>'
    '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
    f'<w:font w:name="{MONO}"><w:panose1 w:val="02070309020205020404"/><w:charset w:val="00"/>'
    '<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
    "</w:fonts>"
).encode()


def replace_children(element, xml: str) -> None:
    """Replace every child of element by the children of xml."""
    for child in list(element):
        element.remove(child)
    for child in list(parse_xml(xml)):
        element.append(child)


def set_styles(document) -> None:
    styles = document.styles.element
    latent = styles.find(qn("w:latentStyles"))
    replace_children(styles, f"<w:styles {nsdecls('w')}>{DOC_DEFAULTS}{''.join(STYLES)}"
                             "</w:styles>")
    styles.insert(1, latent)


def set_numbering(document) -> None:
    replace_children(document.part.numbering_part.element, NUMBERING)


def set_settings(document) -> None:
    settings = document.settings.element
    for tag in ("w:rsids", "w:proofState", "w:attachedTemplate"):
        for child in settings.findall(qn(tag)):
            settings.remove(child)
    settings.find(qn("w:defaultTabStop")).set(qn("w:val"), "709")
    for setting in settings.iterfind(f"{qn('w:compat')}/{qn('w:compatSetting')}"):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")  # Word 2013+: no "compatibility mode" banner
    settings.find(qn("w:themeFontLang")).attrib.clear()
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), "nl-NL")
    settings.find(qn("w:decimalSymbol")).set(qn("w:val"), ",")
    settings.find(qn("w:listSeparator")).set(qn("w:val"), ";")


def set_page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = (docx.shared.Twips(v) for v in A4)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, docx.shared.Twips(MARGIN))
    section.header_distance = section.footer_distance = docx.shared.Twips(709)
    sect_pr = document.element.body.find(qn("w:sectPr"))
    for name in ("w:rsidR", "w:rsidRPr", "w:rsidSect"):
        sect_pr.attrib.pop(qn(name), None)


def drop_unneeded_parts(document) -> None:
    """Word 2010's stylesWithEffects copy, the sample customXml and the thumbnail."""
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype in (RT.CUSTOM_XML, STYLES_WITH_EFFECTS):
            part.drop_rel(rel_id)
    package_rels = part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package_rels[rel_id]


def set_properties(document) -> None:
    props = document.core_properties
    props.title = "Huisstijl"
    props.subject = props.keywords = props.comments = props.category = ""
    props.author = props.last_modified_by = "briefings"
    props.language = "nl-NL"
    props.created = props.modified = FIXED_DATE
    props.revision = 1


def theme_with_arial(xml: bytes) -> bytes:
    for font in (b"Calibri", b"Cambria"):
        xml = xml.replace(b'<a:latin typeface="%s"/>' % font, b'<a:latin typeface="Arial"/>')
    return xml


def build() -> bytes:
    document = docx.Document()
    set_styles(document)
    set_numbering(document)
    set_settings(document)
    set_page(document)
    drop_unneeded_parts(document)
    set_properties(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return rezip(buffer.getvalue(), {"word/theme/theme1.xml": theme_with_arial,
                                     "word/fontTable.xml": lambda _: FONT_TABLE,
                                     "docProps/app.xml": lambda _: APP_XML})


def rezip(data: bytes, transforms: dict) -> bytes:
    """The same entries, some rewritten, with fixed timestamps, order and compression."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    for name, transform in transforms.items():
        entries[name] = transform(entries[name])
    return reproducible_zip(entries)


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    output.write_bytes(build())
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
