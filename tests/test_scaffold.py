"""`briefings nieuw KIND`: new content files that pass `briefings check` at once."""
from __future__ import annotations

import re

import pytest

from conftest import copy_project, run_cli

KINDS = ["vraag", "persoon", "cijfer", "kernboodschap", "maatregel", "toezegging", "annotatie", "raadsbrief",
         "factsheet", "achtergrondnotitie", "agenda", "matrix"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("nieuw"))


def test_every_kind_writes_a_formatted_file_that_passes_check(project):
    for kind in KINDS:
        result = run_cli("--root", str(project), "nieuw", kind, "--id", f"nieuw-{kind}")
        assert result.returncode == 0, (kind, result.stderr)
    text = (project / "content/vragen/nieuw-vraag.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/vraag.schema.json\nid: nieuw-vraag\n")
    assert "status: concept   # concept | afgestemd | definitief" in text
    assert run_cli("--root", str(project), "fmt", "--check").returncode == 0
    check = run_cli("--root", str(project), "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_options_fill_in_the_text(project):
    result = run_cli("--root", str(project), "nieuw", "vraag", "--id", "eigen-vraag", "--vraag", "Wat nu?")
    assert result.returncode == 0, result.stderr
    assert "vraag: Wat nu?\n" in (project / "content/vragen/eigen-vraag.yaml").read_text(encoding="utf-8")


def test_an_existing_id_is_refused(project):
    result = run_cli("--root", str(project), "nieuw", "vraag", "--id", "brief-or")
    assert result.returncode == 1 and "id 'brief-or' is already used by the vraag" in result.stderr


def _headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if re.match(r"#{1,6} ", line)]


def test_a_new_annotation_from_an_earlier_one_builds_with_the_same_sections(project, tmp_path):
    result = run_cli("--root", str(project), "nieuw", "annotatie", "--id", "annotatie-fkd-2025",
                     "--op-basis-van", "annotatie-fkd-verwey-jonker")
    assert result.returncode == 0, result.stderr
    spec = (project / "content/documenten/annotatie-fkd-2025.yaml").read_text(encoding="utf-8")
    assert "status: concept\n" in spec and "(seed 001)" not in spec
    for doc in ("annotatie-fkd-2025", "annotatie-fkd-verwey-jonker"):
        built = run_cli("--root", str(project), "build", doc, "--format", "md", "--out", str(tmp_path), "--quiet")
        assert built.returncode == 0, built.stderr
    new = (tmp_path / "annotatie-fkd-2025.md").read_text(encoding="utf-8")
    old = (tmp_path / "annotatie-fkd-verwey-jonker.md").read_text(encoding="utf-8")
    assert _headings(new) == _headings(old) and len(_headings(new)) > 10
