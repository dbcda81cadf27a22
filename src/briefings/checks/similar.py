"""Near-duplicate texts: every pair whose difflib ratio reaches a threshold, without comparing every pair.

The result is exactly that of running `difflib.SequenceMatcher(None, later, earlier, autojunk=False)`
on every pair of texts: cheaper upper bounds of that ratio rule out most pairs first.

1. Length: ratio <= 2 * min(la, lb) / (la + lb) (difflib's real_quick_ratio). Texts are sorted by
   length, so only a window of texts is looked at for each text.
2. Characters: ratio <= 2 * |common characters| / (la + lb) (difflib's quick_ratio), counted with
   one AND and a popcount of bit sets of character occurrences.
3. Longest common subsequence: difflib's matching blocks form a common subsequence, so
   ratio <= 2 * LCS / (la + lb). LCS comes from the bit-parallel algorithm of Hyyrö (2004) on Python
   integers, stopping as soon as the bound cannot be reached.
4. Only the few pairs left run difflib itself.

Results can be kept between runs (see `SimilarityCache`): a pair of unchanged texts is not compared
again, so after an edit only the changed texts are compared with the rest.
"""
from __future__ import annotations

import bisect
import difflib
from collections import Counter
from typing import Iterator

_EPS = 1e-9  # float slack: a bound is only trusted to rule a pair out when it is clearly below


def ratio(seq1: str, seq2: str) -> float:
    return difflib.SequenceMatcher(None, seq1, seq2, autojunk=False).ratio()


class _Text:
    __slots__ = ("text", "length", "chars", "masks")

    def __init__(self, text: str, tokens: dict):
        self.text = text
        self.length = len(text)
        counts: Counter = Counter()
        chars = 0
        masks: dict[str, int] = {}
        for i, ch in enumerate(text):
            counts[ch] += 1
            key = (ch, counts[ch])
            bit = tokens.get(key)
            if bit is None:
                bit = tokens[key] = len(tokens)
            chars |= 1 << bit
            masks[ch] = masks.get(ch, 0) | (1 << i)
        self.chars = chars  # the n-th occurrence of each character, as one bit each
        self.masks = masks  # character → the positions where it occurs


def _lcs_reaches(a: _Text, b: _Text, need: int) -> bool:
    """Whether the longest common subsequence of a and b is at least `need` (bit-parallel, Hyyrö 2004)."""
    if a.length > b.length:
        a, b = b, a
    full = (1 << b.length) - 1
    v = full
    masks = b.masks
    remaining = a.length
    for i, ch in enumerate(a.text):
        m = masks.get(ch)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
        remaining -= 1
        if i & 15 == 15 and b.length - v.bit_count() + remaining < need:
            return False
    return b.length - v.bit_count() >= need


PARALLEL_MIN = 2000  # texts; fewer are compared faster than worker processes start


def close_pairs(texts: list[str], threshold: float, among: set[int] | None = None) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, whose texts may reach the threshold: every pair that does, and a few
    that do not. With `among`, only pairs with at least one index in it. Many texts are shared out over
    the cores (forked workers, each taking every n-th text)."""
    tokens: dict = {}
    prepared = [_Text(t, tokens) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: prepared[i].length)
    job = (prepared, order, [prepared[i].length for i in order], threshold, among)
    workers = _workers(len(texts))
    if workers == 1:
        return list(_pairs(job, 0, 1))
    import multiprocessing

    _JOB[:] = [job]
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupt) as pool:
            parts = pool.starmap(_pairs_of_share, [(w, workers) for w in range(workers)])
    finally:
        _JOB.clear()
    return [pair for part in parts for pair in part]


_JOB: list = []


def _workers(n_texts: int) -> int:
    from briefings.content.parallel import cores

    return 1 if n_texts < PARALLEL_MIN else max(1, min(cores(), 8))


def _ignore_interrupt() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _pairs_of_share(share: int, shares: int) -> list[tuple[int, int]]:
    return list(_pairs(_JOB[0], share, shares))


def _pairs(job, share: int, shares: int) -> Iterator[tuple[int, int]]:
    prepared, order, lengths, threshold, among = job
    for pos in range(share, len(order), shares):
        i = order[pos]
        a = prepared[i]
        la = a.length
        if threshold <= 0:
            end = len(order)
        else:
            end = bisect.bisect_right(lengths, la * (2 - threshold) / threshold + _EPS, lo=pos + 1)
        for k in range(pos + 1, end):
            j = order[k]
            if among is not None and i not in among and j not in among:
                continue
            b = prepared[j]
            total = la + b.length
            if total == 0:
                yield (min(i, j), max(i, j))
                continue
            if 2 * min(la, b.length) < threshold * total - _EPS:
                continue
            if 2 * (a.chars & b.chars).bit_count() < threshold * total - _EPS:
                continue
            need = int(threshold * total / 2 - _EPS)  # LCS below this cannot reach the threshold
            if need > 0 and not _lcs_reaches(a, b, need):
                continue
            yield (min(i, j), max(i, j))


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
