"""Broken libraries: each gives its expected `path:line:col: message`, exit 1 and no traceback."""
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli

CASES = sorted(p for p in (FIXTURES / "load").iterdir() if p.is_dir())


def test_enough_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_broken_library(case: Path):
    expected = (case / "expected.txt").read_text(encoding="utf-8").rstrip("\n")
    result = run_cli("check", cwd=case)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith(expected), f"\n got: {result.stderr}\nwant: {expected}"


def test_loader_refuses_python_tags_without_running_them(tmp_path):
    from briefings.errors import ContentError
    from briefings.content.yamlpos import load_yaml

    marker = tmp_path / "ran"
    with pytest.raises(ContentError, match="not allowed"):
        load_yaml(f"x: !!python/object/apply:os.system ['touch {marker}']\n", "x.yaml")
    assert not marker.exists()


def test_all_errors_of_a_library_are_reported_together(tmp_path):
    content = tmp_path / "content" / "vragen"
    content.mkdir(parents=True)
    for name in ("a", "b"):
        (content / f"{name}.yaml").write_text(f"id: {name}\nvraag: x\nonbekend: 1\n", encoding="utf-8")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1
    assert "content/vragen/a.yaml:3:1: unknown key 'onbekend'" in result.stderr
    assert "content/vragen/b.yaml:3:1: unknown key 'onbekend'" in result.stderr
