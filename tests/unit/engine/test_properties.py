"""Invariants of the fast path on random bars, signals and rules (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.engine import layout as L
from alphalab.engine.simulate import Costs, EntryRules, SimSettings, simulate


def _bars(seed: int, n: int, a: int):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, a)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.01, (n, a)))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.02, (n, a)))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.02, (n, a)))
    vol = rng.uniform(1e3, 1e5, (n, a))
    sig = [rng.random((n, a)) < p for p in (0.08, 0.08, 0.06, 0.06)]
    atr = (high - low) * 1.0
    return (open_, high, low, close, vol), sig, atr


RULES = st.builds(
    EntryRules,
    stop_loss=st.sampled_from(["none", "percent", "atr"]),
    stop_value=st.floats(0.01, 0.1),
    take_profit=st.sampled_from(["none", "percent", "r_multiple"]),
    target_value=st.floats(0.5, 3.0),
    trailing=st.sampled_from(["none", "percent", "atr"]),
    trailing_value=st.floats(0.02, 0.2),
    time_stop_bars=st.integers(0, 10),
    size=st.sampled_from(["fixed_fraction", "fixed_quantity", "fixed_notional", "kelly"]),
    size_value=st.floats(0.1, 1.0),
    exit_on_opposite=st.booleans(),
)
COSTS = st.builds(
    Costs,
    fee_bps=st.floats(0, 30),
    maker_fee_bps=st.floats(0, 5),
    fee_fixed=st.floats(0, 2),
    slippage=st.sampled_from(["bps", "atr_fraction", "range_fraction", "volume_impact"]),
    slippage_value=st.floats(0, 0.3),
)
SETTINGS = st.builds(
    SimSettings,
    fill_at_close=st.booleans(),
    allow_short=st.booleans(),
    leverage=st.sampled_from([1.0, 2.0]),
    pyramiding=st.integers(1, 3),
    stop_priority=st.sampled_from(["stop", "target"]),
)


def _run(seed, rules, costs, sim_settings, n=120, a=2):
    (o, h, lo, c, v), (el, xl, es, xs), atr = _bars(seed, n, a)
    return simulate(o, h, lo, c, v, el, xl, es, xs, rules=rules, costs=costs, settings=sim_settings,
                    atr=atr, capital=50_000.0), c


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS)
def test_random_runs_keep_accounting_identity_and_nonnegative_fees(seed, rules, costs, sim_settings):
    out, close = _run(seed, rules, costs, sim_settings)
    marked = (out.positions * close).sum(axis=1)
    np.testing.assert_allclose(out.equity[:, 0], out.cash[:, 0] + marked, rtol=1e-9, atol=1e-6)
    assert (out.orders[:, L.O_FEE] >= 0).all()
    assert (out.trades[:, L.TR_FEES] >= 0).all()
    # trades add up to the equity change (every position is closed at the end)
    assert np.isclose(out.trades[:, L.TR_PNL].sum(), out.equity[-1, 0] - 50_000.0, rtol=1e-9, atol=1e-5)
    if sim_settings.leverage <= 1.0 and not sim_settings.allow_short:
        assert (out.cash[:, 0] >= -1e-6).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS)
def test_no_fill_happens_before_its_signal_is_known(seed, rules, costs, sim_settings):
    out, _ = _run(seed, rules, costs, sim_settings)
    orders = out.orders
    entries = orders[(orders[:, L.O_REASON] < 0) & (orders[:, L.O_QTY] > 0)]
    if sim_settings.fill_at_close:
        assert (entries[:, L.O_BAR] >= entries[:, L.O_SIG]).all()
    else:
        assert (entries[:, L.O_BAR] > entries[:, L.O_SIG]).all()
    trades = out.trades
    assert (trades[:, L.TR_ENTRY_BAR] <= trades[:, L.TR_EXIT_BAR]).all()
    assert (trades[:, L.TR_MAE] <= 1e-12).all() and (trades[:, L.TR_MFE] >= -1e-12).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS)
def test_same_inputs_give_bit_identical_results(seed, rules, costs, sim_settings):
    a, _ = _run(seed, rules, costs, sim_settings)
    b, _ = _run(seed, rules, costs, sim_settings)
    assert a.equity.tobytes() == b.equity.tobytes()
    assert a.trades.tobytes() == b.trades.tobytes()
    assert a.orders.tobytes() == b.orders.tobytes()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(30, 110), rules=RULES, sim_settings=SETTINGS)
def test_changing_future_bars_never_changes_past_decisions(seed, cut, rules, sim_settings):
    (o, h, lo, c, v), (el, xl, es, xs), atr = _bars(seed, 120, 1)
    base = simulate(o, h, lo, c, v, el, xl, es, xs, rules=rules, settings=sim_settings, atr=atr)
    rng = np.random.default_rng(seed + 1)
    scale = np.ones_like(c)
    scale[cut:] = rng.uniform(0.5, 1.5)
    (o2, h2, lo2, c2) = (x * scale for x in (o, h, lo, c))
    el2, xl2 = el.copy(), xl.copy()
    el2[cut:] = ~el2[cut:]
    other = simulate(o2, h2, lo2, c2, v, el2, xl2, es, xs, rules=rules, settings=sim_settings, atr=atr * scale)
    np.testing.assert_array_equal(base.equity[: cut - 1], other.equity[: cut - 1])
    done = base.orders[base.orders[:, L.O_BAR] < cut - 1]
    np.testing.assert_array_equal(done, other.orders[: len(done)])
