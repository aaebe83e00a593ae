"""Metrics against empyrical / quantstats on the same returns, and hand-computed trade tables."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats

from alphalab.analytics.metrics import (
    METRIC_KEYS,
    buy_and_hold_equity,
    compute_metrics,
    metrics_from_series,
    periods_per_year_for,
)
from alphalab.core.bars import BarArrays

NO_TRADES = pd.DataFrame(columns=["id", "pnl", "entry_time", "exit_time"])


def _curves(seed: int, n: int = 400) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    bench = rng.normal(0.0003, 0.01, n)
    strat = 0.6 * bench + rng.normal(0.0004, 0.008, n)
    idx = pd.date_range("2021-01-01", periods=n + 1, freq="D", tz="UTC")
    eq = pd.Series(np.r_[1000.0, 1000.0 * np.cumprod(1 + strat)], index=idx)
    be = pd.Series(np.r_[50.0, 50.0 * np.cumprod(1 + bench)], index=idx)
    return eq, be, strat, bench


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ppy", [252.0, 365.0])
def test_return_metrics_match_empyrical(seed: int, ppy: float) -> None:
    eq, be, r, b = _curves(seed)
    m = metrics_from_series(eq, NO_TRADES, be, ppy)
    ann = int(ppy)
    alpha, beta = empyrical.alpha_beta(r, b, annualization=ann)
    expected = {
        "sharpe": empyrical.sharpe_ratio(r, annualization=ann),
        "sortino": empyrical.sortino_ratio(r, annualization=ann),
        "annual_volatility": empyrical.annual_volatility(r, annualization=ann),
        "cagr": empyrical.annual_return(r, annualization=ann),
        "max_drawdown": -empyrical.max_drawdown(r),
        "calmar": empyrical.calmar_ratio(r, annualization=ann),
        "mar": empyrical.calmar_ratio(r, annualization=ann),
        "tail_ratio": empyrical.tail_ratio(r),
        "var_95": -empyrical.value_at_risk(r, cutoff=0.05),
        "cvar_95": -empyrical.conditional_value_at_risk(r, cutoff=0.05),
        "alpha": alpha,
        "beta": beta,
        "information_ratio": empyrical.excess_sharpe(r, b) * math.sqrt(ppy),
        "total_return": empyrical.cum_returns_final(r),
    }
    for key, ref in expected.items():
        assert m[key] == pytest.approx(ref, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("seed", [3, 4])
def test_distribution_metrics_match_quantstats(seed: int) -> None:
    eq, _, r, _ = _curves(seed)
    rets = pd.Series(r, index=eq.index[1:])
    m = metrics_from_series(eq, NO_TRADES, None, 252)
    assert m["skew"] == pytest.approx(quantstats.stats.skew(rets), rel=1e-9)
    assert m["kurtosis"] == pytest.approx(quantstats.stats.kurtosis(rets), rel=1e-9)
    assert m["ulcer_index"] == pytest.approx(quantstats.stats.ulcer_index(rets), rel=1e-9)
    assert m["max_drawdown"] == pytest.approx(-quantstats.stats.max_drawdown(rets), rel=1e-9)
    assert m["sharpe"] == pytest.approx(quantstats.stats.sharpe(rets, periods=252), rel=1e-9)


def test_metrics_have_exactly_the_documented_keys_in_order() -> None:
    eq, be, _, _ = _curves(0, 30)
    m = metrics_from_series(eq, NO_TRADES, be, 252)
    assert tuple(m) == METRIC_KEYS
    assert len(set(METRIC_KEYS)) == 34
    assert all(isinstance(v, float) for v in m.values())


def _hand_trades() -> pd.DataFrame:
    t0 = pd.Timestamp("2022-01-03", tz="UTC")
    rows = [
        # id, pnl, pnl_r, return_pct, bars_held, entry day, exit day, qty, entry, exit
        (1, 100.0, 1.0, 0.01, 2, 0, 2, 10.0, 100.0, 110.0),
        (2, -50.0, -0.5, -0.005, 4, 1, 5, 10.0, 100.0, 95.0),
        (3, 200.0, 2.0, 0.02, 6, 2, 8, 20.0, 100.0, 110.0),
        (4, 0.0, 0.0, 0.0, 1, 8, 9, 10.0, 50.0, 50.0),
        (5, -25.0, -0.25, -0.0025, 3, 9, 12, 5.0, 100.0, 95.0),
        (6, -25.0, np.nan, -0.0025, 2, 12, 14, 5.0, 100.0, 95.0),
    ]
    df = pd.DataFrame(
        [
            {
                "id": i, "pnl": p, "pnl_r": r, "return_pct": rp, "bars_held": bh,
                "entry_time": t0 + pd.Timedelta(days=a), "exit_time": t0 + pd.Timedelta(days=b),
                "quantity": q, "entry_price": e, "exit_price": x, "fees": 1.0,
                "side": "long", "symbol": "X", "exit_reason": "signal", "regime": "",
            }
            for i, p, r, rp, bh, a, b, q, e, x in rows
        ]
    )
    return df.iloc[[3, 0, 5, 2, 1, 4]].reset_index(drop=True)  # shuffled: order must come from exit_time


def test_trade_metrics_match_hand_computed_table() -> None:
    trades = _hand_trades()
    idx = pd.date_range("2022-01-03", periods=20, freq="D", tz="UTC")
    eq = pd.Series(np.linspace(1000.0, 1200.0, 20), index=idx)
    m = metrics_from_series(eq, trades, None, 365)
    assert m["trades"] == 6
    assert m["win_rate"] == pytest.approx(2 / 6)
    assert m["profit_factor"] == pytest.approx(300 / 100)
    assert m["expectancy"] == pytest.approx(200 / 6)
    assert m["expectancy_r"] == pytest.approx(2.25 / 5)
    assert m["avg_win_r"] == pytest.approx(1.5)
    assert m["avg_loss_r"] == pytest.approx(-0.375)
    assert m["payoff_ratio"] == pytest.approx(150 / (100 / 3))
    assert m["avg_bars_held"] == pytest.approx(3.0)
    assert m["max_consecutive_wins"] == 1
    assert m["max_consecutive_losses"] == 2
    assert m["best_trade"] == pytest.approx(0.02)
    assert m["worst_trade"] == pytest.approx(-0.005)
    assert m["total_fees"] == pytest.approx(6.0)
    # bars 0..13 are covered by some open trade (entry <= t < exit), 14..19 are not
    assert m["exposure"] == pytest.approx(14 / 20)
    notional = 10 * 210 + 10 * 195 + 20 * 210 + 10 * 100 + 5 * 195 + 5 * 195
    assert m["turnover"] == pytest.approx(notional / 1100.0 / (19 / 365))


def test_exposure_series_counts_bars_with_a_position() -> None:
    idx = pd.date_range("2022-01-03", periods=8, freq="D", tz="UTC")
    eq = pd.Series(1000.0, index=idx)
    exposure = pd.Series([0, 0.5, 0.5, 0, 0, 1.0, -0.3, 0], index=idx)
    m = metrics_from_series(eq, NO_TRADES, None, 252, exposure=exposure)
    assert m["exposure"] == pytest.approx(4 / 8)


def test_drawdown_duration_matches_hand_computed_curve() -> None:
    idx = pd.DatetimeIndex(
        ["2022-01-01", "2022-01-02", "2022-01-05", "2022-01-06", "2022-01-10", "2022-01-11", "2022-01-20"],
        tz="UTC",
    )
    # high 110 on Jan 2, under it until Jan 10 (8 days); new high 120 on Jan 10; under from Jan 11 to end (10 days)
    eq = pd.Series([100.0, 110.0, 90.0, 99.0, 120.0, 108.0, 114.0], index=idx)
    m = metrics_from_series(eq, NO_TRADES, None, 252)
    assert m["max_drawdown_duration_days"] == pytest.approx(10.0)
    assert m["max_drawdown"] == pytest.approx(20 / 110)


def test_no_trades_and_flat_equity_follow_documented_rules() -> None:
    idx = pd.date_range("2022-01-03", periods=50, freq="D", tz="UTC")
    flat = pd.Series(1000.0, index=idx)
    m = metrics_from_series(flat, NO_TRADES, flat * 2, 252)
    assert m["total_return"] == 0.0 and m["cagr"] == 0.0 and m["annual_volatility"] == 0.0
    assert m["max_drawdown"] == 0.0 and m["max_drawdown_duration_days"] == 0.0 and m["ulcer_index"] == 0.0
    assert m["trades"] == 0.0 and m["total_fees"] == 0.0 and m["exposure"] == 0.0 and m["turnover"] == 0.0
    assert m["var_95"] == 0.0 and m["cvar_95"] == 0.0
    nan_keys = [
        "sharpe", "sortino", "calmar", "mar", "win_rate", "profit_factor", "expectancy", "payoff_ratio",
        "tail_ratio", "skew", "kurtosis", "alpha", "beta", "information_ratio", "best_trade",
    ]
    for key in nan_keys:
        assert math.isnan(m[key]), key


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_curves_give_floats_without_errors(n: int) -> None:
    idx = pd.date_range("2022-01-03", periods=n, freq="D", tz="UTC")
    eq = pd.Series(np.linspace(100.0, 110.0, n), index=idx)
    m = metrics_from_series(eq, NO_TRADES, eq, 252)
    assert tuple(m) == METRIC_KEYS
    assert math.isnan(m["sharpe"])


def test_rising_curve_without_drawdown_has_nan_calmar_and_no_losses() -> None:
    idx = pd.date_range("2022-01-03", periods=30, freq="D", tz="UTC")
    eq = pd.Series(100.0 * 1.01 ** np.arange(30) * (1 + 0.001 * (np.arange(30) % 2)), index=idx)
    m = metrics_from_series(eq, NO_TRADES, None, 252)
    assert m["max_drawdown"] == 0.0
    assert math.isnan(m["calmar"])
    assert math.isnan(m["sortino"])  # no negative return: zero downside deviation
    trades = _hand_trades()
    wins_only = trades[trades["pnl"] > 0]
    assert metrics_from_series(eq, wins_only, None, 252)["profit_factor"] == math.inf


@pytest.mark.parametrize(
    ("tf", "symbols", "expected"),
    [
        ("1d", ["AAPL"], 252.0),
        ("1d", ["BTC/USDT"], 365.0),
        ("1d", ["EURUSD"], 260.0),
        ("1h", ["AAPL"], 252 * 6.5),
        ("1h", ["BTC/USDT"], 365 * 24.0),
        ("15m", ["AAPL", "BTC/USDT"], 365 * 96.0),
        ("1w", ["AAPL"], 52.0),
    ],
)
def test_periods_per_year_follow_timeframe_and_calendar(tf: str, symbols: list[str], expected: float) -> None:
    assert periods_per_year_for(tf, symbols) == pytest.approx(expected)


def test_buy_and_hold_is_equal_weight_of_normalised_closes() -> None:
    idx = pd.date_range("2022-01-03", periods=4, freq="D", tz="UTC")
    a = pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": [10.0, 11.0, 12.0, 9.0], "volume": 1.0}, idx)
    b = pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": [50.0, 25.0, 100.0], "volume": 1.0}, idx[1:])
    bars = BarArrays.from_frames({"A": a, "B": b}, "1d")
    bh = buy_and_hold_equity(bars, 1000.0)
    # B is in cash on day 0; day 3 carries B's last close forward
    expected = [1000.0, 500 * 1.1 + 500 * 1.0, 500 * 1.2 + 500 * 0.5, 500 * 0.9 + 500 * 2.0]
    np.testing.assert_allclose(bh.to_numpy(), expected)


def test_compute_metrics_reads_result_and_benchmarks_buy_and_hold(fake_result) -> None:
    m = compute_metrics(fake_result)
    frame = fake_result.equity
    bench = buy_and_hold_equity(fake_result.bars, float(frame["equity"].iloc[0]))
    ref = metrics_from_series(frame["equity"], fake_result.trades, bench, 252, exposure=frame["exposure"])
    assert m == pytest.approx(ref, nan_ok=True)
    r = frame["equity"].pct_change().dropna().to_numpy()
    b = bench.pct_change().dropna().to_numpy()
    assert m["beta"] == pytest.approx(empyrical.beta(r, b), rel=1e-9)
    assert m["trades"] == len(fake_result.trades)
    override = compute_metrics(fake_result, periods_per_year=365)
    assert override["sharpe"] == pytest.approx(m["sharpe"] * math.sqrt(365 / 252))
    # exposure from the engine's series equals the one derived from the trade times
    assert m["exposure"] == pytest.approx(
        metrics_from_series(frame["equity"], fake_result.trades, None, 252)["exposure"]
    )
