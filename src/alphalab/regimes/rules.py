"""Transparent rule-based regimes: trend strength (ADX or MA slope) x causal volatility percentile.

Every input at bar t (ADX, +DI/-DI, SMA slope, realised volatility and its percentile rank among
past values) uses bars up to t only, so the label at t never changes when later bars change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphalab.regimes.config import UNKNOWN, RuleConfig
from alphalab.regimes.features import adx, causal_percentile, ma_slope, realised_volatility


def trend_direction(frame: pd.DataFrame, config: RuleConfig) -> np.ndarray:
    """Return +1 (up trend), -1 (down trend), 0 (no trend) or NaN (warm-up) for every bar."""
    if config.trend == "adx":
        strength, plus, minus = adx(frame, config.adx_period)
        direction = np.where(plus >= minus, 1.0, -1.0)
        out = np.where(strength >= config.adx_threshold, direction, 0.0)
        out[np.isnan(strength)] = np.nan
        return out  # type: ignore[no-any-return]
    slope = ma_slope(frame, config.ma_period, config.slope_bars)
    vol = realised_volatility(frame, config.vol_window)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = slope / vol
    out = np.where(np.abs(ratio) >= config.slope_threshold, np.sign(ratio), 0.0)
    out[~np.isfinite(ratio)] = np.nan
    return out  # type: ignore[no-any-return]


def detect_rule(frame: pd.DataFrame, config: RuleConfig | None = None) -> pd.Series:
    """Label every bar of a BarFrame with the rule-based detector.

    Parameters
    ----------
    frame
        A BarFrame.
    config
        Rule settings (defaults: ``RuleConfig()``).

    Returns
    -------
    pd.Series
        Labels (``bull``, ``bear``, ``high_vol_chop``, ``low_vol_chop``; ``""`` during warm-up)
        on the frame's index, named ``regime``.
    """
    config = config or RuleConfig()
    direction = trend_direction(frame, config)
    vol_rank = causal_percentile(realised_volatility(frame, config.vol_window), config.percentile_window)
    labels = np.full(len(frame), UNKNOWN, dtype=object)
    known = np.isfinite(direction) & np.isfinite(vol_rank)
    labels[known & (direction > 0)] = "bull"
    labels[known & (direction < 0)] = "bear"
    chop = known & (direction == 0)
    labels[chop & (vol_rank > config.vol_split)] = "high_vol_chop"
    labels[chop & (vol_rank <= config.vol_split)] = "low_vol_chop"
    return pd.Series(labels, index=frame.index, name="regime", dtype=object)
