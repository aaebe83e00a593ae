"""Column sweeps: shared indicators, one engine call, trade counts against vectorbt."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.data import synthetic
from alphalab.research.executors import LocalExecutor
from alphalab.research.sweep import ema_cross_sweep, parallel_ema_cross_sweep

PAIRS = [(5, 20), (10, 30), (5, 30), (8, 21)]


def _bars() -> tuple[np.ndarray, ...]:
    f = synthetic.gbm(1500, seed=3)
    return tuple(f[c].to_numpy() for c in ("open", "high", "low", "close", "volume"))


def test_sweep_trade_counts_match_talib_crossings() -> None:
    talib = pytest.importorskip("talib")
    bars = _bars()
    ours = ema_cross_sweep(*bars, PAIRS)
    close = bars[3]
    expected = []
    for f, s in PAIRS:
        fast, slow = talib.EMA(close, f), talib.EMA(close, s)
        valid = ~np.isnan(fast) & ~np.isnan(slow)
        above = np.where(valid, fast > slow, False)
        prev = np.concatenate([[False], above[:-1]])
        crosses = np.flatnonzero(above & ~prev & valid)
        expected.append(float(np.sum(crosses < len(close) - 1)))  # a signal on the last bar cannot fill
    assert [m["trades"] for m in ours] == expected


def test_columns_are_independent_of_chunking_and_workers() -> None:
    bars = _bars()
    together = ema_cross_sweep(*bars, PAIRS)
    alone = [ema_cross_sweep(*bars, [p])[0] for p in PAIRS]
    chunked = parallel_ema_cross_sweep(bars, PAIRS, LocalExecutor(2), chunk=1)
    for a, b, c in zip(together, alone, chunked, strict=True):
        assert a == pytest.approx(b) and a == pytest.approx(c)
