"""Deferred result tables: built on first access, equal to what an eager build gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import OHLCV, BarArrays
from alphalab.engine import BacktestConfig, run_backtest
from alphalab.engine.records import fills_frame
from alphalab.engine.result import Deferred


def _frame(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]]
    idx = pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC", name="time").as_unit("ns")
    return pd.DataFrame(
        {"open": open_, "high": np.maximum(open_, close) * 1.001, "low": np.minimum(open_, close) * 0.999,
         "close": close, "volume": np.full(n, 1e5)},
        index=idx,
    )


def test_tables_are_pending_until_read_then_built_once() -> None:
    res = run_backtest("ema_cross", BarArrays.from_frame(_frame(), "SYN", "1h"), BacktestConfig(fee_bps=5))
    assert res.deferred.built() == ()
    first = res.trades
    assert res.trades is first
    assert set(res.deferred.built()) == {"trades"}
    res.fills  # noqa: B018 - builds orders on the way
    assert {"orders", "fills"} <= set(res.deferred.built())


def test_deferred_tables_equal_eager_builds_from_the_same_records() -> None:
    bars = BarArrays.from_frame(_frame(), "SYN", "1h")
    res = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=5))
    assert len(res.trades) > 5
    orders = res.orders
    pd.testing.assert_frame_equal(res.fills, fills_frame(orders))
    assert res.equity.index.equals(bars.index)
    assert res.final_equity == pytest.approx(100_000 + res.trades["pnl"].sum(), rel=1e-9)
    assert res.data_hash == bars.digest()


def test_assigning_a_table_replaces_its_builder() -> None:
    d = Deferred(trades=lambda: pytest.fail("builder must not run"), run_hash="abc")
    d.set("trades", pd.DataFrame({"a": [1]}))
    assert list(d.get("trades")["a"]) == [1]
    assert d.get("run_hash") == "abc"


def test_from_frame_shares_memory_of_a_float64_barframe_and_equals_from_frames() -> None:
    frame = _frame()
    fast = BarArrays.from_frame(frame, "SYN", "1h")
    slow = BarArrays.from_frames({"SYN": frame}, "1h")
    for c in OHLCV:
        assert np.shares_memory(getattr(fast, c), frame[c].to_numpy())
        np.testing.assert_array_equal(getattr(fast, c), getattr(slow, c))
        assert getattr(fast, c).shape == (len(frame), 1) and getattr(fast, c).flags.c_contiguous
    assert fast.digest() == slow.digest()


def test_from_frame_copies_frames_that_are_not_barframes() -> None:
    frame = _frame(50)
    frame.index = frame.index.tz_localize(None)  # naive index: treated as UTC by from_frames
    frame["volume"] = frame["volume"].astype("float32")
    got = BarArrays.from_frame(frame, "SYN", "1h")
    assert not np.shares_memory(got.close, frame["close"].to_numpy())
    assert got.volume.dtype == np.float64 and str(got.index.tz) == "UTC"
