"""What SDL knows about indicators: the indicator registry when it is importable, else its contract.

The contract (docs/CONTRACTS.md) fixes the indicator names and output names, so documents can be
checked for unknown indicators and outputs even before the registry is installed; parameters are
checked only against the real registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

_CONTRACT_OUTPUTS: dict[str, tuple[str, ...]] = {
    "macd": ("macd", "signal", "hist"),
    "bbands": ("middle", "upper", "lower", "percent_b", "bandwidth"),
    "adx": ("adx", "plus_di", "minus_di"),
    "stoch": ("k", "d"),
    "donchian": ("upper", "middle", "lower"),
    "keltner": ("middle", "upper", "lower"),
    "supertrend": ("value", "direction"),
}
_CONTRACT_NAMES = [
    *("sma", "ema", "wma", "dema", "tema", "hma", "rsi", "macd", "bbands", "atr", "natr", "adx", "stoch"),
    *("stochrsi", "donchian", "keltner", "obv", "volume_sma", "vwap", "cci", "roc", "mom", "willr", "mfi"),
    *("supertrend", "ichimoku", "stddev", "zscore", "highest", "lowest", "hv", "linreg_slope"),
]


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    """Inputs, outputs and (when the registry is present) parameter declarations of one indicator."""

    name: str
    inputs: tuple[str, ...] | None
    outputs: tuple[str, ...]
    params: Mapping[str, Any] | None


def _registry() -> ModuleType | None:
    try:
        return importlib.import_module("alphalab.indicators.registry")
    except ImportError:
        return None


def known_types() -> list[str]:
    """Return every indicator type name."""
    reg = _registry()
    if reg is not None:
        return list(reg.names())
    return list(_CONTRACT_NAMES)


def info(name: str) -> IndicatorInfo | None:
    """Return what is known about indicator ``name``, or None when it does not exist."""
    reg = _registry()
    if reg is not None:
        if name not in set(reg.names()):
            return None
        d = reg.get(name)
        return IndicatorInfo(name, tuple(d.inputs), tuple(d.outputs), dict(d.params))
    if name not in _CONTRACT_NAMES:
        return None
    return IndicatorInfo(name, None, _CONTRACT_OUTPUTS.get(name, ("value",)), None)


def compute(name: str, inputs: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Compute indicator ``name`` on (time, asset) ``inputs`` through the indicator registry."""
    from alphalab._optional import require

    mod = require("alphalab.indicators", purpose="computing indicators")
    out: dict[str, np.ndarray] = mod.compute(name, inputs, **params)
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def check_param(pdef: Any, value: Any) -> str | None:
    """Return why ``value`` does not fit the registry's parameter declaration ``pdef``."""
    ptype = getattr(pdef, "type", None)
    tname = ptype if isinstance(ptype, str) else getattr(ptype, "__name__", str(ptype))
    if tname in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{value!r} is not a number"
        if tname == "int" and not float(value).is_integer():
            return f"{value!r} is not a whole number"
    lo, hi = getattr(pdef, "min", None), getattr(pdef, "max", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if lo is not None and value < lo:
            return f"{value!r} is below the minimum {lo}"
        if hi is not None and value > hi:
            return f"{value!r} is above the maximum {hi}"
    return None


def period_param(name: str) -> str:
    """Return the name of the look-back parameter of indicator ``name`` (``period`` by convention)."""
    meta = info(name)
    if meta is None or not meta.params:
        return "period"
    for key in meta.params:
        if "period" in key or key in ("n", "length", "window", "timeperiod"):
            return key
    return next(iter(meta.params))
