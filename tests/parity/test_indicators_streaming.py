"""Batch kernels and streaming twins give the same values (1e-9) for every registered indicator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphalab.indicators import compute, get, names

NON_DEFAULT = {
    "sma": {"period": 5},
    "macd": {"fast": 3, "slow": 8, "signal": 4},
    "stoch": {"k_period": 5, "d_period": 2, "smooth_k": 1},
    "stochrsi": {"period": 6, "k_period": 5, "d_period": 3, "smooth_k": 3},
    "vwap": {"anchor": "rolling", "period": 7},
    "ichimoku": {"tenkan": 3, "kijun": 7, "senkou": 11, "displacement": 4},
    "supertrend": {"period": 5, "multiplier": 1.5},
    "keltner": {"period": 6, "atr_period": 9, "multiplier": 1.0},
    "hv": {"period": 5, "periods_per_year": 365.0},
}


def _bars(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    high = close * (1.0 + rng.uniform(0.0, 0.02, n))
    low = close * (1.0 - rng.uniform(0.0, 0.02, n))
    volume = rng.integers(0, 500, n).astype(np.float64)
    bars = {"high": high, "low": low, "close": close, "volume": volume}
    missing = rng.uniform(size=n) < 0.05
    for v in bars.values():
        v[missing] = np.nan
    bars["close"][:7] = np.nan  # a late start
    bars["time"] = np.int64(1_700_000_000) * 10**9 + np.arange(n, dtype=np.int64) * 5 * 3600 * 10**9
    return bars


CASES = [(n, {}) for n in sorted(names())] + sorted(NON_DEFAULT.items())


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_streaming_twin_equals_batch_kernel(name: str, params: dict[str, object]) -> None:
    bars = _bars(400, seed=11)
    defn = get(name)
    inputs = {k: bars[k] for k in defn.inputs}
    if "time" in defn.optional_inputs:
        inputs["time"] = bars["time"]
    batch = compute(name, inputs, **params)
    stream = defn.stream(**params)
    rows = [stream.update(**{k: v[i] for k, v in inputs.items()}) for i in range(400)]
    for j, out in enumerate(defn.outputs):
        streamed = np.array([r[j] for r in rows])
        np.testing.assert_array_equal(np.isnan(streamed), np.isnan(batch[out]), err_msg=f"{name}.{out}")
        scale = float(np.nanmax(np.abs(batch[out]))) if np.isfinite(batch[out]).any() else 1.0
        np.testing.assert_allclose(
            streamed, batch[out], rtol=1e-9, atol=1e-12 * scale, err_msg=f"{name}.{out}"
        )
        assert np.isfinite(batch[out]).sum() > 300 or (
            name == "ichimoku" and np.isfinite(batch[out]).sum() > 250
        )


def test_rolling_extreme_stream_keeps_a_bounded_deque() -> None:
    s = get("highest").stream(period=10)
    for i in range(1000):
        s.update(close=float(1000 - i))  # decreasing: every value stays a candidate until it expires
    assert len(s.ext.dq) <= 10  # type: ignore[attr-defined]
    assert s.update(close=math.inf)[0] == math.inf
