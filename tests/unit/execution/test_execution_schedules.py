"""Execution algorithms: schedules and child fills against hand-computed tables, no look-ahead."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.engine.simulate import Costs
from alphalab.execution import (
    POV,
    TWAP,
    VWAP,
    Adaptive,
    Iceberg,
    ParentOrder,
    cost_report,
    run_parent,
    volume_profile,
)
from alphalab.execution.nb import adaptive_scale


def _bars(opens, high=1.0, low=1.0, volume=1000.0, freq="1h", start="2024-01-01"):
    o = np.asarray(opens, dtype=float)
    idx = pd.date_range(start, periods=len(o), freq=freq, tz="UTC", name="time")
    vol = np.broadcast_to(np.asarray(volume, dtype=float), o.shape).copy()
    return pd.DataFrame({"open": o, "high": o + high, "low": o - low, "close": o + 0.5, "volume": vol}, index=idx)


def test_twap_ten_over_four_bars_fills_hand_table_with_fees_and_slippage():
    bars = _bars(100 + np.arange(8.0))
    r = run_parent(TWAP(bars=4), bars, side=1, quantity=10, start=2, costs=Costs(fee_bps=10, slippage_value=5))
    # child k fills at the open of bar 2+k (102, 103, ...) plus 5 bps; fee 10 bps of the notional
    opens = np.array([102.0, 103.0, 104.0, 105.0])
    price = opens * 1.0005
    np.testing.assert_allclose(r.fills["quantity"], [2.5] * 4)
    np.testing.assert_allclose(r.fills["price"], price, rtol=1e-14)
    np.testing.assert_allclose(r.fills["fee"], 2.5 * price * 0.001, rtol=1e-14)
    np.testing.assert_allclose(r.fills["slippage"], 2.5 * opens * 0.0005, rtol=1e-14)
    assert list(r.fills["time"]) == list(bars.index[2:6])
    # shortfall against the arrival (open of bar 2 = 102): 2.5 * sum(price - 102) + fees
    expected = 2.5 * (price - 102.0).sum() + (2.5 * price * 0.001).sum()
    assert r.shortfall == pytest.approx(expected, rel=1e-12)
    assert r.shortfall_bps == pytest.approx(expected / 1020.0 * 1e4, rel=1e-12)


def test_twap_with_lots_catches_up_rounding_each_child():
    r = run_parent(TWAP(bars=4), _bars([100.0] * 8), side=-1, quantity=10, start=1, lot=1.0)
    # targets 2.5, 5, 7.5, 10 rounded down to whole lots against what filled: 2, 3, 2, 3
    assert list(r.fills["quantity"]) == [2.0, 3.0, 2.0, 3.0]


def test_vwap_given_profile_slices_by_profile_share():
    profile = np.zeros(24)
    profile[[2, 3, 4]] = [0.1, 0.3, 0.1]
    bars = _bars([100.0] * 8)
    r = run_parent(VWAP(bars=3, profile=tuple(profile), by="hour"), bars, side=1, quantity=10, start=2)
    # the horizon covers hours 2, 3, 4: shares 0.2, 0.6, 0.2
    np.testing.assert_allclose(r.fills["quantity"], [2.0, 6.0, 2.0], rtol=1e-12)


def test_volume_profile_is_mean_daily_share_per_hour():
    vol = np.ones(48)
    vol[5] = 25.0  # day 1: hour 5 trades 25 of 48
    bars = _bars([100.0] * 48, volume=vol)
    prof = volume_profile(bars, 48, by="hour")
    expected = [(Fraction(1, 48) + Fraction(1, 24)) / 2] * 24
    expected[5] = (Fraction(25, 48) + Fraction(1, 24)) / 2
    np.testing.assert_allclose(prof, [float(x) for x in expected], rtol=1e-14)
    assert prof.sum() == pytest.approx(1.0)


def test_vwap_from_history_uses_past_profile():
    vol = np.ones(72)
    vol[[5, 29]] = 25.0  # hour 5 heavy on days 1 and 2
    bars = _bars([100.0] * 72, volume=vol)
    r = run_parent(VWAP(bars=2, by="hour"), bars, side=1, quantity=13, start=48 + 4)
    share4 = Fraction(1, 48)
    share5 = Fraction(25, 48)
    first = 13 * share4 / (share4 + share5)
    np.testing.assert_allclose(r.fills["quantity"], [float(first), float(13 - first)], rtol=1e-12)


def test_pov_trades_rate_of_last_completed_bar_volume_capped():
    bars = _bars([100.0] * 6, volume=[10.0, 20.0, 40.0, 5.0, 100.0, 100.0])
    r = run_parent(POV(rate=0.1), bars, side=1, quantity=6.5, start=1)
    # children from the previous bar's volume: 1, 2, 4 (then 0.5 remains of 6.5: min(0.5, 0.5))
    np.testing.assert_allclose(r.fills["quantity"], [1.0, 2.0, 3.5], rtol=1e-12)
    capped = run_parent(POV(rate=0.5, cap=0.2), bars, side=1, quantity=100, start=1)
    np.testing.assert_allclose(capped.fills["quantity"], [2.0, 4.0, 8.0, 1.0, 20.0], rtol=1e-12)
    assert capped.filled == pytest.approx(35.0)


def test_iceberg_limit_clips_fill_only_when_low_reaches_limit_with_maker_fee():
    bars = _bars([101.0, 100.5, 101.5, 99.5, 100.0, 98.0], low=1.0)
    r = run_parent(Iceberg(clip=2, limit=99.0), bars, side=1, quantity=5,
                   start=1, costs=Costs(fee_bps=10, maker_fee_bps=2, slippage_value=50))
    # lows: 99.5, 100.5, 98.5, 99, 97 -> fills at bars 3 (min(open, 99) = 99), 4 (99), 5 (open 98)
    assert list(r.fills["time"]) == list(bars.index[[3, 4, 5]])
    np.testing.assert_allclose(r.fills["quantity"], [2.0, 2.0, 1.0])
    np.testing.assert_allclose(r.fills["price"], [99.0, 99.0, 98.0])
    np.testing.assert_allclose(r.fills["fee"], np.array([198.0, 198.0, 98.0]) * 2e-4, rtol=1e-14)
    assert (r.fills["slippage"] == 0).all()


def test_market_iceberg_shows_clip_each_bar():
    r = run_parent(Iceberg(clip=3), _bars([100.0] * 6), side=-1, quantity=7, start=1)
    assert list(r.fills["quantity"]) == [3.0, 3.0, 1.0]


def test_volume_slippage_caps_children_by_participation():
    bars = _bars([100.0] * 6, volume=10.0)
    costs = Costs(slippage="volume_impact", slippage_value=0.0, participation_cap=0.1, impact_coef=0.0)
    r = run_parent(TWAP(bars=2), bars, side=1, quantity=4, start=1, costs=costs)
    # each child asks for the TWAP target minus fills and is capped to 0.1 x 10 = 1 per bar
    assert list(r.fills["quantity"]) == [1.0, 1.0]
    assert r.opportunity_cost == pytest.approx(2 * (bars["close"].iloc[2] - 100.0))


def test_adaptive_scale_follows_spread_and_volatility_by_hand():
    o = np.array([100.0, 100.0, 100.0, 100.0])
    bars = pd.DataFrame(
        {"open": o, "high": [101.0, 101.0, 102.0, 101.0], "low": [99.0, 99.0, 98.0, 99.0],
         "close": [100.0, 101.0, 100.0, 100.0], "volume": [100.0] * 4},
        index=pd.date_range("2024-01-01", periods=4, freq="1h", tz="UTC"),
    )
    p = ParentOrder(Adaptive(rate=0.1, bars=10, alpha=0.5), 1, 1000.0)
    row = bars.iloc[0]
    assert p.on_bar(*row).quantity == pytest.approx(10.0)  # no references yet: base rate
    p.on_bar(*bars.iloc[1])
    # bar 2: spread 4/100 vs ref 2/101-ish ewm; vol |100/101-1| vs ref |101/100-1|
    ref_spread = 0.02 + 0.5 * (2 / 101 - 0.02)
    scale = ref_spread / 0.04 * (abs(100 / 101 - 1) / 0.01)
    child = p.on_bar(*bars.iloc[2])
    assert adaptive_scale(p.state) == pytest.approx(min(max(scale, 0.5), 2.0))
    assert child is not None and child.quantity == pytest.approx(100 * 0.1 * min(max(scale, 0.5), 2.0))


def test_adaptive_sends_remainder_on_last_bar_of_horizon():
    r = run_parent(Adaptive(rate=0.01, bars=3), _bars([100.0] * 6), side=1, quantity=100, start=1)
    np.testing.assert_allclose(r.fills["quantity"], [10.0, 10.0, 80.0])


def test_live_parent_order_emits_the_backtest_children():
    rng = np.random.default_rng(3)
    bars = _bars(100 + rng.normal(0, 1, 40).cumsum(), volume=rng.uniform(50, 150, 40))
    for algo in (TWAP(bars=7), POV(rate=0.05), Adaptive(rate=0.05, bars=12), Iceberg(clip=1.5)):
        bt = run_parent(algo, bars, side=1, quantity=20, start=5)
        live = ParentOrder(algo, 1, 20)
        qty = []
        for t in range(5, 40):
            child = live.on_bar(*bars.iloc[t - 1][["open", "high", "low", "close", "volume"]])
            if child is not None:
                qty.append(child.quantity)
                live.on_fill(child.quantity)
        np.testing.assert_array_equal(qty, bt.fills["quantity"].to_numpy())


def test_cost_report_sums_shortfall_by_algorithm():
    bars = _bars(100 + np.arange(10.0))
    a = run_parent(TWAP(bars=2), bars, side=1, quantity=2, start=1)  # fills 1 @101, 1 @102
    b = run_parent(TWAP(bars=2), bars, side=-1, quantity=2, start=1)
    c = run_parent(Iceberg(clip=1), bars, side=1, quantity=1, start=3)  # 1 @103 = arrival
    rep = cost_report([a, b, c])
    assert rep.loc["twap", "shortfall"] == pytest.approx(1.0 - 1.0)
    assert rep.loc["twap", "parents"] == 2 and rep.loc["twap", "children"] == 4
    assert rep.loc["iceberg", "shortfall_bps"] == pytest.approx(0.0)
    assert a.shortfall_bps == pytest.approx(1.0 / 202.0 * 1e4)


def test_bad_algorithm_fields_are_config_errors():
    with pytest.raises(ConfigError, match="bars"):
        TWAP(bars=0)
    with pytest.raises(ConfigError, match="side"):
        ParentOrder(TWAP(bars=2), 0, 1.0)
    with pytest.raises(ConfigError, match="start"):
        run_parent(TWAP(bars=2), _bars([100.0] * 3), side=1, quantity=1, start=0)


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(30, 70), seed=st.integers(0, 10_000))
def test_changing_future_bars_never_changes_past_children_or_profile(cut, seed):
    rng = np.random.default_rng(seed)
    bars = _bars(100 + rng.normal(0, 1, 80).cumsum(), volume=rng.uniform(10, 100, 80), freq="2h")
    other = bars.copy()
    other.iloc[cut:] = other.iloc[cut:] * rng.uniform(0.5, 1.5, (80 - cut, 1))
    np.testing.assert_array_equal(volume_profile(bars, cut), volume_profile(other, cut))
    for algo in (VWAP(bars=20), POV(rate=0.2), Adaptive(rate=0.2, bars=40)):
        a = run_parent(algo, bars, side=1, quantity=500, start=25)
        b = run_parent(algo, other, side=1, quantity=500, start=25)
        # children filled in bars before the cut are decided and priced from bars before it
        pa = a.fills[a.fills["time"] < bars.index[cut]]
        pb = b.fills[b.fills["time"] < bars.index[cut]]
        pd.testing.assert_frame_equal(pa, pb)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), qty=st.floats(0.5, 500), lot=st.sampled_from([0.0, 0.1, 1.0]),
       which=st.integers(0, 4))
def test_children_never_overfill_and_costs_are_non_negative(seed, qty, lot, which):
    rng = np.random.default_rng(seed)
    bars = _bars(100 + rng.normal(0, 1, 60).cumsum(), volume=rng.uniform(1, 200, 60))
    algo = [TWAP(bars=9), VWAP(bars=9), Iceberg(clip=7.0, limit=float(bars["open"].iloc[5])),
            POV(rate=0.3), Adaptive(rate=0.3, bars=15)][which]
    r = run_parent(algo, bars, side=int(rng.choice([-1, 1])), quantity=qty, start=5, lot=lot,
                   costs=Costs(fee_bps=5, slippage_value=3))
    assert r.filled <= qty * (1 + 1e-12)
    assert (r.fills["quantity"] > 0).all() and (r.fills["fee"] >= 0).all() and (r.fills["slippage"] >= 0).all()
    if lot > 0:
        lots = r.fills["quantity"].to_numpy() / lot
        np.testing.assert_allclose(lots, np.round(lots), atol=1e-6)
    assert r.fills["time"].is_monotonic_increasing and r.fills["time"].is_unique
