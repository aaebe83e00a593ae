"""The fast batch kernels' internals: rolling extremes, one-input gaps, output allocation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _ind_data import inputs_for, random_bars
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.indicators import compute, get
from alphalab.indicators.nb_core import extreme_into, scratch

TIES = st.lists(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, 1e-300]), max_size=40)
REALS = st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=40)


def _window_scan(x: np.ndarray, period: int, is_max: bool) -> list[float]:
    """Reference: scan each window, the newest of equal extremes wins (as a monotonic deque keeps it)."""
    out = []
    for i in range(len(x)):
        if i < period - 1:
            out.append(np.nan)
            continue
        best = x[i - period + 1]
        for v in x[i - period + 2 : i + 1]:
            if (v >= best) if is_max else (v <= best):
                best = v
        out.append(best)
    return out


@settings(max_examples=60, deadline=None)
@given(values=st.one_of(TIES, REALS), period=st.integers(1, 12), is_max=st.booleans())
def test_rolling_extreme_equals_window_scan_bit_for_bit(
    values: list[float], period: int, is_max: bool
) -> None:
    x = np.array(values, dtype=np.float64)
    out = scratch(len(x))
    assert extreme_into(x, period, is_max, out)
    ref = np.array(_window_scan(x, period, is_max))
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    ok = ~np.isnan(ref)
    # compare the bits, so +0.0 and -0.0 are told apart
    np.testing.assert_array_equal(out[ok].view(np.int64), ref[ok].view(np.int64))


def test_rolling_extreme_ties_resolve_to_the_newest_value_exhaustively() -> None:
    # every sequence of up to 6 values drawn from {+0.0, -0.0, 1.0}: ties differ only in their sign bit
    for n in range(7):
        for codes in itertools.product(range(3), repeat=n):
            x = np.array([(0.0, -0.0, 1.0)[c] for c in codes])
            for period in range(1, 5):
                for is_max in (True, False):
                    out = scratch(n)
                    assert extreme_into(x, period, is_max, out)
                    ref = np.array(_window_scan(x, period, is_max))
                    ok = ~np.isnan(ref)
                    assert np.array_equal(np.isnan(out), ~ok)
                    assert np.array_equal(out[ok].view(np.int64), ref[ok].view(np.int64)), (x, period, is_max)


def test_rolling_extreme_reports_a_nan_input() -> None:
    x = np.array([1.0, 2.0, np.nan, 3.0])
    assert not extreme_into(x, 2, True, scratch(4))


@pytest.mark.parametrize(
    "name", ["atr", "willr", "stoch", "adx", "supertrend", "ichimoku", "cci", "mfi", "obv"]
)
def test_nan_in_one_input_skips_the_whole_bar(name: str) -> None:
    defn = get(name)
    bars = random_bars(200, seed=9, gaps=0.0)
    inputs = inputs_for(name, bars)
    holed = {k: v.copy() for k, v in inputs.items()}
    rows = [37, 38, 120]
    target = defn.inputs[0]
    holed[target][rows] = np.nan  # only one input is missing on these bars
    keep = np.ones(200, dtype=bool)
    keep[rows] = False
    full = compute(name, holed)
    compact = compute(name, {k: v[keep] for k, v in inputs.items()})
    for o in defn.outputs:
        assert np.isnan(full[o][rows]).all()
        np.testing.assert_array_equal(full[o][keep], compact[o], err_msg=f"{name}.{o}")


def test_outputs_are_independent_owned_arrays() -> None:
    close = np.linspace(10.0, 20.0, 300).reshape(150, 2)
    outs = compute("bbands", {"close": close})
    arrays = list(outs.values())
    assert all(a.flags.owndata and a.flags.c_contiguous and a.shape == (150, 2) for a in arrays)
    assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1 :])
    assert not any(np.shares_memory(a, close) for a in arrays)


@pytest.mark.parametrize("name", ["rsi", "atr", "natr", "adx", "bbands", "cci", "mfi"])
def test_multi_asset_columns_equal_each_column_alone_bit_for_bit(name: str) -> None:
    # one column clean, one starting late, one with gaps: each equals its own 1-D computation
    cols = [random_bars(300, seed=s, gaps=g) for s, g in ((1, 0.0), (2, 0.0), (3, 0.05))]
    for k in ("high", "low", "close", "volume"):
        cols[1][k][:40] = np.nan
    defn = get(name)
    stacked = {k: np.column_stack([c[k] for c in cols]) for k in defn.inputs}
    together = compute(name, stacked)
    for j, c in enumerate(cols):
        alone = compute(name, {k: c[k] for k in defn.inputs})
        for o in defn.outputs:
            np.testing.assert_array_equal(together[o][:, j], alone[o], err_msg=f"{name}.{o} column {j}")
