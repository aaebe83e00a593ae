"""Features: the batch and incremental runners agree; frac-diff equals closed-form weights; causal."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tsa.stattools import adfuller

from alphalab.core.errors import ConfigError
from alphalab.indicators import compute, get, names
from alphalab.ml import fracdiff
from alphalab.ml.features import FeatureStream, compute_features, parse_features

SPEC = [
    {"kind": "indicator", "name": "rsi", "indicator": "rsi", "params": {"period": 5}},
    {"kind": "indicator", "name": "bb_pb", "indicator": "bbands", "output": "percent_b", "params": {"period": 6}},
    {"kind": "indicator", "name": "fd", "indicator": "frac_diff", "params": {"d": 0.4, "width": 8}},
    {"kind": "indicator", "name": "illiq", "indicator": "amihud", "params": {"period": 4}},
    {"kind": "indicator", "name": "vwap", "indicator": "vwap", "params": {"anchor": "session"}},
    {"kind": "condition", "name": "overbought", "left": "rsi", "op": ">", "right": 70},
    {"kind": "condition", "name": "pb_above_fd", "left": "bb_pb", "op": "<=", "right": "fd"},
    {"kind": "return", "name": "ret1"},
    {"kind": "return", "name": "ret3", "periods": 3},
    {"kind": "lag", "name": "rsi_lag2", "of": "rsi", "lag": 2},
    {"kind": "time", "name": "hour", "part": "hour"},
    {"kind": "time", "name": "weekday", "part": "weekday"},
]


def _frame(n: int, seed: int, gaps: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 20.0 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    frame = pd.DataFrame(
        {
            "open": close * (1 + rng.normal(0, 0.003, n)),
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": rng.integers(1, 1000, n).astype(float),
        },
        index=pd.date_range("2024-03-01", periods=n, freq="7h", tz="UTC", name="time"),
    )
    frame.loc[rng.uniform(size=n) < gaps, :] = np.nan
    return frame


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), gaps=st.sampled_from([0.0, 0.15]))
def test_incremental_runner_equals_batch_runner(seed: int, n: int, gaps: float) -> None:
    fs = parse_features(SPEC)
    frame = _frame(n, seed, gaps)
    batch = compute_features(fs, frame)
    stream = FeatureStream(fs)
    rows = [stream.update(t, frame.loc[t].to_dict()) for t in frame.index]
    inc = pd.DataFrame(rows, index=frame.index, columns=fs.names)
    np.testing.assert_allclose(inc.to_numpy(), batch.to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)


def test_batch_features_match_their_definitions() -> None:
    frame = _frame(60, 1, 0.0)
    out = compute_features(parse_features(SPEC), frame)
    rsi = compute("rsi", {"close": frame["close"].to_numpy()}, period=5)["value"]
    np.testing.assert_array_equal(out["rsi"], rsi)
    np.testing.assert_array_equal(out["overbought"], np.where(np.isnan(rsi), np.nan, (rsi > 70).astype(float)))
    np.testing.assert_array_equal(out["rsi_lag2"].to_numpy()[2:], rsi[:-2])
    assert out["ret3"].iloc[10] == pytest.approx(math.log(frame["close"].iloc[10] / frame["close"].iloc[7]))
    assert (out["hour"].to_numpy() == frame.index.hour).all()


def test_features_never_look_ahead() -> None:
    fs = parse_features(SPEC)
    frame = _frame(70, 4, 0.1)
    base = compute_features(fs, frame)
    altered = frame.copy()
    altered.iloc[40:, :] *= 1.7
    pd.testing.assert_frame_equal(compute_features(fs, altered).iloc[:40], base.iloc[:40])


def test_frac_diff_equals_closed_form_weights_on_hand_made_series() -> None:
    # closed form: w_k = (-1)^k * binom(d, k); d = 0.5 -> 1, -1/2, -1/8, -1/16, -5/128
    np.testing.assert_allclose(fracdiff.weights(0.5, 5), [1, -0.5, -0.125, -0.0625, -5 / 128], rtol=1e-15)
    for d in (0.3, 0.7, 1.4):
        binom = [(-1) ** k * math.gamma(d + 1) / (math.gamma(k + 1) * math.gamma(d - k + 1)) for k in range(6)]
        np.testing.assert_allclose(fracdiff.weights(d, 6), binom, rtol=1e-12)
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    out = fracdiff.frac_diff(x, 0.5, 3)
    assert np.isnan(out[:2]).all()
    np.testing.assert_allclose(out[2:], [4 - 1 - 0.125, 8 - 2 - 0.25, 16 - 4 - 0.5], rtol=1e-15)
    np.testing.assert_allclose(fracdiff.frac_diff(x, 1.0, 2)[1:], np.diff(x))  # d = 1: first difference
    np.testing.assert_allclose(fracdiff.frac_diff(x, 0.0, 3)[2:], x[2:])  # d = 0: the series itself


def test_min_d_search_finds_a_small_d_for_a_random_walk() -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=600)) + 100.0
    grid = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
    res = fracdiff.min_d(walk, width=30, grid=grid, maxlag=3)
    assert res.d is not None and 0.0 < res.d <= 1.0
    assert res.pvalues[0.0] > 0.05 and res.pvalues[res.d] < 0.05
    adf = adfuller(fracdiff.frac_diff(walk, res.d, 30)[29:], maxlag=3, autolag="AIC", result_object=False)
    assert res.pvalues[res.d] == pytest.approx(adf[1], rel=1e-12)
    assert all(p >= 0.05 for d, p in res.pvalues.items() if d < res.d)


def test_ml_indicators_are_registered_with_twins() -> None:
    assert {"frac_diff", "amihud"} <= set(names())
    assert get("frac_diff").warmup(width=10) == 9


def test_amihud_by_hand() -> None:
    close = np.array([10.0, 11.0, 9.9, 9.9])
    volume = np.array([5.0, 100.0, 50.0, 10.0])
    out = compute("amihud", {"close": close, "volume": volume}, period=2)["value"]
    r = [0.1 / 1100.0, 0.1 / 495.0, 0.0]
    np.testing.assert_allclose(out, [np.nan, np.nan, (r[0] + r[1]) / 2, (r[1] + r[2]) / 2], rtol=1e-12)


def test_bad_feature_specs_name_the_field() -> None:
    with pytest.raises(ConfigError, match="not defined before"):
        parse_features([{"kind": "lag", "name": "x", "of": "y"}])
    with pytest.raises(ConfigError, match="no output"):
        parse_features([{"kind": "indicator", "name": "m", "indicator": "macd", "output": "nope"}])
    with pytest.raises(ConfigError, match=r"features\.0"):
        parse_features([{"kind": "return", "name": "r", "periods": 0}])
