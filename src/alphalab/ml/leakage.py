"""Leakage check for features: a feature value at bar t must not change when bars after t change.

It recomputes the features on truncated and on altered-future copies of the data and reports
every feature whose past values moved, with the first bar where they did. A centred moving
average (a classic leak) fails it; every registry indicator passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.ml.features import FeatureSet, compute_features

FeatureFn = Callable[[pd.DataFrame], pd.DataFrame]
PRICE_FIELDS = ("open", "high", "low", "close")


@dataclass(frozen=True, slots=True)
class Leak:
    """A feature that used the future: its name, the cut bar and the first bar whose value changed."""

    feature: str
    cut: pd.Timestamp
    first_changed: pd.Timestamp


def _as_fn(features: FeatureSet | FeatureFn) -> FeatureFn:
    if isinstance(features, FeatureSet):
        fs = features
        return lambda frame: compute_features(fs, frame)
    return features


def _changed(a: pd.Series, b: pd.Series) -> np.ndarray:
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    return ~((x == y) | (np.isnan(x) & np.isnan(y)))


def check_leakage(
    features: FeatureSet | FeatureFn, frame: pd.DataFrame, *, cuts: Sequence[float] = (0.3, 0.6, 0.9), seed: int = 0
) -> list[Leak]:
    """Return the features whose value at some bar t depends on bars after t (empty when causal).

    For each cut k, the values at bars < k must be the same on ``frame[:k]``, on ``frame`` and on
    ``frame`` with the bars from k on rescaled at random (a very different future).
    """
    fn = _as_fn(features)
    if len(frame) < 10:
        raise ConfigError(f"the leakage check needs at least 10 bars, got {len(frame)}")
    full = fn(frame)
    rng = np.random.default_rng(seed)
    leaks: dict[str, Leak] = {}
    for cut in cuts:
        k = max(1, min(len(frame) - 1, int(cut * len(frame))))
        altered = frame.copy()
        scale = np.exp(np.cumsum(rng.normal(0, 0.05, len(frame) - k)))
        for col in PRICE_FIELDS:
            if col in altered:
                altered.iloc[k:, altered.columns.get_loc(col)] *= scale
        variants = (fn(frame.iloc[:k]), fn(altered).iloc[:k])
        for name in full.columns:
            if name in leaks:
                continue
            for other in variants:
                bad = _changed(full[name].iloc[:k], other[name])
                if bad.any():
                    leaks[str(name)] = Leak(str(name), frame.index[k], frame.index[int(np.argmax(bad))])
                    break
    return list(leaks.values())
