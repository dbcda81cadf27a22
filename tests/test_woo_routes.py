"""Woo redaction holds against any route and any form (issue 10).

Routes: the content, the reference document and everything it carries (headers, footers, properties,
comments), git history (authors of tracked changes), ids and file names. Forms: Unicode normalisation
forms, invisible characters, character references, line breaks. The design is "normalise, then match":
text is brought to one form, names are matched there, and the original span is replaced.
"""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefings.content import model as m
from briefings.documents.woo import Redactor, normalise
from briefings.publish.leaks import find_leaks
from conftest import FIXTURES, ROOT, copy_fixture_project, run_cli

PROJECT = FIXTURES / "woo"
ENV = {"BRIEFINGS_COMMIT": "test"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def people():
    return [m.Persoon(id="a", naam="Joost Bakkerveld", rol="ambtenaar"),
            m.Persoon(id="r", naam="Ridiënne", rol="ambtenaar"),
            m.Persoon(id="w", naam="Karin de Wit", rol="wethouder", aanspreekvorm="wethouder De Wit")]


# -- forms ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Joost Bakkerveld belt.",
    "Jo\u200bost Bakkerveld belt.",  # zero-width space
    "Joost Bakker\u00adveld belt.",  # soft hyphen
    "Joo\u200d\u2060st\ufeff Bakkerveld belt.",  # zero-width joiner, word joiner, byte-order mark
    "Joost\nBakkerveld belt.",  # a line break inside the name
    "Joost \r\n  Bakkerveld belt.",
    "&#74;oost &#x42;akkerveld belt.",  # character references, decimal and hex
    "Joost Bakk&eacute;rveld".replace("&eacute;", "e") + " belt.",
    "\uff2a\uff4f\uff4f\uff53\uff54 Bakkerveld belt.",  # full-width letters (NFKC)
    "JOOST BAKKERVELD belt.",
    "joost bakkerveld belt.",  # a full name in any case
])
def test_every_form_of_a_name_is_redacted(text):
    redact = Redactor(people(), "5.1, 2, e")
    assert redact(text) == "5.1, 2, e belt."
    assert redact.find(text)


@pytest.mark.parametrize("text", ["Ridiënne komt.", "Ridie\u0308nne komt.", "Ridi&euml;nne komt.",
                                  "Ridi&#235;nne komt."])
def test_composed_and_decomposed_accents(text):  # NFC and NFD spell the same name
    assert Redactor(people(), "X")(text) == "X komt."


def test_elected_officials_stay_named_in_every_form():
    redact = Redactor(people(), "X")
    assert redact("wethouder De\u200bWit en Karin de Wit") == "wethouder De\u200bWit en Karin de Wit"


def test_normalise_maps_back_to_the_original():
    text = "a\u200b&#74;b\n\n c"
    norm, origin = normalise(text)
    assert norm == "aJb c"
    assert [text[i] for i in origin[:-1]] == ["a", "&", "b", "\n", "c"] and origin[-1] == len(text)


def test_words_that_only_contain_a_name_stay():
    assert Redactor(people(), "X")("Joosten en Bakkervelden") == "Joosten en Bakkervelden"


# -- routes: a whole build --------------------------------------------------------------------------------

def copy_fixture(dest: Path) -> Path:
    return copy_fixture_project(PROJECT, dest)


def docx_leaks(path: Path) -> list[str]:
    from briefings.content.library import open_library

    redactor = Redactor(open_library(PROJECT / "content").items("persoon"))
    return find_leaks({path.name: path.read_bytes()}, redactor, [])


def test_names_in_every_form_in_the_content_are_redacted(tmp_path):
    project = copy_fixture(tmp_path / "p")
    vraag = project / "content" / "vragen" / "melden.yaml"
    vraag.write_text(vraag.read_text(encoding="utf-8").replace(
        "  - Joost is ook", "  - Jo\u200bost Bakker\u00adveld, &#74;oost, \uff2aoost en Ma&#x72;ije\n"
                            "    Zonneveld helpen.\n  - Joost is ook"), encoding="utf-8")
    result = run_cli("--root", str(project), "build", "agenda-woo", "--woo", "--out", str(tmp_path / "out"), env=ENV)
    assert result.returncode == 0, result.stderr
    assert docx_leaks(tmp_path / "out" / "agenda-woo-woo.docx") == []
    text = (tmp_path / "out" / "agenda-woo-woo.md").read_text(encoding="utf-8")
    assert "5.1.2e, 5.1.2e, 5.1.2e en 5.1.2e helpen." in " ".join(text.split())


def planted_reference(path: Path) -> Path:
    """The house style with an official's name in the header, footer, properties and a comment."""
    import docx

    document = docx.Document(str(ROOT / "templates" / "huisstijl.docx"))
    section = document.sections[0]
    section.header.paragraphs[0].text = "Opgesteld door Joost Bakkerveld"
    section.footer.paragraphs[0].text = "Vragen: j.bakkerveld@amsterdam.nl"
    props = document.core_properties
    props.author = props.last_modified_by = "Joost Bakkerveld"
    props.comments = "Sjabloon van Joost"
    props.category = "Team Bakkerveld"
    paragraph = document.paragraphs[0] if document.paragraphs else document.add_paragraph("x")
    if not paragraph.runs:
        paragraph.add_run("x")
    document.add_comment(paragraph.runs, text="Graag nakijken, Joost", author="Joost Bakkerveld", initials="JB")
    document.save(str(path))
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        assert "word/comments.xml" in names and any(n.startswith("word/header") for n in names)
    return path


