"""The indicator registry: look up definitions by name and compute indicators with validation.

>>> from alphalab.indicators import registry
>>> registry.get("rsi").params["period"].default
14
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.indicators._catalog import DEFS
from alphalab.indicators._defs import IndicatorDef, ParamDef, prepare_inputs

__all__ = ["IndicatorDef", "ParamDef", "compute", "get", "names", "register"]

# Domains above indicators/ (quant/, ml/) and plug-ins (entry-point group below) add indicators by
# calling register() when imported; the registry imports them by name on first use, so sdl/ and
# the registry never depend on them.
PLUGIN_MODULES = ("alphalab.quant.indicators", "alphalab.ml.indicators")
ENTRY_POINT_GROUP = "alphalab.indicators"
_plugins_loaded = False


def register(defn: IndicatorDef) -> None:
    """Add ``defn`` to the registry; raise ConfigError if another definition has its name."""
    key = defn.name.lower()
    if key in DEFS and DEFS[key] is not defn:
        raise ConfigError(f"indicator {defn.name!r} is already registered", hint="choose another name")
    DEFS[key] = defn


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in PLUGIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep.load()


def names() -> list[str]:
    """Return the names of every registered indicator, sorted."""
    _load_plugins()
    return sorted(DEFS)


def get(name: str) -> IndicatorDef:
    """Return the definition of indicator ``name`` (case-insensitive); raise ConfigError if unknown."""
    _load_plugins()
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
