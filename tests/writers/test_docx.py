"""The DOCX writer: structure read back from the package XML, and by pandoc and LibreOffice."""
from __future__ import annotations

import datetime
import importlib.util
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import clients
from briefings.errors import BriefingsError
from briefings.writers.docx import DocxMeta, markdown_to_docx, reproducible_zip
from briefings.writers.wordml import text_width

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "templates" / "huisstijl.docx"
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "cust": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
W = "{%s}" % NS["w"]

# A briefing as the templates write it: numbered questions with nested answers.
BRIEFING = """\
---
title: "Beantwoording schriftelijke vragen"
subtitle: "Inclusie en diversiteit"
---

# Inleiding

Dit is een **vetgedrukte** inleiding met *cursieve* tekst, `code` en een
[link naar de gemeente](https://www.amsterdam.nl/).\\
Na een harde regelafbreking.

## Vragen en antwoorden

1. **Hoe representatief is de organisatie?**

   Het college antwoordt als volgt:

   - De top is minder divers dan de stad.
   - Er lopen drie trajecten:
     - leiderschap;
       - met coaching.
     - doorstroom.

2. **Welke maatregelen neemt het college?**

   - Een second opinion bij meldingen.

3. **Wanneer volgt de evaluatie?**

   In het eerste kwartaal van 2025.

### Vervolgvragen

13. **Klopt de nummering vanaf dertien?**

    - Ja.

14. Volgende vraag.

| Cijfer | Omschrijving | Peildatum |
|---:|---|:---:|
| 27% | Medewerkers met een migratieachtergrond | 2023 |
| 12 | Meldingen | 2024 |

Een opsomming:

- een
- twee

  1. genest genummerd
  2. nog een

- drie

---

# Bijlage

Tekst op een nieuwe pagina.
"""

META = DocxMeta(
    title="Beantwoording schriftelijke vragen",
    subject="Vragen over inclusie",
    author="Gemeente Amsterdam",
    keywords=["inclusie", "diversiteit"],
    classification="Intern",
    reference="VN2024-010173",
    date=datetime.date(2024, 5, 1),
    custom={"kenmerk": "VN2024-010173", "status": "concept"},
)


def build(markdown: str, meta: DocxMeta = META, reference: Path = REFERENCE) -> bytes:
    return markdown_to_docx(markdown, meta, reference)


