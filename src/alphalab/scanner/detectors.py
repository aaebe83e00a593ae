"""The detector registry: each detector declares its inputs, parameters and warm-up.

>>> from alphalab.scanner import detectors
>>> detectors.get("volume_spike").params["z"]
4.0
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.scanner import detectors_nb as nb
from alphalab.scanner.config import StateConfig


@dataclass(frozen=True, slots=True)
class DetectorDef:
    """A detector: ``kernel(feats, book, flow, params, cond, value, severity)`` and what it needs.

    ``inputs`` names the state it reads (``features``, ``book``, ``liquidations``, ``iv``); ``reports`` the
    feature columns an event carries as its triggering values; ``warmup(config)`` the symbol's
    first bar (1-based) at which every input is defined, before which the detector never fires.
    """

    name: str
    kernel: Callable[..., None]
    params: Mapping[str, float]
    inputs: tuple[str, ...]
    reports: tuple[str, ...]
    warmup: Callable[[StateConfig], int]
    description: str

    def resolve(self, overrides: Mapping[str, Any]) -> np.ndarray:
        """Return the parameter vector with ``overrides`` applied; unknown names are an error."""
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            raise ConfigError(f"detector {self.name!r} has no parameter {', '.join(unknown)}",
                              hint=f"its parameters: {', '.join(self.params)}")
        vals = {**self.params, **{k: float(v) for k, v in overrides.items()}}
        if any(not np.isfinite(v) or v < 0 for v in vals.values()):
            raise ConfigError(f"detector {self.name!r}: parameters must be finite and >= 0, got {vals}")
        return np.array([vals[k] for k in self.params], dtype=np.float64)


def _defs() -> dict[str, DetectorDef]:
    ds = [
        DetectorDef("volume_spike", nb.volume_spike_nb, {"z": 4.0}, ("features",), ("volume", "vol_mean", "vol_z"),
                    lambda c: c.vol_window + 1, "volume z-score against the previous bars' mean and std"),
        DetectorDef("vol_expansion", nb.vol_expansion_nb, {"atr_pct": 0.95, "bw_pct": 0.9}, ("features",),
                    ("atr", "atr_pct", "bw", "bw_pct"), lambda c: max(c.atr_period + c.pct_window, c.band_window + c.pct_window - 1),
                    "ATR and Bollinger band-width percentile ranks jump to the top of their range"),
        DetectorDef("breakout", nb.breakout_nb, {"margin": 0.0}, ("features",), ("close", "hh", "ll"),
                    lambda c: c.breakout_window + 1, "close beyond the previous bars' high or low"),
        DetectorDef("moment_anomaly", nb.moment_anomaly_nb, {"skew": 2.0, "kurt": 6.0}, ("features",),
                    ("skew", "kurt"), lambda c: c.moment_window + 1, "skew or excess kurtosis of recent returns"),
        DetectorDef("return_shock", nb.return_shock_nb, {"z": 4.0}, ("features",), ("ret", "ret_std"),
                    lambda c: c.moment_window + 1, "bar return of many recent standard deviations"),
        DetectorDef("book_imbalance", nb.book_imbalance_nb, {"imbalance": 0.6, "levels": 5.0}, ("book",), (),
                    lambda c: 1, "bid/ask depth asymmetry in the top N order-book levels"),
        DetectorDef("liquidation_cascade", nb.liquidation_cascade_nb,
                    {"min_events": 5.0, "min_notional": 0.0, "drop": 0.01}, ("features", "liquidations"), ("ret",),
                    lambda c: 2, "a burst of forced sells with a price drop in one bar"),
        DetectorDef("iv_expansion", nb.iv_expansion_nb, {"rank": 0.95}, ("iv",), (),
                    lambda c: c.pct_window, "implied volatility jumps to the top of its recent range (venue IV feed)"),
        DetectorDef("regime_shift", nb.regime_shift_nb, {}, ("features",), ("regime_prev", "regime", "slope", "rv_pct"),
                    lambda c: max(c.ma_period + c.slope_bars, c.rv_window + c.rv_pct_window) + 1,
                    "the causal rule regime (ma_slope trend x volatility percentile) changed"),
    ]
    return {d.name: d for d in ds}


DEFS = _defs()


def names() -> list[str]:
    """Return the registered detector names, sorted."""
    return sorted(DEFS)


def get(name: str) -> DetectorDef:
    """Return detector ``name``; raise ConfigError naming close matches if it is unknown."""
    key = str(name).strip().lower()
    if key not in DEFS:
        close = difflib.get_close_matches(key, DEFS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"known detectors: {', '.join(names())}"
        raise ConfigError(f"unknown detector {name!r}", hint=hint)
    return DEFS[key]
