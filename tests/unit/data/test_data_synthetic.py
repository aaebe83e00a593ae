"""Synthetic bars: seeded, valid OHLC, regimes as labelled, correlation as asked, fast at scale."""

from __future__ import annotations

import time

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.data import synthetic
from alphalab.data.loader import load_bars
from alphalab.data.validation import validate


def test_same_seed_same_bars_other_seed_other_bars():
    a, b, c = synthetic.gbm(500, seed=7), synthetic.gbm(500, seed=7), synthetic.gbm(500, seed=8)
    assert a.equals(b) and not a.equals(c)


def test_gbm_bars_are_valid_and_have_the_asked_volatility():
    frame = synthetic.gbm(20_000, seed=1, timeframe="1d", sigma=0.3)
    assert validate(frame, "1d", calendar="24/7", mode="report").ok
    log_ret = np.diff(np.log(frame["close"].to_numpy()))
    assert abs(log_ret.std() * np.sqrt(365) - 0.3) < 0.01


def test_regimes_have_their_labels_and_volatility_order():
    frame, states = synthetic.regime_switching(40_000, seed=2, timeframe="1h")
    assert set(states) == {"bull", "bear", "high_vol_chop", "low_vol_chop"}
    ret = np.log(frame["close"]).diff()
    vol = ret.groupby(states).std()
    assert vol["low_vol_chop"] < vol["bull"] < vol["bear"] < vol["high_vol_chop"]
    assert ret.groupby(states).mean()["bull"] > 0 > ret.groupby(states).mean()["bear"]


def test_correlated_assets_have_the_asked_correlation():
    frames = synthetic.correlated(20_000, 3, seed=3, corr=0.6)
    rets = np.array([np.diff(np.log(f["close"].to_numpy())) for f in frames.values()])
    corr = np.corrcoef(rets)
    assert list(frames) == ["SYN0", "SYN1", "SYN2"]
    assert np.allclose(corr[np.triu_indices(3, 1)], 0.6, atol=0.03)


def test_a_million_bars_take_well_under_two_seconds():
    synthetic.gbm(1000, seed=0)
    t0 = time.perf_counter()
    frame = synthetic.gbm(1_000_000, seed=0, timeframe="1m")
    assert time.perf_counter() - t0 < 2.0
    assert len(frame) == 1_000_000 and (frame["high"] >= frame["low"]).all()


def test_synthetic_spec_works_in_load_bars_and_bad_specs_are_named():
    frame = load_bars("synthetic:gbm?n=300&seed=4&sigma=0.5", "1h")
    assert len(frame) == 300 and frame.index[1] - frame.index[0] == np.timedelta64(1, "h")
    assert frame["close"].equals(synthetic.gbm(300, seed=4, timeframe="1h", sigma=0.5)["close"])
    with pytest.raises(ConfigError, match="unknown synthetic kind"):
        load_bars("synthetic:brownian?n=3")
