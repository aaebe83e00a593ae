"""The compiled metric kernels against the NumPy reference implementations, and calmar vs mar."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
import pytest

from alphalab.analytics import _returns as R
from alphalab.analytics import nb as S
from alphalab.analytics.metrics import calmar_start, metrics_from_series

NO_TRADES = pd.DataFrame(columns=["id", "pnl", "entry_time", "exit_time"])


def _reference(eq: np.ndarray, times: np.ndarray, ppy: float) -> dict[int, float]:
    r = R.simple_returns(eq)
    growth = R.cagr(r, ppy)
    mdd = R.max_drawdown(eq)
    return {
        S.S_TOTAL: R.total_return(eq), S.S_CAGR: growth, S.S_VOL: R.annual_volatility(r, ppy),
        S.S_SHARPE: R.sharpe(r, ppy), S.S_SORTINO: R.sortino(r, ppy), S.S_MAR: R.calmar(growth, mdd),
        S.S_MDD: mdd, S.S_DUR: R.max_drawdown_duration_days(eq, times), S.S_ULCER: R.ulcer_index(eq),
        S.S_TAIL: R.tail_ratio(r), S.S_VAR: R.var_95(r), S.S_CVAR: R.cvar_95(r), S.S_SKEW: R.skew(r),
        S.S_KURT: R.kurtosis(r),
    }


def _curve(seed: int, n: int, gaps: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    eq = 1000.0 * np.cumprod(1.0 + rng.normal(0.0001, 0.01, n))
    if gaps:
        eq[rng.integers(0, n, n // 50)] = np.nan
    times = np.arange(n, dtype=np.int64) * 60_000_000_000
    return eq, times


@pytest.mark.parametrize(("seed", "n", "gaps"), [(0, 200_000, False), (1, 5_000, True), (2, 7, False)])
def test_equity_kernel_matches_numpy_reference(seed: int, n: int, gaps: bool) -> None:
    eq, times = _curve(seed, n, gaps)
    got = S.equity_stats(eq, times, 98_280.0, 0)
    for i, ref in _reference(eq, times, 98_280.0).items():
        if math.isnan(ref):
            assert math.isnan(got[i]), i
        else:
            assert got[i] == pytest.approx(ref, rel=1e-10, abs=1e-14), i
    assert got[S.S_CALMAR] == got[S.S_MAR]


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_equity_kernel_on_tiny_curves_matches_reference_nans(n: int) -> None:
    eq = np.linspace(100.0, 90.0, n)
    times = np.arange(n, dtype=np.int64)
    got = S.equity_stats(eq, times, 252.0, 0)
    for i, ref in _reference(eq, times, 252.0).items():
        assert (math.isnan(ref) and math.isnan(got[i])) or got[i] == pytest.approx(ref), i


def test_equity_kernel_with_zero_equity_matches_reference_without_raising() -> None:
    eq = np.array([100.0, 0.0, 0.0, 50.0, 80.0, 40.0, 0.0, 60.0])
    times = np.arange(eq.size, dtype=np.int64) * 86_400_000_000_000
    got = S.equity_stats(eq, times, 252.0, 0)
    for i, ref in _reference(eq, times, 252.0).items():
        assert (math.isnan(ref) and math.isnan(got[i])) or got[i] == pytest.approx(ref), i
    bench = eq[::-1].copy()
    alpha, beta, _ = S.benchmark_stats_nb(S.returns_nb(eq), bench, 252.0)
    ref_alpha, ref_beta = R.alpha_beta(R.simple_returns(eq), R.simple_returns(bench), 252.0)
    assert beta == pytest.approx(ref_beta, rel=1e-12)
    assert (math.isnan(alpha) and math.isnan(ref_alpha)) or alpha == pytest.approx(ref_alpha, rel=1e-12)


def test_benchmark_kernel_matches_empyrical_with_missing_returns() -> None:
    rng = np.random.default_rng(5)
    b = rng.normal(0.0003, 0.01, 3000)
    r = 0.7 * b + rng.normal(0.0002, 0.006, 3000)
    r[::97] = np.nan
    bench = np.r_[50.0, 50.0 * np.cumprod(1 + b)]
    alpha, beta, info = S.benchmark_stats_nb(r, bench, 252.0)
    ref_alpha, ref_beta = empyrical.alpha_beta(r, b, annualization=252)
    assert alpha == pytest.approx(ref_alpha, rel=1e-9)
    assert beta == pytest.approx(ref_beta, rel=1e-9)
    assert info == pytest.approx(R.information_ratio(r, b, 252.0), rel=1e-9)


def test_long_history_calmar_uses_trailing_36_months_and_mar_the_full_history() -> None:
    rng = np.random.default_rng(9)
    n = 6 * 365
    r = rng.normal(0.0004, 0.012, n)
    r[100:160] = -0.01  # a deep early drawdown that only the full history sees
    idx = pd.date_range("2015-01-01", periods=n + 1, freq="D", tz="UTC")
    eq = pd.Series(np.r_[1000.0, 1000.0 * np.cumprod(1 + r)], index=idx)
    m = metrics_from_series(eq, NO_TRADES, None, 365)
    cut = idx[-1] - pd.DateOffset(months=36)
    tail = r[idx[1:] > cut]  # returns whose both ends lie in the window
    ns = idx.as_unit("ns").asi8
    assert calmar_start(ns) == int(np.searchsorted(ns, cut.as_unit("ns").value))
    assert m["mar"] == pytest.approx(empyrical.calmar_ratio(r, annualization=365), rel=1e-9)
    assert m["calmar"] == pytest.approx(empyrical.calmar_ratio(tail, annualization=365), rel=1e-9)
    assert m["calmar"] != pytest.approx(m["mar"], rel=1e-3)


def test_buy_and_hold_kernel_carries_closes_and_keeps_cash_before_first_bar() -> None:
    close = np.array([[np.nan, 10.0], [2.0, np.nan], [4.0, 20.0], [np.nan, 5.0]])
    got = S.buy_and_hold_nb(close, 100.0)
    expected = np.array([(1.0 + 1.0) / 2, (1.0 + 1.0) / 2, (2.0 + 2.0) / 2, (2.0 + 0.5) / 2]) * 100.0
    np.testing.assert_allclose(got, expected, rtol=1e-15)
