"""Woo publication: officials' names gone from every part of the DOCX, grounds listed, audiences and embargoes."""
from __future__ import annotations

import datetime as dt
import html
import re
import zipfile

import pytest

from briefings.content import model as m
from briefings.errors import ClassificationError, EmbargoError, ErrorGroup
from briefings.documents.woo import Redactor, refuse_document
from conftest import FIXTURES, run_cli

PROJECT = FIXTURES / "woo"
REDACTED = ("Joost", "Bakkerveld", "Marije", "Zonneveld")  # an official and an external adviser
GROUND = "5.1.2e: persoonlijke levenssfeer (art. 5.1 lid 2 sub e Woo)"


@pytest.fixture(scope="module")
def lib():
    from briefings.content.library import open_library

    return open_library(PROJECT / "content")


def build(*args, out):
    return run_cli("--root", str(PROJECT), "build", *args, "--out", str(out), env={"BRIEFINGS_COMMIT": "test"})


def texts(docx) -> dict[str, str]:
    """Every member of the DOCX zip as text, and once more with the XML tags removed (runs joined)."""
    found = {}
    with zipfile.ZipFile(docx) as package:
        for name in package.namelist():
            raw = package.read(name).decode("utf-8", errors="replace")
            found[name] = raw
            found[name + " (text)"] = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return found


@pytest.fixture(scope="module", params=["agenda-woo", "annotatie-woo"])
def woo_build(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("woo")
    result = build(request.param, "--woo", out=out)
    assert result.returncode == 0, result.stderr
    return request.param, out, result


# -- the publication ----------------------------------------------------------------------------------


def test_woo_outputs_go_to_doc_id_woo(woo_build):
    doc_id, out, result = woo_build
    built = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))  # .briefings-manifest.json
    assert built == [f"{doc_id}-woo.docx", f"{doc_id}-woo.md"]


def test_no_redacted_name_anywhere_in_the_docx(woo_build):
    doc_id, out, _ = woo_build
    members = texts(out / f"{doc_id}-woo.docx")
    assert {"docProps/core.xml", "docProps/custom.xml", "word/document.xml"} <= set(members)
    assert any(name.startswith("word/header") for name in members)
    assert any(name.startswith("word/footer") for name in members)
    for name, text in members.items():
        for redacted in REDACTED:
            assert redacted.lower() not in text.lower(), f"{redacted} in {name}"


def test_no_redacted_name_in_the_markdown(woo_build):
    doc_id, out, _ = woo_build
    text = (out / f"{doc_id}-woo.md").read_text(encoding="utf-8")
    for redacted in REDACTED:
        assert redacted.lower() not in text.lower()


def test_elected_officials_stay_named(woo_build):
    doc_id, out, _ = woo_build
    body = texts(out / f"{doc_id}-woo.docx")["word/document.xml (text)"]
    assert "wethouder De Wit" in body
    assert "Karin de Wit is verantwoordelijk" in body
    assert "Jansma" in body


def test_grounds_are_listed_once(woo_build):
    doc_id, out, _ = woo_build
    markdown = (out / f"{doc_id}-woo.md").read_text(encoding="utf-8")
    assert markdown.count("# Toegepaste weigeringsgronden") == 1
    assert markdown.count(GROUND) == 1
    body = texts(out / f"{doc_id}-woo.docx")["word/document.xml (text)"]
    assert "Toegepaste weigeringsgronden" in body and body.count("persoonlijke levenssfeer") == 1


def test_properties_name_the_municipality_not_a_person(woo_build):
    doc_id, out, _ = woo_build
    core = texts(out / f"{doc_id}-woo.docx")["docProps/core.xml"]
    assert "<dc:creator>Gemeente Amsterdam</dc:creator>" in core
    assert "<cp:lastModifiedBy>Gemeente Amsterdam</cp:lastModifiedBy>" in core


