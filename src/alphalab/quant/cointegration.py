"""Cointegration tests: Engle–Granger (two series) and Johansen (several), via statsmodels.

Results are typed records of the statsmodels statistics, so a strategy or report can use them
without knowing statsmodels. Both tests see only the rows they are given: to use them causally,
pass the history before the bar they serve (see :func:`rolling_engle_granger`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from alphalab._optional import require
from alphalab.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class EngleGranger:
    """Engle–Granger test of y on x: ADF statistic of the residual, p-value, critical values, hedge."""

    stat: float
    pvalue: float
    crit: tuple[float, float, float]
    hedge: float
    intercept: float

    def cointegrated(self, level: float = 0.05) -> bool:
        """Return True when the p-value is below ``level``."""
        return self.pvalue < level


@dataclass(frozen=True, slots=True)
class Johansen:
    """Johansen test: trace and max-eigenvalue statistics with 90/95/99 % critical values per rank."""

    trace: np.ndarray
    trace_crit: np.ndarray
    max_eig: np.ndarray
    max_eig_crit: np.ndarray
    eigenvectors: np.ndarray
    eigenvalues: np.ndarray

    def rank(self, level: int = 1) -> int:
        """Return the cointegration rank by the trace test (``level`` 0/1/2 = 90/95/99 %)."""
        for r, (stat, crit) in enumerate(zip(self.trace, self.trace_crit[:, level], strict=True)):
            if stat < crit:
                return r
        return int(self.trace.shape[0])


def _matrix(data: object, min_rows: int) -> np.ndarray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ConfigError(f"cointegration needs a (time, >=2 series) array, got shape {arr.shape}")
    arr = arr[np.isfinite(arr).all(axis=1)]
    if arr.shape[0] < min_rows:
        raise ConfigError(
            f"cointegration needs at least {min_rows} complete rows, got {arr.shape[0]}",
            hint="use a longer history or fewer lags",
        )
    return arr


def engle_granger(y: object, x: object, *, trend: str = "c", maxlag: int | None = None) -> EngleGranger:
    """Run ``statsmodels.tsa.stattools.coint`` (y on x) and the OLS hedge ratio of the same regression."""
    stattools = require("statsmodels.tsa.stattools", purpose="cointegration tests")
    arr = _matrix(np.column_stack([np.asarray(y, dtype=float), np.asarray(x, dtype=float)]), 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns on near-collinear legs; the stats still hold
        stat, pvalue, crit = stattools.coint(arr[:, 0], arr[:, 1], trend=trend, maxlag=maxlag, autolag="aic")
    design = np.column_stack([arr[:, 1], np.ones(arr.shape[0])])
    hedge, intercept = np.linalg.lstsq(design, arr[:, 0], rcond=None)[0]
    c = tuple(float(v) for v in crit)
    return EngleGranger(float(stat), float(pvalue), (c[0], c[1], c[2]), float(hedge), float(intercept))


def johansen(data: object, *, det_order: int = 0, k_ar_diff: int = 1) -> Johansen:
    """Run ``statsmodels.tsa.vector_ar.vecm.coint_johansen`` on the columns of ``data``."""
    vecm = require("statsmodels.tsa.vector_ar.vecm", purpose="the Johansen test")
    arr = _matrix(data, 10 + k_ar_diff)
    res = vecm.coint_johansen(arr, det_order, k_ar_diff)
    return Johansen(
        np.asarray(res.lr1), np.asarray(res.cvt), np.asarray(res.lr2), np.asarray(res.cvm),
        np.asarray(res.evec), np.asarray(res.eig),
    )


def rolling_engle_granger(
    y: object, x: object, *, window: int = 250, refit_every: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Return (p-value, hedge) per row, from a test on the ``window`` rows *before* the row.

    The test is rerun every ``refit_every`` rows; the value at t uses rows before t only, so a
    strategy can gate entries at t on it without look-ahead.
    """
    ya = np.asarray(y, dtype=np.float64)
    xa = np.asarray(x, dtype=np.float64)
    if ya.shape != xa.shape or ya.ndim != 1:
        raise ConfigError(f"two 1-D legs of equal length needed, got {ya.shape} and {xa.shape}")
    pv = np.full(ya.shape[0], np.nan)
    hedge = np.full(ya.shape[0], np.nan)
    last = (math.nan, math.nan)
    for t in range(window, ya.shape[0]):
        if (t - window) % refit_every == 0:
            try:
                res = engle_granger(ya[t - window : t], xa[t - window : t])
                last = (res.pvalue, res.hedge)
            except ConfigError:
                last = (math.nan, math.nan)
        pv[t], hedge[t] = last
    return pv, hedge
