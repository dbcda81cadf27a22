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


def _content(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted((root / "content").rglob("*.yaml"))}


def test_an_unedited_docx_changes_nothing(tmp_path):
    """Also not an answer that takes over another on a line of its own ([[antwoord:id]]): the build expands it into
    paragraphs of their own, which are generated text."""
    root = copy_project(tmp_path / "project")
    before = _content(root)
    assert "\n  [[antwoord:acties-rib-maart]]\n" in before["content/vragen/wat-gaan-we-anders-doen.yaml"]
    result = run_cli("--root", str(root), "import", "wijzigingen", str(build(root)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changed:" not in result.stdout and "wrote" not in result.stdout
    assert _content(root) == before


def test_an_answer_taken_over_on_its_own_line_is_reported_not_copied(tmp_path):
    root = copy_project(tmp_path / "project")
    path = root / "content/vragen/wat-gaan-we-anders-doen.yaml"
    edit = WordEdit(build(root).read_bytes())
    edit.direct("We hebben dingen nu beter op een rijtje", "beter op een rijtje", "veel beter op een rijtje")
    edit.direct("Extra trainingen, zoals", "Extra trainingen", "Meer trainingen")  # in acties-rib-maart
    edit.direct("De route kaart", "De route kaart", "De routekaart")  # a second paragraph of it
    docx = tmp_path / "reviewed.docx"
    docx.write_bytes(edit.save())
    taken_over = (root / "content/vragen/acties-rib-maart.yaml").read_text(encoding="utf-8")
    result = run_cli("--root", str(root), "import", "wijzigingen", str(docx))
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text(encoding="utf-8")
    assert "  - We hebben dingen nu veel beter op een rijtje dan een half jaar geleden.\n" \
           "  [[antwoord:acties-rib-maart]]\n  - We moeten ons realiseren" in text  # the line taken over, once
    assert "trainingen" not in text and "route" not in text
    assert "generated from [[antwoord:acties-rib-maart]], not written back" in result.stdout
    assert "Meer trainingen" in result.stdout and "De routekaart" in result.stdout
    assert (root / "content/vragen/acties-rib-maart.yaml").read_text(encoding="utf-8") == taken_over


def test_a_question_listed_twice_has_a_bookmark_per_place(tmp_path):
    from lxml import etree

    from briefings.documents.anchors import parse_name

    root = copy_project(tmp_path / "project")
    spec = root / "content/documenten" / f"{DOC}.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "      - optreden-directeuren\n", "      - optreden-directeuren\n      - excuses-aan-medewerkers\n", 1),
        encoding="utf-8")
    before = _content(root)
    docx = build(root)
    edit = WordEdit(docx.read_bytes())
    names = [b.get(f"{{{edit.root.nsmap['w']}}}name") for b in edit.root.iter(f"{{{edit.root.nsmap['w']}}}bookmarkStart")]
    assert len(names) == len(set(names))  # names are unique in a DOCX
    keys = [parse_name(n)[0] for n in names if parse_name(n)]
    assert len(keys) == len(names) - sum(1 for n in names if n.startswith("_Toc"))
    assert sum(1 for n in names if n.endswith("_2")) == 2  # the question and its answer, in their second place

    unedited = run_cli("--root", str(root), "import", "wijzigingen", str(docx))
    assert unedited.returncode == 0 and _content(root) == before, unedited.stdout

    answer = before["content/vragen/excuses-aan-medewerkers.yaml"].split("antwoord:", 1)[1].split("\n")[1]
    words = answer.strip(" -").split()[:3]
    w = f"{{{edit.root.nsmap['w']}}}"
    places = [p for p in edit.root.iter(w + "p") if " ".join(words) in "".join(t.text or "" for t in p.iter(w + "t"))]
    assert len(places) == 2
    run = next(t for t in places[1].iter(w + "t") if words[0] in (t.text or ""))
    run.text = run.text.replace(words[0], words[0] + " echt", 1)
    edit.root = etree.fromstring(etree.tostring(edit.root))
    second = tmp_path / "second.docx"
    second.write_bytes(edit.save())
    result = run_cli("--root", str(root), "import", "wijzigingen", str(second))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{words[0]} echt {words[1]}" in (root / "content/vragen/excuses-aan-medewerkers.yaml").read_text(encoding="utf-8")

    edit = WordEdit(docx.read_bytes())  # the two places changed differently: a conflict, nothing written
    for n, place in enumerate([p for p in edit.root.iter(w + "p")
                               if " ".join(words) in "".join(t.text or "" for t in p.iter(w + "t"))]):
        run = next(t for t in place.iter(w + "t") if words[0] in (t.text or ""))
        run.text = run.text.replace(words[0], f"{words[0]} {'echt' if n else 'wel'}", 1)
    differently = tmp_path / "differently.docx"
    differently.write_bytes(edit.save())
    (root / "content/vragen/excuses-aan-medewerkers.yaml").write_text(before["content/vragen/excuses-aan-medewerkers.yaml"],
                                                                       encoding="utf-8")
    result = run_cli("--root", str(root), "import", "wijzigingen", str(differently))
    assert "excuses-aan-medewerkers.antwoord: changed differently in 2 places of the document" in result.stdout
    assert _content(root) == before
