"""Near-duplicates: the rapidfuzz pre-filter finds exactly the pairs difflib finds on every pair.

The reference is the definition the check has always had: `ratio(later, earlier)` from difflib for
every pair of question texts, kept when it reaches the threshold. The texts come from a generated
library (benchmarks/generate.py at 2×) with edited copies of some questions mixed in, so that pairs
fall just above and just below each threshold.
"""
from __future__ import annotations

import difflib
import random
import subprocess
import sys

import pytest
import yaml

from briefings.checks import similar
from briefings.checks.similar import SimilarityCache, ratio, similar_pairs

from conftest import ROOT

THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.97, 1.0)
LOWEST = min(THRESHOLDS)


def _edit(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, max(1, len(chars) // 8))):
        where = rng.randrange(len(chars) + 1)
        action = rng.choice("ids")
        if action == "i":
            chars.insert(where, rng.choice("abcdefghij eo"))
        elif chars and where < len(chars):
            if action == "d":
                del chars[where]
            else:
                chars[where] = rng.choice("xyz aeo")
    return "".join(chars)


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("generated") / "x2"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--scale", "2", "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    found = []
    for path in sorted((out / "content" / "vragen").glob("*.yaml")):
        vraag = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)["vraag"]
        found.append(" ".join(vraag.lower().split()))  # as the rule compares them
    rng = random.Random(15)
    found += [_edit(t, rng) for t in rng.sample(found, 40)]
    found += [found[3], found[3], "", "", "a", "ab"]  # the same text thrice, empty texts, very short ones
    rng.shuffle(found)
    return found


@pytest.fixture(scope="module")
def ratios(texts) -> dict[tuple[int, int], float]:
    """difflib's ratio(later, earlier) of every pair that can reach the lowest threshold: difflib's own
    upper bounds (real_quick_ratio, quick_ratio) leave out the others."""
    found = {}
    for j in range(len(texts)):
        for i in range(j):
            matcher = difflib.SequenceMatcher(None, texts[j], texts[i], autojunk=False)
            if matcher.real_quick_ratio() >= LOWEST and matcher.quick_ratio() >= LOWEST:
                found[(i, j)] = matcher.ratio()
    return found


def everywhere(ratios, threshold: float) -> list[tuple[int, int, float]]:
    """The definition: difflib on every pair."""
    return sorted((i, j, r) for (i, j), r in ratios.items() if r >= threshold)


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_the_same_pairs_and_ratios_as_difflib_on_every_pair(texts, ratios, threshold):
    expected = everywhere(ratios, threshold)
    assert similar_pairs(texts, threshold) == expected
    if threshold >= 0.8:
        assert 0 < len(expected) < 200, "the library must give pairs on both sides of the threshold"


def test_shared_over_worker_processes(texts, ratios, monkeypatch):
    monkeypatch.setattr(similar, "PARALLEL_MIN", 1)
    monkeypatch.setattr(similar, "_workers", lambda comparisons: 2)
    assert similar_pairs(texts, 0.85) == everywhere(ratios, 0.85)


def test_kept_comparisons_after_edits_give_the_same_pairs(texts, ratios):
    cache = SimilarityCache()
    assert similar_pairs(texts, 0.85, cache) == everywhere(ratios, 0.85)
    rng = random.Random(7)
    edited = list(texts)
    changed = rng.sample(range(len(edited)), 5)
    for i in changed:
        edited[i] = _edit(edited[rng.randrange(len(edited))], rng)  # a new text, close to another one
    now = {pair: r for pair, r in ratios.items() if not set(pair) & set(changed)}
    now.update({(min(i, k), max(i, k)): ratio(edited[max(i, k)], edited[min(i, k)])
                for i in changed for k in range(len(edited)) if k != i})
    expected = everywhere(now, 0.85)
    assert similar_pairs(edited, 0.85, cache) == expected
    assert similar_pairs(edited, 0.85, SimilarityCache()) == expected


def test_thresholds_out_of_range():
    assert similar_pairs(["abc", "abc"], 1.5) == []
    assert similar_pairs(["abc", "xyz", ""], -1) == [(0, 1, 0.0), (0, 2, 0.0), (1, 2, 0.0)]
    assert similar_pairs([], 0.85) == similar_pairs(["one"], 0.85) == []
