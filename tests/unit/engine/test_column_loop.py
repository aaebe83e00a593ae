"""The one-column-per-group loop (column_nb) gives bit-identical results to the shared-cash bar loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import COSTS, RULES, SETTINGS, _bars

from alphalab.engine import layout as L
from alphalab.engine.simulate import simulate


def _with_gaps(bars, seed):
    """Blank a few random bars (NaN) so that orders wait and marks carry over."""
    rng = np.random.default_rng(seed)
    holes = rng.random(bars[0].shape) < 0.05
    return tuple(np.where(holes, np.nan, x) for x in bars)


def _column(x: np.ndarray, j: int, dead: bool) -> np.ndarray:
    """Column ``j`` of ``x``, with a second all-NaN (or all-False) column when ``dead``."""
    col = x[:, j : j + 1]
    if not dead:
        return col.copy()
    filler = np.zeros_like(col) if col.dtype == bool else np.full_like(col, np.nan)
    return np.hstack([col, filler])


def _run_column(data, j, dead, **kw):
    bars, sig, atr = data
    return simulate(*(_column(b, j, dead) for b in bars), *(_column(s, j, dead) for s in sig),
                    atr=_column(atr, j, dead), capital=50_000.0, **kw)


def _same(a, b) -> None:
    assert a.equity[:, 0].tobytes() == b.equity[:, 0].tobytes()
    assert a.cash[:, 0].tobytes() == b.cash[:, 0].tobytes()
    assert a.gross[:, 0].tobytes() == b.gross[:, 0].tobytes()
    assert a.positions[:, 0].tobytes() == b.positions[:, 0].tobytes()
    assert a.trades.tobytes() == b.trades.tobytes()
    assert a.orders.tobytes() == b.orders.tobytes()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS, gaps=st.booleans())
def test_column_loop_matches_shared_cash_loop_bit_for_bit(seed, rules, costs, sim_settings, gaps):
    bars, sig, atr = _bars(seed, 150, 2)
    data = (_with_gaps(bars, seed) if gaps else bars, sig, atr)
    kw = {"rules": rules, "costs": costs, "settings": sim_settings}
    for j in range(2):
        alone = _run_column(data, j, False, **kw)  # one column, one group: the column loop
        shared = _run_column(data, j, True, **kw)  # plus a dead column in the same group: the bar loop
        _same(alone, shared)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS)
def test_groups_of_one_column_equal_separate_runs(seed, rules, costs, sim_settings):
    bars, sig, atr = _bars(seed, 150, 3)
    kw = {"rules": rules, "costs": costs, "settings": sim_settings}
    together = simulate(*bars, *sig, atr=atr, capital=50_000.0, group=[0, 1, 2], **kw)
    for j in range(3):
        alone = _run_column((bars, sig, atr), j, False, **kw)
        np.testing.assert_array_equal(together.equity[:, j], alone.equity[:, 0])
        np.testing.assert_array_equal(together.positions[:, j], alone.positions[:, 0])
        mine = together.trades[together.trades[:, L.TR_COL] == j].copy()
        mine[:, L.TR_COL] = 0
        np.testing.assert_array_equal(mine, alone.trades)
        orders = together.orders[together.orders[:, L.O_COL] == j].copy()
        orders[:, L.O_COL] = 0
        np.testing.assert_array_equal(orders, alone.orders)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rules=RULES, costs=COSTS, sim_settings=SETTINGS, shorts=st.booleans())
def test_simulate_columns_equals_tiled_bars_with_one_group_per_column(seed, rules, costs, sim_settings, shorts):
    from alphalab.engine.columns import simulate_columns

    bars, (el, xl, es, xs), atr = _bars(seed, 150, 4)
    one = tuple(b[:, :1] for b in bars)  # one symbol's bars; four signal columns on them
    short = (es, xs) if shorts else (None, None)
    kw = {"costs": costs, "settings": sim_settings}
    cols = simulate_columns(*one, el, xl, *short, rules=rules, atr=atr[:, :1], capital=[40_000.0, 50_000.0,
                            60_000.0, 70_000.0], **kw)
    tiled = simulate(*(np.repeat(b, 4, axis=1) for b in one), el, xl, *short, rules=rules,
                     atr=np.repeat(atr[:, :1], 4, axis=1), capital=[40_000.0, 50_000.0, 60_000.0, 70_000.0],
                     group=[0, 1, 2, 3], **kw)
    np.testing.assert_array_equal(cols.equity, tiled.equity)
    np.testing.assert_array_equal(cols.cash, tiled.cash)
    np.testing.assert_array_equal(cols.gross, tiled.gross)
    np.testing.assert_array_equal(cols.positions, tiled.positions)
    for k in range(4):  # records per column, in time order (the tiled run interleaves columns by bar)
        np.testing.assert_array_equal(cols.trades[cols.trades[:, L.TR_COL] == k],
                                      tiled.trades[tiled.trades[:, L.TR_COL] == k])
        np.testing.assert_array_equal(cols.orders[cols.orders[:, L.O_COL] == k],
                                      tiled.orders[tiled.orders[:, L.O_COL] == k])
    assert len(cols.trades) == len(tiled.trades) and len(cols.orders) == len(tiled.orders)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 90), depth=st.integers(1, 2), shorts=st.booleans(),
       forced=st.booleans(), p=st.sampled_from([0.02, 0.3]))
def test_signal_index_lists_exactly_the_signal_bars(seed, n, depth, shorts, forced, p):
    from alphalab.engine.column_nb import signal_index

    rng = np.random.default_rng(seed)
    el = rng.random((n, 1)) < p
    xl = rng.random((depth, n, 1)) < p
    es = rng.random((n, 1)) < p if shorts else np.zeros((0, 1), dtype=bool)
    xs = rng.random((depth, n, 1)) < p if shorts else np.zeros((depth, 0, 1), dtype=bool)
    force = rng.random((n, 1)) < p if forced else np.zeros((1, 1), dtype=bool)
    want = el[:, 0] | xl.any(axis=0)[:, 0]
    if shorts:
        want |= es[:, 0] | xs.any(axis=0)[:, 0]
    if forced:
        want |= force[:, 0]
    out = np.full(n + 1, -7, dtype=np.int64)
    signal_index(el, es, xl, xs, force, out)
    bars = np.flatnonzero(want)
    np.testing.assert_array_equal(out[: len(bars)], bars)
    assert out[len(bars)] == n


def test_simulate_columns_names_the_bad_input() -> None:
    import pytest

    from alphalab.core.errors import EngineError
    from alphalab.engine.columns import simulate_columns
    from alphalab.engine.simulate import EntryRules

    bars, (el, xl, _es, _xs), _atr = _bars(1, 50, 3)
    one = tuple(b[:, 0] for b in bars)
    with pytest.raises(EngineError, match="2 entry rules given for 3 columns"):
        simulate_columns(*one, el, xl, rules=[EntryRules(), EntryRules()])
    with pytest.raises(EngineError, match="exit_long has shape"):
        simulate_columns(*one, el, xl[:, :2])
    with pytest.raises(EngineError, match="capital must be positive"):
        simulate_columns(*one, el, xl, capital=[1.0, 0.0, 1.0])
