"""The look-ahead checker: change the future in two independent ways and compare every decision.

A strategy without look-ahead decides at bar t from bars up to t only. So for each cut k:

- **truncation**: running it on a physically truncated copy of the data (bars ``0 .. k-1``),
- **continuation**: running it on the data whose bars from ``k`` on are replaced by a seeded random
  continuation (a GBM path from each asset's last close, with its own volatility),

must reproduce every decision made at bars ``0 .. k-1``. For a Python strategy the decisions are
its order calls (bar, action, symbol, side, type, prices and size); for an SDL strategy they are the
entry/exit signals at every bar (multi-timeframe confirmations included), the values its conditions
read (indicators and aligned higher-timeframe values, to 1e-9) and the trades filled before the cut. Any difference names the method, the cut, the bar, the symbol and what changed; a
run that raises on the changed data is reported at the bar where it broke.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV, BarArrays
from alphalab.core.errors import EngineError

_SIGNALS = ("entry_long", "exit_long", "entry_short", "exit_short")
METHODS = ("truncation", "continuation")
_MAX_PER_CUT = 20


@dataclass(frozen=True)
class Difference:
    """One decision that changed when the future was changed (``truncated``: the changed run's side)."""

    cut: int
    time: str
    symbol: str
    what: str
    full: str
    truncated: str
    bar: int = -1
    method: str = "truncation"


@dataclass
class LookaheadReport:
    """What the checker compared and every difference it found."""

    strategy: str
    cuts_checked: int
    bars: int
    differences: list[Difference] = field(default_factory=list)
    methods: tuple[str, ...] = METHODS

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def first(self) -> Difference | None:
        """The difference at the earliest bar (the first decision that used the future)."""
        return min(self.differences, key=lambda d: (d.bar, d.cut)) if self.differences else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "ok": self.ok,
            "cuts_checked": self.cuts_checked,
            "bars": self.bars,
            "methods": list(self.methods),
            "differences": [asdict(d) for d in self.differences],
        }


