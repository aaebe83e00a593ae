"""Quant indicators registered in the indicator registry (so SDL can use them without importing quant).

``garch_vol``: the next-bar volatility forecast of a GARCH, GJR-GARCH or EGARCH model refitted on
a schedule (see :mod:`alphalab.quant.garch`). Its streaming twin refits at the same bars on the
same returns and continues the recursion in O(1) between refits, so batch and stream agree.
Registered only when ``arch`` is installed (the ``ml`` extra).
"""

from __future__ import annotations

import importlib.util
import math
from collections import deque
from typing import Any

import numpy as np

from alphalab.indicators import registry
from alphalab.indicators._defs import IndicatorDef, ParamDef
from alphalab.indicators.stream_core import Streaming
from alphalab.quant import garch, nb

NAN = math.nan


class GarchVolStream(Streaming):
    """Streaming twin of ``garch_vol``: refit every ``refit_every`` returns, O(1) updates in between."""

    inputs = ("close",)
    outputs = ("value",)

    def __init__(self, kind: str, min_obs: int, refit_every: int, window: int) -> None:
        self.kind = kind
        self.code = garch.KINDS[kind]
        self.min_obs = min_obs
        self.refit_every = refit_every
        self.buf: deque[float] = deque(maxlen=window)
        self.prev = NAN
        self.count = 0
        self.fit: garch.GarchFit | None = None
        self.state = NAN

    def _variance(self) -> float:
        return math.exp(self.state) if self.code == nb.KIND_EGARCH else self.state

    def _refit(self) -> float:
        window = np.array(self.buf)
        self.fit = garch.fit_garch(window, self.kind)
        if not self.fit.ok:
            self.state = NAN
            return NAN
        path = np.empty(window.shape[0])
        self.state = nb.garch_path_nb(self.code, self.fit.params, self.fit.backcast, window, path)
        return float(path[-1])

    def _step(self, close: float) -> tuple[float, ...]:  # type: ignore[override]
        prev, self.prev = self.prev, close
        if prev != prev:
            return (NAN,)
        r = 100.0 * math.log(close / prev)
        self.buf.append(r)
        self.count += 1
        if self.count < self.min_obs:
            return (NAN,)
        if (self.count - self.min_obs) % self.refit_every == 0:
            var = self._refit()
        elif self.fit is not None and self.fit.ok:
            self.state = nb.garch_next_nb(self.code, self.fit.params, r - self.fit.params[0], self.state)
            var = self._variance()
        else:
            var = NAN
        return (math.sqrt(var) / 100.0 if var == var else NAN,)


def _garch_kernel(arrays: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[np.ndarray, ...]:
    close = arrays["close"]
    out = np.empty(close.shape)
    for j in range(close.shape[1]):
        out[:, j] = garch.garch_vol(close[:, j], **params)
    return (out,)


def _garch_check(p: dict[str, Any]) -> str | None:
    if p["window"] < p["min_obs"]:
        return f"window ({p['window']}) must be at least min_obs ({p['min_obs']})"
    return None


GARCH_VOL = IndicatorDef(
    "garch_vol",
    "Next-bar volatility forecast (fraction per bar) of a GARCH/GJR/EGARCH(1,1) model fitted with "
    "arch on the last `window` log returns, first after `min_obs` returns, then every `refit_every` "
    "bars; the value at t uses closes up to t only.",
    {
        "kind": ParamDef("kind", str, "garch", choices=tuple(garch.KINDS), doc="garch, gjr or egarch"),
        "min_obs": ParamDef("min_obs", int, 50, 10, 100_000, doc="returns before the first fit"),
        "refit_every": ParamDef("refit_every", int, 20, 1, 100_000, doc="bars between refits"),
        "window": ParamDef("window", int, 1000, 10, 100_000, doc="most returns a fit uses"),
    },
    ("close",),
    ("value",),
    _garch_kernel,
    GarchVolStream,
    lambda kind, min_obs, refit_every, window: min_obs,
    check=_garch_check,
)

if importlib.util.find_spec("arch") is not None:
    registry.register(GARCH_VOL)
