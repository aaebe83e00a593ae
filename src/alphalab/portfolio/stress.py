"""Stress tests: replay historical crises on today's weights, and apply user shocks per asset.

A historical scenario holds the weights fixed (buy and hold from the window's first bar) and
reports the portfolio's return over the window and its worst drawdown inside it. An asset without
data in a window is listed as missing and held flat (its weight earns 0) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named historical window."""

    name: str
    start: str
    end: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("dot-com bust 2000-02", "2000-03-24", "2002-10-09"),
    Scenario("financial crisis 2008-09", "2007-10-09", "2009-03-09"),
    Scenario("Lehman month 2008", "2008-09-12", "2008-10-10"),
    Scenario("covid crash 2020", "2020-02-19", "2020-03-23"),
)


def _window(closes: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    idx = closes.index
    start = pd.Timestamp(sc.start, tz=idx.tz) if idx.tz is not None else pd.Timestamp(sc.start)
    end = pd.Timestamp(sc.end, tz=idx.tz) if idx.tz is not None else pd.Timestamp(sc.end)
    return closes.loc[(idx >= start) & (idx <= end + pd.Timedelta(days=1))]


def replay(closes: pd.DataFrame, weights: Mapping[str, float], sc: Scenario) -> dict[str, object]:
    """Return one scenario's row: portfolio return and max drawdown over the window, assets covered."""
    w = pd.Series({k: float(v) for k, v in weights.items()})
    win = _window(closes.reindex(columns=list(w.index)), sc)
    covered = [a for a in w.index if len(win) > 1 and win[a].notna().iloc[0] and win[a].notna().sum() > 1]
    row: dict[str, object] = {"scenario": sc.name, "start": sc.start, "end": sc.end,
                              "covered": ",".join(covered),
                              "missing": ",".join(a for a in w.index if a not in covered)}
    if not covered:
        row.update(bars=0, portfolio_return=np.nan, max_drawdown=np.nan)
        return row
    rel = win[covered].ffill() / win[covered].iloc[0]
    value = 1.0 + (rel - 1.0).mul(w[covered], axis=1).sum(axis=1)  # weights fixed at the start
    peak = value.cummax()
    row.update(bars=len(win), portfolio_return=float(value.iloc[-1] - 1.0),
               max_drawdown=float((1.0 - value / peak).max()))
    for a in covered:
        row[f"return_{a}"] = float(rel[a].iloc[-1] - 1.0)
    return row


def shock(weights: Mapping[str, float], shocks: Mapping[str, float]) -> dict[str, object]:
    """Return the portfolio return of instantaneous per-asset ``shocks`` (e.g. ``{"AAPL": -0.3}``)."""
    unknown = sorted(set(shocks) - set(weights))
    if unknown:
        raise ConfigError(f"shock on {', '.join(unknown)}, which the portfolio does not hold",
                          hint=f"hold one of {', '.join(sorted(weights))}")
    ret = sum(float(weights[a]) * float(s) for a, s in shocks.items())
    label = ", ".join(f"{a} {s:+.0%}" for a, s in shocks.items())
    return {"scenario": f"shock: {label}", "start": "", "end": "", "covered": ",".join(shocks), "missing": "",
            "bars": 1, "portfolio_return": ret, "max_drawdown": max(-ret, 0.0)}


def stress_table(closes: pd.DataFrame, weights: Mapping[str, float],
                 scenarios: Sequence[Scenario] = SCENARIOS,
                 shocks: Sequence[Mapping[str, float]] = ()) -> pd.DataFrame:
    """Return the table of losses by scenario: historical replays, then the user shocks."""
    if not weights:
        raise ConfigError("a stress test needs at least one weight", hint="e.g. --weight AAPL=0.5")
    missing = sorted(set(weights) - set(closes.columns))
    if missing:
        raise ConfigError(f"no prices for {', '.join(missing)}")
    rows = [replay(closes, weights, sc) for sc in scenarios] + [shock(weights, s) for s in shocks]
    return pd.DataFrame(rows)