def cut_points(n_bars: int, n_cuts: int, *, first: int | None = None) -> list[int]:
    """Return ``n_cuts`` distinct truncation lengths spread over the data after its first quarter.

    Cuts start after a quarter of the data (so indicators are warm) and end one bar before the end.
    """
    lo = first if first is not None else max(2, n_bars // 4)
    hi = n_bars - 1
    if hi <= lo:
        return [hi] if hi >= 2 else []
    return sorted({int(x) for x in np.linspace(lo, hi, num=max(1, n_cuts))})


def continuation(bars: BarArrays, k: int, seed: int = 0) -> BarArrays:
    """Return a copy of ``bars`` whose bars from ``k`` on are a seeded random continuation.

    Each asset continues as a geometric Brownian motion from its last close before ``k``, with the
    standard deviation of its own log returns before ``k``; bars it has no data for stay NaN (the
    calendar is unchanged). Rows before ``k`` are copied unchanged.
    """
    rng = np.random.default_rng([seed, k])
    cols = {c: np.array(getattr(bars, c), dtype=np.float64, copy=True) for c in OHLCV}
    for j in range(bars.n_assets):
        past = cols["close"][:k, j]
        past = past[past == past]
        rows = np.flatnonzero(cols["close"][k:, j] == cols["close"][k:, j]) + k
        if rows.size == 0:
            continue
        start = float(past[-1]) if past.size else 100.0
        rets = np.diff(np.log(past)) if past.size > 2 else np.empty(0)
        sigma = float(np.std(rets)) if rets.size > 1 and np.std(rets) > 0 else 0.01
        close = start * np.exp(np.cumsum(rng.normal(0.0, sigma, rows.size)))
        prev = np.r_[start, close[:-1]] * np.exp(rng.normal(0.0, 0.2 * sigma, rows.size))
        wick = np.exp(np.abs(rng.normal(0.0, 0.5 * sigma, (2, rows.size))))
        vol_past = bars.volume[:k, j][bars.volume[:k, j] == bars.volume[:k, j]]
        cols["open"][rows, j] = prev
        cols["close"][rows, j] = close
        cols["high"][rows, j] = np.maximum(prev, close) * wick[0]
        cols["low"][rows, j] = np.minimum(prev, close) / wick[1]
        cols["volume"][rows, j] = rng.choice(vol_past, rows.size) if vol_past.size else 1e6
    return BarArrays(bars.time.copy(), cols["open"], cols["high"], cols["low"], cols["close"], cols["volume"],
                     symbols=bars.symbols, timeframe=bars.timeframe)


def _changed(bars: BarArrays, k: int, method: str, seed: int) -> BarArrays:
    return bars.slice(0, k) if method == "truncation" else continuation(bars, k, seed)


def _compare_signals(full: Any, part: Any, k: int, bars: BarArrays, method: str, out: list[Difference]) -> None:
    for name in _SIGNALS:
        a = np.asarray(getattr(full, name))[:k]
        b = np.asarray(getattr(part, name))[:k]
        for t, j in np.argwhere(a != b)[:_MAX_PER_CUT]:
            out.append(Difference(k, str(bars.index[t]), bars.symbols[j], f"{name} signal", str(bool(a[t, j])),
                                  str(bool(b[t, j])), int(t), method))


def _compare_indicators(full: Any, part: Any, k: int, bars: BarArrays, method: str,
                        out: list[Difference]) -> None:
    """Compare the values the conditions read (indicators, confirmation values) before ``k``, to 1e-9."""
    for name, arr in full.indicators.items():
        other = part.indicators.get(name)
        if other is None:
            continue
        a, b = np.asarray(arr, dtype=np.float64)[:k], np.asarray(other, dtype=np.float64)[:k]
        bad = ~np.isclose(a, b, rtol=1e-9, atol=0.0, equal_nan=True)
        hits = np.argwhere(bad.reshape(a.shape[0], -1))
        if hits.size:
            t, j = (int(x) for x in hits[0])
            out.append(Difference(k, str(bars.index[t]), bars.symbols[j % bars.n_assets], f"indicator {name}",
                                  repr(float(a.reshape(a.shape[0], -1)[t, j])),
                                  repr(float(b.reshape(b.shape[0], -1)[t, j])), t, method))


def _decisions(trades: pd.DataFrame, before: pd.Timestamp) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Entries filled before ``before``, and exits filled before it that were not forced by the data's end."""
    if trades.empty:
        return set(), set()
    entries = trades[trades["entry_time"] < before]
    exits = entries[(entries["exit_time"] < before) & (entries["exit_reason"] != "end_of_data")]
    e = {(r.symbol, r.side, r.entry_time, round(float(r.entry_price), 9), round(float(r.quantity), 9))
         for r in entries.itertuples()}
    x = {(r.symbol, r.side, r.exit_time, round(float(r.exit_price), 9), r.exit_reason) for r in exits.itertuples()}
    return e, x


def _compare_trades(full: pd.DataFrame, part: pd.DataFrame, k: int, bars: BarArrays, method: str,
                    out: list[Difference]) -> None:
    before = bars.index[k - 1]
    fe, fx = _decisions(full, before)
    pe, px = _decisions(part, before)
    index = bars.index
    for what, a, b in (("entry", fe, pe), ("exit", fx, px)):
        for item in sorted(a ^ b, key=str)[:_MAX_PER_CUT]:
            bar = int(index.searchsorted(item[2]))
            out.append(Difference(k, str(item[2]), str(item[0]), what, "present" if item in a else "absent",
                                  "present" if item in b else "absent", bar, method))


def _by_bar(decisions: list[Any], k: int) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for d in decisions:
        if d.bar < k:
            out.setdefault(d.bar, []).append(d)
    return out


def _compare_decisions(full: Any, part: Any, k: int, bars: BarArrays, method: str, out: list[Difference]) -> None:
    """Compare the order calls of two runs at every bar before ``k`` (and report a run that broke)."""
    limit = k if part.failed_at < 0 else min(k, part.failed_at)
    a, b = _by_bar(full.decisions, limit), _by_bar(part.decisions, limit)
    index = bars.index
    changed = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
    for t in changed[:_MAX_PER_CUT]:
        da, db = a.get(t, []), b.get(t, [])
        out.append(Difference(k, str(index[t]), (da or db)[0].symbol, f"decision at bar {t}",
                              "; ".join(d.describe() for d in da) or "none",
                              "; ".join(d.describe() for d in db) or "none", t, method))
    if 0 <= part.failed_at < k:
        t = part.failed_at
        out.append(Difference(k, str(index[t]), "", f"run failed at bar {t}", "ran", part.error, t, method))


def _check_python(cls: Any, bars: BarArrays, config: Any, params: Mapping[str, Any] | None, cuts: list[int],
                  methods: tuple[str, ...], seed: int, out: list[Difference]) -> None:
    from alphalab.engine.event import strategy_decisions

    full = strategy_decisions(cls, bars, config, params=params)
    if full.failed_at >= 0:
        raise EngineError(f"the strategy failed on the full data at bar {full.failed_at}: {full.error}",
                          hint="fix the strategy first; the checker compares runs that complete")
    for method in methods:
        for k in cuts:
            part = strategy_decisions(cls, _changed(bars, k, method, seed), config, params=params)
            _compare_decisions(full, part, k, bars, method, out)


def _check_sdl(spec: Any, bars: BarArrays, config: Any, cuts: list[int], methods: tuple[str, ...], seed: int,
               out: list[Difference]) -> None:
    from alphalab.engine import run_backtest
    from alphalab.sdl import compile as compile_plan

    plan = compile_plan(spec)
    full_signals = plan.signals(bars)
    full_trades = run_backtest(spec, bars, config).trades
    for method in methods:
        for k in cuts:
            part = _changed(bars, k, method, seed)
            part_signals = plan.signals(part)
            _compare_signals(full_signals, part_signals, k, bars, method, out)
            _compare_indicators(full_signals, part_signals, k, bars, method, out)
            _compare_trades(full_trades, run_backtest(spec, part, config).trades, k, bars, method, out)


def check_lookahead(
    strategy: Any,
    bars: BarArrays,
    config: Any = None,
    *,
    n_cuts: int = 12,
    params: Mapping[str, Any] | None = None,
    methods: tuple[str, ...] = METHODS,
    seed: int = 0,
) -> LookaheadReport:
    """Change the data after ``n_cuts`` cut points (both methods by default); report changed decisions.

    Parameters
    ----------
    strategy
        A strategy id, an SDL file path, a loaded ``StrategySpec``, or a Python ``Strategy``
        subclass or instance.
    bars
        The full data.
    config
        A ``BacktestConfig`` (default settings when None).
    n_cuts
        How many cut points to check (per method).
    params
        Parameter overrides for the strategy.
    methods
        ``"truncation"`` and/or ``"continuation"`` (see the module docstring).
    seed
        Seed of the random continuations.
    """
    from alphalab.strategies.api import Strategy
    from alphalab.strategies.registry import get as get_strategy

    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise EngineError(f"unknown look-ahead method(s) {unknown or list(methods)}", hint=f"use {list(METHODS)}")
    found = (get_strategy(str(strategy), params=dict(params) if params else None)
             if isinstance(strategy, (str, Path)) else strategy)
    differences: list[Difference] = []
    cuts = cut_points(bars.n_bars, n_cuts)
    cls = type(found) if isinstance(found, Strategy) else found
    if isinstance(cls, type) and issubclass(cls, Strategy):
        _check_python(found, bars, config, params, cuts, tuple(methods), seed, differences)
        name = cls.strategy_id()
    else:
        _check_sdl(found, bars, config, cuts, tuple(methods), seed, differences)
        name = str(getattr(found, "id", strategy))
    differences.sort(key=lambda d: (d.bar, d.method, d.cut))
    return LookaheadReport(name, len(cuts), bars.n_bars, differences, tuple(methods))
