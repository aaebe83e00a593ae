"""Invariants of the metrics under random equity curves and trade tables (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.analytics.metrics import METRIC_KEYS, metrics_from_series

# returns are 0 or at least 1e-6 in size: below that, float noise of the rescaled curve is of
# the order of the returns themselves and ratios of them (tail ratio) are noise
RETURN = st.one_of(st.just(0.0), st.floats(1e-6, 0.2), st.floats(-0.2, -1e-6))
RETURNS = st.lists(RETURN, min_size=0, max_size=80)
BENCH_RETURN = st.one_of(st.just(0.0), st.floats(1e-6, 0.05), st.floats(-0.05, -1e-6))
SCALE_FREE = (
    "total_return", "cagr", "annual_volatility", "sharpe", "sortino", "calmar", "max_drawdown",
    "max_drawdown_duration_days", "ulcer_index", "tail_ratio", "var_95", "cvar_95", "skew", "kurtosis",
    "alpha", "beta", "information_ratio",
)


def _equity(returns: list[float], start: float = 100.0) -> pd.Series:
    idx = pd.date_range("2020-01-01", periods=len(returns) + 1, freq="D", tz="UTC")
    return pd.Series(start * np.cumprod(np.r_[1.0, 1.0 + np.asarray(returns, dtype=float)]), index=idx)


def _trades(pnls: list[float]) -> pd.DataFrame:
    t0 = pd.Timestamp("2020-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "id": range(1, len(pnls) + 1),
            "pnl": pnls,
            "pnl_r": [p / 10 for p in pnls],
            "return_pct": [p / 1000 for p in pnls],
            "entry_time": [t0 + pd.Timedelta(days=i) for i in range(len(pnls))],
            "exit_time": [t0 + pd.Timedelta(days=i + 1) for i in range(len(pnls))],
            "quantity": 1.0,
            "entry_price": 100.0,
            "exit_price": 101.0,
            "fees": 0.1,
            "bars_held": 1,
        }
    )


@settings(max_examples=25, deadline=None)
@given(RETURNS)
def test_max_drawdown_is_a_fraction_for_positive_equity(returns: list[float]) -> None:
    m = metrics_from_series(_equity(returns), _trades([]), None, 252)
    assert 0.0 <= m["max_drawdown"] <= 1.0
    assert m["ulcer_index"] >= 0 or math.isnan(m["ulcer_index"])
    assert tuple(m) == METRIC_KEYS


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-500, 500, allow_nan=False), max_size=40))
def test_win_rate_is_a_fraction_and_streaks_bounded(pnls: list[float]) -> None:
    m = metrics_from_series(_equity([0.01] * 5), _trades(pnls), None, 252)
    if pnls:
        assert 0.0 <= m["win_rate"] <= 1.0
        assert m["max_consecutive_wins"] + m["max_consecutive_losses"] <= len(pnls)
        assert m["expectancy"] == np.mean(pnls) or math.isclose(m["expectancy"], np.mean(pnls), abs_tol=1e-9)
    else:
        assert math.isnan(m["win_rate"])


@settings(max_examples=25, deadline=None)
@given(RETURNS, st.floats(0.01, 1e6), st.lists(BENCH_RETURN, min_size=81, max_size=81))
def test_scaling_equity_leaves_return_metrics_unchanged(
    returns: list[float], scale: float, bench: list[float]
) -> None:
    eq = _equity(returns)
    be = _equity(bench[: len(returns)], 7.0)
    base = metrics_from_series(eq, _trades([]), be, 252)
    scaled = metrics_from_series(eq * scale, _trades([]), be * 3.0, 252)
    for key in SCALE_FREE:
        a, b = base[key], scaled[key]
        assert math.isnan(a) == math.isnan(b), key
        if math.isnan(a):
            continue
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), key