def part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return etree.fromstring(package.read(name))


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style id or "", text) for every body paragraph outside tables."""
    body = part(data, "word/document.xml").find("w:body", NS)
    result = []
    for p in body.findall("w:p", NS):
        style = p.find("w:pPr/w:pStyle", NS)
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        result.append((style.get(W + "val") if style is not None else "", text))
    return result


def numbering_of(data: bytes, text: str) -> tuple[str, str]:
    """(numId, ilvl) of the paragraph whose text starts with text."""
    for p in part(data, "word/document.xml").iter(W + "p"):
        if "".join(t.text or "" for t in p.iter(W + "t")).startswith(text):
            num_pr = p.find("w:pPr/w:numPr", NS)
            return (num_pr.find("w:numId", NS).get(W + "val"),
                    num_pr.find("w:ilvl", NS).get(W + "val"))
    raise AssertionError(f"no paragraph starts with {text!r}")


def num_definition(data: bytes, num_id: str) -> etree._Element:
    return part(data, "word/numbering.xml").find(f"w:num[@w:numId='{num_id}']", NS)


def level_format(data: bytes, num_id: str, ilvl: str) -> str:
    numbering = part(data, "word/numbering.xml")
    abstract_id = num_definition(data, num_id).find("w:abstractNumId", NS).get(W + "val")
    abstract = numbering.find(f"w:abstractNum[@w:abstractNumId='{abstract_id}']", NS)
    return abstract.find(f"w:lvl[@w:ilvl='{ilvl}']/w:numFmt", NS).get(W + "val")


def start_override(data: bytes, num_id: str) -> int | None:
    override = num_definition(data, num_id).find("w:lvlOverride/w:startOverride", NS)
    return int(override.get(W + "val")) if override is not None else None


# -- styles and structure -------------------------------------------------------------


def test_blocks_get_the_house_styles():
    assert paragraphs(build(BRIEFING))[:13] == [
        ("Title", "Beantwoording schriftelijke vragen"),
        ("Subtitle", "Inclusie en diversiteit"),
        ("Heading1", "Inleiding"),
        ("", "Dit is een vetgedrukte inleiding met cursieve tekst, code en een "
             "link naar de gemeente.Na een harde regelafbreking."),
        ("Heading2", "Vragen en antwoorden"),
        ("ListNumber", "Hoe representatief is de organisatie?"),
        ("ListContinue", "Het college antwoordt als volgt:"),
        ("ListBullet2", "De top is minder divers dan de stad."),
        ("ListBullet2", "Er lopen drie trajecten:"),
        ("ListBullet3", "leiderschap;"),
        ("ListBullet3", "met coaching."),
        ("ListBullet3", "doorstroom."),
        ("ListNumber", "Welke maatregelen neemt het college?"),
    ]


def test_top_level_bullets_and_deeper_headings():
    data = build("#### Vier\n\n###### Zes\n\n- a\n- b\n\n> citaat\n")
    assert paragraphs(data) == [("Heading4", "Vier"), ("Heading4", "Zes"),
                                ("ListBullet", "a"), ("ListBullet", "b"), ("Quote", "citaat")]


def test_list_paragraphs_carry_real_numbering():
    data = build("- a\n  - b\n    - c\n")
    assert [numbering_of(data, text)[1] for text in "abc"] == ["0", "1", "2"]
    assert [level_format(data, *numbering_of(data, text)) for text in "abc"] == ["bullet"] * 3


def test_deep_lists_share_the_third_style_but_keep_their_level():
    markdown = "\n".join("  " * depth + f"- niveau{depth}" for depth in range(12))
    markdown += "\n\n" + "  " * 12 + "vervolg"
    data = build(markdown)
    assert paragraphs(data)[-2:] == [("ListBullet3", "niveau11"), ("ListContinue3", "vervolg")]
    assert [style for style, _ in paragraphs(data)] == (
        ["ListBullet", "ListBullet2"] + ["ListBullet3"] * 10 + ["ListContinue3"])
    assert [numbering_of(data, f"niveau{depth}")[1] for depth in range(12)] == [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "8", "8", "8"]  # Word has nine levels
    body = part(data, "word/document.xml")
    continuation = [p for p in body.iter(W + "p") if "".join(p.itertext()) == "vervolg"][0]
    assert continuation.find("w:pPr/w:ind", NS).get(W + "left") == str(9 * 360)


def test_ordered_lists_restart_with_their_own_numbering():
    data = build("1. een\n2. twee\n\nTussentekst.\n\n1. opnieuw een\n\nNog tekst.\n\n"
                 "13. dertien\n14. veertien\n")
    first, second = numbering_of(data, "een"), numbering_of(data, "opnieuw")
    third = numbering_of(data, "dertien")
    assert numbering_of(data, "twee") == first
    assert len({first[0], second[0], third[0]}) == 3
    assert (start_override(data, first[0]), start_override(data, second[0]),
            start_override(data, third[0])) == (1, 1, 13)
    assert numbering_of(data, "veertien") == third
    assert level_format(data, *first) == "decimal"


def test_bullets_nested_in_a_numbered_question():
    data = build(BRIEFING)
    question = numbering_of(data, "Hoe representatief")
    answer = numbering_of(data, "De top is")
    assert question[1] == "0" and answer[1] == "1"
    assert answer[0] != question[0]
    assert level_format(data, *answer) == "bullet"
    # the next question continues the numbered list after the nested answer
    assert numbering_of(data, "Welke maatregelen") == question


def test_continuation_paragraph_stays_in_the_item_without_a_number():
    data = build(BRIEFING)
    assert numbering_of(data, "Het college antwoordt")[0] == "0"
    body = part(data, "word/document.xml")
    indent = [p.find("w:pPr/w:ind", NS) for p in body.iter(W + "p")
              if "".join(p.itertext()).startswith("Het college")][0]
    assert int(indent.get(W + "left")) > 0


# -- inline -------------------------------------------------------------------------------


def runs(data: bytes) -> list[tuple[str, set[str]]]:
    """(text, run property names and rStyle values) for every text run."""
    result = []
    for run in part(data, "word/document.xml").iter(W + "r"):
        text = "".join(t.text or "" for t in run.findall("w:t", NS))
        if not text:
            continue
        props = set()
        rpr = run.find("w:rPr", NS)
        if rpr is not None:
            for prop in rpr:
                name = etree.QName(prop).localname
                props.add(prop.get(W + "val") if name == "rStyle" else name)
        result.append((text, props))
    return result


def test_bold_italic_and_code_are_run_properties():
    found = dict(runs(build("Een **vet** en *schuin* en ***beide*** en `code`.")))
    assert {"b", "bCs"} <= found["vet"] and "i" not in found["vet"]
    assert {"i", "iCs"} <= found["schuin"] and "b" not in found["schuin"]
    assert {"b", "i"} <= found["beide"]
    assert found["code"] == {"HTMLCode"}
    assert found["Een "] == set()


def test_breaks():
    body = part(build("een\ntwee\\\ndrie"), "word/document.xml")
    p = body.find("w:body/w:p", NS)
    assert "".join(t.text for t in p.iter(W + "t")) == "een tweedrie"
    assert len(p.findall("w:r/w:br", NS)) == 1


def test_external_link_is_a_hyperlink_with_a_relationship():
    data = build("Zie [de site](https://www.amsterdam.nl/a?b=1&c=2) en [hier](#kop) en [leeg]().")
    body = part(data, "word/document.xml")
    links = body.findall(".//w:hyperlink", NS)
    assert len(links) == 1
    rel_id = links[0].get("{%s}id" % NS["r"])
    rel = part(data, "word/_rels/document.xml.rels").find(f"rel:Relationship[@Id='{rel_id}']", NS)
    assert rel.get("TargetMode") == "External"
    assert rel.get("Target") == "https://www.amsterdam.nl/a?b=1&c=2"
    assert rel.get("Type").endswith("/hyperlink")
    assert dict(runs(data))["de site"] == {"Hyperlink"}
    assert dict(runs(data))[" en hier en leeg."] == set()  # internal and empty: plain text
    assert "".join(body.itertext()) == "Zie de site en hier en leeg."


def test_raw_html_and_images_stay_literal_text():
    text = "".join(part(build("<div>blok</div>\n\nA <b>b</b> ![alt](x.png)"),
                       "word/document.xml").itertext())
    assert text == "<div>blok</div>A <b>b</b> alt"


def test_thematic_break_is_a_page_break():
    body = part(build("voor\n\n---\n\nna"), "word/document.xml")
    assert len(body.findall(".//w:br[@w:type='page']", NS)) == 1


# -- tables -------------------------------------------------------------------------------


def test_table_has_a_header_row_style_and_alignment():
    data = build(BRIEFING)
    table = part(data, "word/document.xml").find(".//w:tbl", NS)
    assert table.find("w:tblPr/w:tblStyle", NS).get(W + "val") == "TableGrid"
    rows = table.findall("w:tr", NS)
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(row.find("w:trPr/w:tblHeader", NS) is None for row in rows[1:])
    assert all(run.find("w:rPr/w:b", NS) is not None for run in rows[0].iter(W + "r"))
    assert [p.find("w:pPr/w:jc", NS).get(W + "val") if p.find("w:pPr/w:jc", NS) is not None
            else None for p in rows[1].iter(W + "p")] == ["right", None, "center"]
    assert ["".join(cell.itertext()) for cell in rows[1].findall("w:tc", NS)] == [
        "27%", "Medewerkers met een migratieachtergrond", "2023"]


def test_adjacent_tables_stay_apart():
    body = part(build("| a |\n|---|\n| 1 |\n\n\n| b |\n|---|\n| 2 |\n"), "word/document.xml")
    tags = [etree.QName(child).localname for child in body.find("w:body", NS)]
    assert tags == ["tbl", "p", "tbl", "p", "sectPr"]


def test_rows_never_split_and_only_a_real_header_repeats():
    rows = part(build(BRIEFING), "word/document.xml").findall(".//w:tr", NS)
    assert all(row.find("w:trPr/w:cantSplit", NS) is not None for row in rows)
    layout = part(build("| | |\n|---|---|\n| Datum | 1 mei 2024 |\n| Onderwerp | Een lang onderwerp |\n"),
                  "word/document.xml").find(".//w:tbl", NS)
    rows = layout.findall("w:tr", NS)
    assert ["".join(r.itertext()) for r in rows] == ["Datum1 mei 2024", "OnderwerpEen lang onderwerp"]
    assert all(r.find("w:trPr/w:tblHeader", NS) is None and r.find("w:trPr/w:cantSplit", NS) is not None
               for r in rows)
    assert {b.get(W + "val") for b in layout.find("w:tblPr/w:tblBorders", NS)} == {"nil"}
    assert layout.find("w:tblPr/w:tblLook", NS).get(W + "firstRow") == "0"


def test_column_widths_follow_the_text():
    table = part(build("| Datum | Omschrijving | Nr |\n|---|---|---|\n| 28 maart 2024 | " + "een lange tekst " * 12
                       + "| 7 |\n"), "word/document.xml").find(".//w:tbl", NS)
    grid = [int(c.get(W + "w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]
    assert sum(grid) == 9072 and grid[1] > grid[0] > grid[2]
    assert grid[0] >= 216 + text_width("28 maart 2024")  # a date never wraps
    cells = [int(c.get(W + "w")) for c in table.find("w:tr", NS).iter(W + "tcW")]
    assert cells == grid
    assert table.find("w:tblPr/w:tblLayout", NS).get(W + "type") == "fixed"


# -- questions and letters --------------------------------------------------------------------


def test_questions_get_an_outline_level_below_their_heading_and_keep_their_number():
    document = part(build(BRIEFING), "word/document.xml")
    marked = {"".join(t.text for t in p.iter(W + "t")): p.find("w:pPr/w:outlineLvl", NS).get(W + "val")
              for p in document.iter(W + "p") if p.find("w:pPr/w:outlineLvl", NS) is not None
              and p.find("w:pPr/w:pStyle", NS).get(W + "val") != "Title"}  # the title heads the outline at 0
    assert marked == {"Hoe representatief is de organisatie?": "2", "Welke maatregelen neemt het college?": "2",
                      "Wanneer volgt de evaluatie?": "2", "Klopt de nummering vanaf dertien?": "3"}
    for p in document.iter(W + "p"):
        if p.find("w:pPr/w:outlineLvl", NS) is not None and p.find("w:pPr/w:pStyle", NS).get(W + "val") != "Title":
            assert p.find("w:pPr/w:numPr", NS) is not None and p.find("w:pPr/w:keepNext", NS) is not None
    # not a question: a numbered item that is not bold throughout, or bold only in part
    plain = part(build("1. **Vet** en niet vet\n2. Niet vet\n"), "word/document.xml")
    assert plain.find(".//w:outlineLvl", NS) is None


def test_a_letter_has_no_title_block_and_keeps_its_closing_with_the_signature():
    letter = ("---\ntitle: Brief\nlayout: letter\n---\n\nAan de raad\n\nTekst.\n\nSlotalinea.\n\n"
              "Met vriendelijke groet,\\\nwethouder\n\n---\n\n# Bijlage\n\nTekst.\n")
    document = part(build(letter), "word/document.xml")
    assert paragraphs(build(letter))[0] == ("", "Aan de raad")
    kept = {"".join(t.text for t in p.iter(W + "t")): sorted(etree.QName(c).localname for c in p.find("w:pPr", NS)
                                                              if etree.QName(c).localname.startswith("keep"))
            for p in document.iter(W + "p") if p.find("w:pPr", NS) is not None}
    assert kept["Slotalinea."] == ["keepLines", "keepNext"]
    assert kept["Met vriendelijke groet,wethouder"] == ["keepLines"]
    assert "Tekst." not in kept or not kept["Tekst."]


# -- header, footer, fields ----------------------------------------------------------------------


def test_header_shows_classification_and_reference():
    data = build("tekst")
    assert "".join(part(data, "word/header1.xml").itertext()) == "Intern \u00b7 VN2024-010173"
    sect = part(data, "word/document.xml").find("w:body/w:sectPr", NS)
    assert sect.find("w:headerReference", NS) is not None
    assert sect.find("w:pgSz", NS).get(W + "w") == "11906"  # the reference's A4 page is kept


def test_footer_counts_pages_with_fields():
    footer = part(build("tekst"), "word/footer1.xml")
    instructions = [i.text.strip() for i in footer.iter(W + "instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert all(f.get(W + "dirty") == "true"
               for f in footer.iter(W + "fldChar") if f.get(W + "fldCharType") == "begin")
    assert "".join(t.text for t in footer.iter(W + "t")) == "pagina 1 van 1"


def test_contents_filled_with_an_entry_per_heading_and_no_update_prompt():
    meta = DocxMeta(title="t", toc=True, toc_pages={"_Toc000001": 1, "_Toc000002": 3})
    data = build("---\ntitle: Titel\n---\n\n# Een\n\ntekst\n\n## Twee\n\n#### Vier\n", meta)
    assert paragraphs(data)[:4] == [("Title", "Titel"), ("TOCHeading", "Inhoud"), ("TOC1", "Een1"), ("TOC2", "Twee3")]
    document = part(data, "word/document.xml")
    instructions = [i.text for i in document.iter(W + "instrText")]
    assert instructions == [' TOC \\o "1-3" \\h \\z \\u ', " PAGEREF _Toc000001 \\h ", " PAGEREF _Toc000002 \\h "]
    assert [b.get(W + "name") for b in document.iter(W + "bookmarkStart")] == ["_Toc000001", "_Toc000002"]
    assert [h.get(W + "anchor") for h in document.iter(W + "hyperlink")] == ["_Toc000001", "_Toc000002"]
    assert not [f for f in document.iter(W + "fldChar") if f.get(W + "dirty")]
    assert part(data, "word/settings.xml").find("w:updateFields", NS) is None
    kinds = [f.get(W + "fldCharType") for f in document.iter(W + "fldChar")]
    assert kinds.count("begin") == kinds.count("end") == 3


def test_contents_for_a_layout_run_leave_the_numbers_to_libreoffice():
    meta = DocxMeta(title="t", toc=True, toc_field=False)
    document = part(build("# Een\n", meta), "word/document.xml")
    assert [i.text for i in document.iter(W + "instrText")] == [" PAGEREF _Toc000001 \\h "]
    assert paragraphs(build("# Een\n", meta))[1] == ("TOC1", "Een")


def test_no_contents_unless_asked_for():
    document = part(build("# Een\n"), "word/document.xml")
    assert not list(document.iter(W + "instrText")) and not list(document.iter(W + "bookmarkStart"))


# -- properties ---------------------------------------------------------------------------


def test_core_properties():
    core = part(build("tekst"), "docProps/core.xml")
    value = lambda path: core.find(path, NS).text  # noqa: E731
    assert value("dc:title") == "Beantwoording schriftelijke vragen"
    assert value("dc:subject") == "Vragen over inclusie"
    assert value("dc:creator") == value("cp:lastModifiedBy") == "Gemeente Amsterdam"
    assert value("cp:keywords") == "inclusie, diversiteit"
    assert value("dc:language") == "nl-NL"
    assert value("dcterms:created") == value("dcterms:modified") == "2024-05-01T00:00:00Z"
    assert value("cp:revision") == "1"


def test_custom_properties_part():
    data = build("tekst")
    custom = part(data, "docProps/custom.xml")
    assert {p.get("name"): p.find("vt:lpwstr", NS).text for p in custom} == META.custom
    assert [p.get("pid") for p in custom] == ["2", "3"]
    types = part(data, "[Content_Types].xml")
    override = types.find("ct:Override[@PartName='/docProps/custom.xml']", NS)
    assert override.get("ContentType") == (
        "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    rels = part(data, "_rels/.rels")
    assert rels.find("rel:Relationship[@Target='docProps/custom.xml']", NS).get("Type").endswith(
        "/custom-properties")


def test_language_in_style_defaults():
    def language(data):
        return part(data, "word/styles.xml").find(
            "w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS).get(W + "val")

    assert language(build("tekst")) == "nl-NL"
    assert language(build("tekst", DocxMeta(title="t", language="en-GB"))) == "en-GB"


# -- robustness and reproducibility -------------------------------------------------------------


def test_same_input_gives_identical_bytes():
    assert build(BRIEFING) == build(BRIEFING)
    with zipfile.ZipFile(io.BytesIO(build(BRIEFING))) as package:
        infos = package.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_illegal_characters_are_dropped_and_unicode_survives():
    markdown = ("# Kop \x01met\x1f controle\n\nTekst \x00\x0b\ud800\ufffe\uffff schoon.\n\n"
                "- emoji \U0001F389 \U0001F469\u200d\U0001F469\u200d\U0001F467\n"
                "- \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd\n")
    meta = DocxMeta(title="T\x02itel", author="A\x03", custom={"k\x04": "v\x05 <&>"},
                    classification="Intern\x06")
    data = build(markdown, meta)
    assert [text for _, text in paragraphs(data)] == [
        "Kop met controle", "Tekst  schoon.",
        "emoji \U0001F389 \U0001F469\u200d\U0001F469\u200d\U0001F467",
        "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd"]
    assert part(data, "docProps/core.xml").find("dc:title", NS).text == "Titel"
    assert part(data, "docProps/custom.xml")[0].get("name") == "k"


@pytest.mark.parametrize("markdown", [
    "woord " * 20000,
    ">" * 300 + " diep",
    "\n".join("   " * depth + "1. niveau" for depth in range(40)),
    "-\n-\n\n1.\n",
    "1. # kop in item\n2. ```\n   code\n   ```\n3. | a |\n   |---|\n   | 1 |\n",
    "- - - drie lijsten in een regel\n",
    "a\tb\n\n    code\tmet tab\n",
    "---\n- geen mapping\n---\ntekst\n",
])
def test_odd_input_does_not_crash(markdown):
    with zipfile.ZipFile(io.BytesIO(build(markdown))) as package:
        assert package.testzip() is None
        etree.fromstring(package.read("word/document.xml"))


def test_invalid_front_matter_is_a_briefings_error():
    with pytest.raises(BriefingsError, match="front matter"):
        build("---\ntitle: [open\n---\n")


def test_missing_reference_doc(tmp_path):
    missing = tmp_path / "weg.docx"
    with pytest.raises(BriefingsError) as raised:
        build("tekst", reference=missing)
    assert str(missing) in raised.value.render()


def test_reference_doc_that_is_not_a_docx(tmp_path):
    broken = tmp_path / "kapot.docx"
    broken.write_text("geen zip")
    with pytest.raises(BriefingsError, match="not a usable .docx"):
        build("tekst", reference=broken)


def test_long_metadata_is_cut_to_the_core_property_limit():
    core = part(build("tekst", DocxMeta(title="lang " * 100, keywords=["k"] * 200)),
                "docProps/core.xml")
    assert len(core.find("dc:title", NS).text) == 255
    assert len(core.find("cp:keywords", NS).text) == 255


def reference_with(tmp_path: Path, change) -> Path:
    """A copy of the house style whose styles.xml went through change(styles)."""
    with zipfile.ZipFile(REFERENCE) as package:
        entries = {name: package.read(name) for name in package.namelist()}
    styles = etree.fromstring(entries["word/styles.xml"])
    change(styles)
    entries["word/styles.xml"] = etree.tostring(styles)
    reference = tmp_path / "aangepast.docx"
    reference.write_bytes(reproducible_zip(entries))
    return reference


def test_reference_doc_without_a_needed_style(tmp_path):
    reference = reference_with(tmp_path, lambda styles: styles.remove(
        styles.find("w:style[@w:styleId='ListBullet2']", NS)))
    assert build("- a\n", reference=reference)  # only a depth-2 bullet needs the style
    with pytest.raises(BriefingsError) as raised:
        build("- a\n  - b\n", reference=reference)
    assert "List Bullet 2" in raised.value.render()
    assert str(reference) in raised.value.render()


def test_list_styles_without_numbering_get_a_definition_of_their_own(tmp_path):
    def strip_numbering(styles):
        for num_pr in styles.iterfind("w:style/w:pPr/w:numPr", NS):
            num_pr.getparent().remove(num_pr)

    data = build("- a\n  - b\n\n1. een\n", reference=reference_with(tmp_path, strip_numbering))
    assert [numbering_of(data, text)[1] for text in ("a", "b", "een")] == ["0", "1", "0"]
    assert [level_format(data, *numbering_of(data, text)) for text in ("a", "b", "een")] == [
        "bullet", "bullet", "decimal"]


def test_python_docx_default_template_works_as_reference():
    import docx

    default = Path(docx.__file__).parent / "templates" / "default.docx"
    data = build("# Kop\n\n1. een\n   - a\n2. twee\n", DocxMeta(title="t"), default)
    assert [style for style, _ in paragraphs(data)] == [
        "Heading1", "ListNumber", "ListBullet2", "ListNumber"]


# -- the reference document ------------------------------------------------------------------------


def test_house_style_template_is_reproducible_and_up_to_date():
    spec = importlib.util.spec_from_file_location("make_huisstijl",
                                                  ROOT / "templates" / "make_huisstijl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert built == module.build()
    assert built == REFERENCE.read_bytes(), "run templates/make_huisstijl.py and commit the result"


def test_house_style_uses_arial_and_a4():
    with zipfile.ZipFile(REFERENCE) as package:
        styles_xml = package.read("word/styles.xml")
        document = etree.fromstring(package.read("word/document.xml"))
    styles = etree.fromstring(styles_xml)
    fonts = {f.get(W + "ascii") for f in styles.iter(W + "rFonts")}
    assert fonts == {"Arial", "Courier New"}
    assert b"Amsterdam Sans" not in styles_xml and b"Theme" not in styles_xml
    ids = {s.get(W + "styleId") for s in styles.findall("w:style", NS)}
    assert {"Normal", "Title", "Subtitle", "Heading1", "Heading2", "Heading3", "ListBullet",
            "ListBullet2", "ListBullet3", "ListNumber", "ListNumber2", "ListContinue", "Quote",
            "TableGrid", "Hyperlink", "TOCHeading", "Header", "Footer"} <= ids
    sect = document.find("w:body/w:sectPr", NS)
    assert (sect.find("w:pgSz", NS).get(W + "w"), sect.find("w:pgSz", NS).get(W + "h")) == (
        "11906", "16838")
    margins = sect.find("w:pgMar", NS)
    assert {margins.get(W + side) for side in ("top", "bottom", "left", "right")} == {"1417"}


# -- real clients ---------------------------------------------------------------------------------


@pytest.mark.clients
def test_pandoc_reads_the_same_structure_as_the_markdown(tmp_path):
    docx_path = tmp_path / "briefing.docx"
    docx_path.write_bytes(build(BRIEFING))
    from_docx = clients.pandoc_structure(docx_path)
    from_markdown = clients.pandoc_structure(BRIEFING)
    assert from_docx == from_markdown
    # the comparison is only meaningful if the structure is there
    assert [tree["kind"] for tree in from_markdown["lists"]] == ["ordered", "ordered", "bullet"]
    assert from_markdown["lists"][1]["start"] == 13


@pytest.mark.clients
def test_libreoffice_renders_numbering_and_page_fields(tmp_path):
    docx_path = tmp_path / "briefing.docx"
    docx_path.write_bytes(build(BRIEFING))
    pdf = clients.convert_to_pdf(docx_path, tmp_path)
    assert pdf.stat().st_size > 1000
    text = clients.pdf_text(pdf)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "1. Hoe representatief is de organisatie?" in lines
    assert "13. Klopt de nummering vanaf dertien?" in lines
    assert "1. genest genummerd" in lines
    assert "pagina 1 van 2" in lines and "pagina 2 van 2" in lines
    assert "Intern \u00b7 VN2024-010173" in lines
