"""Purged k-fold with embargo, and combinatorial purged cross-validation (López de Prado, ch. 7 and 12).

A sample i spans ``[time_i, end_i]``: decided at ``time_i`` (its features are known then) and
labelled by what happens until ``end_i``. A training sample is **purged** when its span overlaps a
test window ``[min time, max end]`` of the test group, and **embargoed** when it starts within
``embargo`` after that window ends (serial correlation leaks across the boundary otherwise).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Fold:
    """One split: positions of training and test samples, and the test groups' windows (ns)."""

    train: np.ndarray
    test: np.ndarray
    windows: tuple[tuple[int, int], ...]


def _ns(values: object, what: str) -> np.ndarray:
    idx = pd.DatetimeIndex(values)  # type: ignore[arg-type]
    if idx.hasnans:
        raise ConfigError(f"purged CV: {what} has missing times", hint="drop unlabelled rows first")
    return np.asarray(idx.as_unit("ns").asi8)


def _spans(times: object, ends: object) -> tuple[np.ndarray, np.ndarray]:
    t, e = _ns(times, "time"), _ns(ends, "end")
    if t.shape != e.shape or bool((e < t).any()):
        raise ConfigError("purged CV needs one end per sample, never before its time")
    if bool((np.diff(t) < 0).any()):
        raise ConfigError("purged CV needs samples sorted by time")
    return t, e


def _groups(n: int, n_groups: int) -> list[np.ndarray]:
    if not 2 <= n_groups <= n:
        raise ConfigError(f"cross-validation needs 2 <= groups <= samples, got {n_groups} groups and {n} samples")
    return [np.asarray(g) for g in np.array_split(np.arange(n), n_groups)]


def _fold(t: np.ndarray, e: np.ndarray, test_groups: list[np.ndarray], embargo_ns: int) -> Fold:
    keep = np.ones(t.shape[0], dtype=bool)
    windows = []
    for g in test_groups:
        lo, hi = int(t[g].min()), int(e[g].max())
        windows.append((lo, hi))
        overlap = (t <= hi) & (e >= lo)
        embargoed = (t > hi) & (t <= hi + embargo_ns)
        keep &= ~(overlap | embargoed)
    test = np.concatenate(test_groups)
    keep[test] = False
    return Fold(np.flatnonzero(keep), np.sort(test), tuple(windows))


def purged_kfold(times: object, ends: object, n_splits: int = 5, embargo: pd.Timedelta | None = None) -> list[Fold]:
    """Return ``n_splits`` folds of contiguous test blocks, training sets purged and embargoed."""
    t, e = _spans(times, ends)
    emb = 0 if embargo is None else int(pd.Timedelta(embargo).value)
    return [_fold(t, e, [g], emb) for g in _groups(t.shape[0], n_splits)]


def combinatorial_purged(
    times: object, ends: object, n_groups: int = 6, n_test: int = 2, embargo: pd.Timedelta | None = None
) -> list[Fold]:
    """Return every split with ``n_test`` of ``n_groups`` groups as the test set (C(N, k) folds)."""
    if not 1 <= n_test < n_groups:
        raise ConfigError(f"combinatorial CV needs 1 <= n_test < n_groups, got {n_test} of {n_groups}")
    t, e = _spans(times, ends)
    emb = 0 if embargo is None else int(pd.Timedelta(embargo).value)
    groups = _groups(t.shape[0], n_groups)
    return [_fold(t, e, [groups[i] for i in combo], emb) for combo in itertools.combinations(range(n_groups), n_test)]


def n_paths(n_groups: int, n_test: int) -> int:
    """Return the number of backtest paths CPCV yields: ``C(N, k) * k / N``."""
    from math import comb

    return comb(n_groups, n_test) * n_test // n_groups
