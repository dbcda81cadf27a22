"""Bounded resources: a small hostile file fails (or builds) within 5 s of CPU and 500 MB of memory."""
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project

CPU_SECONDS = 5
MEMORY = 500 * 1024 * 1024


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_bounded(args, cwd: Path) -> subprocess.CompletedProcess:
    """Run briefings under the limits; the CPU time it used is checked as well as its outcome."""
    env = {**os.environ, "BRIEFINGS_CACHE": "0"}
    env.pop("BRIEFINGS_DEBUG", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "-m", "briefings", *args], cwd=cwd, capture_output=True, text=True,
                            env=env, preexec_fn=_limits, timeout=120)  # wall time is generous: the cores are shared
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert used < CPU_SECONDS, f"{args}: {used:.1f} s of CPU"
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode >= 0, f"killed by signal {-result.returncode} (a limit was hit)"
    return result


LAUGHS = "\n".join(f"  {b}: &{b} [{', '.join([f'*{a}'] * 10)}]" for a, b in zip("abcdefgh", "bcdefghi"))
VRAAG = "id: a\nvraag: Wat is de vraag?\nantwoord: Het antwoord.\nclassificatie: intern\n"

BOMBS = {
    "enum-field": VRAAG + "x:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + LAUGHS + "\nstatus: *i\n",
    "list-field": VRAAG + "status: concept\nx:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + LAUGHS + "\nthemas: *i\n",
    "text-field": VRAAG + "status: concept\nx:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + LAUGHS + "\nnotitie: *i\n",
    "merge-keys": VRAAG + "status: concept\nx:\n  a: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x}\n"
    + "\n".join(f"  {b}: &{b} {{<<: [{', '.join([f'*{a}'] * 10)}]}}" for a, b in zip("abcdefgh", "bcdefghi")) + "\n",
    "long-strings": VRAAG + "status: concept\ntrefwoorden: &a [" + "x" * 900 + "]\nthemas: &b [" + ", ".join(["*a"] * 10)
    + "]\nbronnen: &c [" + ", ".join(["*b"] * 10) + "]\nmaatregelen: [" + ", ".join(["*c"] * 20) + "]\n",
}


@pytest.mark.parametrize("name", BOMBS)
def test_alias_expansion_is_bounded(tmp_path, name):
    (tmp_path / "content" / "vragen").mkdir(parents=True)
    (tmp_path / "content" / "vragen" / "a.yaml").write_text(BOMBS[name], encoding="utf-8")
    assert len(BOMBS[name]) < 2048
    for args in (["check"], ["fmt", "--check"], ["list", "vraag"]):
        result = run_bounded(args, tmp_path)
        assert result.returncode == 1
        assert "content/vragen/a.yaml:" in result.stderr and "exceeds" in result.stderr, result.stderr


def test_alias_expansion_in_settings_is_bounded(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "briefings.yaml").write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + LAUGHS.replace("  ", "")
                                             + "\nchecks: *i\n", encoding="utf-8")
    result = run_bounded(["check"], tmp_path)
    assert result.returncode == 1 and result.stderr.startswith("briefings.yaml:") and "exceeds" in result.stderr


@pytest.fixture(scope="module")
def unfinished_refs(tmp_path_factory):
    """The shipped project, with two answers of about 50,000 unfinished '[[cijfer:' (450 KB each, alike
    enough for the copy rule to compare them), and the annotation as Markdown built before, to import."""
    root = copy_project(tmp_path_factory.mktemp("refs"))
    env = {**os.environ, "BRIEFINGS_CACHE": "0"}
    subprocess.run([sys.executable, "-m", "briefings", "build", "annotatie", "--format", "md", "--out", "before"],
                   cwd=root, env=env, check=True, capture_output=True)
    for name, count in (("representatief-hele-gemeente", 50_000), ("alleen-klagers-ingevuld", 49_000)):
        path = root / "content" / "vragen" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("antwoord: |\n", "antwoord: |\n  - " + "[[cijfer:" * count + "\n", 1),
                        encoding="utf-8")
    path = root / "content" / "vragen" / "representatief-hele-gemeente.yaml"  # and in a question's own text
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("vraag: Zijn de uitkomsten", "vraag: Zijn de " + "[[cijfer:" * 20_000 + "x uitkomsten",
                                 1), encoding="utf-8")
    return root


@pytest.mark.parametrize("args", [["check"], ["build", "annotatie", "--format", "md"],
                                  ["build", "annotatie", "--format", "docx"],
                                  ["export", "vragen", "--format", "html", "--classificatie", "intern",
                                   "--out", "vragen.html"],
                                  ["import", "annotatie", "before/annotatie-fkd-verwey-jonker.md", "--dry-run"]],
                         ids=["check", "md", "docx", "html", "import"])
def test_reference_scanning_is_linear(unfinished_refs, args):
    result = run_bounded(args, unfinished_refs)
    assert result.returncode == 0, result.stderr


def test_word_diff_of_a_long_space_run_is_linear():
    from briefings.review.diff import _md_segment

    start = time.process_time()
    assert _md_segment("-", "a" + " " * 200_000 + "b \n") == "~~a" + " " * 200_000 + "b~~ \n"
    assert _md_segment("+", "  x  ") == "  **x**  "
    assert time.process_time() - start < 1


def test_many_dangling_references_are_located_in_linear_time(tmp_path):
    """Each of 30,000 unknown references gets its line and column without walking the text again."""
    root = copy_project(tmp_path)
    path = root / "content" / "vragen" / "representatief-hele-gemeente.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("antwoord: |\n", "antwoord: |\n  - " + "[[cijfer:nope]] " * 30_000 + "\n", 1),
                    encoding="utf-8")
    result = run_bounded(["check"], root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len([line for line in lines if "unknown cijfer 'nope'" in line]) == 30_000
    assert lines[-1].startswith("content/vragen/representatief-hele-gemeente.yaml:5:479989: ")
