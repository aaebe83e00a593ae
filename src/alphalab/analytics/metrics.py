"""Performance metrics of a backtest: one flat dict with exactly the keys of ``METRIC_KEYS``.

Definitions (P = periods per year; r = periodic simple returns of the equity curve, r[t] =
E[t] / E[t-1] - 1; b = the same for the benchmark; rf = 0):

- ``total_return``: E[-1] / E[0] - 1.
- ``cagr``: prod(1 + r) ** (P / len(r)) - 1 (years counted in bars, as empyrical).
- ``annual_volatility``: std(r, ddof=1) * sqrt(P).
- ``sharpe``: mean(r) / std(r, ddof=1) * sqrt(P).
- ``sortino``: mean(r) * sqrt(P) / sqrt(mean(min(r, 0) ** 2)) (empyrical's downside deviation).
- ``max_drawdown``: max of 1 - E / running max(E), a positive fraction (0.25 = 25%).
- ``calmar``: cagr / max_drawdown over the trailing 36 months (both measured on the points from
  the last time minus 36 calendar months on; the full history when it is shorter).
  ``mar``: cagr / max_drawdown over the full history.
- ``max_drawdown_duration_days``: longest calendar time from a high to its recovery (or to the end).
- ``ulcer_index``: sqrt(sum(drawdown ** 2) / (len(r) - 1)) (quantstats' convention).
- trade metrics (``win_rate`` ... ``total_fees``): see ``alphalab.analytics._trades.trade_metrics``.
- ``exposure``: fraction of bars with an open position: from a gross-exposure series when one
  is given (bars where it is non-zero), else from the trades' entry and exit times.
- ``turnover``: traded notional (entry + exit fills) / mean equity / years, per year.
- ``tail_ratio``: |p95(r)| / |p5(r)|.
- ``var_95``: -p5(r); ``cvar_95``: minus the mean of the worst floor((N-1) * 0.05) + 1 returns.
  Both are positive loss fractions (minus empyrical's signed values).
- ``skew`` and ``kurtosis``: bias-corrected sample skewness and excess (Fisher) kurtosis of r,
  as pandas and quantstats compute them.
- ``alpha`` (annualised: (1 + mean(r - beta * b)) ** P - 1), ``beta`` (cov(r, b) / var(b)) and
  ``information_ratio`` (mean(r - b) / std(r - b, ddof=1) * sqrt(P)), against the equal-weight
  buy-and-hold of the result's symbols; NaN without a benchmark.

Edge rules: a ratio with a zero or undefined denominator is NaN (flat equity gives a NaN
sharpe, zero drawdown a NaN calmar); a statistic with too few observations is NaN; counts and
sums over no trades are 0. No metric raises or warns.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from alphalab.analytics import nb as S
from alphalab.analytics._trades import exposure_from_trades, trade_metrics, traded_notional

METRIC_KEYS: tuple[str, ...] = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe",
    "sortino",
    "calmar",
    "mar",
    "max_drawdown",
    "max_drawdown_duration_days",
    "ulcer_index",
    "win_rate",
    "profit_factor",
    "expectancy",
    "expectancy_r",
    "avg_win_r",
    "avg_loss_r",
    "payoff_ratio",
    "trades",
    "exposure",
    "turnover",
    "avg_bars_held",
    "max_consecutive_wins",
    "max_consecutive_losses",
    "best_trade",
    "worst_trade",
    "total_fees",
    "tail_ratio",
    "var_95",
    "cvar_95",
    "skew",
    "kurtosis",
    "alpha",
    "beta",
    "information_ratio",
)

_SESSION_HOURS = {"24/7": 24.0, "24/5": 24.0}
_DAYS = {"24/7": 365.0, "24/5": 260.0}


def periods_per_year_for(timeframe: Any, symbols: Any = ()) -> float:
    """Return the number of bars per year of a timeframe on the symbols' calendar.

    Daily bars: 365 on a 24/7 calendar (crypto), 260 on 24/5 (FX), 252 sessions otherwise
    (stocks, indices). Weekly bars: 52 per year. Intraday bars: trading days x session length
    (24 h, or 6.5 h on an exchange calendar) / bar length, at least one bar per trading day. This is
    the one rule of the project: every annualised figure takes its bars per year from here (or from
    a result's own ``periods_per_year``, which the engine sets from here). With several symbols the calendar
    with the most trading time wins (the equity curve lives on the union of their bars).

    Parameters
    ----------
    timeframe : Timeframe or str
        The bar length, e.g. ``"1d"`` or ``"15m"``.
    symbols : iterable of str
        Symbols whose calendar is guessed with ``Instrument.guess``.
    """
    from alphalab.core.instrument import Instrument
    from alphalab.core.timeframe import Timeframe

    tf = Timeframe.parse(timeframe)
    cals = [Instrument.guess(s).calendar for s in symbols] or ["XNYS"]
    cal = max(cals, key=lambda c: _DAYS.get(c, 252.0) * _SESSION_HOURS.get(c, 6.5))
    days = _DAYS.get(cal, 252.0)
    if tf.seconds >= 7 * 86400:
        return 52.0 * 7 * 86400 / tf.seconds
    if tf.seconds >= 86400:
        return days * 86400 / tf.seconds
    return days * max(1.0, _SESSION_HOURS.get(cal, 6.5) * 3600 / tf.seconds)  # at least one bar a day


def buy_and_hold_equity(bars: Any, capital: float = 1.0) -> pd.Series:
    """Return the equity of an equal-weight buy-and-hold of the bars' symbols at their close.

    Each symbol gets ``capital / n`` at its first close and holds it; before its first bar
    its share stays in cash; a missing bar carries the last close forward.

    Parameters
    ----------
    bars : BarArrays
        The bars of a result (``close`` of shape (T, A), ``index``).
    capital : float
        Starting value of the benchmark.
    """
    close = np.asarray(bars.close, dtype=np.float64)
    return pd.Series(S.buy_and_hold_nb(close, float(capital)), index=bars.index, name="benchmark")


def _benchmark_values(equity: pd.Series, benchmark: pd.Series | None) -> np.ndarray | None:
    if benchmark is None or len(benchmark) == 0:
        return None
    aligned = benchmark.reindex(equity.index, method="ffill") if not benchmark.index.equals(
        equity.index
    ) else benchmark
    return np.ascontiguousarray(aligned.to_numpy(dtype=np.float64, na_value=np.nan))


def _exposure(trades: pd.DataFrame, index: pd.DatetimeIndex, exposure: pd.Series | None) -> float:
    if exposure is not None and len(exposure):
        vals = np.abs(exposure.to_numpy(dtype=np.float64, na_value=0.0))
        return float(np.mean(vals > 1e-12))
    return exposure_from_trades(trades, index)


_STAT_KEYS = (
    (S.S_TOTAL, "total_return"), (S.S_CAGR, "cagr"), (S.S_VOL, "annual_volatility"), (S.S_SHARPE, "sharpe"),
    (S.S_SORTINO, "sortino"), (S.S_CALMAR, "calmar"), (S.S_MAR, "mar"), (S.S_MDD, "max_drawdown"),
    (S.S_DUR, "max_drawdown_duration_days"), (S.S_ULCER, "ulcer_index"), (S.S_TAIL, "tail_ratio"),
    (S.S_VAR, "var_95"), (S.S_CVAR, "cvar_95"), (S.S_SKEW, "skew"), (S.S_KURT, "kurtosis"),
)
CALMAR_MONTHS = 36


def calmar_start(times: np.ndarray, months: int = CALMAR_MONTHS) -> int:
    """Return the first position of the trailing ``months`` window ending at the last time (0 if shorter)."""
    if times.size == 0:
        return 0
    start = pd.Timestamp(int(times[-1]), tz="UTC") - pd.DateOffset(months=months)
    if start.value <= int(times[0]):
        return 0
    return int(np.searchsorted(times, start.value, side="left"))


def _return_metrics(eq: np.ndarray, times: np.ndarray, ppy: float) -> dict[str, float]:
    stats = S.equity_stats(eq, times, ppy, calmar_start(times))
    return {key: float(stats[i]) for i, key in _STAT_KEYS}


def metrics_from_series(
    equity: pd.Series,
    trades: pd.DataFrame,
    benchmark_equity: pd.Series | None,
    periods_per_year: float,
    *,
    exposure: pd.Series | None = None,
) -> dict[str, float]:
    """Compute every metric of ``METRIC_KEYS`` from an equity curve and a trade log.

    Parameters
    ----------
    equity : Series
        Account equity per bar, indexed by UTC time.
    trades : DataFrame
        Trade log with the columns of ``alphalab.core.records.TRADE_COLUMNS`` (may be empty).
    benchmark_equity : Series or None
        Benchmark value per bar; reindexed (forward-filled) onto ``equity``'s index. None gives
        NaN alpha, beta and information ratio.
    periods_per_year : float
        Annualisation factor of one bar (252 for daily stock bars, 365 for daily crypto bars).
    exposure : Series, optional
        Gross exposure per bar; when given, ``exposure`` is the fraction of bars where it is
        non-zero.

    Returns
    -------
    dict[str, float]
        One float per key of ``METRIC_KEYS``, in that order (see the module docstring).
    """
    ppy = float(periods_per_year)
    if not ppy > 0:
        from alphalab.core.errors import ConfigError

        raise ConfigError(f"periods_per_year must be positive, got {periods_per_year!r}")
    eq = np.ascontiguousarray(equity.to_numpy(dtype=np.float64, na_value=np.nan))
    index = pd.DatetimeIndex(equity.index)
    times = np.ascontiguousarray(index.as_unit("ns").asi8) if len(index) else np.empty(0, dtype=np.int64)
    out = _return_metrics(eq, times, ppy)
    out.update(trade_metrics(trades))
    out["exposure"] = _exposure(trades, index, exposure)
    mean_eq = float(np.nanmean(eq)) if np.isfinite(eq).any() else math.nan
    years = max(eq.size - 1, 0) / ppy
    with np.errstate(divide="ignore", invalid="ignore"):
        turnover = traded_notional(trades) / mean_eq / years if years > 0 and mean_eq > 0 else math.nan
    out["turnover"] = float(turnover)
    bench = _benchmark_values(equity, benchmark_equity)
    if bench is None:
        alpha = beta = info = math.nan
    else:
        alpha, beta, info = S.benchmark_stats_nb(S.returns_nb(eq), bench, ppy)
    out.update({"alpha": alpha, "beta": beta, "information_ratio": info})
    return {k: float(out[k]) for k in METRIC_KEYS}


def result_periods_per_year(result: Any, override: float | None = None) -> float:
    """Return the annualisation of a result: the override, the result's own value, or the calendar's."""
    if override is not None:
        return float(override)
    own = getattr(result, "periods_per_year", None)
    if own:
        return float(own)
    return periods_per_year_for(result.timeframe, result.symbols)


def result_benchmark(result: Any) -> pd.Series | None:
    """Return the equal-weight buy-and-hold of a result's bars, starting at its initial equity."""
    bars = getattr(result, "bars", None)
    if bars is None or getattr(bars, "n_bars", 0) == 0:
        return None
    eq = result.equity["equity"]
    capital = float(eq.iloc[0]) if len(eq) else 1.0
    return buy_and_hold_equity(bars, capital)


def compute_metrics(result: Any, *, periods_per_year: float | None = None) -> dict[str, float]:
    """Compute the metrics of a ``BacktestResult`` (read by attribute: equity, trades, bars, ...).

    Parameters
    ----------
    result : BacktestResult
        Any object with ``equity`` (DataFrame with an ``equity`` column and optionally
        ``exposure``), ``trades``, ``bars``, ``timeframe``, ``symbols`` and ``periods_per_year``.
    periods_per_year : float, optional
        Override of the annualisation (else the result's own, else the calendar's).

    Returns
    -------
    dict[str, float]
        Exactly the keys of ``METRIC_KEYS``; the benchmark is the equal-weight buy-and-hold
        of the result's symbols.
    """
    frame = result.equity
    exposure = frame["exposure"] if "exposure" in frame.columns else None
    return metrics_from_series(
        frame["equity"],
        result.trades,
        result_benchmark(result),
        result_periods_per_year(result, periods_per_year),
        exposure=exposure,
    )
