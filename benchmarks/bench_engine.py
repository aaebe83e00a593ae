"""Engine benchmarks: the compiled fast path and the event-driven path beside vectorbt, backtesting.py
and backtrader, on an EMA 20/50 long-only cross with 0.1% fees over synthetic GBM bars.

``run(quick)``: the fast path and vectorbt on 1,000,000 bars (100,000 with ``quick``), both after
compilation; the fast path and backtesting.py on 30,000 bars (5,000), compared in bars per second;
a simple Python strategy on the event path beside backtesting.py and backtrader on 20,000 bars
(3,000). Peak memory of the fast path is the ``peak_mb`` of its row. Each measurement runs in a
forked child (see _harness).

What is timed, like with like: the EMA 20/50 entry/exit signals are computed once in the setup and
handed to both the fast path and vectorbt (indicators are part of neither timing). The fast path
times ``simulate`` (input checks, the compiled loop, trade and order records, curves); vectorbt
times ``Portfolio.from_signals`` plus ``final_value`` (which builds its value curve). Two fast-path
rows: ``equity curve`` records equity only (what vectorbt's final value needs, and what sweeps
use, ``record=("equity",)``); ``all curves`` also writes cash, gross exposure and the per-column
position curve (``simulate``'s default, what ``BacktestResult`` needs). backtesting.py and
backtrader compute their EMAs inside their runs (their strategies cannot take precomputed signals
the same way), as does the event-path strategy (incremental EMAs in ``on_bar``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import _harness as h
import numpy as np
import pandas as pd

FEE = 0.001


def _bars(n: int) -> pd.DataFrame:
    try:
        from alphalab.data.synthetic import gbm

        return gbm(n, seed=7, timeframe="1m")
    except Exception:  # numpy GBM fallback when the data layer is unavailable
        rng = np.random.default_rng(7)
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
        open_ = np.r_[close[0], close[:-1]]
        idx = pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC", name="time")
        return pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.0005,
                             "low": np.minimum(open_, close) * 0.9995, "close": close,
                             "volume": np.full(n, 1e6)}, index=idx)


def _signals(close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fast = pd.Series(close).ewm(span=20, adjust=False).mean().to_numpy()
    slow = pd.Series(close).ewm(span=50, adjust=False).mean().to_numpy()
    above = fast > slow
    prev = np.r_[False, above[:-1]]
    below_prev = np.r_[False, (fast <= slow)[:-1]]
    entries = above & below_prev
    exits = (fast < slow) & prev
    return entries, exits


def _setup_arrays(n: int) -> dict[str, Any]:
    f = _bars(n)
    cols = {c: f[c].to_numpy(np.float64) for c in ("open", "high", "low", "close", "volume")}
    entries, exits = _signals(cols["close"])
    return {"frame": f, "entries": entries, "exits": exits, **cols}


def _ours_fast(s: dict[str, Any], record: tuple[str, ...] | None = None) -> None:
    from alphalab.engine.simulate import CURVES, Costs, simulate

    col = {k: s[k][:, None] for k in ("open", "high", "low", "close", "volume")}
    simulate(col["open"], col["high"], col["low"], col["close"], col["volume"], s["entries"][:, None],
             s["exits"][:, None], costs=Costs(fee_bps=FEE * 1e4), record=record or CURVES)


def _ours_fast_equity(s: dict[str, Any]) -> None:
    _ours_fast(s, ("equity",))


def _vectorbt(s: dict[str, Any]) -> None:
    import vectorbt as vbt

    ent = np.r_[False, s["entries"][:-1]]
    ex = np.r_[False, s["exits"][:-1]]
    pf = vbt.Portfolio.from_signals(close=s["close"], entries=ent, exits=ex, price=s["open"], size=np.inf,
                                    fees=FEE, init_cash=100_000.0)
    pf.final_value()


def _backtesting_py(s: dict[str, Any]) -> None:
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover

    df = s["frame"].rename(columns=str.title)
    df.index = df.index.tz_localize(None)

    def ema(x: np.ndarray, n: int) -> np.ndarray:
        return pd.Series(x).ewm(span=n, adjust=False).mean().to_numpy()

    class Cross(Strategy):
        def init(self) -> None:
            self.fast = self.I(ema, self.data.Close, 20)
            self.slow = self.I(ema, self.data.Close, 50)

        def next(self) -> None:
            if crossover(self.fast, self.slow) and not self.position:
                self.buy()
            elif crossover(self.slow, self.fast) and self.position:
                self.position.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Backtest(df, Cross, cash=1e9, commission=FEE, finalize_trades=True).run()


def _backtrader(s: dict[str, Any]) -> None:
    import backtrader as bt

    class Cross(bt.Strategy):
        __module__ = "__main__"  # backtrader's metaclass looks the module up in sys.modules

        def __init__(self) -> None:
            self.cross = bt.indicators.CrossOver(bt.indicators.EMA(period=20), bt.indicators.EMA(period=50))

        def next(self) -> None:
            if self.cross > 0 and not self.position:
                self.buy()
            elif self.cross < 0 and self.position:
                self.close()

    df = s["frame"].copy()
    df.index = df.index.tz_localize(None)
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=df))
    cerebro.addstrategy(Cross)
    cerebro.broker.setcommission(commission=FEE)
    cerebro.run()


def _event_path(s: dict[str, Any]) -> None:
    from alphalab.core.bars import BarArrays
    from alphalab.engine import BacktestConfig, run_strategy
    from alphalab.strategies.api import Strategy

    class Cross(Strategy):
        id = "bench_cross"

        def on_start(self, ctx: Any) -> None:
            self.fast = self.slow = math.nan
            self.prev = math.nan

        def on_bar(self, ctx: Any) -> None:
            c = ctx.price()
            self.fast = c if math.isnan(self.fast) else self.fast + 2 / 21 * (c - self.fast)
            self.slow = c if math.isnan(self.slow) else self.slow + 2 / 51 * (c - self.slow)
            diff = self.fast - self.slow
            sym = ctx.symbols[0]
            if diff > 0 >= self.prev and ctx.position(sym) == 0:
                ctx.enter(sym, 1)
            elif diff < 0 <= self.prev and ctx.position(sym) > 0:
                ctx.close(sym)
            self.prev = diff

    bars = BarArrays.from_frame(s["frame"], "SYN", "1m")
    run_strategy(Cross, bars, BacktestConfig(fee_bps=FEE * 1e4))


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure the engine beside its peers; return result rows (see _harness.row)."""
    n_big = 100_000 if quick else 1_000_000
    n_mid = 5_000 if quick else 30_000
    n_ev = 3_000 if quick else 20_000
    rows: list[dict[str, Any]] = []

    big = lambda: _setup_arrays(n_big)  # noqa: E731
    # best of 30: single runs of ~10-100 ms on a shared machine are noisy (the same for both sides)
    ours_eq = h.measure(big, _ours_fast_equity, repeat=30)
    ours = h.measure(big, _ours_fast, repeat=30)
    vbt = h.measure(big, _vectorbt, repeat=30)
    rows.append(h.row("engine fast path, EMA cross", "alphalab fast path (equity curve)", ours_eq, units=n_big,
                      peer=vbt, peer_name="vectorbt from_signals"))
    rows.append(h.row("engine fast path, EMA cross", "alphalab fast path (all curves)", ours, units=n_big,
                      peer=vbt, peer_name="vectorbt from_signals"))
    rows.append(h.row("engine fast path, EMA cross", "vectorbt from_signals", vbt, units=n_big))

    mid = lambda: _setup_arrays(n_mid)  # noqa: E731
    bpy = h.measure(mid, _backtesting_py, repeat=1)
    bpy_scaled = h.Measurement(bpy.seconds * n_big / n_mid, bpy.peak_mb)  # same bars/s at n_big
    rows.append(h.row("engine fast path vs backtesting.py (bars/s)", "alphalab fast path", ours, units=n_big,
                      peer=bpy_scaled, peer_name="backtesting.py"))
    rows.append(h.row("engine fast path vs backtesting.py (bars/s)", "backtesting.py", bpy, units=n_mid))

    small = lambda: _setup_arrays(n_ev)  # noqa: E731
    ev = h.measure(small, _event_path, repeat=5)  # best of 5 for both: ~0.1-0.3 s runs on a shared machine
    bpy_small = h.measure(small, _backtesting_py, repeat=5)
    btr = h.measure(small, _backtrader, repeat=1)
    rows.append(h.row("event path, Python strategy", "alphalab event path", ev, units=n_ev, peer=bpy_small,
                      peer_name="backtesting.py"))
    rows.append(h.row("event path, Python strategy", "alphalab event path", ev, units=n_ev, peer=btr,
                      peer_name="backtrader"))
    rows.append(h.row("event path, Python strategy", "backtesting.py", bpy_small, units=n_ev))
    rows.append(h.row("event path, Python strategy", "backtrader", btr, units=n_ev))
    return rows
