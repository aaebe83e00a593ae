"""Typed configurations of the regime detectors and their stable hash.

A configuration names everything that changes a regime series, so its hash keys the stored
series in the catalog (see ``regimes.store``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alphalab.regimes.features import FeatureName

REGIME_LABELS: tuple[str, ...] = ("bull", "bear", "high_vol_chop", "low_vol_chop")
"""The four regime labels every detector emits; an empty string means "not known yet" (warm-up)."""

UNKNOWN = ""


class HMMConfig(BaseModel):
    """A Gaussian HMM over causal features, refitted on a schedule and read by forward filtering.

    The model is first fitted at bar ``min_train + warm-up`` on the bars before it, then refitted
    every ``refit_every`` bars; each fit uses only bars strictly before its refit bar, on an
    expanding window (``train_bars=None``) or the last ``train_bars`` bars. Bars before the first
    fit are labelled ``""`` (unknown).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["hmm"] = "hmm"
    features: tuple[FeatureName, ...] = Field(
        ("range",), description="observed features; the default per-bar log range is a low-noise volatility"
    )
    window: int = Field(10, ge=2, description="look-back of rolling features and of the initial volatility split")
    min_train: int = Field(750, ge=20, description="bars in the first training window")
    refit_every: int = Field(250, ge=1, description="bars between refits")
    train_bars: int | None = Field(None, ge=20, description="rolling training window; None = expanding")
    covariance_type: Literal["full", "diag"] = "full"
    n_iter: int = Field(100, ge=1)
    n_starts: int = Field(
        1, ge=1,
        description="EM starts per fit besides the warm start: a volatility-quartile start, then seeded random ones",
    )
    seed: int = 0

    @model_validator(mode="after")
    def _features_given(self) -> HMMConfig:
        if not self.features:
            raise ValueError("features must name at least one feature")
        if len(set(self.features)) != len(self.features):
            raise ValueError("features must not repeat")
        return self


class RuleConfig(BaseModel):
    """A transparent rule: trend strength decides bull/bear, a volatility percentile splits chop.

    With ``trend="adx"`` a bar trends when ADX(``adx_period``) >= ``adx_threshold``; the direction is
    +DI vs -DI. With ``trend="ma_slope"`` the trend strength is the SMA slope divided by the realised
    volatility (a drift-to-noise ratio); a bar trends when ``|strength| >= slope_threshold``. A bar
    that does not trend is ``high_vol_chop`` when the causal percentile of its realised volatility is
    above ``vol_split``, else ``low_vol_chop``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["rule"] = "rule"
    trend: Literal["adx", "ma_slope"] = "adx"
    adx_period: int = Field(14, ge=2)
    adx_threshold: float = Field(25.0, ge=0, le=100)
    ma_period: int = Field(50, ge=2)
    slope_bars: int = Field(10, ge=1)
    slope_threshold: float = Field(0.1, ge=0)
    vol_window: int = Field(20, ge=2)
    percentile_window: int | None = Field(252, ge=2, description="None = expanding percentile")
    vol_split: float = Field(0.5, gt=0, lt=1)


DetectorConfig = Annotated[HMMConfig | RuleConfig, Field(discriminator="method")]


def config_hash(config: HMMConfig | RuleConfig) -> str:
    """Return a 16-hex-digit hash of a detector configuration (canonical JSON, sorted keys)."""
    text = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