def test_names_from_the_reference_document_are_redacted(tmp_path):
    reference = planted_reference(tmp_path / "huisstijl.docx")
    out = tmp_path / "out"
    result = run_cli("--root", str(PROJECT), "build", "agenda-woo", "--woo", "--format", "docx", "--reference-doc",
                     str(reference), "--out", str(out), env=ENV)
    assert result.returncode == 0, result.stderr
    built = out / "agenda-woo-woo.docx"
    assert docx_leaks(built) == []
    with zipfile.ZipFile(built) as package:
        parts = {name: package.read(name).decode("utf-8") for name in package.namelist()}
    comments = parts.get("word/comments.xml", "")
    assert "Joost" not in comments and 'w:author="5.1.2e"' in comments and 'w:initials="5.1.2e"' in comments
    # without --woo the names of the reference document are the office's own business
    plain = run_cli("--root", str(PROJECT), "build", "agenda-woo", "--format", "docx", "--reference-doc",
                    str(reference), "--out", str(tmp_path / "plain"), env=ENV)
    assert plain.returncode == 0 and docx_leaks(tmp_path / "plain" / "agenda-woo.docx")


def test_scrubbing_a_package_reaches_every_part(tmp_path):
    """Whatever the writer keeps of the reference document, a Woo DOCX passes through the redactor whole."""
    from briefings.writers.scrub import scrub_docx

    reference = planted_reference(tmp_path / "huisstijl.docx")
    redactor = Redactor(people(), "5.1, 2, e")
    assert find_leaks({"r.docx": reference.read_bytes()}, redactor, [])  # the plant is there
    scrubbed = scrub_docx(reference.read_bytes(), redactor, "5.1, 2, e")
    assert find_leaks({"r.docx": scrubbed}, redactor, []) == []
    with zipfile.ZipFile(__import__("io").BytesIO(scrubbed)) as package:
        parts = {name: package.read(name).decode("utf-8") for name in package.namelist()}
    assert "Opgesteld door 5.1, 2, e" in next(t for n, t in parts.items() if n.startswith("word/header"))
    assert "Vragen: 5.1, 2, e" in next(t for n, t in parts.items() if n.startswith("word/footer"))
    assert "<dc:creator>5.1, 2, e</dc:creator>" in parts["docProps/core.xml"]
    assert 'w:author="5.1, 2, e"' in parts["word/comments.xml"]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args], capture_output=True,
                            text=True, check=True)
    return result.stdout


def test_tracked_changes_are_by_the_ground_code_never_a_name_from_git(tmp_path):
    repo = copy_fixture(tmp_path / "repo")
    shutil.copytree(ROOT / "templates", repo / "templates")
    settings = repo / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(str(ROOT / "templates"), "templates"),
                        encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Joost Bakkerveld")  # the editor is an official whose name is redacted
    git(repo, "config", "user.email", "j.bakkerveld@example.org")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Eerste versie")
    vraag = repo / "content" / "vragen" / "melden.yaml"
    vraag.write_text(vraag.read_text(encoding="utf-8").replace("Bij het meldpunt.", "Bij het centrale meldpunt."),
                     encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Antwoord aangevuld")
    out = tmp_path / "out"
    result = run_cli("--root", str(repo), "build", "agenda-woo", "--woo", "--since", "HEAD~1", "--out", str(out),
                     env=ENV)
    assert result.returncode == 0, result.stderr
    assert "Joost" not in result.stdout and "by the ground code" in result.stdout
    built = out / "agenda-woo-woo.docx"
    assert docx_leaks(built) == []
    from lxml import etree

    with zipfile.ZipFile(built) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    marks = list(body.iter(W + "ins", W + "del"))
    assert marks and {mark.get(W + "author") for mark in marks} == {"5.1.2e"}


def test_an_id_that_spells_a_redacted_name_is_refused(tmp_path):
    project = copy_fixture(tmp_path / "p")
    spec = project / "content" / "documenten" / "agenda-woo.yaml"
    renamed = spec.with_name("agenda-joost-bakkerveld.yaml")
    renamed.write_text(spec.read_text(encoding="utf-8").replace("id: agenda-woo", "id: agenda-joost-bakkerveld"),
                       encoding="utf-8")
    spec.unlink()
    (project / "briefings.yaml").write_text((project / "briefings.yaml").read_text(encoding="utf-8")
                                            .replace("standaard_document: agenda-woo",
                                                     "standaard_document: agenda-joost-bakkerveld"), encoding="utf-8")
    result = run_cli("--root", str(project), "build", "agenda-joost-bakkerveld", "--woo", "--out",
                     str(tmp_path / "out"), env=ENV)
    assert result.returncode == 1
    assert "agenda-joost-bakkerveld.yaml:1:5: document id 'agenda-joost-bakkerveld' spells a name that a Woo " \
           "publication redacts ('joost-bakkerveld')" in result.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
