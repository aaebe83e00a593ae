"""Regime features: Wilder ADX/ATR against TA-Lib, causal percentiles against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.regimes import nb
from alphalab.regimes.features import causal_percentile, feature_matrix
from alphalab.testing.regimes import markov_switching_bars


def _hlc(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame, _ = markov_switching_bars(n, seed)
    return frame["high"].to_numpy(), frame["low"].to_numpy(), frame["close"].to_numpy()


def test_adx_and_directional_indexes_match_talib() -> None:
    h, lo, c = _hlc()
    adx, pdi, mdi = nb.wilder_adx(h, lo, c, 14)
    np.testing.assert_allclose(adx, talib.ADX(h, lo, c, 14), rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(pdi, talib.PLUS_DI(h, lo, c, 14), rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(mdi, talib.MINUS_DI(h, lo, c, 14), rtol=1e-9, equal_nan=True)


def test_atr_matches_talib() -> None:
    h, lo, c = _hlc(seed=3)
    np.testing.assert_allclose(nb.wilder_atr(h, lo, c, 10), talib.ATR(h, lo, c, 10), rtol=1e-9, equal_nan=True)


def test_rolling_std_and_mean_match_talib() -> None:
    _, _, c = _hlc(seed=1)
    r = nb.log_returns(c)
    np.testing.assert_allclose(nb.rolling_mean(c, 7), talib.SMA(c, 7), rtol=1e-12, equal_nan=True)
    ref = np.array([np.std(r[t - 9 : t + 1], ddof=1) if t >= 10 else np.nan for t in range(len(r))])
    np.testing.assert_allclose(nb.rolling_std(r, 10), ref, rtol=1e-9, equal_nan=True)


def _brute_percentile(x: np.ndarray, window: int | None) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    for t in range(len(x)):
        if np.isnan(x[t]):
            continue
        lo = 0 if window is None else t - window + 1
        if lo < 0:
            continue
        past = x[lo : t + 1]
        past = past[~np.isnan(past)]
        if window is not None and len(past) < window:
            continue
        out[t] = np.mean(past <= x[t])
    return out


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.one_of(st.integers(-5, 5).map(float), st.just(float("nan"))), min_size=1, max_size=40),
    st.one_of(st.none(), st.integers(2, 6)),
)
def test_causal_percentile_equals_brute_force(values: list[float], window: int | None) -> None:
    x = np.array(values)
    np.testing.assert_allclose(causal_percentile(x, window), _brute_percentile(x, window), equal_nan=True)


def test_unknown_feature_raises_config_error() -> None:
    from alphalab.core.errors import ConfigError

    frame, _ = markov_switching_bars(50)
    with pytest.raises(ConfigError, match="unknown regime feature"):
        feature_matrix(frame, ["nope"], 5)
