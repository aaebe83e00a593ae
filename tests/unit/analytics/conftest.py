"""Fixtures of the analytics tests: a duck-typed BacktestResult built from synthetic bars."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.records import TRADE_COLUMNS
from alphalab.core.timeframe import Timeframe


@dataclass
class FakeResult:
    """The attributes of ``alphalab.engine.BacktestResult`` that analytics reads."""

    strategy_id: str
    strategy_name: str
    symbols: tuple[str, ...]
    timeframe: Timeframe
    trades: pd.DataFrame
    equity: pd.DataFrame
    bars: BarArrays
    indicators: dict[str, np.ndarray]
    config: dict[str, Any]
    fill_timing: str = "next_open"
    periods_per_year: float | None = 252.0
    run_hash: str = "abc123def456"
    data_hash: str = "feedbeef"
    seed: int = 0
    version: str = "0.1.0"
    positions: Any = None
    orders: Any = None
    fills: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def gbm_frame(n: int, seed: int, start: str = "2020-01-01", freq: str = "B") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0004, 0.015, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.006, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.006, n)))
    idx = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="time")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": rng.uniform(1e5, 2e5, n)},
        index=idx,
    )


def _trade_rows(bars: BarArrays, j: int, hold: int, every: int, qty: float) -> list[dict[str, Any]]:
    rows = []
    idx = bars.index
    for k, i in enumerate(range(5, bars.n_bars - hold - 1, every)):
        side = "long" if k % 3 else "short"
        sign = 1.0 if side == "long" else -1.0
        e, x = bars.open[i, j], bars.open[i + hold, j]
        fees = 0.001 * qty * (e + x)
        pnl = sign * (x - e) * qty - fees
        hi, lo = bars.high[i : i + hold, j].max(), bars.low[i : i + hold, j].min()
        fav, adv = (hi / e - 1, lo / e - 1) if sign > 0 else (1 - lo / e, 1 - hi / e)
        rows.append(
            {
                "strategy_id": "sma_cross",
                "strategy_name": "SMA Cross",
                "symbol": bars.symbols[j],
                "timeframe": str(bars.timeframe),
                "side": side,
                "entry_time": idx[i],
                "exit_time": idx[i + hold],
                "entry_price": e,
                "exit_price": x,
                "quantity": qty,
                "fees": fees,
                "slippage": 0.0,
                "pnl": pnl,
                "return_pct": pnl / (e * qty),
                "pnl_r": pnl / (0.02 * e * qty),
                "mae": min(adv, 0.0),
                "mfe": max(fav, 0.0),
                "bars_held": hold,
                "exit_reason": ["signal", "stop_loss", "take_profit"][k % 3],
                "regime": ["bull", "bear"][k % 2],
            }
        )
    return rows


def _equity(bars: BarArrays, trades: pd.DataFrame, capital: float) -> pd.DataFrame:
    idx = bars.index
    t = len(idx)
    realised = np.zeros(t)
    unreal = np.zeros(t)
    gross = np.zeros(t)
    for row in trades.itertuples():
        j = bars.symbols.index(row.symbol)
        i0, i1 = idx.get_loc(row.entry_time), idx.get_loc(row.exit_time)
        sign = 1.0 if row.side == "long" else -1.0
        unreal[i0:i1] += sign * (bars.close[i0:i1, j] - row.entry_price) * row.quantity
        gross[i0:i1] += bars.close[i0:i1, j] * row.quantity
        realised[i1:] += row.pnl
    equity = capital + realised + unreal
    return pd.DataFrame(
        {"equity": equity, "cash": equity - unreal, "exposure": gross / equity}, index=idx
    )


def make_result(n: int = 400, symbols: tuple[str, ...] = ("AAA", "BBB"), fill_timing: str = "next_open",
                freq: str = "B", timeframe: str = "1d") -> FakeResult:
    frames = {s: gbm_frame(n, seed=i + 1, freq=freq) for i, s in enumerate(symbols)}
    bars = BarArrays.from_frames(frames, timeframe)
    rows: list[dict[str, Any]] = []
    for j in range(len(symbols)):
        rows += _trade_rows(bars, j, hold=7 + 3 * j, every=17 + 4 * j, qty=100.0)
    trades = pd.DataFrame(rows).sort_values("exit_time", kind="mergesort").reset_index(drop=True)
    trades.insert(0, "id", np.arange(1, len(trades) + 1))
    trades = trades.loc[:, list(TRADE_COLUMNS)]
    close = pd.DataFrame(bars.close)
    sma = close.rolling(20).mean().to_numpy()
    diff = close.diff()
    up, down = diff.clip(lower=0).rolling(14).mean(), (-diff.clip(upper=0)).rolling(14).mean()
    rsi = (100 - 100 / (1 + up / down)).to_numpy()
    return FakeResult(
        strategy_id="sma_cross",
        strategy_name="SMA Cross",
        symbols=tuple(symbols),
        timeframe=bars.timeframe,
        trades=trades,
        equity=_equity(bars, trades, 100_000.0),
        bars=bars,
        indicators={"sma_20": sma, "rsi_14": rsi},
        config={"strategy": {"id": "sma_cross", "parameters": {"fast": 10, "slow": 20}}, "capital": 100_000},
        fill_timing=fill_timing,
    )


@pytest.fixture
def fake_result() -> FakeResult:
    return make_result()
