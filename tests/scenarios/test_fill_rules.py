"""Market-order timing, stops, targets, trailing and time stops on hand-computed candle tables."""

from __future__ import annotations

import pytest

from alphalab.engine.simulate import EntryRules, SimSettings

QTY10 = EntryRules(size="fixed_quantity", size_value=10)
FLAT = [(100, 101, 99, 100)] * 6  # a quiet market


def rows_with(changes: dict[int, tuple[float, float, float, float]], n: int = 6) -> list:
    rows = [(100.0, 101.0, 99.0, 100.0)] * n
    return [changes.get(i, r) for i, r in enumerate(rows)]


def test_market_order_fills_at_next_open_by_default(table):
    rows = [(10, 10.5, 9.5, 10), (11, 11.5, 10.5, 11.2), (12, 12.5, 11.5, 12.3), (13, 13.5, 12.5, 13.1),
            (14, 14.5, 13.5, 14.2)]
    r = table(rows, entry_long=[1], exit_long=[3], rules=QTY10)
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.entry_price, t.exit_bar, t.exit_price) == (2, 12.0, 4, 14.0)
    assert t.pnl == pytest.approx(20.0)
    assert t.exit_reason == "signal"


def test_close_fill_option_fills_at_signal_bar_close(table):
    rows = [(10, 10.5, 9.5, 10), (11, 11.5, 10.5, 11.2), (12, 12.5, 11.5, 12.3), (13, 13.5, 12.5, 13.1),
            (14, 14.5, 13.5, 14.2)]
    r = table(rows, entry_long=[1], exit_long=[3], rules=QTY10, settings=SimSettings(fill_at_close=True))
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.exit_bar) == (1, 3)
    assert (t.entry_price, t.exit_price) == (11.2, 13.1)


def test_gap_through_stop_fills_at_open(table):
    rows = rows_with({2: (90, 92, 88, 91)})
    r = table(rows, entry_long=[0], rules=EntryRules(stop_loss="percent", stop_value=0.05, size="fixed_quantity",
                                                    size_value=10))
    t = r.trades.iloc[0]
    assert (t.entry_price, t.exit_bar, t.exit_price, t.exit_reason) == (100.0, 2, 90.0, "stop_loss")


@pytest.mark.parametrize(("priority", "price", "reason"), [("stop", 95.0, "stop_loss"), ("target", 110.0,
                                                                                       "take_profit")])
def test_stop_and_target_in_one_bar_follow_priority(table, priority, price, reason):
    rows = rows_with({2: (100, 111, 94, 100)})
    rules = EntryRules(stop_loss="percent", stop_value=0.05, take_profit="percent", target_value=0.10,
                       size="fixed_quantity", size_value=10)
    r = table(rows, entry_long=[0], rules=rules, settings=SimSettings(stop_priority=priority))
    t = r.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (2, pytest.approx(price), reason)


def test_trailing_stop_ratchets_on_previous_highs_only(table):
    # entry at the open of bar 1 (100). Bar 1 high 105 -> level at bar 2 = 105 * 0.9 = 94.5.
    # Bar 2 rallies to 120 but its low 108 is compared with 94.5 (its own high counts from bar 3).
    # Bar 3: level = 120 * 0.9 = 108; the low 107 touches it -> exit at 108.
    rows = [(100, 100, 100, 100), (100, 105, 99, 104), (110, 120, 108, 118), (115, 116, 107, 110),
            (110, 111, 109, 110)]
    rules = EntryRules(trailing="percent", trailing_value=0.10, size="fixed_quantity", size_value=1)
    r = table(rows, entry_long=[0], rules=rules)
    t = r.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, pytest.approx(108.0), "trailing_stop")


def test_trailing_stop_of_short_ratchets_on_lows(table):
    rows = [(100, 100, 100, 100), (100, 101, 95, 96), (90, 92, 80, 82), (85, 89, 84, 88), (88, 89, 87, 88)]
    rules = EntryRules(trailing="percent", trailing_value=0.10, size="fixed_quantity", size_value=1)
    r = table(rows, entry_short=[0], rules=rules)
    t = r.trades.iloc[0]
    # level at bar 3 = 80 * 1.1 = 88; bar 3 high 89 -> exit at 88
    assert (t.side, t.exit_bar, t.exit_price, t.exit_reason) == ("short", 3, pytest.approx(88.0), "trailing_stop")


def test_time_stop_exits_after_n_bars(table):
    r = table(FLAT, entry_long=[1], rules=EntryRules(time_stop_bars=2, size="fixed_quantity", size_value=1))
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.exit_bar, t.bars_held, t.exit_reason) == (2, 4, 2, "time_stop")


def test_take_profit_in_r_multiples_and_pnl_r(table):
    rows = rows_with({2: (100, 111, 99, 105)})
    rules = EntryRules(stop_loss="percent", stop_value=0.05, take_profit="r_multiple", target_value=2.0,
                       size="fixed_quantity", size_value=10)
    r = table(rows, entry_long=[0], rules=rules)
    t = r.trades.iloc[0]
    assert (t.exit_price, t.exit_reason) == (pytest.approx(110.0), "take_profit")
    assert t.pnl_r == pytest.approx(2.0)
    assert t.pnl == pytest.approx(100.0)


def test_short_stop_loss_exits_above_entry(table):
    rows = rows_with({2: (100, 106, 99, 104)})
    rules = EntryRules(stop_loss="percent", stop_value=0.05, size="fixed_quantity", size_value=10)
    r = table(rows, entry_short=[0], rules=rules)
    t = r.trades.iloc[0]
    assert (t.side, t.exit_price, t.exit_reason) == ("short", 105.0, "stop_loss")
    assert t.pnl == pytest.approx(-50.0)
    assert t.pnl_r == pytest.approx(-1.0)
    assert t.mae == pytest.approx(-0.05)


def test_atr_stop_uses_atr_at_signal_bar(table):
    import numpy as np

    rows = rows_with({3: (100, 101, 93, 95)})
    atr = np.full((6, 1), 9.0)
    atr[0, 0] = 2.0  # signal bar
    rules = EntryRules(stop_loss="atr", stop_value=3.0, size="fixed_quantity", size_value=1)
    r = table(rows, entry_long=[0], rules=rules, atr=atr)
    t = r.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, 94.0, "stop_loss")


def test_opposite_signal_reverses_position(table):
    r = table(FLAT, entry_long=[0], entry_short=[2], rules=QTY10)
    first, second = r.trades.iloc[0], r.trades.iloc[1]
    assert (first.side, first.exit_bar, first.exit_reason) == ("long", 3, "opposite_signal")
    assert (second.side, second.entry_bar, second.exit_reason) == ("short", 3, "end_of_data")


def test_force_exit_closes_with_regime_switch(table):
    import numpy as np

    force = np.zeros((6, 1), dtype=bool)
    force[2, 0] = True
    r = table(FLAT, entry_long=[0], rules=QTY10, force_exit=force)
    t = r.trades.iloc[0]
    assert (t.exit_bar, t.exit_reason) == (3, "regime_switch")


def test_pyramiding_adds_up_to_the_limit(table):
    r = table(FLAT, entry_long=[0, 1, 2, 3], rules=QTY10, settings=SimSettings(pyramiding=2))
    assert len(r.trades) == 1
    assert r.trades.iloc[0].quantity == 20.0
    assert (r.orders["purpose"] == "entry").sum() == 2
