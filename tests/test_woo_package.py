"""The Woo publication package: a decision per document, fragments withheld on stated grounds, DiWoo metadata
validated against the official 0.9.8 schema, sitemap, inventory, and the leak check over every part."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from briefings.publish import diwoo
from conftest import FIXTURES, ROOT, copy_fixture_project, run_cli

PROJECT = FIXTURES / "woo-besluit"
DOC = "annotatie-besluit"
WITHHELD = ("Persoonlijk vind ik dat de directeuren te traag zijn", "ligt onder vuur bij de ondernemingsraad",
            "Volgens de monitor voelt")
NAMES = ("Joost", "Bakkerveld")
ENV = {"BRIEFINGS_COMMIT": "test"}


def copy_fixture(dest: Path) -> Path:
    return copy_fixture_project(PROJECT, dest)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("woo-package")
    result = run_cli("--root", str(PROJECT), "build", "--all", "--woo", "--out", str(out), env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr
    return out / "woo", result


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout


def test_the_package_holds_pdf_docx_and_metadata(published):
    root, result = published
    assert sorted(p.name for p in (root / DOC).iterdir()) == [f"{DOC}.diwoo.xml", f"{DOC}.docx", f"{DOC}.pdf"]
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["inventaris.csv", "inventaris.xlsx",
                                                                      "sitemap.xml"]
    # a document that is niet openbaar: listed, metadata only, no files to publish
    assert sorted(p.name for p in (root / "annotatie-geheim").iterdir()) == ["annotatie-geheim.diwoo.xml"]
    assert not (root.parent / f"{DOC}-woo.docx").exists()


def test_fragments_read_as_their_ground_where_they_stood(published):
    root, _ = published
    text = " ".join(pdf_text(root / DOC / f"{DOC}.pdf").split())
    assert "De aanpak werkt, 5.1, 2, e volgt de uitvoering." in text  # a name: the house notation
    assert "[5.2]" in text and "[5.1, 2, i]" in text  # a bullet, a key-message block
    assert "Dat is meer dan we hoopten." in text and "Iedereen moet zich veilig voelen" in text
    assert "5.2: persoonlijke beleidsopvattingen in documenten voor intern beraad (art. 5.2 Woo)" in text
    assert "Het overleg met de ondernemingsraad loopt nog." in text  # the stated reason is published
    for hidden in WITHHELD + NAMES:
        assert hidden not in text


def test_the_published_copy_is_marked_public_not_internal(published):
    """The content is intern; its Woo publication is the public version, and its page header says so."""
    root, _ = published
    first_page = pdf_text(root / DOC / f"{DOC}.pdf").split("\f")[0]
    assert "Openbaar (Woo)" in first_page and "Intern" not in first_page


def test_pdf_is_tagged_pdf_a(published):
    import pikepdf

    root, _ = published
    with pikepdf.open(root / DOC / f"{DOC}.pdf") as pdf:
        assert pdf.Root.MarkInfo.Marked
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "pdfaid:part" in xmp and re.search(r'pdfaid:part(>|=")2', xmp)
        assert str(pdf.docinfo["/Author"]) == "Gemeente Amsterdam"


def test_metadata_validates_and_says_what_the_index_needs(published):
    root, _ = published
    element = etree.parse(str(root / DOC / f"{DOC}.diwoo.xml")).getroot()
    diwoo.schema().validate(element)
    ns = {"d": diwoo.NS}
    assert element.find("d:DiWoo/d:publisher", ns).get("resource") == \
        "https://identifier.overheid.nl/tooi/id/gemeente/gm0363"
    category = element.find("d:DiWoo/d:classificatiecollectie/d:informatiecategorieen/d:informatiecategorie", ns)
    assert category.text == "vergaderstukken decentrale overheden"
    assert element.findtext("d:DiWoo/d:titelcollectie/d:officieleTitel", namespaces=ns) == \
        "Veilig werken in de organisatie"
    assert element.findtext("d:DiWoo/d:creatiedatum", namespaces=ns) == "2024-07-04"
    assert [i.text for i in element.iterfind("d:DiWoo/d:identifiers/d:identifier", ns)] == ["VN2024-000042", DOC]
    assert element.find("d:DiWoo/d:format", ns).text == "PDF"
    assert element.find("d:DiWoo/d:language", ns).text == "Nederlands"
    handeling = element.find("d:DiWoo/d:documenthandelingen/d:documenthandeling", ns)
    assert handeling.findtext("d:soortHandeling", namespaces=ns) == "vaststelling"
    meta = diwoo.read_metadata(element)
    assert (meta.besluit, meta.besluitkenmerk, meta.gronden) == ("deels openbaar", "WOO-2024-0815",
                                                                 ["5.1.2e", "5.1.2i", "5.2"])


def test_sitemap_lists_what_is_published(published):
    root, _ = published
    sitemap = etree.parse(str(root / "sitemap.xml")).getroot()
    urls = sitemap.findall(f"{{{diwoo.SITEMAP_NS}}}url")
    assert [u.findtext(f"{{{diwoo.SITEMAP_NS}}}loc") for u in urls] == \
        [f"https://woo.example.org/publicaties/{DOC}/{DOC}.pdf"]
    diwoo.schema().validate(urls[0].find(f"{{{diwoo.NS}}}Document"))


def test_inventory_lists_every_decision(published):
    root, _ = published
    rows = list(csv.DictReader(io.StringIO((root / "inventaris.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["document"], r["besluit"], r["weigeringsgronden"]) for r in rows] == [
        (DOC, "deels openbaar", "5.1.2e, 5.1.2i, 5.2"), ("annotatie-geheim", "niet openbaar", "5.1.2i")]
    assert rows[0]["bestanden"] == f"{DOC}.pdf, {DOC}.docx"
    from openpyxl import load_workbook

    sheet = load_workbook(root / "inventaris.xlsx").active
    assert [c.value for c in sheet[1]][:5] == ["nummer", "document", "titel", "datum", "besluit"]
    assert sheet["B3"].value == "annotatie-geheim" and sheet["E3"].value == "niet openbaar"


def test_nothing_in_the_package_leaks(published):
    from briefings.content.library import open_library
    from briefings.documents.woo import Redactor
    from briefings.publish.leaks import find_leaks

    root, _ = published
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert any(name.endswith(".pdf") for name in files)
    redactor = Redactor(open_library(PROJECT / "content").items("persoon"))
    assert find_leaks(files, redactor, list(WITHHELD)) == []


def test_leak_check_finds_a_name_planted_in_core_properties(published):
    from briefings.content.library import open_library
    from briefings.documents.woo import Redactor
    from briefings.publish.leaks import find_leaks

    root, _ = published
    source = (root / DOC / f"{DOC}.docx").read_bytes()
    planted = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(planted, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "docProps/core.xml":
                data = data.replace(b"<dc:creator>Gemeente Amsterdam", b"<dc:creator>J&#111;ost Bakkerveld")
            new.writestr(info, data)
    redactor = Redactor(open_library(PROJECT / "content").items("persoon"))
    leaks = find_leaks({"a.docx": planted.getvalue()}, redactor, [])
    assert leaks and all(leak.startswith("a.docx:docProps/core.xml") for leak in leaks)
    assert "name 'Joost Bakkerveld'" in leaks[0]


def test_leak_check_finds_a_withheld_fragment():
    from briefings.documents.woo import Redactor
    from briefings.publish.leaks import find_leaks

    data = "<p>Zie: Persoonlijk vind ik dat de\n<b>directeuren</b> te traag zijn.</p>".encode()
    leaks = find_leaks({"x.xml": data}, Redactor([]), ["Persoonlijk vind ik dat de **directeuren** te traag zijn."])
    assert leaks == ["x.xml: withheld fragment 'Persoonlijk vind ik dat de directeuren t…'"]


def test_an_unknown_category_fails_naming_the_element(tmp_path):
    project = copy_fixture(tmp_path / "p")
    with (project / "briefings.yaml").open("a", encoding="utf-8") as settings:
        settings.write("  informatiecategorie:\n    annotatie: https://identifier.overheid.nl/tooi/def/thes/kern/c_onbekend\n")
    result = run_cli("--root", str(project), "build", "--woo", "--out", str(tmp_path / "out"), env=ENV)
    assert result.returncode == 1
    assert "DiWoo metadata of 'annotatie-besluit' is invalid at diwoo:informatiecategorie: attribute " \
           "resource='https://identifier.overheid.nl/tooi/def/thes/kern/c_onbekend': not a value of its list" \
           in result.stderr
    assert "briefings.yaml" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pdf"))


def test_a_publication_built_in_two_runs_lists_both(tmp_path):
    """The inventory and sitemap cover what build/woo/ holds, also documents published by an earlier run."""
    from briefings.content.library import open_library
    from briefings.project import load_project
    from briefings.publish.woo_package import earlier_packages, package_document, publication_files

    project = load_project(PROJECT)
    lib = open_library(project.content)
    root = tmp_path / "woo"
    secret = package_document(lib, project, lib.get("annotatie-geheim"), "test")
    (root / "annotatie-geheim").mkdir(parents=True)
    (root / "annotatie-geheim" / "annotatie-geheim.diwoo.xml").write_bytes(secret.files["annotatie-geheim.diwoo.xml"])
    listed = earlier_packages(root)
    assert list(listed) == ["annotatie-geheim"] and listed["annotatie-geheim"].besluit == "niet openbaar"
    files = publication_files(project, listed, {}, root)
    assert b"annotatie-geheim" in files["inventaris.csv"] and b"<url>" not in files["sitemap.xml"]


def test_every_shipped_document_has_valid_metadata():
    """What a Woo build would emit for each shipped document (a decision assumed where it has none)."""
    from briefings.content import model as m
    from briefings.content.library import open_library
    from briefings.documents.assemble import assemble
    from briefings.project import load_project
    from briefings.publish.woo_package import metadata

    project = load_project(ROOT)
    lib = open_library(project.content)
    for doc in lib.documents():
        if doc.woo is None:
            doc = doc.model_copy(update={"woo": m.WooBesluit(besluit="openbaar", datum=doc.datum, kenmerk="test")})
        assembled = assemble(lib, doc, project, woo=True)
        meta = metadata(lib, project, doc, assembled, assembled.woo_grounds, [f"{doc.id}.pdf"])
        diwoo.validate(diwoo.document_element(meta), doc.id)


def test_a_figure_under_5_2_warns():
    from briefings.checks.rules import run_checks
    from briefings.content.library import open_library
    from briefings.project import load_project

    findings = run_checks(open_library(PROJECT / "content"), load_project(PROJECT))
    [warning] = [f for f in findings if f.rule == "woo-feit"]
    assert warning.severity == "warning" and warning.path.endswith("vragen/onveilig.yaml")
    assert "[[cijfer:monitor-onveilig]]" in warning.message
    assert not [f for f in findings if f.severity == "error"]


@pytest.mark.parametrize("code, fmt, expected", [
    ("5.1.2e", "{artikel}, {lid}, {sub}", "5.1, 2, e"),
    ("5.2", "{artikel}, {lid}, {sub}", "5.2"),
    ("5.1.2i", "{artikel}.{lid}{sub}", "5.1.2i"),
    ("5.1.1d", "art. {artikel} lid {lid} sub {sub}", "art. 5.1 lid 1 sub d"),
    ("5.2", "art. {artikel} lid {lid} sub {sub}", "art. 5.2"),
])
def test_notation(code, fmt, expected):
    from briefings.documents.woo import notation

    assert notation(code, fmt) == expected


def test_niet_openbaar_is_refused_for_a_plain_woo_build(tmp_path):
    result = run_cli("--root", str(PROJECT), "build", "annotatie-geheim", "--woo", "--classificatie", "intern",
                     "--format", "md", "--out", str(tmp_path), env=ENV)
    assert result.returncode == 0, result.stderr  # a stated audience: a working copy, not the publication
    from briefings.content.library import open_library
    from briefings.documents.woo import refuse_document
    from briefings.errors import ClassificationError

    lib = open_library(PROJECT / "content")
    with pytest.raises(ClassificationError, match="its Woo decision is niet openbaar"):
        refuse_document(lib, lib.get("annotatie-geheim"), woo=True)


def test_a_confidential_item_needs_a_ground(tmp_path):
    project = copy_fixture(tmp_path / "p")
    vraag = project / "content" / "vragen" / "aanpak.yaml"
    vraag.write_text(vraag.read_text(encoding="utf-8").replace("classificatie: intern", "classificatie: vertrouwelijk"),
                     encoding="utf-8")
    result = run_cli("--root", str(project), "build", "--woo", "--out", str(tmp_path / "out"), env=ENV)
    assert result.returncode == 1
    assert "vraag 'aanpak' is vertrouwelijk, too confidential for the Woo publication of 'annotatie-besluit' " \
           "(decision deels openbaar)" in result.stderr
    assert "hint: withhold it with a ground" in result.stderr
