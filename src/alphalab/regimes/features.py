"""Causal features of the regime detectors (a value at bar t uses bars up to t only).

Features (each a float64 column, NaN during warm-up):

- ``return``: the bar's log return.
- ``range``: the log of the bar's log range ``log(high / low)`` (a per-bar volatility estimate).
- ``trend``: the mean log return over the last ``window`` bars (a smoothed drift).
- ``volatility``: the log of the realised volatility (standard deviation of log returns over
  ``window`` bars).
- ``atr``: the log of ATR(``window``) divided by the close (Wilder's average true range).
- ``volume``: the log of the mean volume over the last ``window`` bars.

The rolling mean and standard deviation, ATR and ADX are the indicator kernels (``sma``,
``stddev``, ``atr``, ``adx``), so a missing bar (NaN row, e.g. a union calendar) is skipped as by
every indicator: the features at a symbol's valid bars equal those of its own trimmed series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.regimes import nb

FeatureName = Literal["return", "range", "trend", "volatility", "atr", "volume"]
FEATURE_NAMES: tuple[str, ...] = ("return", "range", "trend", "volatility", "atr", "volume")


def _arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    def col(name: str) -> np.ndarray:
        return np.ascontiguousarray(frame[name].to_numpy(dtype="float64"))

    return col("high"), col("low"), col("close"), col("volume")


def _safe_log(x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & (x > 0)
    out[ok] = np.log(x[ok])
    return out


def feature_matrix(frame: pd.DataFrame, features: Sequence[str], window: int) -> np.ndarray:
    """Return the (T, F) matrix of the named causal features of a BarFrame.

    Parameters
    ----------
    frame
        A BarFrame (open, high, low, close, volume).
    features
        Names from ``FEATURE_NAMES``, in column order.
    window
        Look-back of the rolling features, in bars (at least 2).
    """
    if window < 2:
        raise ConfigError(f"feature window must be at least 2 bars, got {window}")
    high, low, close, volume = _arrays(frame)
    rets = nb.log_returns(close)
    cols = []
    for name in features:
        if name == "return":
            cols.append(rets)
        elif name == "range":
            with np.errstate(divide="ignore", invalid="ignore"):
                cols.append(_safe_log(np.log(high / low)))
        elif name == "trend":
            cols.append(nb.rolling_mean(rets, window))
        elif name == "volatility":
            cols.append(_safe_log(nb.rolling_std(rets, window)))
        elif name == "atr":
            cols.append(_safe_log(nb.wilder_atr(high, low, close, window) / close))
        elif name == "volume":
            cols.append(_safe_log(nb.rolling_mean(volume, window)))
        else:
            raise ConfigError(
                f"unknown regime feature {name!r}", hint=f"choose from {', '.join(FEATURE_NAMES)}"
            )
    return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def causal_percentile(x: np.ndarray, window: int | None) -> np.ndarray:
    """Return the causal percentile rank of each value: the share of values up to t that are <= x[t].

    Parameters
    ----------
    x
        1-D float64 values (NaN is skipped).
    window
        Rolling look-back in bars, or None for an expanding window from the first bar.
    """
    x = np.ascontiguousarray(x, dtype="float64")
    if window is not None:
        return nb.rolling_percentile(x, int(window))  # type: ignore[no-any-return]
    finite = np.isfinite(x)
    vals = np.sort(x[finite])
    rank_hi = np.zeros(x.shape[0], dtype=np.int64)
    # position of the last sorted value equal to x[t]: ties count as "<=" within the prefix.
    rank_hi[finite] = np.searchsorted(vals, x[finite], side="right") - 1
    return nb.expanding_percentile(x, rank_hi, int(vals.shape[0]))  # type: ignore[no-any-return]


def adx(frame: pd.DataFrame, period: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (ADX, +DI, -DI) of a BarFrame with Wilder smoothing."""
    high, low, close, _ = _arrays(frame)
    return nb.wilder_adx(high, low, close, int(period))  # type: ignore[no-any-return]


def realised_volatility(frame: pd.DataFrame, window: int) -> np.ndarray:
    """Return the rolling standard deviation of log returns over ``window`` bars."""
    _, _, close, _ = _arrays(frame)
    return nb.rolling_std(nb.log_returns(close), int(window))  # type: ignore[no-any-return]


def ma_slope(frame: pd.DataFrame, period: int, slope_bars: int) -> np.ndarray:
    """Return the per-bar relative slope of the SMA: (SMA[t] / SMA[t - slope_bars] - 1) / slope_bars."""
    _, _, close, _ = _arrays(frame)
    sma = nb.rolling_mean(close, int(period))
    out = np.full(sma.shape, np.nan)
    k = int(slope_bars)
    if k < 1:
        raise ConfigError(f"slope_bars must be at least 1, got {slope_bars}")
    out[k:] = (sma[k:] / sma[:-k] - 1.0) / k
    return out
