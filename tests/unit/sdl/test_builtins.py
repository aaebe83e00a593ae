"""Every built-in strategy validates, compiles and signals on real data, without look-ahead."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.bars import BarArrays
from alphalab.sdl import compile, load
from alphalab.sdl.sources import builtin_dir

BUILTINS = sorted(p.stem for p in builtin_dir().glob("*.json"))
REQUIRED = {"ema_cross", "mean_reversion_v2", "donchian_breakout", "volume_flow", "rsi_reversion", "macd_adx_trend",
            "bollinger_breakout", "composite_vote", "sma_cross_atr", "mtf_trend", "sma_cross"}


def _bars_for(strategy_id: str, stock_bars: BarArrays, hourly_bars: BarArrays) -> BarArrays:
    return hourly_bars if strategy_id == "mtf_trend" else stock_bars


def test_builtins_include_every_required_strategy_with_names_and_parameters() -> None:
    assert set(BUILTINS) >= REQUIRED
    for sid in BUILTINS:
        spec = load(sid)
        assert spec.id == sid and spec.name and spec.name != sid and spec.description and spec.parameters
    assert load("ema_cross").name == "Trend King"


@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_builtin_compiles_and_signals_on_real_data(strategy_id: str, stock_bars: BarArrays,
                                                   hourly_bars: BarArrays) -> None:
    bars = _bars_for(strategy_id, stock_bars, hourly_bars)
    sig = compile(load(strategy_id)).signals(bars)
    shape = (bars.n_bars, bars.n_assets)
    for arr in (sig.entry_long, sig.exit_long, sig.entry_short, sig.exit_short):
        assert arr.shape == shape and arr.dtype == bool
    assert sig.entry_long.sum() + sig.entry_short.sum() > 0
    assert sig.exit_long.sum() + sig.exit_short.sum() > 0
    assert not sig.entry_long[:10].any()  # warm-up bars never signal
    assert all(v.shape == shape for v in sig.indicators.values())


def test_sma_cross_matches_a_hand_computed_crossover(stock_bars: BarArrays) -> None:
    sig = compile(load("sma_cross")).signals(stock_bars)
    close = stock_bars.close[:, 0]
    fast, slow = talib.SMA(close, 20), talib.SMA(close, 50)
    above = fast > slow
    expected = np.zeros_like(above)
    expected[1:] = above[1:] & ~above[:-1] & ~np.isnan(slow[:-1])
    # TA-Lib is another implementation: its SMA may differ from ours by a few ulps, so a bar may only
    # disagree where the lines are within 1e-9 (relative) of each other at that bar or the one before
    with np.errstate(invalid="ignore"):
        near = np.abs(fast - slow) <= 1e-9 * np.abs(slow)
    near[1:] |= near[:-1]
    differ = sig.entry_long[:, 0] != expected
    assert not (differ & ~near).any()
    assert expected.sum() >= 3
    assert not sig.entry_short.any()
    assert sig.atr is None


def test_atr_strategies_expose_the_atr_of_their_stop_period(stock_bars: BarArrays) -> None:
    sig = compile(load("sma_cross_atr")).signals(stock_bars)
    assert sig.atr is not None
    ref = talib.ATR(stock_bars.high[:, 1], stock_bars.low[:, 1], stock_bars.close[:, 1], 14)
    np.testing.assert_allclose(sig.atr[:, 1], ref, rtol=1e-9, equal_nan=True)


def test_multi_output_indicators_are_reported_by_output_name(stock_bars: BarArrays) -> None:
    sig = compile(load("mean_reversion_v2")).signals(stock_bars)
    upper = talib.BBANDS(stock_bars.close[:, 0], 20, 2.0, 2.0)[0]
    np.testing.assert_allclose(sig.indicators["bb.upper"][:, 0], upper, rtol=1e-7, equal_nan=True)
    assert "rsi" in sig.indicators


def _perturb(bars: BarArrays, t: int, seed: int) -> BarArrays:
    rng = np.random.default_rng(seed)
    factor = np.ones_like(bars.close)
    factor[t + 1:] = rng.uniform(0.7, 1.3, size=factor[t + 1:].shape)
    widen = np.ones_like(bars.close)
    widen[t + 1:] = 1.01
    vol = bars.volume.copy()
    vol[t + 1:] *= rng.uniform(0.1, 5.0, size=vol[t + 1:].shape)
    return BarArrays(bars.time, bars.open * factor, bars.high * factor * widen, bars.low * factor / widen,
                     bars.close * factor, vol, bars.symbols, bars.timeframe)


@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_builtin_signals_at_t_ignore_bars_after_t(strategy_id: str, stock_bars: BarArrays,
                                                  hourly_bars: BarArrays) -> None:
    bars = _bars_for(strategy_id, stock_bars, hourly_bars)
    plan = compile(load(strategy_id))
    base = plan.signals(bars)

    @settings(max_examples=5, deadline=None)
    @given(t=st.integers(min_value=60, max_value=bars.n_bars - 2), seed=st.integers(0, 2**16))
    def check(t: int, seed: int) -> None:
        other = plan.signals(_perturb(bars, t, seed))
        for name in ("entry_long", "exit_long", "entry_short", "exit_short"):
            assert np.array_equal(getattr(base, name)[: t + 1], getattr(other, name)[: t + 1]), name
        for key, arr in base.indicators.items():
            np.testing.assert_array_equal(arr[: t + 1], other.indicators[key][: t + 1], err_msg=key)

    check()
