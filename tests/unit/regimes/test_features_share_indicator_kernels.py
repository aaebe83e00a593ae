"""Regime features are the indicator kernels: same values, same missing-bar rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphalab.indicators import compute
from alphalab.regimes import nb
from alphalab.regimes.features import FEATURE_NAMES, adx, feature_matrix
from alphalab.testing.regimes import markov_switching_bars


def test_regime_atr_adx_and_rolling_stats_equal_the_indicators_bit_for_bit() -> None:
    frame, _ = markov_switching_bars(400, seed=4)
    h, lo, c = (frame[k].to_numpy() for k in ("high", "low", "close"))
    hlc = {"high": h, "low": lo, "close": c}
    np.testing.assert_array_equal(nb.wilder_atr(h, lo, c, 10), compute("atr", hlc, period=10)["value"])
    ind = compute("adx", hlc, period=14)
    for ours, out in zip(adx(frame, 14), ("adx", "plus_di", "minus_di"), strict=True):
        np.testing.assert_array_equal(ours, ind[out])
    np.testing.assert_array_equal(nb.rolling_mean(c, 20), compute("sma", {"close": c}, period=20)["value"])
    pop = compute("stddev", {"close": c}, period=20)["value"]
    np.testing.assert_allclose(nb.rolling_std(c, 20), pop * np.sqrt(20 / 19), rtol=1e-15)


def test_features_at_valid_bars_do_not_depend_on_missing_rows() -> None:
    # the same symbol inside a union calendar (NaN rows where it did not trade) and alone
    frame, _ = markov_switching_bars(500, seed=8)
    holes = np.zeros(len(frame), dtype=bool)
    holes[[30, 31, 32, 97, 250, 251, 400]] = True
    gappy = frame.copy()
    gappy.loc[holes, ["open", "high", "low", "close", "volume"]] = np.nan
    alone = frame.loc[~holes]
    names = list(FEATURE_NAMES)
    with_gaps = feature_matrix(gappy, names, 15)
    trimmed = feature_matrix(alone, names, 15)
    assert np.isnan(with_gaps[holes]).all()
    np.testing.assert_array_equal(with_gaps[~holes], trimmed)
    assert pd.notna(trimmed[-1]).all()
