"""Fees, slippage, sizing caps, lot sizes and cash limits on hand-computed candle tables."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.engine.simulate import Costs, EntryRules, SimSettings

QTY10 = EntryRules(size="fixed_quantity", size_value=10)
ROWS = [(100, 101, 99, 100), (100, 101, 99, 100), (100, 101, 99, 100), (110, 111, 109, 110),
        (110, 111, 109, 110)]


def test_percent_fee_charged_on_both_fills(table):
    r = table(ROWS, entry_long=[0], exit_long=[2], rules=QTY10, costs=Costs(fee_bps=10))
    t = r.trades.iloc[0]
    assert t.fees == pytest.approx(1000 * 0.001 + 1100 * 0.001)
    assert t.pnl == pytest.approx(100 - 2.1)
    assert r.out.equity[-1, 0] == pytest.approx(100_000 + 100 - 2.1)


def test_fixed_fee_charged_per_order(table):
    r = table(ROWS, entry_long=[0], exit_long=[2], rules=QTY10, costs=Costs(fee_fixed=5))
    assert r.trades.iloc[0].fees == pytest.approx(10.0)
    assert r.trades.iloc[0].pnl == pytest.approx(90.0)


def test_limit_target_pays_maker_fee_and_market_entry_pays_taker(table):
    rows = [(100, 101, 99, 100), (100, 101, 99, 100), (100, 111, 99, 105), (105, 106, 104, 105)]
    rules = EntryRules(take_profit="percent", target_value=0.10, size="fixed_quantity", size_value=10)
    r = table(rows, entry_long=[0], rules=rules, costs=Costs(fee_bps=10, maker_fee_bps=2))
    fills = r.orders[r.orders.quantity > 0]
    assert list(fills.type) == ["market", "limit"]
    assert fills.fee.tolist() == pytest.approx([1000 * 0.001, 1100 * 0.0002])


def test_bps_slippage_moves_both_fills_against_the_trader(table):
    r = table(ROWS, entry_long=[0], exit_long=[2], rules=QTY10, costs=Costs(slippage="bps", slippage_value=50))
    t = r.trades.iloc[0]
    assert (t.entry_price, t.exit_price) == (pytest.approx(100.5), pytest.approx(110 * 0.995))
    assert t.slippage == pytest.approx(10 * 0.5 + 10 * 0.55)


def test_range_fraction_slippage_uses_signal_bar_range(table):
    rows = [(100, 104, 96, 100), (100, 101, 99, 100), (100, 101, 99, 100)]
    r = table(rows, entry_long=[0], rules=QTY10, costs=Costs(slippage="range_fraction", slippage_value=0.25))
    assert r.trades.iloc[0].entry_price == pytest.approx(100 + 0.25 * 8)


def test_volume_participation_cap_leaves_rest_unfilled(table):
    r = table(ROWS, entry_long=[0], rules=EntryRules(size="fixed_quantity", size_value=500),
              volume=1000.0, costs=Costs(slippage="volume_impact", participation_cap=0.1, impact_coef=0.0))
    entry = r.orders.iloc[0]
    assert (entry.requested, entry.quantity, entry.status) == (500.0, 100.0, "partial")


def test_volume_impact_is_square_root_of_participation(table):
    r = table(ROWS, entry_long=[0], rules=EntryRules(size="fixed_quantity", size_value=25),
              volume=10_000.0, costs=Costs(slippage="volume_impact", participation_cap=1.0, impact_coef=0.1))
    assert r.trades.iloc[0].entry_price == pytest.approx(100 * (1 + 0.1 * np.sqrt(25 / 10_000)))


def test_lot_size_rounds_quantity_down(table):
    rows = [(30, 31, 29, 30)] * 4
    r = table(rows, entry_long=[0], rules=EntryRules(size="fixed_notional", size_value=1000), lot_size=10.0)
    assert r.trades.iloc[0].quantity == 30.0


def test_min_notional_rejects_small_orders(table):
    r = table(ROWS, entry_long=[0], rules=EntryRules(size="fixed_quantity", size_value=1), min_notional=500.0)
    assert r.trades.empty
    assert r.orders.iloc[0].status == "rejected"
    assert r.out.equity[-1, 0] == 100_000.0


def test_leverage_cap_limits_gross_exposure(table):
    rows = [(100, 101, 99, 100)] * 4
    rules = EntryRules(size="fixed_fraction", size_value=3.0)
    r1 = table(rows, entry_long=[0], rules=rules, capital=10_000.0)
    r2 = table(rows, entry_long=[0], rules=rules, capital=10_000.0, settings=SimSettings(leverage=2.0))
    assert r1.trades.iloc[0].quantity == pytest.approx(100.0)
    assert r2.trades.iloc[0].quantity == pytest.approx(200.0)
    assert r2.out.cash[1, 0] == pytest.approx(-10_000.0)  # borrowed on margin


def test_cash_never_negative_without_leverage(table):
    rows = [(100, 101, 99, 100)] * 4
    r = table(rows, entry_long=[0], rules=EntryRules(size="fixed_quantity", size_value=1000), capital=10_000.0,
              costs=Costs(fee_bps=10, fee_fixed=1.0))
    q = r.trades.iloc[0].quantity
    assert q == pytest.approx((10_000 - 1.0) / (100 * 1.001))
    assert (r.out.cash[:, 0] >= -1e-9).all()


def test_risk_per_trade_sizes_by_stop_distance(table):
    rows = [(100, 101, 99, 100)] * 4
    rules = EntryRules(stop_loss="percent", stop_value=0.05, size="risk_per_trade", size_value=0.01, size_cap=1.0)
    r = table(rows, entry_long=[0], rules=rules)
    assert r.trades.iloc[0].quantity == pytest.approx(100_000 * 0.01 / 5.0)


def test_kelly_uses_fallback_until_enough_trades(table):
    rows = [(100, 101, 99, 100)] * 4
    rules = EntryRules(size="kelly", size_value=0.5, size_cap=0.25)
    r = table(rows, entry_long=[0], rules=rules, settings=SimSettings(kelly_min_trades=5, kelly_fallback=0.02))
    assert r.trades.iloc[0].quantity == pytest.approx(100_000 * 0.02 / 100)
