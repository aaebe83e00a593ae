"""Allocation: weights against skfolio called directly, fallback when infeasible, no look-ahead in schedules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.data.samples import load_sample
from alphalab.portfolio.allocate import allocate, rebalance_bars, weight_schedule
from alphalab.portfolio.spec import AllocationSpec

skfolio = pytest.importorskip("skfolio")
from skfolio.optimization import HierarchicalRiskParity, MeanRisk, ObjectiveFunction  # noqa: E402


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    closes = pd.DataFrame({s: load_sample(s)["close"] for s in ("AAPL", "MSFT", "IBM", "SP500")}).dropna()
    return closes.pct_change().dropna().iloc[-500:]


def test_hrp_weights_equal_skfolio_called_directly(returns: pd.DataFrame) -> None:
    got = allocate(returns, AllocationSpec(method="hrp"))
    ref = HierarchicalRiskParity().fit(returns).weights_
    assert got.method == "hrp" and got.fallback_reason == ""
    np.testing.assert_allclose(list(got.weights.values()), ref, rtol=0, atol=1e-9)


def test_min_variance_weights_equal_skfolio_and_respect_bounds(returns: pd.DataFrame) -> None:
    got = allocate(returns, AllocationSpec(method="min_variance", max_weight=0.4))
    ref = MeanRisk(objective_function=ObjectiveFunction.MINIMIZE_RISK, min_weights=0.0, max_weights=0.4).fit(returns)
    np.testing.assert_allclose(list(got.weights.values()), ref.weights_, rtol=0, atol=1e-7)
    w = np.array(list(got.weights.values()))
    assert w.max() <= 0.4 + 1e-7 and w.sum() == pytest.approx(1.0)
    # and it is the minimum: no other feasible mix tried has a lower variance
    cov = returns.cov().to_numpy()
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.dirichlet(np.ones(4))
        if x.max() <= 0.4:
            assert w @ cov @ w <= x @ cov @ x + 1e-12


def test_inverse_vol_and_equal_by_hand(returns: pd.DataFrame) -> None:
    inv = 1 / returns.std(ddof=1)
    got = allocate(returns, AllocationSpec(method="inverse_vol")).weights
    assert got == pytest.approx((inv / inv.sum()).to_dict(), rel=1e-12)
    assert allocate(returns, AllocationSpec(method="equal")).weights == {c: 0.25 for c in returns.columns}


def test_infeasible_bounds_fall_back_and_say_so(returns: pd.DataFrame) -> None:
    spec = AllocationSpec(method="min_variance", min_weight=0.3, max_weight=0.3, fallback="inverse_vol")  # 4 x 0.3
    got = allocate(returns, spec)
    assert (got.requested, got.method) == ("min_variance", "inverse_vol")
    assert got.fallback_reason
    assert sum(got.weights.values()) == pytest.approx(1.0)


def test_too_little_data_falls_back_to_equal(returns: pd.DataFrame) -> None:
    got = allocate(returns.iloc[:2], AllocationSpec(method="hrp"))
    assert got.method == "equal" and "too few" in got.fallback_reason


def test_rebalance_bars_start_each_month() -> None:
    idx = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-01"], tz="UTC")
    assert rebalance_bars(idx, "monthly").tolist() == [0, 2, 4]
    assert rebalance_bars(idx, "none").tolist() == [0]


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(60, 480), method=st.sampled_from(["inverse_vol", "hrp", "min_variance"]))
def test_weights_at_t_use_only_data_before_t(cut: int, method: str) -> None:
    closes = pd.DataFrame({s: load_sample(s)["close"] for s in ("AAPL", "MSFT", "IBM")}).dropna()
    rets = closes.pct_change().dropna().iloc[-500:]
    spec = AllocationSpec(method=method, rebalance="monthly", lookback_bars=60)
    base, _ = weight_schedule(rets, spec)
    changed = rets.copy()
    changed.iloc[cut:] = changed.iloc[cut:] * -3.0 + 0.01  # rewrite the future from bar `cut` on
    after, _ = weight_schedule(changed, spec)
    np.testing.assert_array_equal(base.to_numpy()[: cut + 1], after.to_numpy()[: cut + 1])


def test_correlation_warnings_mark_each_excursion_above_the_threshold() -> None:
    rng = np.random.default_rng(4)
    base = rng.normal(0, 0.01, 300)
    other = rng.normal(0, 0.01, 300)
    b = np.where((np.arange(300) >= 100) & (np.arange(300) < 200), base + rng.normal(0, 0.001, 300), other)
    rets = pd.DataFrame({"x": base, "y": b}, index=pd.date_range("2020-01-01", periods=300, tz="UTC"))
    from alphalab.portfolio.allocate import correlation_warnings

    warn = correlation_warnings(rets, 20, 0.8)
    assert len(warn) == 1 and (warn.loc[0, "a"], warn.loc[0, "b"]) == ("x", "y")
    t = rets.index.get_loc(warn.loc[0, "time"])
    assert 100 < t < 120  # the window fills with correlated bars within 20 bars of the change
    ref = np.corrcoef(rets["x"].iloc[t - 19:t + 1], rets["y"].iloc[t - 19:t + 1])[0, 1]
    assert warn.loc[0, "correlation"] == pytest.approx(ref, rel=1e-9)
