"""The corpus of broken projects (tests/bad_inputs): every error says where, exits 1 (or 2), never a traceback."""
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def expectation(case: Path) -> tuple[int, str]:
    code, _, start = (case / "expected.txt").read_text(encoding="utf-8").partition("\n")
    return int(code), start.rstrip("\n")


def run_case(case: Path, scratch: Path) -> subprocess.CompletedProcess:
    """Run the case's command in a copy of its folder, two levels below a link to the shipped templates."""
    folder = scratch / case.name / "tests" / "bad_inputs" / case.name
    shutil.copytree(case, folder, symlinks=True)
    (scratch / case.name / "templates").symlink_to(ROOT / "templates")
    env = {**os.environ, "BRIEFINGS_CACHE": "0"}
    for name in ("BRIEFINGS_DEBUG", "BRIEFINGS_ROOT"):
        env.pop(name, None)
    args = shlex.split((case / "cmd.txt").read_text(encoding="utf-8"))
    return subprocess.run([sys.executable, "-m", "briefings", *args], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("bad_inputs")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = dict(zip(CASES, pool.map(lambda case: run_case(case, scratch), CASES)))
    return done


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    for case in CASES:
        assert (case / "cmd.txt").is_file() and (case / "expected.txt").is_file(), case.name


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_bad_input(case, results):
    code, start = expectation(case)
    result = results[case]
    assert result.returncode == code, f"exit {result.returncode}, wanted {code}\n{result.stderr}"
    assert result.stderr.startswith(start), f"\n got: {result.stderr}\nwant: {start}"


def test_no_case_prints_a_traceback(results):
    noisy = [case.name for case, result in results.items() if "Traceback" in result.stdout + result.stderr
             or "internal error" in result.stderr]
    assert not noisy


def test_content_errors_name_a_place(results):
    """Every content error starts with where it is: a file or folder, with line and column when there is one."""
    import re

    located = re.compile(r"^[\w./-]+(:\d+(:\d+)?)?: ")
    for case, result in results.items():
        code, start = expectation(case)
        if code == 1 and not case.name.startswith(("build-", "check-unknown", "show-", "list-")):
            assert located.match(result.stderr), f"{case.name}: {result.stderr.splitlines()[0]}"
