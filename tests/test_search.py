"""`briefings zoek`: the full-text index over questions and answers (src/briefings/search/index.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "search"


@pytest.fixture()
def cache(tmp_path):
    return {"BRIEFINGS_CACHE_DIR": str(tmp_path / "cache")}


def zoek(*args, cache, root=ROOT):
    result = run_cli("--root", str(root), "zoek", *args, "--format", "json", env=cache)
    assert result.returncode == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)], result


def test_finds_a_word_form_and_a_spelling_without_diacritics(cache):
    ids, first = zoek("geinformeerd", cache=cache)
    assert "toegankelijkheidsagenda-koppelen" in ids  # "... over geïnformeerd?"
    assert "search index built in" in first.stderr
    ids, again = zoek("meldingen", "Verwey-Jonker", cache=cache)
    assert "meldingen-versus-verwey-jonker" in ids[:3]
    assert again.stderr == ""  # the index was fresh: not built again
    singular, _ = zoek("melding", "Verwey-Jonker", cache=cache)
    assert singular[:3] == ids[:3]  # one word form finds the other


def test_finds_a_question_by_its_number_in_a_document(cache):
    ids, _ = zoek("vraag", "13", "annotatie-fkd-verwey-jonker", cache=cache)
    assert ids[0] == "representatief-hele-gemeente"


def test_a_hit_shows_what_the_advisor_needs(cache):
    result = run_cli("zoek", "representatief", env=cache)
    assert result.returncode == 0
    assert "representatief-hele-gemeente  [definitief, gecontroleerd 2024-07-04]" in result.stdout
    assert "«representatief»" in result.stdout
    assert "in: annotatie-fkd-verwey-jonker (vraag 13)" in result.stdout
    assert "[[" not in result.stdout  # rendered text, not markup


def test_a_match_in_the_question_ranks_above_one_in_the_sources(cache, project):
    ids, _ = zoek("werkdruk", cache=cache, root=project)
    assert ids == ["vraag-noemt-het", "bron-noemt-het"]


@pytest.fixture()
def project(tmp_path):
    """A project whose content is the small search fixture."""
    (tmp_path / "briefings.yaml").write_text(f"content: {FIXTURE}\n", encoding="utf-8")
    return tmp_path


def test_filters(cache, project):
    root = project
    assert zoek("werkdruk", "--status", "definitief", cache=cache, root=root)[0] == ["bron-noemt-het"]
    assert zoek("werkdruk", "--bron", "monitor", cache=cache, root=root)[0] == ["bron-noemt-het"]
    assert zoek("werkdruk", "--thema", "thema", cache=cache, root=root)[0] == ["bron-noemt-het"]
    assert zoek("representatief", "--document", "factsheet-verwey-jonker-2024", cache=cache)[0] == []
    namane = zoek("aanpak", "--raadslid", "raadslid-namane", cache=cache)[0]
    assert "versnellen-aanpak" in namane and len(namane) < len(zoek("aanpak", cache=cache)[0])


def test_a_changed_library_and_a_damaged_index_are_rebuilt(tmp_path, cache):
    root = copy_project(tmp_path / "p")
    assert zoek("fietsenstalling", cache=cache, root=root)[0] == []
    path = root / "content/vragen/brief-or.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("antwoord: |\n", "antwoord: |\n  - Een fietsenstalling.\n", 1),
                    encoding="utf-8")
    assert zoek("fietsenstalling", cache=cache, root=root)[0] == ["brief-or"]
    [index] = list(Path(cache["BRIEFINGS_CACHE_DIR"]).rglob("zoek-*.sqlite"))
    index.write_bytes(b"not a database" * 100)
    ids, result = zoek("fietsenstalling", cache=cache, root=root)
    assert ids == ["brief-or"] and "search index built in" in result.stderr


def through_click(*args, env, cwd=None):
    """`briefings ARGS` through the command line itself, never the quick answer of start.py."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "import sys; from briefings.cli import main; main(sys.argv[1:])",
                           *args], capture_output=True, text=True, env={**os.environ, **env}, cwd=cwd or ROOT)


@pytest.mark.parametrize("args", [["diversiteit"], ["vraag", "13", "annotatie-fkd-verwey-jonker"],
                                  ["aanpak", "--raadslid=raadslid-namane", "--limit", "3"],
                                  ["meldingen", "--status", "definitief", "--format", "json"],
                                  ["representatief", "--document", "factsheet-verwey-jonker-2024"],
                                  ["geïnformeerd", "--thema", "onbekend", "--bron", "onbekend"]])
def test_a_fresh_index_answers_before_the_command_line_with_the_same_text(cache, args):
    import os
    import subprocess
    import sys

    slow = through_click("zoek", *args, env=cache)
    assert slow.returncode == 0, slow.stderr
    fast = run_cli("zoek", *args, env=cache)
    assert (fast.stdout, fast.stderr, fast.returncode) == (slow.stdout, "", 0)
    traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "briefings", "zoek", *args], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, **cache})
    imported = {line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines() if "|" in line}
    assert traced.stdout == slow.stdout
    assert not {"click", "yaml", "pydantic", "briefings.project", "briefings.content.load"} & imported


@pytest.mark.parametrize("args", [["--limit", "0", "x"], ["--format", "xml", "x"], ["--status", "klaar", "x"],
                                  ["--help"], ["--onbekend", "x"], [], ["--limit"]])
def test_the_command_line_answers_what_the_quick_search_does_not_know(cache, args):
    from briefings.search.index import _search_request

    assert _search_request(args) is None


def test_the_quick_search_follows_the_settings(tmp_path, cache, project):
    """The content folder is known from the last search while the settings file stays as it was."""
    assert zoek("werkdruk", cache=cache, root=project)[0] == ["vraag-noemt-het", "bron-noemt-het"]
    (project / "briefings.yaml").write_text(f"content: {ROOT / 'content'}\n", encoding="utf-8")
    assert zoek("werkdruk", cache=cache, root=project)[0] != ["vraag-noemt-het", "bron-noemt-het"]
    (project / "briefings.yaml").write_text("content: [\n", encoding="utf-8")
    broken = run_cli("--root", str(project), "zoek", "werkdruk", env=cache)
    assert broken.returncode == 1 and "briefings.yaml:" in broken.stderr
