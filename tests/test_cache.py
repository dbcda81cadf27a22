"""The parse cache: a run from the cache reports exactly what a run without it reports.

The cache keeps each file's objects, the facts derived from them (references, pattern matches,
fingerprint content) and packed positions. These tests run `briefings check` as a user does, with
the cache on, off, cold and warm, and after edits, and compare the findings word for word.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefings.content import cache as caches

from conftest import ROOT, copy_project, run_cli

# Files changed in the last RACY_SECONDS are never cached: wait that long after writing them.
SETTLE = caches.RACY_SECONDS + 0.2


def check(project: Path, cache_dir: Path | None, *args: str, record: bool = False) -> subprocess.CompletedProcess:
    """`briefings check` with the parse cache in cache_dir (None: off). Without `record`, the findings recorded
    by the last run are removed first, so that the check runs from the parse cache (see test_check_record)."""
    env = {"BRIEFINGS_CACHE": "1", "BRIEFINGS_CACHE_DIR": str(cache_dir)} if cache_dir else {"BRIEFINGS_CACHE": "0"}
    if cache_dir is not None and not record:
        for path in Path(cache_dir).rglob("check-findings"):
            path.unlink()
    return run_cli("check", "--today", "2026-11-22", *args, cwd=project, env=env)


def shards(cache_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache_dir.rglob("parsed.*.pickle")}


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("cached"))
    time.sleep(SETTLE)
    return project


def test_warm_run_reports_what_an_uncached_run_reports(settled, tmp_path):
    cache_dir = tmp_path / "cache"
    plain = check(settled, None, "--format", "json")
    cold = check(settled, cache_dir, "--format", "json")
    assert shards(cache_dir), "the first run writes the cache"
    written = shards(cache_dir)
    warm = check(settled, cache_dir, "--format", "json")
    assert plain.returncode == cold.returncode == warm.returncode
    assert plain.stdout == cold.stdout == warm.stdout
    assert shards(cache_dir) == written, "an unchanged library rewrites nothing"
    findings = json.loads(warm.stdout)
    # a position inside a folded answer comes from the packed positions: line and column exact
    placeholder = [f for f in findings if f["rule"] == "placeholder" and "gebaar-naar-medewerkers" in f["path"]]
    assert placeholder and (placeholder[0]["line"], placeholder[0]["col"]) == (9, 7)


def test_show_and_trace_from_the_cache(settled, tmp_path):
    cache_dir = tmp_path / "cache"
    check(settled, cache_dir)
    for args in (("show", "vj-respons"), ("trace", "vj-respons", "--format", "json")):
        env = {"BRIEFINGS_CACHE": "1", "BRIEFINGS_CACHE_DIR": str(cache_dir)}
        cached = run_cli(*args, cwd=settled, env=env)
        plain = run_cli(*args, cwd=settled, env={"BRIEFINGS_CACHE": "0"})
        assert cached.returncode == plain.returncode == 0, cached.stderr
        assert cached.stdout == plain.stdout


def test_an_edit_is_seen_and_only_its_shard_is_rewritten(tmp_path):
    project = copy_project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    time.sleep(SETTLE)
    check(project, cache_dir)
    before = shards(cache_dir)
    path = project / "content" / "vragen" / "aanbevelingen-verder-concretiseren.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("  - Ja\n", "  - Ja TODO\n", 1), encoding="utf-8")
    time.sleep(SETTLE)
    edited = check(project, cache_dir, "--format", "json")
    hits = [f for f in json.loads(edited.stdout) if f["rule"] == "placeholder" and f["path"].endswith(path.name)]
    assert hits and hits[0]["message"].startswith("placeholder 'TODO'")
    assert check(project, None, "--format", "json").stdout == edited.stdout
    after = shards(cache_dir)
    assert sum(after[name] != before.get(name) for name in after) == 1, "one shard holds the edited file"
    # the same size and modification time as the cached version still count as a change (the change time moved)
    stat = path.stat()
    path.write_text(original.replace("  - Ja\n", "  - Ja TBD!\n", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    time.sleep(SETTLE)
    again = check(project, cache_dir, "--format", "json")
    assert any(f["message"].startswith("placeholder 'TBD'") for f in json.loads(again.stdout))


def test_a_damaged_cache_is_ignored_and_replaced(settled, tmp_path):
    cache_dir = tmp_path / "cache"
    expected = check(settled, None)
    check(settled, cache_dir)
    for shard in cache_dir.rglob("parsed.*.pickle"):
        shard.write_bytes(b"not a pickle")
    damaged = check(settled, cache_dir)
    assert (damaged.returncode, damaged.stdout) == (expected.returncode, expected.stdout)
    assert "Traceback" not in damaged.stderr
    assert all(s.read_bytes() != b"not a pickle" for s in cache_dir.rglob("parsed.*.pickle"))


def test_a_removed_file_leaves_the_cache(tmp_path):
    project = copy_project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    time.sleep(SETTLE)
    check(project, cache_dir)
    (project / "content" / "toezeggingen" / next(p.name for p in (project / "content" / "toezeggingen").iterdir())).unlink()
    result = check(project, cache_dir)
    assert result.stdout == check(project, None).stdout
    names = [name for p in cache_dir.rglob("parsed.*.pickle") for name in caches.read_cache(p)]
    assert len(names) == len(list((project / "content").rglob("*.yaml")))


def test_near_duplicates_follow_edits_with_the_comparison_cache(tmp_path):
    project = copy_project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    source = project / "content" / "vragen" / "aanbevelingen-verder-concretiseren.yaml"
    copy = source.with_name("aanbevelingen-verder-concretiseren-kopie.yaml")
    copy.write_text(re.sub(r"^id: .*$", "id: aanbevelingen-verder-concretiseren-kopie", source.read_text(
        encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    time.sleep(SETTLE)
    for _ in range(2):  # cold, then from the cache
        found = check(project, cache_dir, "--format", "json")
        pairs = [f for f in json.loads(found.stdout) if f["rule"] == "near-duplicate" and "kopie" in f["message"]]
        assert len(pairs) == 1 and "100% similar" in pairs[0]["message"]
    copy.write_text(re.sub(r"^vraag: .*$", "vraag: Iets heel anders over de begroting van volgend jaar?", copy.read_text(
        encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    time.sleep(SETTLE)
    gone = check(project, cache_dir, "--format", "json")
    assert not [f for f in json.loads(gone.stdout) if f["rule"] == "near-duplicate" and "kopie" in f["message"]]


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A generated library of 1,700+ files: above the sizes where the cache, the collector freeze,
    parsing on a second core and the quick exit switch on by themselves."""
    out = tmp_path_factory.mktemp("large") / "x10"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--scale", "10", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    time.sleep(SETTLE)
    return out


