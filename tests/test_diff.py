"""`briefings diff`: the content changes between two git revisions, item by item."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from briefings.review import diff as d
from conftest import run_cli

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

LIBRARY = {
    "briefings.yaml": "content: content\n",
    "content/themas/sturen.yaml": (
        "id: sturen\nnummer: 1\ntitel: Sturen\npijler: overkoepelend\nomschrijving: Sturen.\n"
    ),
    "content/bronnen/vj.yaml": (
        "id: vj\norganisatie: Verwey-Jonker Instituut\ntitel: Onderzoek\nsoort: kwantitatief-onderzoek\n"
        "jaar: '2024'\nreferentie: Verwey-Jonker (2024)\n"
        "aanbevelingen:\n  - id: vj-preventie\n    tekst: Doe meer aan preventie.\n"
    ),
    "content/cijfers/vj.yaml": (
        "bron: vj\npeildatum: 2024-03-18\ncijfers:\n"
        "  - id: vj-ongewenst-gedrag\n    waarde: 55\n    eenheid: procent\n"
        "    omschrijving: medewerkers dat ongewenst gedrag meemaakt\n"
    ),
    "content/maatregelen/preventie.yaml": (
        "id: preventie\ntitel: Preventie\nthema: sturen\nstatus: lopend\nsoort: beleid\n"
        "beschrijving: We doen aan preventie.\nnaar_aanleiding_van: [vj-preventie]\n"
    ),
    "content/vragen/representatief.yaml": (
        "id: representatief\nvraag: Zijn de uitkomsten representatief?\n"
        "antwoord: |\n  - Ja, op basis van de samenstelling van de respondenten.\n"
        "  - [[cijfer:vj-ongewenst-gedrag]] maakt ongewenst gedrag mee.\n"
        "bronnen: [vj]\nstatus: definitief\nclassificatie: intern\n"
    ),
    "content/vragen/open-link.yaml": (
        "id: open-link\nvraag: Kon iedereen de vragenlijst invullen?\nantwoord: Ja.\n"
        "status: concept\nclassificatie: intern\n"
    ),
    "content/documenten/factsheet.yaml": (
        "id: factsheet\nsoort: factsheet\ntitel: Factsheet Verwey-Jonker\ndatum: 2024-07-04\n"
        "classificatie: openbaar\nstatus: definitief\nbron: vj\ninleiding: Inleiding.\n"
        "onderdelen:\n  - titel: Vragen\n    vragen: [representatief]\n"
    ),
    "content/documenten/notitie.yaml": (
        "id: notitie\nsoort: achtergrondnotitie\ntitel: Achtergrondnotitie\ndatum: 2024-09-30\n"
        "classificatie: intern\nstatus: definitief\naanleiding: Bezoek\n"
        "onderdelen:\n  - titel: Vragen\n    vragen: [open-link]\n"
    ),
    "content/documenten/los.yaml": (
        "id: los\nsoort: achtergrondnotitie\ntitel: Los\ndatum: 2024-09-30\n"
        "classificatie: intern\nstatus: definitief\naanleiding: Niets\n"
    ),
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                            env={**os.environ, **GIT_ENV}, check=True)
    return result.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    """A tiny library in git, one commit, then the edits a reviewer should see."""
    for name, text in LIBRARY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "library")
    content = tmp_path / "content"
    edit(content / "cijfers/vj.yaml", "waarde: 55", "waarde: 60")  # a figure value
    (content / "vragen/open-link.yaml").unlink()  # a question, and the reference to it
    edit(content / "documenten/notitie.yaml", "    vragen: [open-link]\n", "")
    (content / "maatregelen/nieuw.yaml").write_text(  # a measure
        "id: nieuw\ntitel: Nieuwe maatregel\nthema: sturen\nstatus: nieuw\nsoort: uitvoering\n"
        "beschrijving: Iets nieuws.\naanleiding: Verwey-Jonker\n", encoding="utf-8")
    edit(content / "vragen/representatief.yaml", "Ja, op basis van de samenstelling",
         "Ja, volgens de samenstelling")  # an answer's text
    return tmp_path


def test_added_removed_and_changed_items(repo):
    result = run_cli("diff", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["from"].startswith("HEAD (") and data["to"] == "working tree"
    assert [i["id"] for i in data["added"]] == ["nieuw"]
    assert [i["id"] for i in data["removed"]] == ["open-link"]
    assert {i["id"]: [f["field"] for f in i["fields"]] for i in data["changed"]} == {
        "vj-ongewenst-gedrag": ["waarde"],
        "representatief": ["antwoord"],
        "notitie": ["onderdelen.0.vragen"],
    }
    figure = next(i for i in data["changed"] if i["id"] == "vj-ongewenst-gedrag")
    assert figure["fields"][0]["old"] == 55 and figure["fields"][0]["new"] == 60
    assert figure["path"] == "content/cijfers/vj.yaml"
    answer = next(i for i in data["changed"] if i["id"] == "representatief")["fields"][0]
    assert ["-", "op basis van"] in answer["words"] and ["+", "volgens"] in answer["words"]
    assert data["removed"][0]["path"] == "content/vragen/open-link.yaml"
    # the factsheet uses the answer and its figure; the note used the removed question and changed itself
    assert {doc["id"]: doc["items"] for doc in data["documents"]} == {
        "factsheet": ["representatief", "vj-ongewenst-gedrag"],
        "notitie": ["notitie", "open-link"],
    }


def test_text_output_has_a_word_diff(repo):
    result = run_cli("diff", cwd=repo)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0].endswith("→ working tree: 1 added, 1 removed, 3 changed; 2 documents affected")
    assert "  + maatregel nieuw: Nieuwe maatregel  (content/maatregelen/nieuw.yaml)" in out
    assert "  - vraag open-link: Kon iedereen de vragenlijst invullen?" in out
    assert "      waarde: 55 → 60" in out
    assert "        - Ja, [-op basis van-]{+volgens+} de samenstelling van de respondenten." in out
    assert "[[cijfer:vj-ongewenst-gedrag]] maakt" not in out  # unchanged lines stay out
    assert "      onderdelen.0.vragen: [-open-link-]" in out
    assert "  factsheet (Factsheet Verwey-Jonker): representatief, vj-ongewenst-gedrag" in out


def test_markdown_output_for_a_merge_request(repo):
    result = run_cli("diff", "HEAD", "--format", "markdown", cwd=repo)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("## Content changes: `HEAD (")
    for heading in ("### Added (1)", "### Removed (1)", "### Changed (3)", "### Affected documents (2)"):
        assert f"\n{heading}\n" in out
    assert "- maatregel `nieuw`: Nieuwe maatregel" in out
    assert "  - `waarde`: ~~55~~ → **60**" in out
    assert "    > - Ja, ~~op basis van~~ **volgens** de samenstelling van de respondenten." in out
    assert "- `factsheet`: Factsheet Verwey-Jonker (uses `representatief`, `vj-ongewenst-gedrag`)" in out


def test_two_revisions_and_a_clean_tree(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edits")
    clean = run_cli("diff", cwd=repo)
    assert clean.returncode == 0 and "no content changes" in clean.stdout
    between = json.loads(run_cli("diff", "HEAD~1", "HEAD", "--format", "json", cwd=repo).stdout)
    assert between["to"].startswith("HEAD (")
    assert [i["id"] for i in between["added"]] == ["nieuw"]
    assert [i["id"] for i in between["removed"]] == ["open-link"]
    one = json.loads(run_cli("diff", "main~1", "--format", "json", cwd=repo).stdout)
    assert one["to"] == "working tree" and one["changed"] == between["changed"]


def test_layout_only_changes_are_no_content_changes(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edits")
    path = repo / "content/bronnen/vj.yaml"
    path.write_text("# a comment\n" + path.read_text().replace("titel: Onderzoek\n", "") + "titel: 'Onderzoek'\n")
    result = run_cli("diff", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "no content changes" in result.stdout


def test_unknown_revision(repo):
    result = run_cli("diff", "no-such-branch", cwd=repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("unknown revision 'no-such-branch'")
    assert run_cli("diff", "--", "-x", cwd=repo).returncode in (1, 2)


def test_outside_a_repository(tmp_path):
    for name, text in LIBRARY.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = run_cli("diff", cwd=tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("not a git repository")


def test_an_old_revision_that_does_not_load_is_named(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edits")
    edit(repo / "content/vragen/representatief.yaml", "status: definitief", "status: klaar")
    git(repo, "commit", "-q", "-am", "broken")
    result = run_cli("diff", "HEAD", cwd=repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("the content at revision 'HEAD' does not load:")
    assert "HEAD:content/vragen/representatief.yaml:" in result.stderr


def test_word_diff_units():
    assert d.word_diff("Ja, op basis van de samenstelling", "Ja, volgens de samenstelling") == [
        ("=", "Ja, "), ("-", "op basis van"), ("+", "volgens"), ("=", " de samenstelling")]
    assert d.word_diff("55%", "60%") == [("-", "55"), ("+", "60"), ("=", "%")]
    assert d.word_diff("same", "same") == [("=", "same")]
