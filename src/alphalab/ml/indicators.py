"""ML indicators registered in the indicator registry: ``frac_diff`` and ``amihud``, each with its twin.

``frac_diff`` is the fixed-width fractional difference of ``close`` (López de Prado, ch. 5):
``sum_{k<width} w_k close_{t-k}``; ``amihud`` the mean of ``|return| / dollar volume``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from alphalab.indicators import registry
from alphalab.indicators._defs import IndicatorDef, ParamDef
from alphalab.indicators.stream_core import Streaming
from alphalab.ml import nb

NAN = math.nan


def _per_valid_column(fn: Callable[..., None], names: tuple[str, ...], params: tuple[str, ...]) -> Any:
    def kernel(arrays: dict[str, np.ndarray], p: dict[str, Any]) -> tuple[np.ndarray, ...]:
        first = arrays[names[0]]
        out = np.full(first.shape, np.nan)
        for j in range(first.shape[1]):
            cols = [arrays[k][:, j] for k in names]
            ok = np.ones(first.shape[0], dtype=bool)
            for c in cols:
                ok &= np.isfinite(c)
            rows = np.flatnonzero(ok)
            res = np.empty(rows.shape[0])
            fn(*(np.ascontiguousarray(c[rows]) for c in cols), *(p[k] for k in params), res)
            out[rows, j] = res
        return (out,)

    return kernel


class FracDiffStream(Streaming):
    """Twin of ``frac_diff``: a window of the last ``width`` closes dotted with the same weights."""

    inputs = ("close",)
    outputs = ("value",)

    def __init__(self, d: float, width: int) -> None:
        self.w = nb.fracdiff_weights_nb(float(d), int(width)).tolist()
        self.buf: deque[float] = deque(maxlen=int(width))

    def _step(self, x: float) -> tuple[float, ...]:  # type: ignore[override]
        self.buf.append(x)
        width = len(self.w)
        if len(self.buf) < width:
            return (NAN,)
        acc = 0.0
        for k in range(width - 1, -1, -1):
            acc += self.w[k] * self.buf[width - 1 - k]
        return (acc,)


class AmihudStream(Streaming):
    """Twin of ``amihud``: the window of ratios summed oldest first, as the kernel does."""

    inputs = ("close", "volume")
    outputs = ("value",)

    def __init__(self, period: int) -> None:
        self.period = int(period)
        self.prev = NAN
        self.count = 0
        self.buf: deque[float] = deque(maxlen=self.period)

    def _step(self, close: float, volume: float) -> tuple[float, ...]:  # type: ignore[override]
        prev, self.prev = self.prev, close
        self.count += 1
        if prev != prev:
            return (NAN,)
        dv = close * volume
        self.buf.append(abs(close / prev - 1.0) / dv if dv > 0.0 else NAN)
        if self.count <= self.period:
            return (NAN,)
        acc = 0.0
        for v in self.buf:
            acc += v
        return (acc / self.period,)


FRAC_DIFF = IndicatorDef(
    "frac_diff",
    "Fixed-width fractional difference of close: sum of w_k * close[t-k] over `width` bars, "
    "w_0 = 1, w_k = -w_{k-1} (d - k + 1) / k; d = 1 is the first difference, d = 0 the close.",
    {
        "d": ParamDef("d", float, 0.4, 0.0, 2.0, doc="order of differentiation"),
        "width": ParamDef("width", int, 50, 1, 10_000, doc="number of weights (window length)"),
    },
    ("close",),
    ("value",),
    _per_valid_column(nb.fracdiff_nb, ("close",), ("d", "width")),
    FracDiffStream,
    lambda d, width: width - 1,
)

AMIHUD = IndicatorDef(
    "amihud",
    "Amihud illiquidity: mean over `period` bars of |simple return| / (close * volume).",
    {"period": ParamDef("period", int, 20, 1, 100_000, doc="window length in bars")},
    ("close", "volume"),
    ("value",),
    _per_valid_column(nb.amihud_nb, ("close", "volume"), ("period",)),
    AmihudStream,
    lambda period: period,
)

registry.register(FRAC_DIFF)
registry.register(AMIHUD)
