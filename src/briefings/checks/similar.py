"""Near-duplicate texts: every pair whose difflib ratio reaches a threshold, without running difflib on every pair.

The result is exactly that of running `difflib.SequenceMatcher(None, later, earlier, autojunk=False)`
on every pair of texts. difflib's matching blocks form a common subsequence, so its ratio
2 * M / (la + lb) never exceeds 2 * LCS / (la + lb), the normalized Indel similarity that rapidfuzz
computes in C (bit-parallel, stopping early below a cutoff). So:

1. Length: ratio <= 2 * min(la, lb) / (la + lb). Texts are sorted by length, so only a window of
   texts is looked at for each text.
2. rapidfuzz's Indel similarity, with the threshold as its cutoff (less a little float slack), rules
   out all but a few pairs.
3. Only the pairs left run difflib itself.

Results can be kept between runs (see `SimilarityCache`): a pair of unchanged texts is not compared
again, so after an edit only the changed texts are compared with the rest.
"""
from __future__ import annotations

import bisect
import difflib

_EPS = 1e-9  # float slack for the length window
_SLACK = 1e-6  # rapidfuzz and difflib round differently: the cutoff stays clearly below the threshold


def ratio(seq1: str, seq2: str) -> float:
    return difflib.SequenceMatcher(None, seq1, seq2, autojunk=False).ratio()


PARALLEL_MIN = 2_000_000  # length-window comparisons; fewer are done faster than worker processes start


def close_pairs(texts: list[str], threshold: float, among: set[int] | None = None) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, whose texts may reach the threshold: every pair that does, and a few
    that do not. With `among`, only pairs with at least one index in it. Many comparisons are shared
    out over the cores (forked workers, each taking every n-th text)."""
    if threshold > 1 or len(texts) < 2:
        return []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    ordered = [texts[i] for i in order]
    lengths = [len(t) for t in ordered]
    tasks = _windows(lengths, threshold, order, among)
    job = (ordered, order, tasks, max(0.0, threshold - _SLACK))
    workers = _workers(sum(hi - lo for _, lo, hi in tasks))
    if workers == 1:
        found = _pairs(job, 0, 1)
    else:
        import multiprocessing

        _JOB[:] = [job]
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupt) as pool:
                parts = pool.starmap(_pairs_of_share, [(w, workers) for w in range(workers)])
        finally:
            _JOB.clear()
        found = [pair for part in parts for pair in part]
    if among is not None:
        found = [(i, j) for i, j in found if i in among or j in among]
    return sorted(set(found))


def _windows(lengths: list[int], threshold: float, order: list[int], among: set[int] | None
             ) -> list[tuple[int, int, int]]:
    """(position, lo, hi): the text at `position` (in length order) is compared with those at lo..hi-1."""
    n = len(lengths)
    if threshold <= 0:
        return [(pos, pos + 1, n) for pos in range(n)]
    grow = (2 - threshold) / threshold  # a text at most this many times longer can reach the threshold
    if among is None or 2 * len(among) >= n:  # each pair once: every text with the longer ones after it
        return [(pos, pos + 1, bisect.bisect_right(lengths, lengths[pos] * grow + _EPS, lo=pos + 1))
                for pos in range(n)]
    tasks = []  # few new texts: each with the shorter and the longer texts around it
    for pos, i in enumerate(order):
        if i in among:
            lo = bisect.bisect_left(lengths, lengths[pos] / grow - _EPS, hi=pos)
            hi = bisect.bisect_right(lengths, lengths[pos] * grow + _EPS, lo=pos + 1)
            tasks += [(pos, lo, pos), (pos, pos + 1, hi)]
    return tasks


_JOB: list = []


def _workers(comparisons: int) -> int:
    from briefings.content.parallel import cores

    return 1 if comparisons < PARALLEL_MIN else max(1, min(cores(), 8))


def _ignore_interrupt() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _pairs_of_share(share: int, shares: int) -> list[tuple[int, int]]:
    return _pairs(_JOB[0], share, shares)


def _pairs(job, share: int, shares: int) -> list[tuple[int, int]]:
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import extract

    ordered, order, tasks, cutoff = job
    found = []
    for pos, lo, hi in tasks[share::shares]:
        if hi <= lo:
            continue
        i = order[pos]
        for _, _, k in extract(ordered[pos], ordered[lo:hi], scorer=Indel.normalized_similarity,
                               score_cutoff=cutoff, limit=None):
            j = order[lo + k]
            found.append((min(i, j), max(i, j)))
    return found


def similar_pairs(texts: list[str], threshold: float, cache: "SimilarityCache | None" = None
                  ) -> list[tuple[int, int, float]]:
    """(i, j, ratio) for i < j with ratio(texts[j], texts[i]) >= threshold, sorted by i, then j."""
    if cache is not None:
        return cache.similar_pairs(texts, threshold)
    found = []
    for i, j in close_pairs(texts, threshold):
        r = ratio(texts[j], texts[i])
        if r >= threshold:
            found.append((i, j, r))
    return sorted(found)


class SimilarityCache:
    """Which pairs of texts came close to the threshold, for the texts compared before.

    `pairs` maps (x, y) with x <= y to (ratio(x, y), ratio(y, x)) for every pair of known texts that
    passed the bounds; any other pair of known texts is below the threshold.
    """

    def __init__(self, threshold: float | None = None, known: set[str] | None = None, pairs: dict | None = None):
        self.threshold = threshold
        self.known = known or set()
        self.pairs = pairs or {}
        self.changed = False

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.changed = False  # as read from the cache: only a change in this run is worth writing

    def similar_pairs(self, texts: list[str], threshold: float) -> list[tuple[int, int, float]]:
        if threshold != self.threshold:
            self.threshold, self.known, self.pairs, self.changed = threshold, set(), {}, True
        new = {i for i, t in enumerate(texts) if t not in self.known}
        for i, j in close_pairs(texts, threshold, among=new) if new else ():
            x, y = sorted((texts[i], texts[j]))
            if (x, y) not in self.pairs:
                self.pairs[(x, y)] = (ratio(x, y), ratio(y, x))
        current = set(texts)
        if current != self.known:  # every pair of the texts known now has been compared
            self.known = current
            self.pairs = {k: v for k, v in self.pairs.items() if k[0] in current and k[1] in current}
            self.changed = True
        positions: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            positions.setdefault(t, []).append(i)
        found = []
        if threshold <= 1.0:  # the same text twice: ratio 1
            for where in positions.values():
                found += [(i, j, 1.0) for k, i in enumerate(where) for j in where[k + 1:]]
        for (x, y), (r_xy, r_yx) in self.pairs.items():
            if x == y or x not in positions or y not in positions:
                continue
            for i in positions[x]:
                for j in positions[y]:
                    first, second = min(i, j), max(i, j)
                    r = r_xy if texts[second] == x else r_yx  # ratio(later, earlier)
                    if r >= threshold:
                        found.append((first, second, r))
        return sorted(found)
