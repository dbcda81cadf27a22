"""`briefings import wijzigingen`: a reviewer's edits to a built DOCX back into the YAML."""
import subprocess
from pathlib import Path

import pytest

from clients import require
from conftest import copy_project, run_cli
from redlines import uno_python
from wordedit import AUTHOR, WordEdit

DOC = "annotatie-fkd-verwey-jonker"
VRAAG = "content/vragen/betekenis-groei-culturele-diversiteit.yaml"
UNO_EDIT = Path(__file__).with_name("uno_edit_answer.py")


def build(root: Path) -> Path:
    result = run_cli("--root", str(root), "build", "annotatie", "--format", "docx", "--out", str(root / "build"))
    assert result.returncode == 0, result.stderr
    return root / "build" / f"{DOC}.docx"


def reviewed(docx: Path) -> Path:
    edit = WordEdit(docx.read_bytes())
    edit.track("De rapportages van het CBS", "achterblijven", "nog altijd achterblijven")
    edit.track("de komende twee jaar met 25% stijgt", "25%", "30%")
    edit.insert_after("Bij het vaststellen van de actualisatie", "De voortgang rapporteren we jaarlijks aan de raad.")
    edit.direct("Ja, op basis van de samenstelling", "Ja, op basis", "Ja, juist op basis")
    edit.comment("Wat wordt bedoelt met", "Bedoelt → bedoeld?")
    out = docx.with_name("reviewed.docx")
    out.write_bytes(edit.save())
    return out


@pytest.fixture()
def project(tmp_path):
    root = copy_project(tmp_path / "project")
    return root, reviewed(build(root))


def test_word_edits_come_back_into_the_yaml(project):
    root, docx = project
    result = run_cli("--root", str(root), "import", "wijzigingen", str(docx), "--opmerkingen")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (root / VRAAG).read_text(encoding="utf-8")
    assert "gebied van representatie nog altijd achterblijven." in text
    assert "  - Bij het vaststellen van de actualisatie van de bestuursopdracht zullen we dit per cluster uitwerken.\n" \
           "  - De voortgang rapporteren we jaarlijks aan de raad.\n" in text
    # the figure is single-sourced: reported, not typed into the answer
    assert "met [[cijfer:groei-culturele-diversiteit]] stijgt" in text and "30%" not in text
    assert "25% was changed to 30%: change the figure groei-culturele-diversiteit" in result.stdout
    assert f"{AUTHOR} (2024-07-10) on betekenis-groei-culturele-diversiteit.vraag: Bedoelt → bedoeld?" in result.stdout
    assert "notitie: 'Opmerking Recensent Communicatie (2024-07-10): Bedoelt → bedoeld?'" in text \
        or "Opmerking Recensent Communicatie (2024-07-10): Bedoelt → bedoeld?" in text
    assert text.startswith("# yaml-language-server: $schema=")  # the file's comments are kept
    direct = (root / "content/vragen/representatief-hele-gemeente.yaml").read_text(encoding="utf-8")
    assert "- Ja, juist op basis van de samenstelling" in direct
    check = run_cli("--root", str(root), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_dry_run_shows_a_diff_and_writes_nothing(project):
    root, docx = project
    before = (root / VRAAG).read_text(encoding="utf-8")
    result = run_cli("--root", str(root), "import", "wijzigingen", str(docx), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "content diff working tree → after import" in result.stdout
    assert "representatie{+ nog altijd+} achterblijven." in result.stdout
    assert "{+- De voortgang rapporteren we jaarlijks aan de raad.+}" in result.stdout
    assert (root / VRAAG).read_text(encoding="utf-8") == before


def test_an_item_changed_since_the_build_is_a_conflict(project):
    root, docx = project
    path = root / VRAAG
    path.write_text(path.read_text(encoding="utf-8").replace("per cluster uitwerken", "per directie uitwerken"),
                    encoding="utf-8")
    changed = path.read_text(encoding="utf-8")
    result = run_cli("--root", str(root), "import", "wijzigingen", str(docx))
    assert result.returncode == 1
    assert "betekenis-groei-culturele-diversiteit.antwoord: changed in the library since the DOCX was built" \
        in result.stdout
    assert "per directie uitwerken" in result.stdout and "De voortgang rapporteren we jaarlijks" in result.stdout
    assert path.read_text(encoding="utf-8") == changed  # nothing written for it
    direct = (root / "content/vragen/representatief-hele-gemeente.yaml").read_text(encoding="utf-8")
    assert "- Ja, juist op basis van de samenstelling" in direct  # the other items still come in


def test_a_docx_from_elsewhere_is_refused(tmp_path):
    root = copy_project(tmp_path / "project")
    other = tmp_path / "other.docx"
    other.write_bytes(b"not a zip")
    result = run_cli("--root", str(root), "import", "wijzigingen", str(other))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert str(other) in result.stderr


def test_an_answer_changed_in_libreoffice_comes_back(tmp_path):
    require("soffice")
    root = copy_project(tmp_path / "project")
    docx = build(root)
    edited = tmp_path / "libreoffice.docx"
    result = subprocess.run([uno_python(), str(UNO_EDIT), str(docx), str(edited), (tmp_path / "profile").as_uri(),
                             "resultaten representatief voor de hele gemeente",
                             "resultaten goed representatief voor de hele gemeente"],
                            capture_output=True, timeout=240, cwd=UNO_EDIT.parent)
    assert result.returncode == 0, result.stderr
    result = run_cli("--root", str(root), "import", "wijzigingen", str(edited))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (root / "content/vragen/representatief-hele-gemeente.yaml").read_text(encoding="utf-8")
    assert "zijn de resultaten goed representatief voor de hele gemeente" in text
    assert "changed: representatief-hele-gemeente.antwoord" in result.stdout
