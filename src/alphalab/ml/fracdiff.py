"""Fractional differentiation with a fixed-width window, and the minimum-d search by ADF test.

>>> import numpy as np
>>> weights(0.5, 4).tolist()
[1.0, -0.5, -0.125, -0.0625]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from alphalab._optional import require
from alphalab.core.errors import ConfigError
from alphalab.ml import nb


def weights(d: float, width: int) -> np.ndarray:
    """Return the ``width`` fractional-difference weights of order ``d`` (``w_0 = 1``)."""
    if width < 1 or not np.isfinite(d):
        raise ConfigError(f"fractional differentiation needs width >= 1 and a finite d, got {width}, {d}")
    return nb.fracdiff_weights_nb(float(d), int(width))


def frac_diff(x: object, d: float, width: int = 50) -> np.ndarray:
    """Return the fixed-width fractional difference of ``x`` (NaN rows skipped, NaN before ``width`` values)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ConfigError(f"frac_diff needs a 1-D series, got shape {arr.shape}")
    weights(d, width)
    rows = np.flatnonzero(np.isfinite(arr))
    res = np.empty(rows.shape[0])
    nb.fracdiff_nb(np.ascontiguousarray(arr[rows]), float(d), int(width), res)
    out = np.full(arr.shape[0], np.nan)
    out[rows] = res
    return out


@dataclass(frozen=True, slots=True)
class MinD:
    """Result of the minimum-d search: the chosen d, and the ADF p-value of every d tried."""

    d: float | None
    pvalues: dict[float, float]


def min_d(
    x: object,
    *,
    width: int = 50,
    pvalue: float = 0.05,
    grid: tuple[float, ...] | None = None,
    maxlag: int | None = None,
) -> MinD:
    """Return the smallest ``d`` in ``grid`` whose fractional difference passes the ADF test at ``pvalue``.

    ``d`` is None when no d on the grid makes the series stationary. Run it on training data
    only: the chosen d is a fitted parameter like any other. ``maxlag`` bounds the ADF lags
    (statsmodels' default when None).
    """
    stattools = require("statsmodels.tsa.stattools", purpose="the ADF test of the min-d search")
    values = tuple(np.round(np.arange(0.0, 1.0001, 0.05), 10)) if grid is None else tuple(grid)
    tried: dict[float, float] = {}
    for d in sorted(values):
        fd = frac_diff(x, d, width)
        fd = fd[np.isfinite(fd)]
        if fd.shape[0] < 20:
            raise ConfigError(f"min-d search needs at least {width + 19} values, got too few")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(stattools.adfuller(fd, maxlag=maxlag, autolag="AIC", result_object=False)[1])
        tried[float(d)] = p
        if p < pvalue:
            return MinD(float(d), tried)
    return MinD(None, tried)
