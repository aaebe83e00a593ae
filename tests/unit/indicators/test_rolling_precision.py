"""Rolling variance, z-score, %b, HV and regression slope against exact rational references.

The references use ``fractions.Fraction`` on the float inputs (every float is a rational), so they
are exact up to the final rounding; the indicators must agree to 1e-9 relative (of the standard
deviation) on real EURUSD hourly data and on data built to break running sums of x and x²:
a large offset with a tiny variance, flat stretches, a volatility burst followed by calm.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.indicators import compute, get


def exact_moments(x: np.ndarray, n: int) -> tuple[list[float], list[Fraction], list[Fraction]]:
    """Return per window ending at t (t >= n - 1): the exact mean, variance and x[t] - mean."""
    q = [Fraction(float(v)) for v in x]
    s1 = sum(q[: n - 1], Fraction(0))
    s2 = sum((v * v for v in q[: n - 1]), Fraction(0))
    means: list[float] = [math.nan] * (n - 1)
    var: list[Fraction] = []
    dev: list[Fraction] = []
    for t in range(n - 1, len(q)):
        s1 += q[t]
        s2 += q[t] * q[t]
        m = s1 / n
        means.append(float(m))
        var.append(s2 / n - m * m)
        dev.append(q[t] - m)
        s1 -= q[t - n + 1]
        s2 -= q[t - n + 1] * q[t - n + 1]
    return means, var, dev


def exact_sd(var: list[Fraction], n: int) -> np.ndarray:
    return np.array([math.nan] * (n - 1) + [math.sqrt(float(v)) for v in var])


def exact_z(var: list[Fraction], dev: list[Fraction], n: int) -> np.ndarray:
    z = [
        math.copysign(math.sqrt(float(d * d / v)), float(d)) if v > 0 else 0.0
        for v, d in zip(var, dev, strict=True)
    ]
    return np.array([math.nan] * (n - 1) + z)


def assert_sd_close(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref), err_msg=what)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0.0, err_msg=what)


def eurusd_close() -> np.ndarray:
    from alphalab.data.samples import load_sample

    return np.ascontiguousarray(load_sample("sample:EURUSD")["close"].to_numpy(dtype=np.float64))


def _offset_tiny_noise(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 1e9 + rng.integers(-3, 4, n) * 2.0**-20  # offset 1e9, noise of ~1e-6: x²-sums keep no digit


def _flat_stretches(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    levels = 1.1 + np.round(rng.normal(0.0, 1e-3, n // 25), 5)
    return np.repeat(levels, 25)[:n]  # 25-bar flat runs at FX prices: many windows of zero variance


def _burst_then_calm(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 100.0 + rng.normal(0.0, 1e-7, n)
    x[n // 3 : n // 3 + 50] += rng.normal(0.0, 10.0, 50)  # a violent burst, then calm again
    return x


ADVERSARIAL = {
    "offset_tiny_noise": _offset_tiny_noise(3000, 1),
    "flat_stretches": _flat_stretches(3000, 2),
    "burst_then_calm": _burst_then_calm(3000, 3),
}


@pytest.fixture(scope="module")
def eurusd() -> np.ndarray:
    return eurusd_close()


@pytest.mark.parametrize("period", [2, 5, 20])
def test_stddev_zscore_bbands_on_eurusd_hourly_match_exact_rationals(eurusd: np.ndarray, period: int) -> None:
    _, var, dev = exact_moments(eurusd, period)
    sd = exact_sd(var, period)
    assert_sd_close(compute("stddev", {"close": eurusd}, period=period)["value"], sd, "stddev")
    if period >= 2:
        z = exact_z(var, dev, period)
        ours = compute("zscore", {"close": eurusd}, period=period)["value"]
        np.testing.assert_allclose(ours, z, rtol=0.0, atol=1e-9, err_msg="zscore")
    bands = compute("bbands", {"close": eurusd}, period=period, std=0.5)
    pb = 0.5 + exact_z(var, dev, period) / (2 * 0.5)
    np.testing.assert_allclose(bands["percent_b"], pb, rtol=0.0, atol=1e-9, err_msg="percent_b")


def test_stddev_of_a_flat_eurusd_window_is_exactly_zero(eurusd: np.ndarray) -> None:
    sd = compute("stddev", {"close": eurusd}, period=2)["value"]
    flat = np.r_[False, eurusd[1:] == eurusd[:-1]]
    assert flat.sum() > 10
    assert (sd[flat] == 0.0).all()
    assert (compute("bbands", {"close": eurusd}, period=2, std=0.5)["percent_b"][flat] == 0.5).all()


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
@pytest.mark.parametrize("period", [2, 20])
def test_rolling_moments_on_adversarial_data_match_exact_rationals(case: str, period: int) -> None:
    x = ADVERSARIAL[case]
    means, var, dev = exact_moments(x, period)
    assert_sd_close(compute("stddev", {"close": x}, period=period)["value"], exact_sd(var, period), case)
    ours = compute("bbands", {"close": x}, period=period, std=2.0)
    np.testing.assert_allclose(ours["middle"], means, rtol=1e-15, err_msg=case)
    pb = 0.5 + exact_z(var, dev, period) / 4.0
    np.testing.assert_allclose(ours["percent_b"], pb, rtol=0.0, atol=1e-9, err_msg=case)
    z = compute("zscore", {"close": x}, period=period)["value"]
    np.testing.assert_allclose(z, exact_z(var, dev, period), rtol=0.0, atol=1e-9, err_msg=case)


def test_hv_on_eurusd_matches_exact_sample_variance_of_the_log_returns(eurusd: np.ndarray) -> None:
    r = np.log(eurusd[1:] / eurusd[:-1])
    _, var, _ = exact_moments(r, 10)
    ref = np.r_[math.nan, exact_sd(var, 10)] * math.sqrt(10 / 9) * math.sqrt(6240.0)
    ours = compute("hv", {"close": eurusd}, period=10, periods_per_year=6240.0)["value"]
    assert_sd_close(ours, ref, "hv")


def exact_slope(x: np.ndarray, n: int) -> np.ndarray:
    q = [Fraction(float(v)) for v in x]
    jbar = Fraction(n - 1, 2)
    sxx = sum((Fraction(j) - jbar) ** 2 for j in range(n))
    out = [math.nan] * (n - 1)
    for t in range(n - 1, len(q)):
        w = q[t - n + 1 : t + 1]
        out.append(float(sum((Fraction(j) - jbar) * v for j, v in enumerate(w)) / sxx))
    return np.array(out)


@pytest.mark.parametrize("case", ["eurusd", *sorted(ADVERSARIAL)])
def test_linreg_slope_matches_exact_rationals(eurusd: np.ndarray, case: str) -> None:
    x = eurusd[:3000] if case == "eurusd" else ADVERSARIAL[case]
    ref = exact_slope(x, 14)
    ours = compute("linreg_slope", {"close": x}, period=14)["value"]
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    # relative to the slope, or to the window's own scale where the exact slope is (near) zero
    scale = np.array([np.nan] * 13 + [np.ptp(x[t - 13 : t + 1]) / 13 for t in range(13, len(x))])
    np.testing.assert_array_less(np.abs(ours - ref)[13:], 1e-9 * np.maximum(np.abs(ref), scale)[13:] + 1e-300)
    flat = np.r_[[False] * 13, [np.ptp(x[t - 13 : t + 1]) == 0 for t in range(13, len(x))]]
    if flat.any():
        assert (ours[flat] == 0.0).all()


@pytest.mark.parametrize("name", ["stddev", "zscore", "bbands", "hv", "linreg_slope"])
@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_streaming_twin_equals_batch_on_adversarial_data(name: str, case: str) -> None:
    x = ADVERSARIAL[case]
    batch = compute(name, {"close": x}, period=7)
    twin = get(name).stream(period=7)
    rows = np.array([twin.update(close=float(v)) for v in x])
    for j, out in enumerate(get(name).outputs):
        np.testing.assert_allclose(rows[:, j], batch[out], rtol=1e-9, atol=1e-12, err_msg=f"{name}.{out}")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-4, 4), min_size=2, max_size=60),
    st.sampled_from([1.0, 1.1, 1e6, 1e12]),
    st.integers(2, 9),
)
def test_stddev_of_few_ulp_moves_matches_exact_rationals(steps: list[int], level: float, period: int) -> None:
    # prices a few ulps apart around a level: everything cancels in sums of x²
    ulp = math.ulp(level)
    x = level + np.cumsum(steps) * ulp
    if len(x) < period:
        return
    _, var, _ = exact_moments(x, period)
    assert_sd_close(compute("stddev", {"close": x}, period=period)["value"], exact_sd(var, period), "stddev")
