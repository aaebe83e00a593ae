"""Trade-level metrics from the canonical trade log (``alphalab.core.records.TRADE_COLUMNS``).

A trade is a win when its net ``pnl`` is > 0 and a loss when it is < 0; a trade with pnl
exactly 0 is neither (it counts in ``trades`` and in averages over all trades, and breaks
both win and loss streaks). Metrics over an empty set are NaN, except counts and sums (0).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numba import njit


def _nan() -> float:
    return float("nan")


def _col(trades: pd.DataFrame, name: str) -> np.ndarray:
    if name not in trades.columns or len(trades) == 0:
        return np.full(len(trades), np.nan)
    return pd.to_numeric(trades[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else _nan()


def _time_key(trades: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in trades.columns:
        return None
    col = trades[name]
    if name == "id":
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DatetimeIndex(pd.to_datetime(col, utc=True)).as_unit("ns").asi8


def exit_order(trades: pd.DataFrame) -> np.ndarray:
    """Return the positions of the trades sorted by exit time, then entry time, then id (stable).

    This is the order streaks use.
    """
    keys = [k for k in (_time_key(trades, c) for c in ("id", "entry_time", "exit_time")) if k is not None]
    if not keys or len(trades) == 0:
        return np.arange(len(trades))
    return np.lexsort(keys)


@njit(cache=True, error_model="numpy")
def streaks_nb(pnl: np.ndarray) -> tuple[int, int]:
    """Return the longest runs of wins (pnl > 0) and of losses (pnl < 0); any other pnl breaks both."""
    best_w = best_l = cur_w = cur_l = 0
    for p in pnl:
        if p > 0:
            cur_w, cur_l = cur_w + 1, 0
        elif p < 0:
            cur_w, cur_l = 0, cur_l + 1
        else:
            cur_w = cur_l = 0
        best_w, best_l = max(best_w, cur_w), max(best_l, cur_l)
    return best_w, best_l


def _profit_factor(pnl: np.ndarray) -> float:
    gross_win = float(pnl[pnl > 0].sum())
    gross_loss = -float(pnl[pnl < 0].sum())
    if gross_loss > 0:
        return gross_win / gross_loss
    return math.inf if gross_win > 0 else _nan()


def trade_metrics(trades: pd.DataFrame) -> dict[str, float]:
    """Return the trade-level metrics of a trade log.

    Parameters
    ----------
    trades : DataFrame
        The canonical trade log; only ``pnl``, ``pnl_r``, ``return_pct``, ``fees``,
        ``bars_held`` and the time columns are read.

    Returns
    -------
    dict
        ``win_rate`` (wins / trades), ``profit_factor`` (gross profit / gross loss; +inf with
        wins but no loss, NaN with neither), ``expectancy`` (mean pnl per trade, in quote
        currency), ``expectancy_r`` (mean ``pnl_r`` over trades that have one), ``avg_win_r``
        and ``avg_loss_r`` (mean ``pnl_r`` of wins / of losses; the latter is negative),
        ``payoff_ratio`` (mean win pnl / |mean loss pnl|), ``trades`` (count),
        ``avg_bars_held``, ``max_consecutive_wins``, ``max_consecutive_losses`` (in exit-time
        order), ``best_trade`` / ``worst_trade`` (largest / smallest ``return_pct``, a fraction
        of the entry notional) and ``total_fees`` (sum of fees, quote currency).
    """
    t = trades
    n = len(t)
    pnl = _col(t, "pnl")
    r_mult = _col(t, "pnl_r")
    ret = _col(t, "return_pct")
    wins, losses = pnl > 0, pnl < 0
    avg_win, avg_loss = _mean(pnl[wins]), _mean(pnl[losses])
    streak_w, streak_l = streaks_nb(np.ascontiguousarray(pnl[exit_order(t)]))
    finite_ret = ret[np.isfinite(ret)]
    return {
        "win_rate": float(wins.sum()) / n if n else _nan(),
        "profit_factor": _profit_factor(pnl) if n else _nan(),
        "expectancy": _mean(pnl),
        "expectancy_r": _mean(r_mult),
        "avg_win_r": _mean(r_mult[wins]),
        "avg_loss_r": _mean(r_mult[losses]),
        "payoff_ratio": avg_win / abs(avg_loss) if math.isfinite(avg_win) and avg_loss < 0 else _nan(),
        "trades": float(n),
        "avg_bars_held": _mean(_col(t, "bars_held")),
        "max_consecutive_wins": float(streak_w),
        "max_consecutive_losses": float(streak_l),
        "best_trade": float(finite_ret.max()) if finite_ret.size else _nan(),
        "worst_trade": float(finite_ret.min()) if finite_ret.size else _nan(),
        "total_fees": float(np.nansum(_col(t, "fees"))) if n else 0.0,
    }


def traded_notional(trades: pd.DataFrame) -> float:
    """Return the notional of all fills: ``sum(quantity * (entry_price + exit_price))``."""
    if len(trades) == 0:
        return 0.0
    q = np.abs(_col(trades, "quantity"))
    notional = q * (np.abs(_col(trades, "entry_price")) + np.abs(_col(trades, "exit_price")))
    return float(np.nansum(notional))


def exposure_from_trades(trades: pd.DataFrame, index: pd.DatetimeIndex) -> float:
    """Return the fraction of bars of ``index`` during which at least one trade was open.

    Bar ``t`` counts when ``entry_time <= t < exit_time`` for some trade (so a trade covers
    ``bars_held`` bars when both fills sit on bar times).
    """
    if len(index) == 0:
        return _nan()
    if len(trades) == 0:
        return 0.0
    times = index.as_unit("ns").asi8
    delta = np.zeros(len(times) + 1, dtype=np.int64)
    entry = pd.DatetimeIndex(pd.to_datetime(trades["entry_time"], utc=True)).as_unit("ns").asi8
    exit_ = pd.DatetimeIndex(pd.to_datetime(trades["exit_time"], utc=True)).as_unit("ns").asi8
    start = np.searchsorted(times, entry, side="left")
    stop = np.searchsorted(times, exit_, side="left")
    np.add.at(delta, start, 1)
    np.add.at(delta, stop, -1)
    open_count = np.cumsum(delta[:-1])
    return float(np.mean(open_count > 0))
