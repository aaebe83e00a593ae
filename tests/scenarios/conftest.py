"""Candle-table helper: run the fast path on a tiny hand-written OHLC table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alphalab.engine.records import orders_frame, trades_frame
from alphalab.engine.simulate import SimOutput, simulate


@dataclass
class TableRun:
    out: SimOutput
    trades: pd.DataFrame
    orders: pd.DataFrame


def run_table(
    rows: Sequence[Sequence[float]],
    entry_long: Sequence[int] = (),
    exit_long: Sequence[int] = (),
    entry_short: Sequence[int] = (),
    exit_short: Sequence[int] = (),
    volume: float | Sequence[float] = 1e9,
    **kw: Any,
) -> TableRun:
    """Run one column of (open, high, low, close) rows; signals are given as lists of bar numbers."""
    arr = np.asarray(rows, dtype=float)
    n = len(arr)

    def mask(bars: Sequence[int]) -> np.ndarray:
        m = np.zeros((n, 1), dtype=bool)
        m[list(bars), 0] = True
        return m

    vol = np.broadcast_to(np.asarray(volume, dtype=float).reshape(-1, 1), (n, 1))
    kw.setdefault("capital", 100_000.0)
    out = simulate(
        arr[:, [0]], arr[:, [1]], arr[:, [2]], arr[:, [3]], vol,
        mask(entry_long), mask(exit_long), mask(entry_short), mask(exit_short), **kw,
    )
    index = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC", name="time")
    trades = trades_frame(out.trades, index, ("X",), strategy_id="t", strategy_name="t", timeframe="1d")
    trades["entry_bar"] = index.get_indexer(trades["entry_time"])
    trades["exit_bar"] = index.get_indexer(trades["exit_time"])
    return TableRun(out, trades, orders_frame(out.orders, index, ("X",)))


@pytest.fixture
def table() -> Callable[..., TableRun]:
    return run_table
