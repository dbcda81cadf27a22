"""The shipped annotation as a Woo publication: it builds (it refused with 68 errors before documents had a
Woo decision), every question is in the PDF, no official's name is anywhere in the package."""
from __future__ import annotations

import re
import subprocess

import pytest
from lxml import etree

from briefings.publish import diwoo
from conftest import run_cli

DOC = "annotatie-fkd-verwey-jonker"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    out = tmp_path_factory.mktemp("shipped-woo")
    result = run_cli("build", "annotatie", "--woo", "--out", str(out), env={"BRIEFINGS_COMMIT": "test"}, timeout=900)
    assert result.returncode == 0, result.stderr
    return out / "woo"


def flat(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def all_questions(onderdelen):
    for o in onderdelen:
        yield from o.vragen
        yield from all_questions(o.onderdelen)


def test_the_pdf_holds_all_65_questions_and_the_officials_places_read_as_the_ground(package, library):
    text = flat(subprocess.run(["pdftotext", "-enc", "UTF-8", str(package / DOC / f"{DOC}.pdf"), "-"],
                               capture_output=True, text=True).stdout)
    doc = library.get(DOC)
    questions = list(all_questions(doc.onderdelen))
    assert len(questions) == 65
    for vid in questions:
        words = re.sub(r"[*_]", "", library.get(vid, "vraag").vraag.split("[[")[0]).split()[:8]  # up to a figure
        assert f"{questions.index(vid) + 1}. {' '.join(words)}" in text, vid
    assert "Behandelend ambtenaar: 5.1, 2, e; 5.1, 2, e" in text
    assert "5.1, 2, e: persoonlijke levenssfeer (art. 5.1 lid 2 sub e Woo)" in text


def test_no_official_is_named_anywhere_in_the_package(package, library):
    from briefings.documents.woo import Redactor
    from briefings.publish.leaks import find_leaks

    files = {str(p.relative_to(package)): p.read_bytes() for p in package.rglob("*") if p.is_file()}
    assert {f"{DOC}/{DOC}.pdf", f"{DOC}/{DOC}.docx", f"{DOC}/{DOC}.diwoo.xml", "sitemap.xml", "inventaris.csv",
            "inventaris.xlsx"} <= set(files)
    redactor = Redactor(library.items("persoon"))
    assert redactor.hidden >= {"Peter Teesink", "Roger", "Rabin", "Ridiënne"}
    assert find_leaks(files, redactor, []) == []


def test_the_shipped_metadata_validates(package):
    element = etree.parse(str(package / DOC / f"{DOC}.diwoo.xml")).getroot()
    diwoo.schema().validate(element)
    assert diwoo.read_metadata(element).besluit == "deels openbaar"