def test_agenda_names_become_the_code(tmp_path):
    assert build("agenda-woo", "--woo", "--format", "md", out=tmp_path).returncode == 0
    text = (tmp_path / "agenda-woo-woo.md").read_text(encoding="utf-8")
    assert "**Aanwezig:** wethouder De Wit, 5.1.2e, 5.1.2e, 5.1.2e" in text
    assert "5.1.2e belt in; 5.1.2e schuift later aan." in text  # typed names: first name, surname
    assert "5.1.2e geeft een toelichting; Jansma is uitgenodigd." in text  # in capitals too
    assert "| Brief aan de raad opstellen met 5.1.2e. | 5.1.2e |" in text
    assert "## 1. Opening door Karin de Wit" in text


def test_a_normal_build_keeps_the_names(tmp_path):
    result = build("agenda-woo", "--format", "md", out=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "agenda-woo.md").read_text(encoding="utf-8")
    assert "Joost belt in" in text and "Joost Bakkerveld" in text
    assert "weigeringsgronden" not in text


# -- the redactor --------------------------------------------------------------------------------------


def persoon(pid, naam, rol, **extra):
    return m.Persoon(id=pid, naam=naam, rol=rol, **extra)


@pytest.mark.parametrize("text, expected", [
    ("Joost Bakkerveld belt.", "5.1.2e belt."),
    ("Joost\nBakkerveld belt.", "5.1.2e belt."),
    ("Joost belt; Bakkerveld ook.", "5.1.2e belt; 5.1.2e ook."),
    ("JOOST BAKKERVELD", "5.1.2e"),
    ("Joosten en Bakkervelden", "Joosten en Bakkervelden"),  # whole words only
    ("Hester van Buren en Hester Jansen", "Hester van Buren en 5.1.2e"),  # the alderman keeps her name
    ("wethouder van Buren", "wethouder van Buren"),
    ("Jan van der Berg en Van der Berg", "5.1.2e en 5.1.2e"),
    ("5.1, 2, e", "5.1, 2, e"),  # already redacted in the source
    ("Mail j.bakkerveld@amsterdam.nl of joost@x.nl.", "Mail 5.1.2e of 5.1.2e."),
    ("Mail info@amsterdam.nl.", "Mail info@amsterdam.nl."),
])
def test_redactor(text, expected):
    redact = Redactor([
        persoon("a", "Joost Bakkerveld", "ambtenaar"),
        persoon("b", "Hester Jansen", "extern"),
        persoon("c", "Jan van der Berg", "ambtenaar"),
        persoon("d", "5.1, 2, e", "ambtenaar", woo_gelakt=True),
        persoon("e", "Hester van Buren", "wethouder", aanspreekvorm="wethouder van Buren"),
        persoon("f", "Namane", "raadslid"),
    ])
    assert redact(text) == expected


def test_redactor_without_officials_changes_nothing():
    redact = Redactor([persoon("x", "5.1, 2, e", "ambtenaar"), persoon("y", "Namane", "raadslid")])
    assert redact("Lid Namane (PvdA) en 5.1, 2, e") == "Lid Namane (PvdA) en 5.1, 2, e"
    assert redact.count == 0


# -- audiences ------------------------------------------------------------------------------------------


def test_woo_build_refuses_an_intern_item(tmp_path):
    result = build("agenda-intern-item", "--woo", out=tmp_path)
    assert result.returncode == 1
    assert re.search(r"tests/fixtures/woo/content/vragen/intern-overleg\.yaml:8:\d+: vraag 'intern-overleg' is "
                     r"intern, too confidential for the Woo publication of 'agenda-intern-item'", result.stderr)
    assert "hint: leave it out, or state the audience: --classificatie intern" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_refusal_comes_before_the_checks_and_holds_without_them(tmp_path):
    result = build("agenda-intern-item", "--no-check", out=tmp_path)  # a normal build: audience openbaar
    assert result.returncode == 1
    assert "vraag 'intern-overleg' is intern" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_woo_build_refuses_an_intern_document(tmp_path):
    result = build("agenda-intern", "--woo", out=tmp_path)
    assert result.returncode == 1
    assert re.search(r"agenda-intern\.yaml:\d+:\d+: document 'agenda-intern' is intern", result.stderr)


