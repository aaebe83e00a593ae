"""No look-ahead: appending or changing future bars never changes a past value, for every indicator."""

from __future__ import annotations

import numpy as np
import pytest
from _ind_data import inputs_for, random_bars
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.indicators import compute, names


@pytest.mark.parametrize("name", names())
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 160),
    cut=st.floats(0.0, 1.0),
    gaps=st.sampled_from([0.0, 0.1]),
)
def test_future_bars_never_change_past_values(name: str, seed: int, n: int, cut: float, gaps: float) -> None:
    bars = random_bars(n, seed, gaps=gaps)
    k = int(cut * n)
    full = compute(name, inputs_for(name, bars))
    prefix = compute(name, {key: v[:k] for key, v in inputs_for(name, bars).items()})
    altered = {key: v.copy() for key, v in bars.items()}
    for key in ("open", "high", "low", "close", "volume"):
        altered[key][k:] *= 1.5  # a very different future
    changed = compute(name, inputs_for(name, altered))
    for out in full:
        np.testing.assert_array_equal(prefix[out], full[out][:k])
        np.testing.assert_array_equal(changed[out][:k], full[out][:k])
