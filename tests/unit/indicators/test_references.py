"""Indicators TA-Lib lacks (or defines differently) against independent references on real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import talib
from _ind_data import random_bars

from alphalab.indicators import compute

Bars = dict[str, np.ndarray]


def close_to(ours: np.ndarray, ref: np.ndarray) -> None:
    ref = np.asarray(ref, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    scale = float(np.nanmax(np.abs(ref)))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9 * scale)


def test_hma_matches_wma_composition_of_talib(aapl: Bars) -> None:
    c = aapl["close"]
    raw = 2.0 * talib.WMA(c, 10) - talib.WMA(c, 20)
    first = int(np.argmax(~np.isnan(raw)))
    ref = np.full_like(c, np.nan)
    ref[first:] = talib.WMA(raw[first:], 4)
    close_to(compute("hma", {"close": c}, period=20)["value"], ref)


def test_keltner_matches_talib_ema_and_atr(aapl: Bars) -> None:
    h, lo, c = aapl["high"], aapl["low"], aapl["close"]
    out = compute("keltner", {"high": h, "low": lo, "close": c}, period=20, atr_period=10, multiplier=2.0)
    ema, atr = talib.EMA(c, 20), talib.ATR(h, lo, c, 10)
    close_to(out["middle"], ema)
    close_to(out["upper"], ema + 2.0 * atr)
    close_to(out["lower"], ema - 2.0 * atr)


def test_ichimoku_lines_are_the_causal_shifted_midpoints(aapl: Bars) -> None:
    h = pd.Series(aapl["high"])
    lo = pd.Series(aapl["low"])
    out = compute("ichimoku", {"high": aapl["high"], "low": aapl["low"], "close": aapl["close"]})
    tenkan = (h.rolling(9).max() + lo.rolling(9).min()) / 2
    kijun = (h.rolling(26).max() + lo.rolling(26).min()) / 2
    close_to(out["tenkan"], tenkan.to_numpy())
    close_to(out["kijun"], kijun.to_numpy())
    close_to(out["senkou_a"], ((tenkan + kijun) / 2).shift(26).to_numpy())
    close_to(out["senkou_b"], ((h.rolling(52).max() + lo.rolling(52).min()) / 2).shift(26).to_numpy())
    close_to(out["chikou"], pd.Series(aapl["close"]).where(np.arange(len(h)) >= 26).to_numpy())


def test_hv_matches_pandas_sample_std_of_log_returns(aapl: Bars) -> None:
    r = np.log(pd.Series(aapl["close"])).diff()
    ref = r.rolling(20).std(ddof=1) * np.sqrt(252.0)
    close_to(compute("hv", {"close": aapl["close"]}, period=20)["value"], ref.to_numpy())


def test_zscore_matches_pandas_population_zscore(aapl: Bars) -> None:
    c = pd.Series(aapl["close"])
    ref = (c - c.rolling(30).mean()) / c.rolling(30).std(ddof=0)
    out = compute("zscore", {"close": aapl["close"]}, period=30)["value"]
    np.testing.assert_allclose(out, ref.to_numpy(), rtol=1e-7, atol=1e-9)


def test_stochrsi_with_smoothing_matches_sma_of_talib_fast_k(aapl: Bars) -> None:
    fastk, _ = talib.STOCHRSI(aapl["close"], 14, 14, 1, 0)
    k = talib.SMA(fastk, 3)
    d = talib.SMA(k, 3)
    out = compute("stochrsi", {"close": aapl["close"]}, period=14, k_period=14, d_period=3, smooth_k=3)
    close_to(out["d"], d)
    close_to(out["k"], np.where(np.isnan(d), np.nan, k))


def test_session_vwap_matches_pandas_daily_cumulative_sums() -> None:
    bars = random_bars(300, seed=3)  # 6-hour bars: four per UTC day
    tp = (bars["high"] + bars["low"] + bars["close"]) / 3.0
    day = bars["time"] // (86_400 * 10**9)
    frame = pd.DataFrame({"pv": tp * bars["volume"], "v": bars["volume"], "day": day})
    ref = frame.groupby("day")["pv"].cumsum() / frame.groupby("day")["v"].cumsum()
    inputs = {k: bars[k] for k in ("high", "low", "close", "volume", "time")}
    close_to(compute("vwap", inputs)["value"], ref.to_numpy())


def test_rolling_vwap_matches_pandas_rolling_sums(aapl: Bars) -> None:
    tp = (aapl["high"] + aapl["low"] + aapl["close"]) / 3.0
    ref = pd.Series(tp * aapl["volume"]).rolling(20).sum() / pd.Series(aapl["volume"]).rolling(20).sum()
    inputs = {k: aapl[k] for k in ("high", "low", "close", "volume")}
    close_to(compute("vwap", inputs, anchor="rolling", period=20)["value"], ref.to_numpy())


def _supertrend_reference(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, mult: float):  # type: ignore[no-untyped-def]
    """TradingView's definition, written independently, on TA-Lib's ATR."""
    atr = talib.ATR(h, lo, c, period)
    hl2 = (h + lo) / 2
    value = np.full(len(c), np.nan)
    direction = np.full(len(c), np.nan)
    up_band = dn_band = None
    trend = 1
    for i in range(period, len(c)):
        up = hl2[i] + mult * atr[i]
        dn = hl2[i] - mult * atr[i]
        if up_band is not None and dn_band is not None:
            up = up if (up < up_band or c[i - 1] > up_band) else up_band
            dn = dn if (dn > dn_band or c[i - 1] < dn_band) else dn_band
            if trend == 1 and c[i] < dn:
                trend = -1
            elif trend == -1 and c[i] > up:
                trend = 1
        up_band, dn_band = up, dn
        value[i] = dn if trend == 1 else up
        direction[i] = trend
    return value, direction


def test_supertrend_matches_independent_reference(aapl: Bars) -> None:
    h, lo, c = aapl["high"], aapl["low"], aapl["close"]
    value, direction = _supertrend_reference(h, lo, c, 10, 3.0)
    out = compute("supertrend", {"high": h, "low": lo, "close": c}, period=10, multiplier=3.0)
    close_to(out["value"], value)
    np.testing.assert_array_equal(out["direction"], direction)
    assert {-1.0, 1.0} <= set(direction[~np.isnan(direction)])


def test_supertrend_flips_down_on_a_hand_built_crash() -> None:
    c = np.array([10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0, 6.0, 5.5, 5.0])
    out = compute("supertrend", {"high": c + 0.5, "low": c - 0.5, "close": c}, period=3, multiplier=1.0)
    # warm-up of 3 bars, up-trend while rising, down from the crash on (value then above price)
    np.testing.assert_array_equal(out["direction"][3:], [1, 1, 1, 1, -1, -1, -1])
    assert (out["value"][7:] > c[7:]).all() and (out["value"][3:7] < c[3:7]).all()


def test_flat_series_gives_defined_values_not_nan() -> None:
    flat = np.full(60, 5.0)
    bars = {"high": flat, "low": flat, "close": flat}
    assert compute("rsi", {"close": flat})["value"][-1] == 0.0
    assert compute("willr", bars)["value"][-1] == 0.0
    assert compute("stoch", bars)["k"][-1] == 0.0
    assert compute("bbands", {"close": flat})["percent_b"][-1] == 0.5
    assert compute("zscore", {"close": flat})["value"][-1] == 0.0
    assert compute("cci", bars)["value"][-1] == 0.0


def test_low_priced_asset_and_fractional_volume_are_not_zeroed() -> None:
    rng = np.random.default_rng(0)
    coin = 1e-5 * np.cumprod(1.0 + 0.01 * rng.standard_normal(100))  # a coin priced around 0.00001
    ours = compute("stddev", {"close": coin}, period=20)["value"]
    assert (ours[19:] > 0.0).all()
    np.testing.assert_allclose(ours[19:], talib.STDDEV(coin, 20, 1)[19:], rtol=1e-6)
    np.testing.assert_allclose(
        compute("rsi", {"close": coin})["value"][14:], talib.RSI(coin, 14)[14:], rtol=1e-9
    )
    bars = {"high": coin * 1.01, "low": coin * 0.99, "close": coin, "volume": np.full(100, 0.01)}
    mfi = compute("mfi", bars)["value"]
    assert (mfi[14:] > 0.0).all()
    np.testing.assert_allclose(mfi[14:], talib.MFI(*bars.values(), 14)[14:], rtol=1e-9)
