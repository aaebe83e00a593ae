"""Indicator and parameter definitions, and the dispatch layer that validates before numba runs.

Every check raises :class:`alphalab.core.errors.ConfigError` with a sentence that names the
indicator and the offending input or parameter, so numba never sees a bad array.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.indicators.stream_core import Streaming

ParamValue = int | float | str
Kernel = Callable[[dict[str, np.ndarray], dict[str, Any]], tuple[np.ndarray, ...]]


@dataclass(frozen=True, slots=True)
class ParamDef:
    """One parameter of an indicator: its type, default and valid range (inclusive) or choices."""

    name: str
    type: type
    default: ParamValue
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""

    def coerce(self, indicator: str, value: object) -> ParamValue:
        """Return ``value`` converted to this parameter's type, or raise ConfigError."""
        where = f"indicator {indicator!r}: parameter {self.name!r}"
        if self.type is str:
            if not isinstance(value, str) or (self.choices is not None and value not in self.choices):
                raise ConfigError(
                    f"{where} must be one of {', '.join(self.choices or ())}, got {value!r}",
                    hint=self.doc or None,
                )
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ConfigError(f"{where} must be a number, got {value!r}", hint=self.doc or None)
        num = float(value)
        if not np.isfinite(num):
            raise ConfigError(f"{where} must be finite, got {value!r}")
        if self.type is int and num != round(num):
            raise ConfigError(f"{where} must be a whole number, got {value!r}", hint=self.doc or None)
        if (self.min is not None and num < self.min) or (self.max is not None and num > self.max):
            raise ConfigError(
                f"{where} must be between {self.min:g} and {self.max:g}, got {value!r}",
                hint=self.doc or None,
            )
        out: ParamValue = round(num) if self.type is int else num
        return out


@dataclass(frozen=True)
class IndicatorDef:
    """Everything known about one indicator: parameters, inputs, outputs, warm-up, batch and stream.

    ``batch`` takes 2-D (time, asset) arrays by input name plus parameters and returns one
    (time, asset) float64 array per output; ``stream`` returns the O(1) streaming twin.
    """

    name: str
    description: str
    params: dict[str, ParamDef]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    kernel: Kernel = field(repr=False)
    streamer: Callable[..., Streaming] = field(repr=False)
    warmup_fn: Callable[..., int] = field(repr=False)
    optional_inputs: tuple[str, ...] = ()
    check: Callable[[dict[str, Any]], str | None] | None = field(default=None, repr=False)

    def resolve(self, params: Mapping[str, object]) -> dict[str, Any]:
        """Return the full parameter set (defaults filled in), validated; raise ConfigError otherwise."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise ConfigError(
                f"indicator {self.name!r} has no parameter {', '.join(map(repr, unknown))}",
                hint=f"its parameters are: {', '.join(self.params) or '(none)'}",
            )
        out = {k: p.coerce(self.name, params.get(k, p.default)) for k, p in self.params.items()}
        problem = self.check(out) if self.check is not None else None
        if problem:
            raise ConfigError(f"indicator {self.name!r}: {problem}")
        return out

    def warmup(self, **params: object) -> int:
        """Return the number of leading bars without a value in every output (on gap-free data)."""
        return int(self.warmup_fn(**self.resolve(params)))

    def stream(self, **params: object) -> Streaming:
        """Return a fresh streaming twin; feed it with ``.update(**bar)``."""
        return self.streamer(**self.resolve(params))

    def batch(self, **kwargs: object) -> tuple[np.ndarray, ...]:
        """Compute every output on 2-D (time, asset) inputs; return one (time, asset) array per output."""
        names = set(self.inputs) | set(self.optional_inputs)
        arrays = {k: v for k, v in kwargs.items() if k in names}
        params = {k: v for k, v in kwargs.items() if k not in names}
        resolved = self.resolve(params)
        prepared = prepare_inputs(self, arrays, resolved, allow_1d=False)
        return tuple(self.kernel(prepared, resolved))


def _as_float_2d(defn: IndicatorDef, name: str, value: object, allow_1d: bool) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise ConfigError(
            f"indicator {defn.name!r}: input {name!r} must hold numbers, got dtype {arr.dtype}",
            hint="pass float64 arrays (NaN marks a missing bar)",
        )
    if arr.ndim == 1 and allow_1d:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        shape_text = "(time,) or (time, asset)" if allow_1d else "(time, asset)"
        raise ConfigError(
            f"indicator {defn.name!r}: input {name!r} must have shape {shape_text}, got {arr.shape}"
        )
    return np.ascontiguousarray(arr, dtype=np.float64)


def _as_time(defn: IndicatorDef, value: object, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "M":
        arr = arr.astype("datetime64[ns]").view(np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1 or arr.shape[0] != n:
        raise ConfigError(
            f"indicator {defn.name!r}: input 'time' must be int64 nanoseconds of shape ({n},), "
            f"got dtype {arr.dtype} and shape {arr.shape}",
            hint="pass BarArrays.time (UTC int64 ns since the epoch)",
        )
    return np.ascontiguousarray(arr, dtype=np.int64)


def prepare_inputs(
    defn: IndicatorDef, arrays: Mapping[str, object], params: Mapping[str, Any], *, allow_1d: bool
) -> dict[str, np.ndarray]:
    """Validate and convert the input arrays of ``defn``: names, dtypes, shapes; raise ConfigError."""
    missing = [k for k in defn.inputs if k not in arrays]
    if missing:
        raise ConfigError(
            f"indicator {defn.name!r} is missing input(s) {', '.join(missing)}",
            hint=f"it needs: {', '.join(defn.inputs)}",
        )
    known = set(defn.inputs) | set(defn.optional_inputs)
    extra = sorted(set(arrays) - known)
    if extra:
        raise ConfigError(
            f"indicator {defn.name!r} has no input {', '.join(map(repr, extra))}",
            hint=f"its inputs are: {', '.join(defn.inputs + defn.optional_inputs)}",
        )
    out = {k: _as_float_2d(defn, k, arrays[k], allow_1d) for k in defn.inputs}
    shapes = {k: a.shape for k, a in out.items()}
    if len(set(shapes.values())) > 1:
        raise ConfigError(f"indicator {defn.name!r}: inputs have different shapes {shapes}")
    n = next(iter(out.values())).shape[0]
    if "time" in defn.optional_inputs and params.get("anchor") == "session":
        if "time" not in arrays:
            raise ConfigError(
                f"indicator {defn.name!r} with anchor 'session' needs the input 'time'",
                hint="pass the bar open times (int64 ns), or use anchor='rolling' with a period",
            )
        out["time"] = _as_time(defn, arrays["time"], n)
    return out
