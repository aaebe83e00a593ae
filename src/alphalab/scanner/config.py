"""Typed settings of the scanner's state (window lengths) and the feature layout of its arrays."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FEATURES: tuple[str, ...] = (
    "close", "ret", "volume", "vol_mean", "vol_std", "vol_z", "atr", "atr_pct", "bw", "bw_pct",
    "hh", "ll", "ret_std", "skew", "kurt", "rv", "rv_pct", "slope", "regime", "regime_prev",
)
"""Columns of the symbol x feature array, in order (``F[name]`` gives the column)."""

F: dict[str, int] = {name: i for i, name in enumerate(FEATURES)}
N_FEATURES = len(FEATURES)

REGIME_CODES: tuple[str, ...] = ("bull", "bear", "high_vol_chop", "low_vol_chop")
"""Regime code c >= 0 in the ``regime`` column is ``REGIME_CODES[c]``; -1 means not known yet."""


class StateConfig(BaseModel):
    """Window lengths of the scanner's rolling state (in closed bars of each symbol).

    The regime columns follow the rule detector with ``trend="ma_slope"``
    (:mod:`alphalab.regimes.rules`): SMA slope over realised volatility decides bull/bear, the
    causal percentile of realised volatility splits chop.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    vol_window: int = Field(20, ge=2, description="baseline of the volume z-score (bars before the current one)")
    atr_period: int = Field(14, ge=1, description="Wilder ATR period")
    band_window: int = Field(20, ge=2, description="window of the Bollinger band width")
    band_k: float = Field(2.0, gt=0)
    pct_window: int = Field(100, ge=2, description="window of the ATR and band-width percentile ranks")
    breakout_window: int = Field(20, ge=1, description="rolling high/low of the bars before the current one")
    moment_window: int = Field(50, ge=4, description="window of the return skew and kurtosis")
    ma_period: int = Field(50, ge=2)
    slope_bars: int = Field(10, ge=1)
    slope_threshold: float = Field(0.1, ge=0)
    rv_window: int = Field(20, ge=2, description="realised volatility window (log returns)")
    rv_pct_window: int = Field(252, ge=2)
    vol_split: float = Field(0.5, gt=0, lt=1)
    book_levels: int = Field(10, ge=1, description="order-book levels kept per side")

    def warmup(self) -> int:
        """Return the symbol's first bar (1-based) at which every feature is defined."""
        return max(self.vol_window + 1, self.atr_period + self.pct_window, self.band_window + self.pct_window - 1,
                   self.breakout_window + 1, self.moment_window + 1, self.ma_period + self.slope_bars,
                   self.rv_window + self.rv_pct_window)


Mode = Literal["paper", "live"]


class HandlerSpec(BaseModel):
    """A strategy's handler for one detector's events: which side to take, in which regimes, how big."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: str
    detector: str
    side: Literal["long", "short", "follow", "fade"] = "follow"
    regimes: tuple[str, ...] = Field((), description="regimes in which the handler trades; empty: every known regime")
    fraction: float = Field(0.05, gt=0, le=1, description="notional of the entry as a fraction of equity")
