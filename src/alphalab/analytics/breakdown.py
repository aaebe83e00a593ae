"""Breakdowns of a backtest: trade statistics per symbol, year, month, side, exit reason, regime.

Trades are assigned to the year and month of their exit (when their pnl is realised). The
year and month tables also carry the equity curve's return over that calendar period when an
equity curve is available; a period without trades has zero trades, pnl and fees (the averages
and ratios stay NaN).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from alphalab.analytics._trades import _profit_factor

BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "trades",
    "win_rate",
    "pnl",
    "avg_pnl",
    "avg_return_pct",
    "expectancy_r",
    "profit_factor",
    "fees",
    "avg_bars_held",
)


def _group_stats(group: pd.DataFrame) -> dict[str, float]:
    pnl = pd.to_numeric(group["pnl"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    def mean_of(col: str) -> float:
        if col not in group.columns:
            return math.nan
        x = pd.to_numeric(group[col], errors="coerce").dropna()
        return float(x.mean()) if len(x) else math.nan

    return {
        "trades": float(len(group)),
        "win_rate": float(np.mean(pnl > 0)) if len(pnl) else math.nan,
        "pnl": float(np.nansum(pnl)),
        "avg_pnl": mean_of("pnl"),
        "avg_return_pct": mean_of("return_pct"),
        "expectancy_r": mean_of("pnl_r"),
        "profit_factor": _profit_factor(pnl),
        "fees": float(pd.to_numeric(group.get("fees", pd.Series(dtype=float)), errors="coerce").sum()),
        "avg_bars_held": mean_of("bars_held"),
    }


def trade_breakdown(trades: pd.DataFrame, key: pd.Series | str, name: str | None = None) -> pd.DataFrame:
    """Return one row of trade statistics per value of ``key`` (a column name or a Series).

    Parameters
    ----------
    trades : DataFrame
        The canonical trade log.
    key : str or Series
        Column to group by, or a Series aligned with ``trades`` holding the group labels.
    name : str, optional
        Name of the resulting index (defaults to the column name).

    Returns
    -------
    DataFrame
        Columns ``BREAKDOWN_COLUMNS``, one row per group, sorted by group label.
    """
    labels = trades[key] if isinstance(key, str) else key
    index_name = name or (key if isinstance(key, str) else str(labels.name))
    if len(trades) == 0:
        return pd.DataFrame(columns=list(BREAKDOWN_COLUMNS), index=pd.Index([], name=index_name))
    rows = {label: _group_stats(group) for label, group in trades.groupby(labels.to_numpy(), sort=True)}
    out = pd.DataFrame.from_dict(rows, orient="index").loc[:, list(BREAKDOWN_COLUMNS)]
    out.index.name = index_name
    return out


def period_returns(equity: pd.Series, freq: str) -> pd.Series:
    """Return the equity curve's simple return over each calendar period (``"year"`` or ``"month"``).

    The first period is measured from the first equity value, each later one from the last
    value of the period before.
    """
    if len(equity) == 0:
        return pd.Series(dtype=float)
    idx = pd.DatetimeIndex(equity.index)
    # integer period codes (yyyymm / yyyy), formatted once per period rather than once per bar
    code = idx.year.to_numpy(np.int64) * (100 if freq == "month" else 1)
    if freq == "month":
        code = code + idx.month.to_numpy(np.int64)
    last = equity.groupby(code, sort=True).last()
    fmt = "{:04d}-{:02d}" if freq == "month" else "{:04d}"
    last.index = pd.Index([fmt.format(*divmod(int(c), 100)) if freq == "month" else fmt.format(int(c))
                           for c in last.index])
    prev = last.shift(1)
    prev.iloc[0] = float(equity.iloc[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = last.to_numpy(dtype=np.float64) / prev.to_numpy(dtype=np.float64) - 1.0
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=pd.Index(last.index, name=freq), name="return")


def monthly_returns_table(equity: pd.Series) -> pd.DataFrame:
    """Return the monthly returns as a year x month (1..12) table; months without data are NaN."""
    monthly = period_returns(equity, "month")
    table = pd.DataFrame(index=pd.Index([], name="year"), columns=range(1, 13), dtype=float)
    for label, value in monthly.items():
        year, month = str(label).split("-")
        table.loc[int(year), int(month)] = value
    return table.sort_index().astype(float)


def _with_period_returns(table: pd.DataFrame, equity: pd.Series | None, freq: str) -> pd.DataFrame:
    if equity is None:
        return table
    rets = period_returns(equity, freq)
    out = table.reindex(table.index.union(rets.index))
    out.index.name = freq
    for col in ("trades", "pnl", "fees"):  # a period without trades realised nothing and paid nothing
        out[col] = out[col].fillna(0.0)
    out["return"] = rets.reindex(out.index)
    return out


def _unpack(result_or_trades: Any, equity: pd.Series | pd.DataFrame | None) -> tuple[pd.DataFrame, Any]:
    if isinstance(result_or_trades, pd.DataFrame):
        return result_or_trades, equity
    trades = result_or_trades.trades
    if equity is None:
        equity = getattr(result_or_trades, "equity", None)
    return trades, equity


def breakdowns(
    result_or_trades: Any, equity: pd.Series | pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Break a backtest's trades down by symbol, year, month, side and exit reason (and regime).

    Parameters
    ----------
    result_or_trades : BacktestResult or DataFrame
        A result (its ``trades`` and ``equity`` are read) or a trade log.
    equity : Series or DataFrame, optional
        Equity curve (a Series, or a frame with an ``equity`` column); adds the calendar
        period's ``return`` column to the ``year`` and ``month`` tables.

    Returns
    -------
    dict[str, DataFrame]
        Keys ``symbol``, ``year``, ``month``, ``side``, ``exit_reason``, and ``regime`` when
        at least one trade carries a regime label. Each table has the columns of
        ``BREAKDOWN_COLUMNS`` (plus ``return`` for year and month), one row per group.
    """
    trades, eq = _unpack(result_or_trades, equity)
    if isinstance(eq, pd.DataFrame):
        eq = eq["equity"]
    exit_times = pd.DatetimeIndex(pd.to_datetime(trades["exit_time"], utc=True)) if len(trades) else None
    years = pd.Series(exit_times.strftime("%Y") if exit_times is not None else [], index=trades.index, dtype=object)
    months = pd.Series(exit_times.strftime("%Y-%m") if exit_times is not None else [], index=trades.index, dtype=object)
    out = {
        "symbol": trade_breakdown(trades, "symbol"),
        "year": _with_period_returns(trade_breakdown(trades, years, "year"), eq, "year"),
        "month": _with_period_returns(trade_breakdown(trades, months, "month"), eq, "month"),
        "side": trade_breakdown(trades, "side"),
        "exit_reason": trade_breakdown(trades, "exit_reason"),
    }
    if "regime" in trades.columns:
        regime = trades["regime"].fillna("").astype(str)
        if (regime != "").any():
            known = trades[regime != ""]
            out["regime"] = trade_breakdown(known, regime[regime != ""], "regime")
    return out