def test_stated_audience_allows_an_intern_woo_build(tmp_path):
    result = build("agenda-intern", "--woo", "--classificatie", "intern", out=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "agenda-intern-woo.md").read_text(encoding="utf-8")
    assert "**Aanwezig:** 5.1.2e" in text and "Joost" not in text


def test_a_build_for_a_lower_audience_than_the_document_is_refused(tmp_path):
    result = build("agenda-intern", "--classificatie", "openbaar", out=tmp_path)
    assert result.returncode == 1
    assert "document 'agenda-intern' is intern, too confidential for the build of 'agenda-intern' " \
           "(audience openbaar)" in result.stderr


def test_refusal_api_raises_classification_error(lib):
    with pytest.raises(ClassificationError) as caught:
        refuse_document(lib, lib.get("agenda-intern-item"), woo=True)
    assert caught.value.location.path.endswith("intern-overleg.yaml") and caught.value.location.line == 8
    refuse_document(lib, lib.get("agenda-intern-item"), audience="intern", woo=True)  # stated: fine


# -- embargo --------------------------------------------------------------------------------------------


def test_woo_build_refuses_an_item_under_embargo(tmp_path):
    result = build("agenda-embargo", "--woo", out=tmp_path)
    assert result.returncode == 1
    assert re.search(r"nieuw-rapport\.yaml:9:\d+: vraag 'nieuw-rapport' is under embargo: "
                     r"niet openbaar voor 1 juni 2999", result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_public_normal_build_refuses_embargo_and_internal_audience_may_build(tmp_path):
    assert build("agenda-embargo", out=tmp_path).returncode == 1
    result = build("agenda-embargo", "--classificatie", "intern", "--format", "md", out=tmp_path)
    assert result.returncode == 0, result.stderr


def test_embargo_ends_on_its_date(lib):
    doc = lib.get("agenda-embargo")
    with pytest.raises(EmbargoError):
        refuse_document(lib, doc, woo=True, today=dt.date(2999, 5, 31))
    refuse_document(lib, doc, woo=True, today=dt.date(2999, 6, 1))  # "niet openbaar voor": public from that day


# -- exports refuse the same way --------------------------------------------------------------------------

EXPORT = FIXTURES / "export"


def test_export_refuses_an_intern_item_shown_in_a_public_answer():
    result = run_cli("--root", str(EXPORT), "export", "vragen", "--status", "afgestemd", "--thema", "representatie")
    assert result.returncode == 1
    assert re.search(r"cijfers/monitor-open\.yaml:\d+:\d+: cijfer 'mo-intern' is intern, too confidential for "
                     r"an export for an audience of openbaar", result.stderr)
    assert result.stdout == ""


def test_export_refuses_a_reference_to_an_item_under_embargo():
    result = run_cli("--root", str(EXPORT), "export", "vragen", "--status", "afgestemd",
                     "--thema", "toegankelijkheid")
    assert result.returncode == 1
    assert re.search(r"onder-embargo\.yaml:\d+:\d+: vraag 'onder-embargo' is under embargo: "
                     r"niet openbaar voor 1 juni 2999", result.stderr)


def test_export_for_a_stated_audience_passes():
    result = run_cli("--root", str(EXPORT), "export", "vragen", "--status", "afgestemd",
                     "--classificatie", "openbaar", "--classificatie", "intern", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "not for publication" in result.stderr


def test_export_refusal_api():
    from briefings.publish.export import VraagFilter, export_vragen
    from briefings.content.library import open_library

    lib = open_library(EXPORT / "content")
    with pytest.raises((ClassificationError, ErrorGroup)):
        export_vragen(lib, VraagFilter(statussen=("afgestemd",)), today=dt.date(2025, 1, 1))
