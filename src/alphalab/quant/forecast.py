"""Refitted forecasts: HAR-RV realised volatility and ARIMA/SARIMAX (statsmodels), never on the future.

Schedule (rows of the valid series): the first fit is at row ``min_obs - 1`` (``min_obs`` values
known), then every ``refit_every`` rows; each fit uses at most the last ``window`` values up to and
including that row. The value at row t is the forecast of row t+1, made at the close of t with
the parameters of the latest fit at or before t: rows after t are never read.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

from alphalab._optional import require
from alphalab.core.errors import ConfigError


def _series(values: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ConfigError(f"{name} needs a 1-D series, got shape {v.shape}")
    valid = np.flatnonzero(np.isfinite(v))
    return np.ascontiguousarray(v[valid]), valid


def schedule(n: int, min_obs: int, refit_every: int) -> Iterator[tuple[int, int]]:
    """Yield (fit_row, stop_row): a fit at ``fit_row`` serves rows ``fit_row .. stop_row - 1``."""
    if min_obs < 2 or refit_every < 1:
        raise ConfigError(
            f"refit schedule min_obs={min_obs}, refit_every={refit_every} is invalid",
            hint="use min_obs >= 2 and refit_every >= 1",
        )
    for s in range(min_obs - 1, n, refit_every):
        yield s, min(s + refit_every, n)


def realized_variance(frame: pd.DataFrame, *, rule: str = "1D") -> pd.Series:
    """Return the realised variance per period (sum of squared intrabar log returns of ``close``)."""
    r = np.log(frame["close"]).diff()
    return (r * r).resample(rule, label="left", closed="left").sum(min_count=1).rename("rv")


def har_design(rv: np.ndarray) -> np.ndarray:
    """Return rows ``[1, rv_t, mean(rv_{t-4..t}), mean(rv_{t-21..t})]`` (NaN before row 21)."""
    n = rv.shape[0]
    cs = np.concatenate([[0.0], np.cumsum(rv)])
    x = np.full((n, 4), np.nan)
    t = np.arange(21, n)
    x[t, 0] = 1.0
    x[t, 1] = rv[t]
    x[t, 2] = (cs[t + 1] - cs[t - 4]) / 5.0
    x[t, 3] = (cs[t + 1] - cs[t - 21]) / 22.0
    return x


def har_rv_forecast(rv: object, *, min_obs: int = 100, refit_every: int = 20) -> np.ndarray:
    """Return the HAR-RV (Corsi) forecast of the next row's realised variance at every row.

    The OLS of ``rv_{j+1}`` on the daily, weekly and monthly means at j uses pairs with ``j + 1 <= s``
    at the fit row s, so the target of every training pair was known when the fit was made.
    """
    values, valid = _series(rv, "HAR-RV")
    out = np.full(np.asarray(rv).shape[0], np.nan)
    if min_obs < 30:
        raise ConfigError(f"HAR-RV needs min_obs >= 30 (22-row monthly mean + pairs), got {min_obs}")
    x = har_design(values)
    fc = np.full(values.shape[0], np.nan)
    for s, stop in schedule(values.shape[0], min_obs, refit_every):
        rows = np.arange(21, s)  # pairs (x_j, rv_{j+1}) with j + 1 <= s
        coef = np.linalg.lstsq(x[rows], values[rows + 1], rcond=None)[0]
        fc[s:stop] = x[s:stop] @ coef
    out[valid] = fc
    return out


def _fit_sarimax(y: np.ndarray, order: tuple[int, int, int], seasonal: tuple[int, int, int, int], trend: str):  # type: ignore[no-untyped-def]
    sm = require("statsmodels.tsa.statespace.sarimax", purpose="ARIMA forecasts")
    model = sm.SARIMAX(y, order=order, seasonal_order=seasonal, trend=trend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: the fit is still the MLE statsmodels found
        return model.fit(disp=False)


def arima_forecast(
    y: object,
    *,
    order: tuple[int, int, int] = (1, 0, 0),
    seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
    trend: str = "c",
    min_obs: int = 100,
    refit_every: int = 50,
    window: int = 1000,
) -> np.ndarray:
    """Return the one-step SARIMAX forecast of row t+1 at every row t (NaN before the first fit).

    Between refits the fitted model is extended with each new value (``results.extend``), so the
    parameters stay those of the fit while the state filters the new data.
    """
    values, valid = _series(y, "ARIMA")
    if window < min_obs:
        raise ConfigError(f"ARIMA window ({window}) must be at least min_obs ({min_obs})")
    fc = np.full(values.shape[0], np.nan)
    for s, stop in schedule(values.shape[0], min_obs, refit_every):
        res = _fit_sarimax(values[max(0, s + 1 - window) : s + 1], order, seasonal_order, trend)
        fc[s] = float(res.forecast(1)[0])
        for t in range(s + 1, stop):
            res = res.extend(values[t : t + 1])
            fc[t] = float(res.forecast(1)[0])
    out = np.full(np.asarray(y).shape[0], np.nan)
    out[valid] = fc
    return out
