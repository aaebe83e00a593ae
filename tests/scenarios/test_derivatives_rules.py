"""Funding, margin tiers, isolated liquidation and borrow cost against hand-computed cases."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from alphalab.core.errors import ConfigError
from alphalab.engine import derivatives_nb as D
from alphalab.engine.derivatives import DerivativesConfig, MarginTier, apply_derivatives, margin_tiers
from alphalab.engine.simulate import Costs, EntryRules, SimSettings

BINANCE_LIKE = [
    {"max_notional": 50_000, "maintenance_rate": 0.004, "max_leverage": 125, "maintenance_amount": 0},
    {"max_notional": 250_000, "maintenance_rate": 0.005, "max_leverage": 100, "maintenance_amount": 50},
    {"max_notional": 1_000_000, "maintenance_rate": 0.01, "max_leverage": 50, "maintenance_amount": 1_300},
]


def _hourly(close: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=len(close), freq="1h", tz="UTC", name="time")
    lo = close - 0.5 if low is None else low
    hi = close + 0.5 if high is None else high
    return pd.DataFrame({"open": close, "high": hi, "low": lo, "close": close, "volume": 1.0}, index=idx)


def _trade(bars: pd.DataFrame, side: str, entry: int, exit_: int, qty: float, fees: float = 0.0,
           reason: str = "signal") -> pd.DataFrame:
    ep, xp = bars["open"].iloc[entry], bars["open"].iloc[exit_]
    s = 1 if side == "long" else -1
    return pd.DataFrame([{
        "side": side, "entry_time": bars.index[entry], "exit_time": bars.index[exit_], "entry_price": ep,
        "exit_price": xp, "quantity": qty, "fees": fees, "pnl": s * qty * (xp - ep) - fees, "exit_reason": reason,
    }])


def test_funding_long_and_short_across_rate_sign_changes():
    close = 100.0 + np.arange(30.0)
    bars = _hourly(close)
    funding = pd.Series([0.0001, -0.0002, 0.0003, 0.0005],
                        index=pd.to_datetime(["2024-01-01T00:00", "2024-01-01T08:00", "2024-01-01T16:00",
                                              "2024-01-02T00:00"], utc=True))
    cfg = DerivativesConfig(kind="perpetual")
    # held from 01:00 to 20:00: fundings at 08:00 (mark: close of the 07:00 bar = 107) and 16:00 (115)
    expected_long = 2 * 107 * -0.0002 + 2 * 115 * 0.0003
    long_ = apply_derivatives(_trade(bars, "long", 1, 20, 2.0), bars, cfg, funding=funding)
    short = apply_derivatives(_trade(bars, "short", 1, 20, 2.0), bars, cfg, funding=funding)
    assert long_.trades["funding"].iloc[0] == pytest.approx(expected_long, rel=1e-12)
    assert short.trades["funding"].iloc[0] == pytest.approx(-expected_long, rel=1e-12)
    assert long_.trades["pnl"].iloc[0] == pytest.approx(2 * 19 - expected_long, rel=1e-12)
    adj = long_.equity_adjustment
    # the 08:00 payment shows from the close of the 08:00 bar on; nothing before
    assert adj.iloc[7] == 0.0
    assert adj.iloc[8] == pytest.approx(-2 * 107 * -0.0002)
    assert adj.iloc[29] == pytest.approx(-expected_long)
    # a position opened at a funding time pays it; one closed at it does not
    at = apply_derivatives(_trade(bars, "long", 8, 16, 1.0), bars, cfg, funding=funding)
    assert at.trades["funding"].iloc[0] == pytest.approx(107 * -0.0002)


def test_funding_on_daily_bars_marks_with_last_closed_bar_only():
    idx = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC", name="time")
    c = np.array([100.0, 110.0, 120.0, 130.0, 140.0])
    bars = pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": 1.0}, index=idx)
    times = pd.date_range("2024-01-02", periods=3, freq="8h", tz="UTC")
    funding = pd.Series([0.001, 0.001, 0.001], index=times)
    r = apply_derivatives(_trade(bars, "long", 1, 3, 1.0), bars, DerivativesConfig(), funding=funding)
    # day 2's bar has not closed at 08:00 and 16:00: all three marks are day 1's close, 100
    assert r.trades["funding"].iloc[0] == pytest.approx(3 * 100 * 0.001)


def test_isolated_liquidation_price_matches_closed_form():
    liq_long = D.liquidation_price(1, 100.0, 3.0, 300.0 / 10, 0.005, 0.0)
    liq_short = D.liquidation_price(-1, 100.0, 3.0, 300.0 / 10, 0.005, 0.0)
    assert liq_long == pytest.approx(float(Fraction(100) * Fraction(9, 10) / Fraction(995, 1000)), rel=1e-14)
    assert liq_short == pytest.approx(float(Fraction(100) * Fraction(11, 10) / Fraction(1005, 1000)), rel=1e-14)
    # at 1x a long can never be liquidated (price would be 0)
    assert D.liquidation_price(1, 100.0, 1.0, 100.0, 0.005, 0.0) == 0.0


def test_tier_table_picks_bracket_caps_leverage_and_gives_liquidation_identity():
    tiers = margin_tiers(BINANCE_LIKE)
    assert D.tier_row(tiers, 40_000) == 0 and D.tier_row(tiers, 60_000) == 1 and D.tier_row(tiers, 5e6) == 2
    assert D.maintenance_margin(tiers, 60_000) == pytest.approx(60_000 * 0.005 - 50)
    assert D.initial_margin(tiers, 300_000, 75) == pytest.approx(300_000 / 50)  # tier 3 allows 50x only
    q, entry = 1.0, 60_000.0
    margin = D.initial_margin(tiers, q * entry, 20)
    liq = D.liquidation_price(1, entry, q, margin, 0.005, 50.0)
    assert liq == pytest.approx((60_000 - 3_000 - 50) / (1 - 0.005), rel=1e-14)
    # at the liquidation price, margin + unrealised PnL equals the maintenance margin there
    assert margin + q * (liq - entry) == pytest.approx(q * liq * 0.005 - 50, rel=1e-12)


def test_bar_crossing_liquidation_exits_there_with_fee():
    close = np.full(10, 100.0)
    low = close - 1.0
    low[5] = 90.0  # crosses the 10x long's liquidation price 90.4523
    bars = _hourly(close, low=low)
    costs = Costs(fee_bps=10)
    tiers = [MarginTier(1e9, 0.005, 100)]
    cfg = DerivativesConfig(leverage=10, tiers=tiers, liquidation_fee_bps=50, costs=costs)
    entry_fee, exit_fee = 2 * 100 * 0.001, 2 * 100 * 0.001
    r = apply_derivatives(_trade(bars, "long", 1, 8, 2.0, fees=entry_fee + exit_fee), bars, cfg)
    tr = r.trades.iloc[0]
    liq = 100 * 0.9 / 0.995
    assert tr["exit_reason"] == "liquidation" and tr["exit_time"] == bars.index[5]
    assert tr["exit_price"] == pytest.approx(liq, rel=1e-14)
    assert tr["fees"] == pytest.approx(entry_fee + 2 * liq * 0.005, rel=1e-12)
    assert tr["pnl"] == pytest.approx(2 * (liq - 100) - entry_fee - 2 * liq * 0.005, rel=1e-12)
    # equity from the liquidation bar on: frozen at the liquidation outcome instead of the old path
    old_final = 2 * (100 - 100) - exit_fee
    assert r.equity_adjustment.iloc[4] == 0.0
    assert r.equity_adjustment.iloc[9] == pytest.approx(2 * (liq - 100) - 2 * liq * 0.005 - old_final, rel=1e-12)
    # a short at 10x is liquidated by a high reaching 109.4527; 109.4 does not reach it
    high = close + 1.0
    high[3] = 109.4
    safe = apply_derivatives(_trade(_hourly(close, high=high), "short", 1, 8, 2.0), _hourly(close, high=high), cfg)
    assert safe.trades["exit_reason"].iloc[0] == "signal"
    assert safe.trades["liquidation_price"].iloc[0] == pytest.approx(100 * 1.1 / 1.005, rel=1e-14)


def test_engine_trade_log_liquidated_by_a_gap_day(table):
    # long from bar 1 at 100 (entry at the next open), the day 3 low 80 crosses 10x liquidation
    rows = [(100, 101, 99, 100), (100, 101, 99, 100), (100, 101, 99, 100), (95, 96, 80, 90), (90, 91, 89, 90),
            (90, 91, 89, 90)]
    run = table(rows, entry_long=[0], exit_long=[4], settings=SimSettings(leverage=10.0),
                rules=EntryRules(size_value=5.0))
    idx = pd.date_range("2024-01-01", periods=len(rows), freq="D", tz="UTC", name="time")
    arr = np.asarray(rows, dtype=float)
    bars = pd.DataFrame(arr, columns=["open", "high", "low", "close"], index=idx).assign(volume=1.0)
    cfg = DerivativesConfig(leverage=10, tiers=[MarginTier(1e12, 0.005, 125)])
    r = apply_derivatives(run.trades, bars, cfg)
    tr = r.trades.iloc[0]
    assert tr["exit_reason"] == "liquidation" and tr["exit_time"] == idx[3]
    assert tr["exit_price"] == pytest.approx(tr["entry_price"] * 0.9 / 0.995, rel=1e-12)


def test_stock_short_borrow_accrues_annual_rate_per_bar():
    idx = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC", name="time")
    c = np.array([100.0, 100.0, 102.0, 104.0, 106.0, 108.0])
    bars = pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": 1.0}, index=idx)
    cfg = DerivativesConfig(kind="stock", borrow_rate=0.0365, days_per_year=365)
    r = apply_derivatives(_trade(bars, "short", 1, 4, 10.0), bars, cfg)
    # held over bars 1, 2, 3: 10 x close x 0.0365 / 365 each
    expected = 10 * (100 + 102 + 104) * 0.0001
    assert r.trades["borrow"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert r.equity_adjustment.iloc[1] == pytest.approx(-10 * 100 * 0.0001)
    assert r.equity_adjustment.iloc[5] == pytest.approx(-expected)
    longs = apply_derivatives(_trade(bars, "long", 1, 4, 10.0), bars, cfg)
    assert longs.trades["borrow"].iloc[0] == 0.0


def test_bad_tier_table_is_a_config_error():
    with pytest.raises(ConfigError, match="tier 1"):
        margin_tiers([MarginTier(100, 0.01, 10), MarginTier(50, 0.02, 5)])
    with pytest.raises(ConfigError, match="fields"):
        margin_tiers([{"max": 1}])


def test_backtest_result_funding_keeps_pnl_summing_to_equity_change():
    from alphalab.core.bars import BarArrays
    from alphalab.data import load_bars
    from alphalab.engine.backtest import run_backtest
    from alphalab.engine.derivatives import apply_to_result

    frame = load_bars("sample:AAPL")
    res = run_backtest("sma_cross", BarArrays.from_frame(frame, "AAPL", "1d"))
    times = pd.date_range(frame.index[0], frame.index[-1], freq="8h")
    rates = pd.Series(np.where(np.arange(len(times)) % 5 == 0, -2e-4, 1e-4), index=times)
    trades, equity = apply_to_result(res, DerivativesConfig(kind="perpetual"), funding=rates)
    assert len(trades) == len(res.trades) > 3 and (trades["funding"] != 0).all()
    change = equity.iloc[-1] - equity.iloc[0]
    assert trades["pnl"].sum() == pytest.approx(change, rel=1e-9)
    assert trades["funding"].sum() == pytest.approx(res.trades["pnl"].sum() - trades["pnl"].sum(), rel=1e-9)


def test_tier_table_from_toml_and_json_config(tmp_path):
    toml = tmp_path / "tiers.toml"
    toml.write_text('[[tiers]]\nmax_notional = 50000\nmaintenance_rate = 0.004\nmax_leverage = 125\n\n'
                    '[[tiers]]\nmax_notional = 250000\nmaintenance_rate = 0.005\nmax_leverage = 100\n'
                    'maintenance_amount = 50\n')
    from alphalab.engine.derivatives import tiers_from_file

    np.testing.assert_array_equal(tiers_from_file(toml), margin_tiers(BINANCE_LIKE[:2]))
    bad = tmp_path / "tiers.json"
    bad.write_text('[{"max_notional": 100, "maintenance_rate": 1.5, "max_leverage": 10}]')
    with pytest.raises(ConfigError, match=r"tiers\.json: margin tier 0"):
        tiers_from_file(bad)


def test_trade_outside_the_bars_is_a_config_error():
    bars = _hourly(np.full(5, 100.0))
    tr = _trade(bars, "long", 1, 3, 1.0)
    with pytest.raises(ConfigError, match="trade row 0"):
        apply_derivatives(tr, bars.iloc[2:], DerivativesConfig())
