"""Float-noise ties: typical prices (or closes) a few ulps apart are no move (MFI, CCI, OBV).

Also CCI's mathematical bound: for the newest value x_n of a window with mean m,
``|x_n - m| <= sum over the others of |x_i - m|`` (the deviations sum to 0), so the mean absolute
deviation is at least ``2 |x_n - m| / n`` and ``|CCI(n)| <= n / (2 * 0.015)`` (66.7 for n = 2).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.indicators import compute, get
from alphalab.indicators.nb_core import TIE_REL


def _equal_sum_bars() -> list[tuple[float, float, float]]:
    """Bars (h, l, c) at 5-decimal FX prices whose h + l + c is the same number of pips but whose
    float typical prices differ (the rounding of the sum depends on the terms)."""
    pips = range(110000, 110030)
    target = 3 * 110015
    tps: dict[float, tuple[float, float, float]] = {}
    for lo, c in itertools.product(pips, repeat=2):
        h = target - lo - c
        if not (lo <= c <= h):
            continue
        bar = (h / 1e5, lo / 1e5, c / 1e5)
        tps.setdefault((bar[0] + bar[1] + bar[2]) / 3.0, bar)
    assert len(tps) >= 2, "need at least two float typical prices for one mathematical value"
    return list(tps.values())


def test_typical_prices_that_are_mathematically_equal_differ_in_floats() -> None:
    bars = _equal_sum_bars()
    tps = sorted({(h + lo + c) / 3.0 for h, lo, c in bars})
    assert tps[-1] != tps[0]
    assert abs(tps[-1] - tps[0]) <= TIE_REL * tps[0]  # ... by less than the tie tolerance


def _alternating(bars: list[tuple[float, float, float]], n: int) -> dict[str, np.ndarray]:
    rows = [bars[i % 2] for i in range(n)]
    h, lo, c = (np.array(col) for col in zip(*rows, strict=True))
    return {"high": h, "low": lo, "close": c, "volume": np.full(n, 1000.0)}


def test_mfi_of_a_market_whose_typical_price_never_moves_is_zero() -> None:
    b = _alternating(_equal_sum_bars(), 40)
    mfi = compute("mfi", b, period=14)["value"]
    np.testing.assert_array_equal(mfi[14:], 0.0)  # no rise, no fall: no money flow at all


def test_cci_of_a_market_whose_typical_price_never_moves_is_zero() -> None:
    b = _alternating(_equal_sum_bars(), 40)
    for period in (2, 3, 14):
        cci = compute("cci", {k: b[k] for k in ("high", "low", "close")}, period=period)["value"]
        np.testing.assert_array_equal(cci[period - 1 :], 0.0)


def test_obv_ignores_a_close_one_ulp_away() -> None:
    c = np.array([1.1, math.nextafter(1.1, 2.0), 1.1, 1.2, math.nextafter(1.2, 0.0)])
    obv = compute("obv", {"close": c, "volume": np.array([1.0, 2.0, 4.0, 8.0, 16.0])})["value"]
    np.testing.assert_array_equal(obv, [1.0, 1.0, 1.0, 9.0, 9.0])


def test_mfi_window_of_only_falls_is_exactly_zero_and_only_rises_exactly_hundred() -> None:
    # big flows first, then small ones: running sums would keep the big flows' round-off
    up = np.r_[np.linspace(100.0, 200.0, 30), np.linspace(200.0, 100.0, 30)]
    b = {"high": up + 0.5, "low": up - 0.5, "close": up, "volume": np.r_[np.full(30, 1e9), np.full(30, 1.0)]}
    mfi = compute("mfi", b, period=5)["value"]
    assert (mfi[5:30] == 100.0).all()
    assert (mfi[35:] == 0.0).all()


PRICE = st.floats(1.0, 2.0, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(PRICE, st.integers(-3, 3)), min_size=2, max_size=50),
    st.integers(2, 12),
)
def test_cci_never_exceeds_its_mathematical_bound(values: list[float | int], period: int) -> None:
    # floats are prices; integers are moves of that many ulps from the previous price
    tp = [1.5]
    for v in values:
        tp.append(float(v) if isinstance(v, float) else tp[-1] + v * math.ulp(tp[-1]))
    x = np.array(tp)
    cci = compute("cci", {"high": x, "low": x, "close": x}, period=period)["value"]
    bound = period / (2 * 0.015)
    assert np.nanmax(np.abs(cci), initial=0.0) <= bound * (1 + 1e-12)


def test_cci_reaches_its_bound_on_a_lone_jump() -> None:
    x = np.r_[np.full(9, 1.1), 1.2]
    cci = compute("cci", {"high": x, "low": x, "close": x}, period=10)["value"]
    assert math.isclose(cci[-1], 10 / 0.03, rel_tol=1e-12)


def test_streaming_twins_decide_ties_like_the_batch_kernels() -> None:
    b = _alternating(_equal_sum_bars(), 40)
    b["close"] = b["close"].copy()
    b["close"][::7] += 1e-4  # a few real moves among the ties
    for name in ("mfi", "cci", "obv"):
        defn = get(name)
        inputs = {k: b[k] for k in defn.inputs}
        batch = compute(name, inputs)["value"]
        twin = defn.stream()
        rows = np.array([twin.update(**{k: float(v[i]) for k, v in inputs.items()})[0] for i in range(40)])
        np.testing.assert_allclose(rows, batch, rtol=1e-12, atol=0.0, err_msg=name)
