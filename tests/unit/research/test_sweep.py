"""Column sweeps: shared indicators, one engine call, trade counts against vectorbt."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from alphalab.data import synthetic
from alphalab.research.executors import LocalExecutor
from alphalab.research.series import series_metrics, series_metrics_columns
from alphalab.research.sweep import ema_cross_sweep, parallel_ema_cross_sweep

PAIRS = [(5, 20), (10, 30), (5, 30), (8, 21)]


def _bars() -> tuple[np.ndarray, ...]:
    f = synthetic.gbm(1500, seed=3)
    return tuple(f[c].to_numpy() for c in ("open", "high", "low", "close", "volume"))


def test_sweep_trade_counts_match_talib_crossings() -> None:
    talib = pytest.importorskip("talib")
    bars = _bars()
    ours = ema_cross_sweep(*bars, PAIRS, periods_per_year=252.0)
    close = bars[3]
    expected: list[float] = []
    slack: list[int] = []
    for f, s in PAIRS:
        fast, slow = talib.EMA(close, f), talib.EMA(close, s)
        rows = np.flatnonzero(~np.isnan(fast) & ~np.isnan(slow))  # the SDL rule: consecutive valid bars
        above = fast[rows] > slow[rows]
        crosses = rows[1:][above[1:] & ~above[:-1]]
        expected.append(float(np.sum(crosses < len(close) - 1)))  # a signal on the last bar cannot fill
        # TA-Lib's EMA may differ from ours by a few ulps: only a near-tie bar may flip a crossing
        near = np.abs(fast[rows] - slow[rows]) <= 1e-9 * np.abs(slow[rows])
        slack.append(int(near.sum()))
    got = [m["trades"] for m in ours]
    assert all(abs(g - e) <= s for g, e, s in zip(got, expected, slack, strict=True)), (got, expected, slack)
    assert min(expected) > 10


def test_columns_are_independent_of_chunking_and_workers() -> None:
    bars = _bars()
    together = ema_cross_sweep(*bars, PAIRS, periods_per_year=252.0)
    alone = [ema_cross_sweep(*bars, [p], periods_per_year=252.0)[0] for p in PAIRS]
    chunked = parallel_ema_cross_sweep(bars, PAIRS, LocalExecutor(2), chunk=1, periods_per_year=252.0)
    for a, b, c in zip(together, alone, chunked, strict=True):
        assert a == pytest.approx(b) and a == pytest.approx(c)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 40), st.integers(1, 5)),
                  elements=st.one_of(st.floats(-0.5, 0.5), st.just(0.0), st.just(np.nan))))
@example(np.full((7, 2), 0.37090275))  # constant returns: zero variance must give sharpe 0 in both
def test_column_metrics_equal_per_column_series_metrics(r: np.ndarray) -> None:
    together = series_metrics_columns(r, 252.0)
    for j, m in enumerate(together):
        ref = series_metrics(r[:, j], 252.0)
        assert m.keys() == ref.keys()
        np.testing.assert_allclose([m[k] for k in ref], [ref[k] for k in ref], rtol=1e-12, atol=1e-12)