def test_large_library_cold_warm_and_uncached_agree(large, tmp_path):
    env = {"BRIEFINGS_CACHE_DIR": str(tmp_path / "cache")}  # the cache switches itself on: no BRIEFINGS_CACHE
    runs = [run_cli("check", "--today", "2026-11-22", "--format", "json", cwd=large, env=env) for _ in range(2)]
    plain = run_cli("check", "--today", "2026-11-22", "--format", "json", cwd=large, env={"BRIEFINGS_CACHE": "0"})
    # one process only: files are then not parsed on a second core, nor questions compared there
    serial = run_cli("check", "--today", "2026-11-22", "--format", "json", cwd=large,
                     env={"BRIEFINGS_CACHE": "0", "BRIEFINGS_JOBS": "1"})
    assert shards(tmp_path / "cache")
    assert [r.returncode for r in runs] == [plain.returncode] * 2 == [serial.returncode] * 2
    assert runs[0].stdout == runs[1].stdout == plain.stdout == serial.stdout
    assert json.loads(plain.stdout), "the generated library has findings to compare"
    strict = run_cli("check", "--today", "2026-11-22", "--strict", cwd=large, env=env)
    assert strict.returncode == 1 and "warning" in strict.stdout and strict.stderr.strip().endswith("infos")


def test_files_that_load_stay_cached_while_another_is_broken(tmp_path):
    project = copy_project(tmp_path / "project")
    cache_dir = tmp_path / "cache"
    broken = project / "content" / "vragen" / "aanbevelingen-verder-concretiseren.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "onbekend: 1\n", encoding="utf-8")
    time.sleep(SETTLE)
    failed = check(project, cache_dir)
    assert failed.returncode == 1 and "unknown key 'onbekend'" in failed.stderr
    cached = [name for p in cache_dir.rglob("parsed.*.pickle") for name in caches.read_cache(p)]
    assert len(cached) == len(list((project / "content").rglob("*.yaml"))) - 1
    assert not any(name.endswith(broken.name) for name in cached)
