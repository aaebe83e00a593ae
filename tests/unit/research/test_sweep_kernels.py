"""Compiled sweep kernels against their plain numpy definitions: cross signals and column metrics.

Signals are booleans (exact); metrics agree with numpy to ``RTOL`` (numpy's SIMD sums differ by CPU).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.research.series import equity_metrics_columns, series_metrics, series_metrics_columns
from alphalab.research.sweep import cross_signals

# The compiled column metrics follow numpy's pairwise summation order, but numpy's own sums may take
# SIMD paths (AVX-512) that round differently: agreement with numpy is to this relative tolerance
# (a few ulps of the largest metric, NaN equal to NaN, infinities equal), never bit for bit.
RTOL = 1e-12
EXTREMES = np.array([0.0, np.nan, np.inf, -np.inf, -1.0, -2.0, 1e200, -0.5, 3.0, -1e200])
# one period per year keeps cagr's exponent <= 1: series_metrics's float power cannot overflow


def _assert_same_metrics(got: dict[str, float], want: dict[str, float]) -> None:
    assert list(got)[: len(want)] == list(want)
    np.testing.assert_allclose([got[q] for q in want], [want[q] for q in want], rtol=RTOL, atol=0, equal_nan=True)


def _numpy_cross(fast: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SDL rule: compare consecutive valid rows (both lines not NaN); NaN rows carry no signal."""
    valid = ~np.isnan(fast) & ~np.isnan(slow)
    rows = np.flatnonzero(valid)
    above = fast[rows] > slow[rows]
    entries, exits = np.zeros(fast.shape, bool), np.zeros(fast.shape, bool)
    entries[rows[1:]] = above[1:] & ~above[:-1]
    exits[rows[1:]] = ~above[1:] & above[:-1]
    return entries, exits


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.integers(1, 6), st.integers(1, 12))
def test_cross_kernel_equals_numpy_definition_on_random_lines(seed: int, n: int, n_lines: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    periods = list(range(3, 3 + n_lines))
    lines = {}
    for p in periods:
        line = np.round(rng.normal(0, 1, n).cumsum(), 1)  # rounding makes ties (fast == slow) common
        line[: rng.integers(0, n + 1)] = np.nan  # warm-up of any length, also the whole line
        line[rng.random(n) < 0.02] = np.nan  # and gaps
        lines[p] = line
    pairs = [(int(rng.choice(periods)), int(rng.choice(periods))) for _ in range(k)]
    entries, exits = cross_signals(lines, pairs)
    assert entries.shape == exits.shape == (n, k)
    assert entries.flags.f_contiguous and exits.flags.f_contiguous  # one contiguous column per pair
    for j, (f, s) in enumerate(pairs):
        want_in, want_out = _numpy_cross(lines[f], lines[s])
        np.testing.assert_array_equal(entries[:, j], want_in)
        np.testing.assert_array_equal(exits[:, j], want_out)


def test_cross_signals_hand_table_marks_cross_bars() -> None:
    fast = np.array([np.nan, 1.0, 3.0, 3.0, 2.0, 1.0, 4.0, np.nan, 5.0])
    slow = np.array([np.nan, 2.0, 2.0, 2.5, 2.0, 2.0, 2.0, 2.0, 2.0])
    entries, exits = cross_signals({1: fast, 2: slow}, [(1, 2), (2, 1)])
    assert np.flatnonzero(entries[:, 0]).tolist() == [2, 6]  # bar 8 compares with bar 6 (above): no cross
    assert np.flatnonzero(exits[:, 0]).tolist() == [4]  # 2 > 2 is False: equal lines end "above"
    assert np.flatnonzero(entries[:, 1]).tolist() == [5]  # reversed pair: bar 1 is the first valid row
    assert np.flatnonzero(exits[:, 1]).tolist() == [2, 6]


def test_cross_signals_missing_period_raises() -> None:
    with pytest.raises(ValueError, match="no line for periods"):
        cross_signals({5: np.zeros(3)}, [(5, 20)])


@pytest.mark.parametrize("n", [1, 7, 8, 129, 1000, 4099])
def test_column_metrics_match_series_metrics_across_pairwise_blocks(n: int) -> None:
    rng = np.random.default_rng(n)
    r = rng.normal(0, 0.01, (n, 3)) * 10.0 ** rng.uniform(-3, 1, (n, 3))
    r[rng.random((n, 3)) < 0.1] = 0.0
    r[:, 2] = 0.001  # a constant column
    got = series_metrics_columns(r, 252.0)
    for j in range(3):
        _assert_same_metrics(got[j], series_metrics(r[:, j], 252.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 200), st.sampled_from([0.0, 0.05, 0.3]))
def test_column_metrics_match_series_metrics_with_extreme_returns(seed: int, n: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.3, (n, 3))
    mask = rng.random((n, 3)) < share
    r[mask] = rng.choice(EXTREMES, int(mask.sum()))  # NaN, inf, ruin and negative equity
    got = series_metrics_columns(r, 1.0)
    with np.errstate(all="ignore"):
        for j in range(3):
            _assert_same_metrics(got[j], series_metrics(r[:, j], 1.0))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.integers(1, 5))
def test_equity_metrics_equal_column_metrics_of_equity_returns(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.02, (n, k))
    r[rng.random((n, k)) < 0.3] = 0.0  # flat stretches without a position
    r[rng.random((n, k)) < 0.01] = -1.0  # ruin: 0 / 0 returns afterwards count as 0
    equity = 1e5 * np.vstack([np.ones((1, k)), np.cumprod(1.0 + r, axis=0)])
    got = equity_metrics_columns(equity, 365.0)
    with np.errstate(all="ignore"):
        want = series_metrics_columns(equity[1:] / equity[:-1] - 1.0, 365.0)
    for g, w in zip(got, want, strict=True):
        _assert_same_metrics(g, w)


def test_column_metrics_are_deterministic_bit_for_bit() -> None:
    # our own kernel run twice on the same input: bit-identical on any CPU
    rng = np.random.default_rng(11)
    r = rng.normal(0, 0.01, (4099, 4))
    first, second = series_metrics_columns(r, 252.0), series_metrics_columns(r.copy(), 252.0)
    assert [[m[q] for q in m] for m in first] == [[m[q] for q in m] for m in second]


def test_equity_metrics_of_a_single_point_are_the_empty_series_metrics() -> None:
    assert equity_metrics_columns(np.ones((1, 2)), 252.0) == [series_metrics(np.zeros(0), 252.0)] * 2
