"""Metrics of a periodic return series and its equity curve (pure NumPy, no warnings).

Every function takes float64 arrays and returns a Python float. A ratio whose denominator is
zero or undefined is NaN; a statistic that needs more observations than it has is NaN. All
divisions run under ``np.errstate`` so that no RuntimeWarning ever escapes.
"""

from __future__ import annotations

import math

import numpy as np

# A standard deviation below this is treated as zero (a flat series), so that float noise in
# the returns of a constant-growth curve does not give a ratio of 1e16.
_FLAT = 1e-14


def _nan() -> float:
    return float("nan")


def simple_returns(equity: np.ndarray) -> np.ndarray:
    """Return the periodic simple returns ``E[t] / E[t-1] - 1`` of an equity curve (length N-1).

    A period whose previous equity is zero or not finite gives a return of NaN, which the
    metrics below drop.
    """
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size < 2:
        return np.empty(0, dtype=np.float64)
    prev = eq[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = eq[1:] / prev - 1.0
    out[~np.isfinite(out)] = np.nan
    return out


def _clean(returns: np.ndarray) -> np.ndarray:
    r = np.asarray(returns, dtype=np.float64)
    return r[np.isfinite(r)]


def total_return(equity: np.ndarray) -> float:
    """Return ``E[-1] / E[0] - 1``; NaN when the curve is empty or starts at zero."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0 or not np.isfinite(eq[0]) or eq[0] == 0.0:
        return _nan()
    return float(eq[-1] / eq[0] - 1.0)


def cagr(returns: np.ndarray, periods_per_year: float) -> float:
    """Return the compound annual growth rate, with years = number of returns / periods per year.

    ``(prod(1 + r)) ** (1 / years) - 1`` as empyrical's ``annual_return``; NaN without returns
    or when the final wealth is negative.
    """
    r = _clean(returns)
    if r.size == 0 or periods_per_year <= 0:
        return _nan()
    wealth = float(np.prod(1.0 + r))
    if wealth < 0:
        return _nan()
    years = r.size / periods_per_year
    with np.errstate(over="ignore"):
        return float(np.power(wealth, 1.0 / years) - 1.0)


def annual_volatility(returns: np.ndarray, periods_per_year: float) -> float:
    """Return the sample standard deviation (ddof=1) of returns times ``sqrt(periods_per_year)``."""
    r = _clean(returns)
    if r.size < 2:
        return _nan()
    return float(np.std(r, ddof=1) * math.sqrt(periods_per_year))


def sharpe(returns: np.ndarray, periods_per_year: float) -> float:
    """Return ``mean(r) / std(r, ddof=1) * sqrt(periods_per_year)`` (risk-free rate 0).

    NaN with fewer than two returns or a zero standard deviation.
    """
    r = _clean(returns)
    if r.size < 2:
        return _nan()
    sd = float(np.std(r, ddof=1))
    if not sd > _FLAT:
        return _nan()
    return float(np.mean(r) / sd * math.sqrt(periods_per_year))


def downside_deviation(returns: np.ndarray) -> float:
    """Return ``sqrt(mean(min(r, 0) ** 2))`` over all returns (empyrical's downside risk, unannualised)."""
    r = _clean(returns)
    if r.size == 0:
        return _nan()
    return float(np.sqrt(np.mean(np.square(np.minimum(r, 0.0)))))


def sortino(returns: np.ndarray, periods_per_year: float) -> float:
    """Return ``mean(r) * P / (downside_deviation(r) * sqrt(P))`` with target return 0.

    NaN with fewer than two returns or no negative return (zero downside deviation), where
    empyrical would give infinity.
    """
    r = _clean(returns)
    if r.size < 2:
        return _nan()
    dd = downside_deviation(r)
    if not dd > 0:
        return _nan()
    return float(np.mean(r) * math.sqrt(periods_per_year) / dd)


def drawdown_series(equity: np.ndarray) -> np.ndarray:
    """Return the drawdown of each point as a positive fraction ``1 - E / running max`` (0 at highs)."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0:
        return np.empty(0, dtype=np.float64)
    peak = np.fmax.accumulate(eq)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = 1.0 - eq / peak
    dd[~np.isfinite(dd)] = 0.0
    return np.maximum(dd, 0.0)


def max_drawdown(equity: np.ndarray) -> float:
    """Return the largest peak-to-trough loss as a positive fraction (0.25 = 25%); 0 when none."""
    dd = drawdown_series(equity)
    return float(dd.max()) if dd.size else _nan()


def max_drawdown_duration_days(equity: np.ndarray, times_ns: np.ndarray) -> float:
    """Return the longest time, in calendar days, spent below a previous equity high.

    A spell starts at the high before the first point under it and ends at the first point
    that regains the high, or at the last point when the curve never recovers. 0 without any
    drawdown.
    """
    eq = np.asarray(equity, dtype=np.float64)
    t = np.asarray(times_ns, dtype=np.int64)
    if eq.size == 0:
        return _nan()
    peak = np.fmax.accumulate(eq)
    under = eq < peak
    longest = 0
    start = -1
    for i in range(eq.size):
        if under[i] and start < 0:
            start = i - 1
        elif not under[i] and start >= 0:
            longest = max(longest, int(t[i] - t[start]))
            start = -1
    if start >= 0:
        longest = max(longest, int(t[-1] - t[start]))
    return longest / 86_400e9


def ulcer_index(equity: np.ndarray) -> float:
    """Return ``sqrt(sum(dd ** 2) / (N - 1))`` with dd the drawdown fractions and N the number of returns.

    The divisor N - 1 follows quantstats' ``ulcer_index``. NaN with fewer than two returns.
    """
    dd = drawdown_series(equity)
    n = dd.size - 1
    if n < 2:
        return _nan()
    return float(np.sqrt(np.sum(np.square(dd)) / (n - 1)))


def calmar(cagr_value: float, max_dd: float) -> float:
    """Return ``cagr / max_drawdown``; NaN when the drawdown is zero or undefined."""
    if not (max_dd > 0) or not math.isfinite(cagr_value):
        return _nan()
    return float(cagr_value / max_dd)


def tail_ratio(returns: np.ndarray) -> float:
    """Return ``|p95(r)| / |p5(r)|`` (NumPy's linear percentiles); NaN when p5 is zero."""
    r = _clean(returns)
    if r.size == 0:
        return _nan()
    low = abs(float(np.percentile(r, 5)))
    if low == 0.0:
        return _nan()
    return abs(float(np.percentile(r, 95))) / low


def var_95(returns: np.ndarray) -> float:
    """Return the historical 95% value at risk as a positive loss fraction: ``-p5(r)``.

    This is minus empyrical's signed ``value_at_risk(r, 0.05)``.
    """
    r = _clean(returns)
    if r.size == 0:
        return _nan()
    return -float(np.percentile(r, 5))


def cvar_95(returns: np.ndarray) -> float:
    """Return the 95% expected shortfall as a positive loss fraction.

    Minus the mean of the ``floor((N - 1) * 0.05) + 1`` worst returns, which is minus
    empyrical's ``conditional_value_at_risk(r, 0.05)``.
    """
    r = _clean(returns)
    if r.size == 0:
        return _nan()
    k = int((r.size - 1) * 0.05)
    return -float(np.mean(np.sort(r)[: k + 1]))


def skew(returns: np.ndarray) -> float:
    """Return the bias-corrected sample skewness (pandas' / quantstats' ``skew``); NaN if N < 3 or flat."""
    r = _clean(returns)
    n = r.size
    if n < 3:
        return _nan()
    d = r - r.mean()
    m2 = float(np.mean(d**2))
    if not m2 > 1e-30:
        return _nan()
    m3 = float(np.mean(d**3))
    g1 = m3 / m2**1.5
    return g1 * math.sqrt(n * (n - 1)) / (n - 2)


def kurtosis(returns: np.ndarray) -> float:
    """Return the bias-corrected excess (Fisher) kurtosis (pandas' / quantstats'); NaN if N < 4 or flat."""
    r = _clean(returns)
    n = r.size
    if n < 4:
        return _nan()
    d = r - r.mean()
    m2 = float(np.mean(d**2))
    if not m2 > 1e-30:
        return _nan()
    g2 = float(np.mean(d**4)) / m2**2 - 3.0
    return ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))


def alpha_beta(returns: np.ndarray, bench: np.ndarray, periods_per_year: float) -> tuple[float, float]:
    """Return (annualised alpha, beta) of returns against benchmark returns, as empyrical's ``alpha_beta``.

    ``beta = cov(r, b) / var(b)`` (population moments over the periods where both are finite);
    ``alpha = (1 + mean(r - beta * b)) ** P - 1``. NaN when the benchmark does not vary.
    """
    r = np.asarray(returns, dtype=np.float64)
    b = np.asarray(bench, dtype=np.float64)
    ok = np.isfinite(r) & np.isfinite(b)
    r, b = r[ok], b[ok]
    if r.size < 2:
        return _nan(), _nan()
    bc = b - b.mean()
    var = float(np.mean(bc**2))
    if not var > 1e-30:
        return _nan(), _nan()
    beta = float(np.mean(bc * r)) / var
    base = 1.0 + float(np.mean(r - beta * b))
    if base < 0:
        return _nan(), beta
    with np.errstate(over="ignore"):
        return float(np.power(base, periods_per_year) - 1.0), beta


def information_ratio(returns: np.ndarray, bench: np.ndarray, periods_per_year: float) -> float:
    """Return ``mean(r - b) / std(r - b, ddof=1) * sqrt(P)``: empyrical's ``excess_sharpe``, annualised.

    NaN when the active return does not vary.
    """
    r = np.asarray(returns, dtype=np.float64)
    b = np.asarray(bench, dtype=np.float64)
    active = r - b
    active = active[np.isfinite(active)]
    if active.size < 2:
        return _nan()
    sd = float(np.std(active, ddof=1))
    if not sd > _FLAT:
        return _nan()
    return float(np.mean(active) / sd * math.sqrt(periods_per_year))
