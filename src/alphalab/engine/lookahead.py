"""The look-ahead checker: re-run a strategy on truncated data and compare every decision.

A strategy without look-ahead decides at bar t from bars up to t only, so running it on the data
cut after bar k must reproduce, for every bar before the cut, the same signals, the same entries
and the same exits as the run on the full data. Any difference names the cut, the bar, the symbol
and what changed. The last bar before a cut is compared for signals only: a fill there would need
the next bar, which the truncated run does not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays

_SIGNALS = ("entry_long", "exit_long", "entry_short", "exit_short")


@dataclass(frozen=True)
class Difference:
    """One decision that changed when the future was cut off."""

    cut: int
    time: str
    symbol: str
    what: str
    full: str
    truncated: str


@dataclass
class LookaheadReport:
    """What the checker compared and every difference it found."""

    strategy: str
    cuts_checked: int
    bars: int
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "ok": self.ok,
            "cuts_checked": self.cuts_checked,
            "bars": self.bars,
            "differences": [asdict(d) for d in self.differences],
        }


def cut_points(n_bars: int, n_cuts: int, *, first: int | None = None) -> list[int]:
    """Return ``n_cuts`` distinct truncation lengths spread over the second half... of the data.

    Cuts start after a quarter of the data (so indicators are warm) and end one bar before the end.
    """
    lo = first if first is not None else max(2, n_bars // 4)
    hi = n_bars - 1
    if hi <= lo:
        return [hi] if hi >= 2 else []
    return sorted({int(x) for x in np.linspace(lo, hi, num=max(1, n_cuts))})


def _compare_signals(full: Any, part: Any, k: int, bars: BarArrays, out: list[Difference]) -> None:
    for name in _SIGNALS:
        a = np.asarray(getattr(full, name))[:k]
        b = np.asarray(getattr(part, name))
        diff = np.argwhere(a != b)
        for t, j in diff[:20]:
            out.append(
                Difference(
                    k,
                    str(bars.index[t]),
                    bars.symbols[j],
                    f"{name} signal",
                    str(bool(a[t, j])),
                    str(bool(b[t, j])),
                )
            )


def _decisions(
    trades: pd.DataFrame, before: pd.Timestamp
) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Entries filled before ``before``, and exits filled before it that were not forced by the data's end."""
    if trades.empty:
        return set(), set()
    entries = trades[trades["entry_time"] < before]
    exits = entries[(entries["exit_time"] < before) & (entries["exit_reason"] != "end_of_data")]
    e = {
        (r.symbol, r.side, r.entry_time, round(float(r.entry_price), 9), round(float(r.quantity), 9))
        for r in entries.itertuples()
    }
    x = {
        (r.symbol, r.side, r.exit_time, round(float(r.exit_price), 9), r.exit_reason)
        for r in exits.itertuples()
    }
    return e, x


def _compare_trades(
    full: pd.DataFrame, part: pd.DataFrame, k: int, bars: BarArrays, out: list[Difference]
) -> None:
    before = bars.index[k - 1]
    fe, fx = _decisions(full, before)
    pe, px = _decisions(part, before)
    for what, a, b in (("entry", fe, pe), ("exit", fx, px)):
        for item in sorted(a ^ b, key=str)[:20]:
            out.append(
                Difference(
                    k,
                    str(item[2]),
                    str(item[0]),
                    what,
                    "present" if item in a else "absent",
                    "present" if item in b else "absent",
                )
            )


def check_lookahead(
    strategy: Any,
    bars: BarArrays,
    config: Any = None,
    *,
    n_cuts: int = 12,
    params: Mapping[str, Any] | None = None,
) -> LookaheadReport:
    """Run ``strategy`` on ``bars`` and on ``n_cuts`` truncations of them; report changed decisions.

    Parameters
    ----------
    strategy
        A strategy id, an SDL file path or a loaded ``StrategySpec``.
    bars
        The full data.
    config
        A ``BacktestConfig`` (default settings when None).
    n_cuts
        How many truncation points to check.
    params
        Parameter overrides for the strategy.
    """
    from alphalab.engine import run_backtest, run_strategy
    from alphalab.sdl import compile as compile_plan
    from alphalab.strategies.api import Strategy
    from alphalab.strategies.registry import get as get_strategy

    found = (
        get_strategy(str(strategy), params=dict(params) if params else None)
        if isinstance(strategy, (str, Path))
        else strategy
    )
    differences: list[Difference] = []
    cuts = cut_points(bars.n_bars, n_cuts)
    if isinstance(found, type) and issubclass(found, Strategy):
        # A Python strategy sees bars up to now only through ctx; its fills are what can leak.
        full = run_strategy(found, bars, config, params=params).trades
        for k in cuts:
            _compare_trades(
                full,
                run_strategy(found, bars.slice(0, k), config, params=params).trades,
                k,
                bars,
                differences,
            )
        return LookaheadReport(found.strategy_id(), len(cuts), bars.n_bars, differences)
    spec: Any = found
    plan = compile_plan(spec)
    full_signals = plan.signals(bars)
    full_trades = run_backtest(spec, bars, config).trades
    for k in cuts:
        part = bars.slice(0, k)
        _compare_signals(full_signals, plan.signals(part), k, bars, differences)
        _compare_trades(full_trades, run_backtest(spec, part, config).trades, k, bars, differences)
    return LookaheadReport(str(getattr(spec, "id", strategy)), len(cuts), bars.n_bars, differences)
