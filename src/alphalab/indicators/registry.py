"""The indicator registry: look up definitions by name and compute indicators with validation.

>>> from alphalab.indicators import registry
>>> registry.get("rsi").params["period"].default
14
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.indicators._catalog import DEFS
from alphalab.indicators._defs import IndicatorDef, ParamDef, prepare_inputs

__all__ = ["IndicatorDef", "ParamDef", "compute", "get", "names"]


def names() -> list[str]:
    """Return the names of every registered indicator, sorted."""
    return sorted(DEFS)


def get(name: str) -> IndicatorDef:
    """Return the definition of indicator ``name`` (case-insensitive); raise ConfigError if unknown."""
    key = str(name).strip().lower()
    if key not in DEFS:
        close = difflib.get_close_matches(key, DEFS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"known indicators: {', '.join(names())}"
        raise ConfigError(f"unknown indicator {name!r}", hint=hint)
    return DEFS[key]


def compute(name: str, inputs: Mapping[str, object], **params: object) -> dict[str, np.ndarray]:
    """Compute indicator ``name`` on ``inputs`` and return ``{output: array}``.

    Parameters
    ----------
    name
        A registered indicator name, e.g. ``"rsi"``.
    inputs
        Arrays by input name (``"close"``, ``"high"`` ...), all of shape (time,) or all of shape
        (time, asset); NaN marks a missing bar. ``vwap`` with ``anchor="session"`` also takes
        ``"time"`` (int64 ns or datetime64, shape (time,)).
    **params
        Indicator parameters; missing ones take their defaults.

    Returns
    -------
    dict
        One float64 array per output, with the shape of the inputs.

    Raises
    ------
    ConfigError
        Unknown indicator, missing or extra input, bad dtype or shape, unknown or out-of-range parameter.
    """
    defn = get(name)
    resolved = defn.resolve(params)
    one_d = any(np.ndim(np.asarray(v)) == 1 for k, v in inputs.items() if k != "time")
    prepared = prepare_inputs(defn, inputs, resolved, allow_1d=True)
    if one_d and any(np.ndim(np.asarray(v)) != 1 for k, v in inputs.items() if k != "time"):
        raise ConfigError(f"indicator {defn.name!r}: mix of 1-D and 2-D inputs")
    results = defn.kernel(prepared, resolved)
    return {out: (arr[:, 0] if one_d else arr) for out, arr in zip(defn.outputs, results, strict=True)}
