"""`briefings import annotatie`: an annotation written by hand → a document spec and its items."""
import shutil
import subprocess
from pathlib import Path

import docx

from clients import require
from conftest import ROOT, copy_project, run_cli

DOC = "annotatie-fkd-verwey-jonker"
SEED = Path(__file__).parent / "seeds" / "001_63c184dd3d99bfd8.txt"


def empty_library(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copy(ROOT / "briefings.yaml", root / "briefings.yaml")
    (root / "content").mkdir()
    return root


def questions_of(path: Path) -> list[tuple[tuple[str, ...], str, list[str]]]:
    """(section headings, question, answer paragraphs) of a built annotation, read with python-docx alone."""
    found, sections = [], []
    in_qa = False
    for paragraph in docx.Document(str(path)).paragraphs:
        style, text = paragraph.style.name.lower(), " ".join(paragraph.text.split())
        if style.startswith("heading"):
            level = int(style.split()[-1])
            if text == "Vraag en antwoord":
                in_qa = True
                continue
            if text.startswith("Bijlage "):
                in_qa = False
            sections = sections[:level - 2] + [text]
        elif in_qa and style == "list number" and text:
            found.append((tuple(sections), text, []))
        elif in_qa and found and text and not text.startswith("Opgesteld met briefings"):
            found[-1][2].append(text)
    return found


def build(root: Path, *args) -> Path:
    result = run_cli("--root", str(root), "build", "annotatie", *args, "--format", "docx", "--out", str(root / "build"))
    assert result.returncode == 0, result.stderr
    return root / "build"


def test_round_trip_through_an_empty_library(tmp_path):
    original = build(copy_project(tmp_path / "shipped")) / f"{DOC}.docx"
    root = empty_library(tmp_path / "empty")
    result = run_cli("--root", str(root), "import", "annotatie", str(original))
    assert result.returncode == 0, result.stderr
    assert "65 questions: 65 new, 0 linked to the library" in result.stdout
    check = run_cli("--root", str(root), "check")
    assert check.returncode == 0, check.stdout + check.stderr
    (rebuilt,) = build(root).glob("*.docx")
    before, after = questions_of(original), questions_of(rebuilt)
    assert len(before) == 65
    assert after == before


def test_a_pandoc_docx_of_the_seed_text(tmp_path):
    require("pandoc")
    source = tmp_path / "annotatie.md"
    source.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    made = tmp_path / "annotatie.docx"
    subprocess.run(["pandoc", str(source), "-f", "markdown", "-o", str(made)], check=True, timeout=120)
    root = empty_library(tmp_path / "empty")
    result = run_cli("--root", str(root), "import", "annotatie", str(made))
    assert result.returncode == 0, result.stderr
    count = int(next(line for line in result.stdout.splitlines() if " questions: " in line).split()[0])
    assert count >= 60
    from briefings.content.library import open_library

    lib = open_library(root / "content")
    vragen = lib.items("vraag")
    answered = [v for v in vragen if "(nog geen antwoord)" not in v.antwoord]
    assert len(answered) >= 60
    assert "report:" in result.stdout and "Behandelend ambtenaar" in result.stdout
    (doc,) = lib.documents()
    assert doc.agendapunt == "18" and doc.kenmerk == "VN2024-010173" and doc.vergadering == "Raadscommissie FKD"
    members = [o.raadslid for o in doc.onderdelen[-1].onderdelen]
    assert [lib.get(p).naam for p in members] == ["Namane", "Khan", "Schmit", "van Pijpen", "Garmy"]
    assert run_cli("--root", str(root), "check").returncode == 0


def test_questions_already_in_the_library_are_linked_and_figures_referenced(tmp_path):
    root = copy_project(tmp_path / "project")
    source = tmp_path / "nieuw.md"
    source.write_text(
        "Annotatie voor wethouder van Buren\n\nRaadscommissie FKD – Voortgang\n\nAnnotatie agendapunt Nr 7\n\n"
        "Datum: 12 september 2024\n\nKernboodschap\n\n- 55% maakt ongewenst gedrag mee.\n\n"
        "Vraag en antwoord\n\nVervolg\n\n"
        "1. Zijn de uitkomsten representatief voor de gehele gemeente?\n\n   - Ja.\n\n"
        "2. Hoe vaak gaan we opnieuw meten?\n\n   - Elke twee jaar; nu meldt 55% ongewenst gedrag en 99% iets anders.\n\n"
        "Een losse regel die nergens bij hoort.\n", encoding="utf-8")
    result = run_cli("--root", str(root), "import", "annotatie", str(source), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "is question representatief-hele-gemeente" in result.stdout
    assert "2 questions: 1 new, 1 linked to the library" in result.stdout
    assert "55% in vaak-gaan-opnieuw-meten → [[cijfer:vj-ongewenst-gedrag]]" in result.stdout
    assert "figure not matched: 99% in vaak-gaan-opnieuw-meten: no figure of that value" in result.stdout
    assert "(not written)" in result.stdout
    assert not (root / "content/vragen/vaak-gaan-opnieuw-meten.yaml").exists()
    written = run_cli("--root", str(root), "import", "annotatie", str(source))
    assert written.returncode == 0, written.stderr
    text = (root / "content/vragen/vaak-gaan-opnieuw-meten.yaml").read_text(encoding="utf-8")
    assert "nu meldt [[cijfer:vj-ongewenst-gedrag]] ongewenst gedrag en 99% iets anders" in text
    spec = (root / "content/documenten/annotatie-raadscommissie-fkd-7.yaml").read_text(encoding="utf-8")
    assert "- representatief-hele-gemeente\n" in spec and "voor: wethouder-van-buren" in spec
    check = run_cli("--root", str(root), "check")
    assert check.returncode == 0, check.stdout + check.stderr
    again = run_cli("--root", str(root), "import", "annotatie", str(source))  # a second document, same questions
    assert again.returncode == 0, again.stderr
    assert "2 questions: 0 new, 2 linked to the library" in again.stdout
    assert "annotatie-raadscommissie-fkd-7-2.yaml" in again.stdout
