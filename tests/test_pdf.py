"""Every shipped document as PDF/A, tagged, navigable; read back by pikepdf and poppler, not by our own code."""
from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from clients import require
from conftest import ROOT, copy_project, run_cli

pikepdf = pytest.importorskip("pikepdf")

FIXED = {"BRIEFINGS_COMMIT": "0000000pdf"}
DOCS = sorted(p.stem for p in (ROOT / "content" / "documenten").glob("*.yaml"))
ANNOTATION = "annotatie-fkd-verwey-jonker"
LETTER = "raadsbrief-voortgang-vervolgstappen-2024"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

pytestmark = pytest.mark.clients


@pytest.fixture(scope="module")
def built(pdf_build):
    return pdf_build


def text_of(pdf: Path, *options: str) -> str:
    result = subprocess.run([require("pdftotext"), *options, str(pdf), "-"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, in order."""
    items = []
    with pikepdf.open(pdf) as document, document.open_outline() as tree:
        pages = {page.objgen: number for number, page in enumerate(document.pages, start=1)}

        def walk(nodes, depth):
            for node in nodes:
                destination = node.destination
                if destination is None and node.action is not None:
                    destination = node.action.get("/D")
                page = pages.get(destination[0].objgen) if destination is not None else None
                items.append((depth, node.title, page))
                walk(node.children, depth + 1)

        walk(tree.root, 0)
    return items


def markdown_headings(path: Path) -> list[str]:
    """The headings of a built Markdown file (the shipped documents have no code blocks)."""
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6} (.+)$", path.read_text(encoding="utf-8"), re.M)]


def markdown_title(path: Path) -> list[str]:
    """The title of a built Markdown file's front matter, as a list (none for a letter: its subject is in its
    details block)."""
    import yaml

    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n", 2)[1]) if text.startswith("---\n") else {}
    return [] if front.get("layout") == "letter" or not front.get("title") else [front["title"]]


def markdown_questions(path: Path) -> list[str]:
    """The questions of a built Markdown file, as the templates write them: `N. **question**`."""
    return [m.group(2) for m in re.finditer(r"^(\d+)\. \*\*(.+)\*\*$", path.read_text(encoding="utf-8"), re.M)]


@pytest.mark.parametrize("doc", DOCS)
def test_every_document_is_tagged_pdfa_in_dutch_with_its_title(built, doc, library):
    pdf = built / f"{doc}.pdf"
    assert pdf.is_file()
    with pikepdf.open(pdf) as document:
        root = document.Root
        tree = root.get("/StructTreeRoot")
        assert tree is not None and len(tree.get("/K", [])) > 0, "no structure tree"
        assert bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "nl-NL"
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        title = library.get(doc).titel
        assert str(document.docinfo.Title) == title
        meta = document.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") in ("A", "B", "U")
        assert meta.get("dc:title") == title
        role_map = {str(k): str(v) for k, v in tree.get("/RoleMap", {}).items()}
        roles = {role_map.get(str(e.get("/S")), str(e.get("/S"))) for e in _structure(tree)}
    assert {"/Document", "/H1", "/P"} <= roles
    if doc == "achtergrondnotitie-arbeidsinspectie-2024":
        assert {"/TOC", "/TOCI"} <= roles
    else:  # every other document holds a table with a header
        assert {"/Table", "/TR", "/TH", "/TD"} <= roles


def _structure(node, depth=0):
    kids = node.get("/K")
    if kids is None or depth > 60:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _structure(kid, depth + 1)


@pytest.mark.parametrize("doc", DOCS)
def test_only_embedded_fonts(built, doc):
    result = subprocess.run([require("pdffonts"), str(built / f"{doc}.pdf")], capture_output=True, text=True,
                            timeout=60)
    rows = result.stdout.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        columns = row.split()
        assert columns[-5] == "yes", f"not embedded: {row}"  # name type [encoding] emb sub uni object ID


@pytest.mark.parametrize("doc", DOCS)
def test_one_bookmark_per_heading_and_per_question(built, doc):
    items = outline(built / f"{doc}.pdf")
    title = markdown_title(built / f"{doc}.md")
    headings = title + markdown_headings(built / f"{doc}.md")
    questions = markdown_questions(built / f"{doc}.md")
    assert len(items) == len(headings) + len(questions)
    if title:  # the document's title comes first, a heading (H1) of the outline
        assert " ".join(items[0][1].split()) == " ".join(title[0].split()) and items[0][0] == 0
    assert all(page is not None for _, _, page in items)
    titles = [" ".join(title.split()) for _, title, _ in items]
    expected = headings + [f"{n}. {' '.join(q.split())}" for n, q in enumerate(questions, start=1)]
    assert sorted(titles) == sorted(expected)


def test_the_annotation_has_65_question_bookmarks_under_their_sections(built):
    items = outline(built / f"{ANNOTATION}.pdf")
    questions = [(depth, title) for depth, title, _ in items if re.match(r"\d+\. ", title)
                 and not title.startswith(("1. Toegankelijkheid", "2. Sociale", "3. Bewustzijn", "4. Maatwerk",
                                           "5. Leiderschap", "6. Representatie", "7. Doorstroom", "8. Sturen"))]
    assert len(questions) == 65
    assert [int(title.split(".")[0]) for _, title in questions] == list(range(1, 66))
    expected = markdown_questions(built / f"{ANNOTATION}.md")
    assert [title.split(". ", 1)[1] for _, title in questions] == expected
    # Vraag en antwoord > section > question, and > Vragen raadsleden > Lid … > question
    assert {depth for depth, _ in questions} == {2, 3}
    for index, (depth, title, _) in enumerate(items):
        if (depth, title) in questions:
            parent = next(d for d, t, _ in reversed(items[:index]) if d < depth)
            assert parent == depth - 1


def test_annotation_text_has_every_question_in_order_and_no_contents_placeholder(built):
    text = " ".join(text_of(built / f"{ANNOTATION}.pdf").split())
    position = 0
    questions = markdown_questions(built / f"{ANNOTATION}.md")
    assert len(questions) == 65
    for number, question in enumerate(questions, start=1):
        wanted = f"{number}. {' '.join(question.split())}"
        found = text.find(wanted, position)
        assert found >= 0, f"question {number} not found after the previous one: {wanted[:60]}"
        position = found + len(wanted)
    assert "Inhoud" not in text
    assert "bijgewerkt bij het openen" not in text
    assert "Opgesteld met briefings" not in text


def test_letter_closing_and_signature_share_a_page_that_holds_more(built):
    pages = text_of(built / f"{LETTER}.pdf", "-layout").split("\f")
    signature = [i for i, page in enumerate(pages) if "wethouder van Buren" in page]
    closing = [i for i, page in enumerate(pages) if "Namens het college van burgemeester en wethouders" in page]
    assert len(closing) == 1 and closing == signature[-1:]
    page = pages[closing[0]]
    assert "Met vriendelijke groet" in page
    assert "We houden u op de hoogte van de voortgang" in page  # the closing paragraph came along
    assert "\\" not in "".join(pages)
    for text in pages:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = [line for line in lines if line not in ("Openbaar",) and not line.startswith("pagina ")]
        assert body != ["wethouder van Buren"], "a page holds only the signature"


def test_letter_layout_addressee_then_details_then_salutation(built):
    first = " ".join(text_of(built / f"{LETTER}.pdf", "-l", "1").split())
    order = ["De leden van de gemeenteraad", "Datum 28 maart 2024", "Kenmerk", "Onderwerp Voortgang",
             "Portefeuille Inclusie en Diversiteit", "Bijlagen 1. Analyse en maatregelen onderzoeken",
             "Geachte leden van de gemeenteraad,"]
    positions = [first.find(part) for part in order]
    assert -1 not in positions and positions == sorted(positions), list(zip(order, positions))
    body = _document_xml(built / f"{LETTER}.docx")
    details = body.find(f"{W}body/{W}tbl")
    assert details.find(f"{W}tr/{W}trPr/{W}tblHeader") is None  # no empty header row
    assert all(b.get(W + "val") == "nil" for b in details.find(f"{W}tblPr/{W}tblBorders"))


def _document_xml(path: Path):
    from lxml import etree

    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/document.xml"))


@pytest.mark.parametrize("doc", DOCS)
def test_no_table_row_splits_and_only_real_headers_repeat(built, doc):
    body = _document_xml(built / f"{doc}.docx")
    for row in body.iter(W + "tr"):
        assert row.find(f"{W}trPr/{W}cantSplit") is not None
        if row.find(f"{W}trPr/{W}tblHeader") is not None:
            assert "".join(row.itertext()).strip(), "an empty header row repeats"
    for table in body.iter(W + "tbl"):
        widths = [int(c.get(W + "w")) for c in table.iter(W + "gridCol")]
        assert sum(widths) == 9072  # A4 less 2 × 2.5 cm


def test_column_widths_follow_the_text(built):
    body = _document_xml(built / f"{ANNOTATION}.docx")
    for table in body.iter(W + "tbl"):
        header = ["".join(c.itertext()) for c in table.find(W + "tr").iter(W + "tc")]
        widths = [int(c.get(W + "w")) for c in table.iter(W + "gridCol")]
        if header == ["Cijfer", "Omschrijving", "Peildatum", "Bron"]:
            assert widths[1] == max(widths) and widths[0] == min(widths)
            return
    pytest.fail("no table of figures in the annotation")


def test_responses_are_said_in_words(built):
    for doc in (ANNOTATION, "reactie-op-aanbevelingen"):
        text = " ".join(text_of(built / f"{doc}.pdf").split())
        assert "Opgevolgd met een maatregel" in text and "Overgenomen:" in text
        rows = [line.split(" | ") for line in (built / f"{doc}.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("| ")]
        assert not [row for row in rows if len(row) > 1 and row[1].strip() in ("maatregel", "overgenomen", "deels")]


def test_questions_are_outline_paragraphs_with_their_numbers(built):
    body = _document_xml(built / f"{ANNOTATION}.docx")
    outlined = [p for p in body.iter(W + "p") if p.find(f"{W}pPr/{W}outlineLvl") is not None]
    title, questions = outlined[0], outlined[1:]  # the title heads the outline at level 0 (tagged H1)
    assert title.find(f"{W}pPr/{W}pStyle").get(W + "val") == "Title"
    assert title.find(f"{W}pPr/{W}outlineLvl").get(W + "val") == "0"
    assert len(questions) == 65
    for paragraph in questions:
        assert paragraph.find(f"{W}pPr/{W}numPr/{W}numId") is not None  # still numbered 1..65 by Word
        assert paragraph.find(f"{W}pPr/{W}pStyle").get(W + "val") == "ListNumber"
        assert paragraph.find(f"{W}pPr/{W}outlineLvl").get(W + "val") in ("2", "3")  # below its heading


def test_contents_only_where_asked_and_filled_with_the_right_pages(built):
    notitie = "achtergrondnotitie-arbeidsinspectie-2024"
    for doc in DOCS:
        instructions = "".join(t.text for t in _document_xml(built / f"{doc}.docx").iter(W + "instrText"))
        assert ("TOC" in instructions) == (doc == notitie), doc
        with zipfile.ZipFile(built / f"{doc}.docx") as package:
            assert b"updateFields" not in package.read("word/settings.xml")
    bookmarks = {title: page for _, title, page in outline(built / f"{notitie}.pdf")}
    lines = [line for line in text_of(built / f"{notitie}.pdf", "-layout", "-l", "1").splitlines() if "...." in line]
    assert len(lines) == len(markdown_headings(built / f"{notitie}.md"))
    for line in lines:
        found = re.match(r"\s*(.+?)\.{3,}\s*(\d+)$", line)
        assert found, line
        assert bookmarks[found.group(1).strip()] == int(found.group(2)), line
    # the DOCX shows the same numbers, in a TOC field Word can update, without asking when it opens
    body = _document_xml(built / f"{notitie}.docx")
    assert "dirty" not in "".join(el.get(W + "dirty", "") for el in body.iter(W + "fldChar"))
    entries = [p for p in body.iter(W + "p") if p.find(f"{W}pPr/{W}pStyle[@{W}val='TOC1']") is not None
               or p.find(f"{W}pPr/{W}pStyle[@{W}val='TOC2']") is not None]
    cached = [list(p.iter(W + "t"))[-1].text for p in entries]  # the result of each PAGEREF field
    assert cached == [re.search(r"(\d+)$", line).group(1) for line in lines]


def test_provenance_is_in_the_properties_not_in_the_text(built):
    for doc in DOCS:
        with zipfile.ZipFile(built / f"{doc}.docx") as package:
            core = package.read("docProps/core.xml").decode()
            custom = package.read("docProps/custom.xml").decode()
            body = package.read("word/document.xml").decode()
        assert "Opgesteld met briefings" in core and "0000000pdf" in custom
        assert "Opgesteld met" not in body
        assert "<!-- Opgesteld met briefings" in (built / f"{doc}.md").read_text(encoding="utf-8")


def test_pdf_rebuilds_only_when_its_docx_would_change(tmp_path):
    project = copy_project(tmp_path)
    first = run_cli("build", "factsheet", "--format", "pdf", cwd=project, env=FIXED)
    assert first.returncode == 0, first.stderr
    built = sorted(p.name for p in (project / "build").iterdir() if p.name != ".briefings-quick")
    assert built == [".briefings-manifest.json", "factsheet-verwey-jonker-2024.pdf"]
    again = run_cli("build", "factsheet", "--format", "pdf", cwd=project, env=FIXED)
    assert again.stdout.strip() == "unchanged: build/factsheet-verwey-jonker-2024.pdf"
    docx_only = run_cli("build", "factsheet", "--format", "all", cwd=project, env=FIXED)
    assert "unchanged: build/factsheet-verwey-jonker-2024.pdf" in docx_only.stdout
    assert "build/factsheet-verwey-jonker-2024.docx" in docx_only.stdout.splitlines()
    spec = project / "content" / "documenten" / "factsheet-verwey-jonker-2024.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("titel: ", "titel: Nieuw ", 1), encoding="utf-8")
    changed = run_cli("build", "factsheet", "--format", "all", cwd=project, env=FIXED)
    assert changed.returncode == 0, changed.stderr
    assert "unchanged" not in changed.stdout
    with pikepdf.open(project / "build" / "factsheet-verwey-jonker-2024.pdf") as document:
        assert str(document.docinfo.Title).startswith("Nieuw ")


def test_remembered_page_numbers_spare_libreoffice_and_are_checked_against_the_pdf(tmp_path):
    import json
    import shutil
    import stat

    project = copy_project(tmp_path / "project")
    calls = tmp_path / "calls"
    wrapper = tmp_path / "soffice"
    wrapper.write_text(f'#!/bin/sh\necho x >> "{calls}"\nexec "{shutil.which("soffice")}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    env = {**FIXED, "BRIEFINGS_CACHE_DIR": str(tmp_path / "cache"), "BRIEFINGS_SOFFICE": str(wrapper)}

    def build(*args):
        result = run_cli("build", "achtergrondnotitie", "--force", *args, cwd=project, env=env)
        assert result.returncode == 0, result.stderr
        return len(calls.read_text().split()) if calls.exists() else 0

    assert build("--format", "docx") == 1  # the draft is laid out once
    assert build("--format", "docx") == 1  # then its pages are remembered
    assert build("--format", "pdf") == 2  # one round: the final DOCX with the others
    remembered = tmp_path / "cache" / "toc-pages.json"
    pages = json.loads(remembered.read_text(encoding="utf-8"))
    remembered.write_text(json.dumps({key: {name: 9 for name in value} for key, value in pages.items()}),
                          encoding="utf-8")
    assert build("--format", "all") == 4  # wrong numbers are found in the PDF and laid out again
    notitie = project / "build" / "achtergrondnotitie-arbeidsinspectie-2024"
    contents = [line for line in text_of(notitie.with_suffix(".pdf"), "-layout", "-l", "1").splitlines()
                if "...." in line]
    assert contents and not [line for line in contents if line.rstrip().endswith(" 9")]
    bookmarks = {title: page for _, title, page in outline(notitie.with_suffix(".pdf"))}
    for line in contents:
        found = re.match(r"\s*(.+?)\.{3,}\s*(\d+)$", line)
        assert bookmarks[found.group(1).strip()] == int(found.group(2))
    entries = [p for p in _document_xml(notitie.with_suffix(".docx")).iter(W + "p")
               if p.find(f"{W}pPr/{W}pStyle[@{W}val='TOC1']") is not None]
    assert [list(p.iter(W + "t"))[-1].text for p in entries] != ["9"] * len(entries)
