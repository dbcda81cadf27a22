"""`briefings check` with nothing changed prints the findings recorded by its last run (checks/record.py),
before the command line is imported; any change to what a check reads runs it again."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from briefings.checks.record import check_request
from briefings.snapshots import RACY_SECONDS

from conftest import copy_project, run_cli

SETTLE = RACY_SECONDS + 0.2


@pytest.fixture()
def settled(tmp_path):
    project = copy_project(tmp_path / "p")
    time.sleep(SETTLE)
    return project


def env_of(tmp_path, caching="1"):
    return {"BRIEFINGS_CACHE": caching, "BRIEFINGS_CACHE_DIR": str(tmp_path / "cache")}


def traced(project, env, *args):
    """(result, the modules imported) of `briefings check ARGS`."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "briefings", "check", *args], cwd=project,
                            capture_output=True, text=True, env={**os.environ, **env})
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line}
    stderr = "".join(line + "\n" for line in result.stderr.splitlines() if "import time:" not in line)
    return result.returncode, result.stdout, stderr, imported


@pytest.mark.parametrize("args", [[], ["--format", "json"], ["--format=github", "--strict"],
                                  ["--document", "raadsbrief-voortgang-vervolgstappen-2024", "--today", "2026-01-31"]])
def test_a_recorded_check_prints_what_the_check_printed(settled, tmp_path, args):
    env = env_of(tmp_path)
    first = run_cli("check", *args, cwd=settled, env=env)
    assert first.returncode in (0, 1) and "Traceback" not in first.stderr
    assert list((tmp_path / "cache").rglob("check-findings"))
    code, stdout, stderr, imported = traced(settled, env, *args)
    assert (code, stdout, stderr) == (first.returncode, first.stdout, first.stderr)
    assert not {"click", "yaml", "pydantic", "briefings.content.load", "briefings.checks.rules"} & imported


def test_any_change_runs_the_check_again(settled, tmp_path):
    env = env_of(tmp_path)
    before = run_cli("check", "--format", "json", cwd=settled, env=env)
    question = settled / "content" / "vragen" / "gebaar-naar-medewerkers.yaml"
    question.write_text(question.read_text(encoding="utf-8").replace("Aanvullen met", "Aangevuld met"),
                        encoding="utf-8")
    time.sleep(SETTLE)
    code, stdout, _, imported = traced(settled, env, "--format", "json")
    assert "briefings.checks.rules" in imported and stdout != before.stdout and "Aanvullen met" not in stdout
    settings = settled / "briefings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("ernst: {}", "ernst: {placeholder: \"off\"}"),
                        encoding="utf-8")
    time.sleep(SETTLE)
    code, stdout, _, imported = traced(settled, env, "--format", "json")
    assert "briefings.checks.rules" in imported and '"placeholder"' not in stdout
    _, again, _, imported = traced(settled, env, "--format", "json")
    assert again == stdout and "briefings.checks.rules" not in imported
    _, other_day, _, imported = traced(settled, env, "--format", "json", "--today", "2030-01-01")
    assert "briefings.checks.rules" in imported  # checked as of another day: run again


def test_no_record_for_a_small_library_or_with_caching_off(settled, tmp_path):
    for caching in ("auto", "0"):  # auto: the shipped library is below the parse cache's size
        env = env_of(tmp_path, caching)
        run_cli("check", cwd=settled, env=env)
        assert not list((tmp_path / "cache").rglob("check-findings"))
        assert "briefings.checks.rules" in traced(settled, env)[3]


def test_a_broken_library_is_never_answered_from_the_record(settled, tmp_path):
    env = env_of(tmp_path)
    run_cli("check", cwd=settled, env=env)
    broken = settled / "content" / "vragen" / "gebaar-naar-medewerkers.yaml"
    broken.write_text("id: [\n", encoding="utf-8")
    time.sleep(SETTLE)
    result = run_cli("check", cwd=settled, env=env)
    assert result.returncode == 1 and "gebaar-naar-medewerkers.yaml:" in result.stderr


@pytest.mark.parametrize("args", [["--list-rules"], ["--today", "2026-1-31"], ["--format", "xml"], ["--document"],
                                  ["--onbekend"], ["extra"], ["--today", "２０２６-01-31"]])
def test_requests_the_record_leaves_to_the_command_line(args):
    assert check_request(args) is None


def test_the_record_follows_the_working_folder(settled, tmp_path):
    """Findings name paths relative to the working folder: another folder, another record."""
    env = env_of(tmp_path)
    here = run_cli("check", cwd=settled, env=env)
    inside = run_cli("--root", str(settled), "check", cwd=settled / "content", env=env)
    assert inside.stdout != here.stdout and "vragen/" in inside.stdout
    code, stdout, _, _ = traced(settled / "content", env)  # found upwards from content/: the same project
    assert stdout == inside.stdout


def test_a_snapshot_depends_on_the_files_alone(settled):
    """Kept stats (for the loader) or not, the same files give the same snapshot."""
    from briefings.project import load_project
    from briefings.snapshots import folders_of, forget_stats, snapshot

    folders = folders_of(load_project(settled))
    plain = snapshot(folders, [])
    assert plain is not None
    assert snapshot(folders, [], keep_stats=True) == plain
    forget_stats()
    (settled / "content" / "vragen" / "leeg").mkdir()
    time.sleep(SETTLE)
    assert snapshot(folders, []) != plain  # an empty folder added counts
