"""The event-driven path against the compiled fast path: identical trades and equity (to 1e-9).

Every built-in SDL strategy is replayed through the event loop by a generic adapter that reads
the plan's signals bar by bar; three of them (ema_cross, sma_cross_atr, mean_reversion_v2) are
also rewritten by hand as Python strategies that compute their own indicators with the
indicators' streaming twins.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.engine import BacktestConfig, EntryRules, run_backtest, run_strategy
from alphalab.engine.backtest import costs_from_spec, rules_from_spec
from alphalab.indicators import get as get_indicator
from alphalab.strategies.api import Param, Strategy

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "alphalab" / "data" / "samples"
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "src" / "alphalab" / "strategies" / "builtin"
INTRADAY = {"mtf_trend"}  # 4h confirmation: needs intraday bars (EURUSD 1h)
BUILTINS = sorted(p.stem for p in BUILTIN_DIR.glob("*.json"))
NUMERIC = ["entry_price", "exit_price", "quantity", "fees", "slippage", "pnl", "return_pct", "pnl_r", "mae", "mfe"]


def _bars(symbol: str, n: int | None = None, timeframe: str = "1d") -> BarArrays:
    frame = pd.read_parquet(SAMPLES / f"{symbol}.parquet")[["open", "high", "low", "close", "volume"]]
    if n is not None:
        frame = frame.iloc[:n]
    return BarArrays.from_frame(frame, symbol, timeframe)


@pytest.fixture(scope="module")
def aapl() -> BarArrays:
    return _bars("AAPL", 1500)


def assert_same_run(fast, event) -> None:
    a, b = fast.trades, event.trades
    assert len(a) == len(b)
    for col in ("side", "entry_time", "exit_time", "exit_reason", "bars_held"):
        assert a[col].tolist() == b[col].tolist(), col
    for col in NUMERIC:
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy(), rtol=1e-12, atol=1e-9, err_msg=col)
    np.testing.assert_allclose(event.equity.to_numpy(), fast.equity.to_numpy(), rtol=1e-12, atol=1e-9)


class SignalReplay(Strategy):
    """Generic adapter: replay a plan's signal arrays through ``ctx`` with the kernel's decision rules."""

    id = "signal_replay"

    def __init__(self, signals, rules: EntryRules, allow_short: bool = True) -> None:
        super().__init__()
        self.sig = signals
        self.rules = rules
        self.allow_short = allow_short

    def on_bar(self, ctx) -> None:
        t = ctx.bar_index
        s = self.sig
        for a, sym in enumerate(ctx.symbols):
            if math.isnan(ctx.data["close"][t, a]):
                continue
            q = ctx.position(sym)
            if (q > 0 and s.exit_long[t, a]) or (q < 0 and s.exit_short[t, a]):
                ctx.close(sym)
            el = bool(s.entry_long[t, a])
            es = bool(s.entry_short[t, a]) and self.allow_short
            if el == es or (el and s.exit_long[t, a]) or (es and s.exit_short[t, a]):
                continue
            ctx.enter(sym, 1 if el else -1, self.rules, reverse=self.rules.exit_on_opposite)


@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_builtin_replayed_on_event_path_matches_fast_path(strategy_id, aapl):
    from alphalab.sdl import compile
    from alphalab.strategies.registry import get

    if strategy_id in INTRADAY:
        aapl = _bars("EURUSD", 3000, "1h")
    spec = get(strategy_id)
    cfg = BacktestConfig(fee_bps=5, slippage_bps=2)
    fast = run_backtest(spec, aapl, cfg)
    sig = compile(spec).signals(aapl)
    rules = rules_from_spec(spec)
    event = run_strategy(SignalReplay(sig, rules), aapl, cfg, rules=rules, costs=costs_from_spec(spec, cfg),
                         atr=sig.atr)
    assert len(fast.trades) > 0
    assert_same_run(fast, event)


# --- hand-written Python strategies ---------------------------------------------------------


def _cross(prev_l: float, prev_r: float, now_l: float, now_r: float, above: bool) -> bool:
    if above:
        return now_l > now_r and prev_l <= prev_r
    return now_l < now_r and prev_l >= prev_r


class EmaCross(Strategy):
    """EMA fast/slow cross, long and short, percent stop, 95% of equity per entry."""

    id = "py_ema_cross"
    parameters: ClassVar[dict[str, Param]] = {"fast": Param("int", 20), "slow": Param("int", 50), "stop": Param("float", 0.05)}

    def on_start(self, ctx) -> None:
        self.fast = get_indicator("ema").stream(period=self.params["fast"])
        self.slow = get_indicator("ema").stream(period=self.params["slow"])
        self.prev = (math.nan, math.nan)
        self.rules = EntryRules(stop_loss="percent", stop_value=self.params["stop"], size="fixed_fraction",
                                size_value=0.95)

    def on_bar(self, ctx) -> None:
        close = ctx.price("close")
        (f,), (s,) = self.fast.update(close=close), self.slow.update(close=close)
        up = _cross(*self.prev, f, s, above=True)
        down = _cross(*self.prev, f, s, above=False)
        self.prev = (f, s)
        sym = ctx.symbols[0]
        q = ctx.position(sym)
        if (q > 0 and down) or (q < 0 and up):
            ctx.close(sym)
        if up:
            ctx.enter(sym, 1, self.rules)
        elif down:
            ctx.enter(sym, -1, self.rules)


class SmaCrossAtr(Strategy):
    """SMA 20/50 long-only cross, 2 ATR stop, 3 ATR trailing stop, 1% risk per trade."""

    id = "py_sma_cross_atr"
    parameters: ClassVar[dict[str, Param]] = {"fast": Param("int", 20), "slow": Param("int", 50), "risk": Param("float", 0.01)}

    def on_start(self, ctx) -> None:
        self.fast = get_indicator("sma").stream(period=self.params["fast"])
        self.slow = get_indicator("sma").stream(period=self.params["slow"])
        self.prev = (math.nan, math.nan)
        self.rules = EntryRules(stop_loss="atr", stop_value=2.0, trailing="atr", trailing_value=3.0,
                                size="risk_per_trade", size_value=self.params["risk"], size_cap=1.0)

    def on_bar(self, ctx) -> None:
        close = ctx.price("close")
        (f,), (s,) = self.fast.update(close=close), self.slow.update(close=close)
        up = _cross(*self.prev, f, s, above=True)
        down = _cross(*self.prev, f, s, above=False)
        self.prev = (f, s)
        sym = ctx.symbols[0]
        if ctx.position(sym) > 0 and down:
            ctx.close(sym)
        if up:
            ctx.enter(sym, 1, self.rules)


class MeanReversionV2(Strategy):
    """Bollinger band + RSI reversion, both sides, 8% stop, 30-bar time stop, half of equity."""

    id = "py_mean_reversion_v2"
    parameters: ClassVar[dict[str, Param]] = {"bb_period": Param("int", 20), "bb_std": Param("float", 2.0), "rsi_period": Param("int", 14)}

    def on_start(self, ctx) -> None:
        self.bb = get_indicator("bbands").stream(period=self.params["bb_period"], std=self.params["bb_std"])
        self.rsi = get_indicator("rsi").stream(period=self.params["rsi_period"])
        self.rules = EntryRules(stop_loss="percent", stop_value=0.08, time_stop_bars=30, size="fixed_fraction",
                                size_value=0.5)

    def on_bar(self, ctx) -> None:
        close = ctx.price("close")
        middle, upper, lower, *_ = self.bb.update(close=close)
        (rsi,) = self.rsi.update(close=close)
        sym = ctx.symbols[0]
        q = ctx.position(sym)
        exit_long, exit_short = close > middle, close < middle
        if (q > 0 and exit_long) or (q < 0 and exit_short):
            ctx.close(sym)
        long_entry = close < lower and rsi < 30
        short_entry = close > upper and rsi > 70
        if long_entry and not exit_long:
            ctx.enter(sym, 1, self.rules)
        elif short_entry and not exit_short:
            ctx.enter(sym, -1, self.rules)


@pytest.mark.parametrize(("strategy_id", "cls"), [("ema_cross", EmaCross), ("sma_cross_atr", SmaCrossAtr),
                                                  ("mean_reversion_v2", MeanReversionV2)])
def test_hand_written_python_strategy_matches_sdl_fast_path(strategy_id, cls, aapl):
    cfg = BacktestConfig(fee_bps=10, slippage_bps=5)
    fast = run_backtest(strategy_id, aapl, cfg)
    event = run_strategy(cls, aapl, cfg)
    assert len(fast.trades) >= 5
    assert_same_run(fast, event)


def test_event_path_limit_and_stop_orders_fill_intrabar():
    rows = np.array([(100, 101, 99, 100), (100, 101, 99, 100), (99, 100, 94, 96), (96, 108, 95, 107),
                     (107, 108, 106, 107)], dtype=float)
    idx = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx).assign(volume=1e6)
    bars = BarArrays.from_frame(frame, "X", "1d")

    class Orders(Strategy):
        id = "orders"

        def on_bar(self, ctx) -> None:
            if ctx.bar_index == 0:
                ctx.buy("X", quantity=10, kind="limit", limit=95.0, take_profit=105.0)
            if ctx.bar_index == 1:
                ctx.sell("X", quantity=3, kind="stop", stop=90.0)  # never touched: cancelled below
            if ctx.bar_index == 2:
                assert ctx.position("X") == 10
                ctx.cancel(ctx.open_orders("X")[0])

    res = run_strategy(Orders, bars, BacktestConfig(fee_bps=10, maker_fee_bps=2))
    t = res.trades.iloc[0]
    assert (t.entry_price, t.exit_price, t.exit_reason) == (95.0, 105.0, "take_profit")
    assert t.fees == pytest.approx(950 * 0.0002 + 1050 * 0.0002)
    assert len(res.trades) == 1


@pytest.mark.parametrize("strategy_id", ["ema_cross", "mean_reversion_v2"])
def test_close_fills_and_shorts_off_match_on_both_paths(strategy_id, aapl):
    from alphalab.sdl import compile
    from alphalab.strategies.registry import get

    spec = get(strategy_id)
    cfg = BacktestConfig(fee_bps=5, fill="close", allow_short=False, fee_fixed=1.0)
    fast = run_backtest(spec, aapl, cfg)
    sig = compile(spec).signals(aapl)
    rules = rules_from_spec(spec)
    event = run_strategy(SignalReplay(sig, rules, allow_short=False), aapl, cfg, rules=rules,
                         costs=costs_from_spec(spec, cfg), atr=sig.atr)
    assert len(fast.trades) > 0 and (fast.trades.side == "long").all()
    assert_same_run(fast, event)
