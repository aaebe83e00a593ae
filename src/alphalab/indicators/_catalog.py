"""The catalogue of built-in indicators: names, parameters, inputs, outputs, warm-up, kernels and twins.

Conventions: ``period`` is always the main window; single-output indicators output ``"value"``;
a warm-up is the number of leading bars without a value in *every* output on gap-free data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from alphalab.indicators import nb_momentum as mo
from alphalab.indicators import nb_trend as tr
from alphalab.indicators import nb_volatility as vo
from alphalab.indicators import nb_volume as vm
from alphalab.indicators import stream_trend as st
from alphalab.indicators import stream_volatility as sv
from alphalab.indicators._defs import IndicatorDef, Kernel, ParamDef
from alphalab.indicators.stream_core import Streaming

MAX_PERIOD = 100_000
HLC = ("high", "low", "close")
HLCV = ("high", "low", "close", "volume")


def period(default: int, lo: int = 1, name: str = "period", doc: str = "window length in bars") -> ParamDef:
    """Return an integer window parameter between ``lo`` and MAX_PERIOD."""
    return ParamDef(name, int, default, lo, MAX_PERIOD, doc=doc)


def number(name: str, default: float, lo: float, hi: float, doc: str) -> ParamDef:
    """Return a float parameter between ``lo`` and ``hi``."""
    return ParamDef(name, float, default, lo, hi, doc=doc)


def _outputs(arrays: dict[str, np.ndarray], first: str, count: int) -> tuple[np.ndarray, ...]:
    # Outputs are allocated by numpy (which asks the OS for huge pages for big arrays) rather than
    # inside numba, whose allocator faults every 4 KiB page in: for 1M bars that was most of the time.
    shape = arrays[first].shape
    return tuple(np.empty(shape) for _ in range(count))


def single(fn: Callable[..., None], *names: str) -> Kernel:
    """Adapt a one-output kernel ``fn(*inputs, *params, out)`` to the catalogue's kernel signature."""

    def kernel(arrays: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[np.ndarray, ...]:
        outs = _outputs(arrays, names[0], 1)
        fn(*(arrays[k] for k in names), *params.values(), outs[0])
        return outs

    return kernel


def multi(fn: Callable[..., None], count: int, *names: str) -> Kernel:
    """Adapt a ``count``-output kernel ``fn(*inputs, *params, outs)`` to the catalogue's kernel signature."""

    def kernel(arrays: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[np.ndarray, ...]:
        outs = _outputs(arrays, names[0], count)
        fn(*(arrays[k] for k in names), *params.values(), outs)
        return outs

    return kernel


def _vwap_kernel(arrays: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[np.ndarray, ...]:
    hlcv = [arrays[k] for k in HLCV]
    outs = _outputs(arrays, "close", 1)
    if params["anchor"] == "session":
        vm.vwap_session_nb(arrays["time"], *hlcv, outs[0])  # type: ignore[call-arg]
    else:
        vm.vwap_rolling_nb(*hlcv, params["period"], outs[0])  # type: ignore[call-arg]
    return outs


def _fast_below_slow(p: dict[str, Any]) -> str | None:
    return None if p["fast"] < p["slow"] else f"fast ({p['fast']}) must be shorter than slow ({p['slow']})"


def _ichimoku_warmup(tenkan: int, kijun: int, senkou: int, displacement: int) -> int:
    return max(tenkan, kijun, senkou) - 1 + displacement


DEFS: dict[str, IndicatorDef] = {}


def add(
    name: str,
    description: str,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    params: list[ParamDef],
    kernel: Kernel,
    streamer: Callable[..., Streaming],
    warmup: Callable[..., int],
    **extra: Any,
) -> None:
    """Register one indicator definition."""
    DEFS[name] = IndicatorDef(
        name, description, {p.name: p for p in params}, inputs, outputs, kernel, streamer, warmup, **extra
    )


C = ("close",)
V = ("value",)

add(
    "sma",
    "Simple moving average.",
    C,
    V,
    [period(20)],
    single(tr.sma_nb, "close"),
    st.SmaStream,
    lambda period: period - 1,
)
add(
    "ema",
    "Exponential moving average (alpha 2/(period+1)), seeded with the SMA of the first period values.",
    C,
    V,
    [period(20)],
    single(tr.ema_nb, "close"),
    st.EmaStream,
    lambda period: period - 1,
)
add(
    "wma",
    "Linearly weighted moving average.",
    C,
    V,
    [period(20)],
    single(tr.wma_nb, "close"),
    st.WmaStream,
    lambda period: period - 1,
)
add(
    "dema",
    "Double exponential moving average 2*EMA - EMA(EMA).",
    C,
    V,
    [period(20)],
    single(tr.dema_nb, "close"),
    st.DemaStream,
    lambda period: 2 * (period - 1),
)
add(
    "tema",
    "Triple exponential moving average 3*EMA - 3*EMA(EMA) + EMA(EMA(EMA)).",
    C,
    V,
    [period(20)],
    single(tr.tema_nb, "close"),
    st.TemaStream,
    lambda period: 3 * (period - 1),
)
add(
    "hma",
    "Hull moving average WMA(2*WMA(n/2) - WMA(n), sqrt(n)).",
    C,
    V,
    [period(20, lo=2)],
    single(tr.hma_nb, "close"),
    st.HmaStream,
    lambda period: period - 1 + int(math.sqrt(period)) - 1,
)
add(
    "rsi",
    "Relative strength index with Wilder's smoothing, 0..100.",
    C,
    V,
    [period(14)],
    single(mo.rsi_nb, "close"),
    st.RsiStream,
    lambda period: period,
)
add(
    "macd",
    "MACD line (fast EMA - slow EMA), its signal EMA and the histogram (TA-Lib seeding).",
    C,
    ("macd", "signal", "hist"),
    [
        period(12, name="fast", doc="fast EMA period"),
        period(26, lo=2, name="slow", doc="slow EMA period"),
        period(9, name="signal", doc="signal EMA period"),
    ],
    multi(tr.macd_nb, 3, "close"),
    st.MacdStream,
    lambda fast, slow, signal: slow + signal - 2,
    check=_fast_below_slow,
)
add(
    "bbands",
    "Bollinger Bands: SMA ± std * population standard deviation; %b and bandwidth.",
    C,
    ("middle", "upper", "lower", "percent_b", "bandwidth"),
    [period(20), number("std", 2.0, 0.0, 100.0, "band width in standard deviations")],
    multi(vo.bbands_nb, 5, "close"),
    sv.BbandsStream,
    lambda period, std: period - 1,
)
add(
    "atr",
    "Average true range with Wilder's smoothing.",
    HLC,
    V,
    [period(14)],
    single(vo.atr_nb, *HLC),
    sv.AtrStream,
    lambda period: period,
)
add(
    "natr",
    "Normalised ATR: 100 * ATR / close.",
    HLC,
    V,
    [period(14)],
    single(vo.natr_nb, *HLC),
    sv.NatrStream,
    lambda period: period,
)
add(
    "adx",
    "Average directional index with +DI and -DI (Wilder).",
    HLC,
    ("adx", "plus_di", "minus_di"),
    [period(14)],
    multi(mo.adx_nb, 3, *HLC),
    st.AdxStream,
    lambda period: 2 * period - 1,
)
add(
    "stoch",
    "Stochastic oscillator: %K smoothed by SMA(smooth_k), %D = SMA(%K, d_period).",
    HLC,
    ("k", "d"),
    [
        period(14, name="k_period", doc="look-back of the raw %K"),
        period(3, name="d_period", doc="SMA of %K"),
        period(3, name="smooth_k", doc="SMA smoothing of the raw %K (1 = fast stochastic)"),
    ],
    multi(mo.stoch_nb, 2, *HLC),
    st.StochStream,
    lambda k_period, d_period, smooth_k: k_period + d_period + smooth_k - 3,
)
add(
    "stochrsi",
    "Stochastic oscillator of RSI(period): %K and %D.",
    C,
    ("k", "d"),
    [
        period(14, doc="RSI period"),
        period(14, name="k_period", doc="stochastic look-back on the RSI"),
        period(3, name="d_period", doc="SMA of %K"),
        period(1, name="smooth_k", doc="SMA smoothing of the raw %K"),
    ],
    multi(mo.stochrsi_nb, 2, "close"),
    st.StochRsiStream,
    lambda period, k_period, d_period, smooth_k: period + k_period + d_period + smooth_k - 3,
)
add(
    "donchian",
    "Donchian channel: highest high, midpoint, lowest low.",
    ("high", "low"),
    ("upper", "middle", "lower"),
    [period(20)],
    multi(vo.donchian_nb, 3, "high", "low"),
    sv.DonchianStream,
    lambda period: period - 1,
)
add(
    "keltner",
    "Keltner channel: EMA(close, period) ± multiplier * ATR(atr_period).",
    HLC,
    ("middle", "upper", "lower"),
    [
        period(20, doc="EMA period"),
        period(10, name="atr_period", doc="ATR period"),
        number("multiplier", 2.0, 0.0, 100.0, "band width in ATRs"),
    ],
    multi(vo.keltner_nb, 3, *HLC),
    sv.KeltnerStream,
    lambda period, atr_period, multiplier: max(period - 1, atr_period),
)
add(
    "obv",
    "On-balance volume.",
    ("close", "volume"),
    V,
    [],
    single(vm.obv_nb, "close", "volume"),
    sv.ObvStream,
    lambda: 0,
)
add(
    "volume_sma",
    "Simple moving average of volume.",
    ("volume",),
    V,
    [period(20)],
    single(vm.volume_sma_nb, "volume"),
    sv.VolumeSmaStream,
    lambda period: period - 1,
)
add(
    "vwap",
    "Volume-weighted average typical price, per UTC day (anchor='session', needs time) or rolling.",
    HLCV,
    V,
    [
        ParamDef(
            "anchor",
            str,
            "session",
            choices=("session", "rolling"),
            doc="'session' resets each UTC day (needs the int64 ns input 'time'); 'rolling' uses period",
        ),
        period(20, doc="window for anchor='rolling' (ignored by 'session')"),
    ],
    _vwap_kernel,
    sv.VwapStream,
    lambda anchor, period: 0 if anchor == "session" else period - 1,
    optional_inputs=("time",),
)
add(
    "cci",
    "Commodity channel index of the typical price.",
    HLC,
    V,
    [period(20, lo=2)],
    single(mo.cci_nb, *HLC),
    st.CciStream,
    lambda period: period - 1,
)
add(
    "roc",
    "Rate of change in percent: 100 * (close / close[t-period] - 1).",
    C,
    V,
    [period(10)],
    single(mo.roc_nb, "close"),
    st.RocStream,
    lambda period: period,
)
add(
    "mom",
    "Momentum: close - close[t-period].",
    C,
    V,
    [period(10)],
    single(mo.mom_nb, "close"),
    st.MomStream,
    lambda period: period,
)
add(
    "willr",
    "Williams %R, -100..0.",
    HLC,
    V,
    [period(14)],
    single(mo.willr_nb, *HLC),
    st.WillrStream,
    lambda period: period - 1,
)
add(
    "mfi",
    "Money flow index, 0..100.",
    HLCV,
    V,
    [period(14)],
    single(mo.mfi_nb, *HLCV),
    sv.MfiStream,
    lambda period: period,
)
add(
    "supertrend",
    "Supertrend line and direction (+1 up, -1 down) from hl2 ± multiplier * ATR.",
    HLC,
    ("value", "direction"),
    [period(10, doc="ATR period"), number("multiplier", 3.0, 0.0, 100.0, "band width in ATRs")],
    multi(tr.supertrend_nb, 2, *HLC),
    st.SupertrendStream,
    lambda period, multiplier: period,
)
add(
    "ichimoku",
    "Ichimoku lines, all causal: senkou spans are the cloud drawn at t (computed displacement "
    "bars earlier); chikou is the close of t (drawn displacement bars back), NaN for the first displacement bars.",
    HLC,
    ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou"),
    [
        period(9, name="tenkan", doc="conversion-line window"),
        period(26, name="kijun", doc="base-line window"),
        period(52, name="senkou", doc="leading span B window"),
        period(26, lo=0, name="displacement", doc="bars the cloud is shifted forward"),
    ],
    multi(tr.ichimoku_nb, 5, *HLC),
    st.IchimokuStream,
    _ichimoku_warmup,
)
add(
    "stddev",
    "Rolling population standard deviation.",
    C,
    V,
    [period(20)],
    single(vo.stddev_nb, "close"),
    sv.StddevStream,
    lambda period: period - 1,
)
add(
    "zscore",
    "Rolling z-score (close - SMA) / population std; 0 when the std is 0.",
    C,
    V,
    [period(20, lo=2)],
    single(vo.zscore_nb, "close"),
    sv.ZscoreStream,
    lambda period: period - 1,
)
add(
    "highest",
    "Rolling maximum.",
    C,
    V,
    [period(20)],
    single(vo.highest_nb, "close"),
    sv.HighestStream,
    lambda period: period - 1,
)
add(
    "lowest",
    "Rolling minimum.",
    C,
    V,
    [period(20)],
    single(vo.lowest_nb, "close"),
    sv.LowestStream,
    lambda period: period - 1,
)
add(
    "hv",
    "Historical volatility: sample std of log returns * sqrt(periods_per_year). Prices must be > 0.",
    C,
    V,
    [period(20, lo=2), number("periods_per_year", 252.0, 1.0, 1e7, "bars per year, for annualising")],
    single(vo.hv_nb, "close"),
    sv.HvStream,
    lambda period, periods_per_year: period,
)
add(
    "linreg_slope",
    "Least-squares slope of the last period closes, in price units per bar.",
    C,
    V,
    [period(14, lo=2)],
    single(tr.linreg_slope_nb, "close"),
    st.LinregSlopeStream,
    lambda period: period - 1,
)
