"""HAR-RV equals a statsmodels OLS on the same design; ARIMA equals statsmodels apply; both causal."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.statespace.sarimax import SARIMAX

from alphalab.core.errors import ConfigError
from alphalab.quant import forecast as fc


def _ar1(n: int = 260, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = 0.5 + 0.7 * y[t - 1] + rng.normal()
    return y


def _rv(n: int = 300, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lv = np.zeros(n)
    for t in range(1, n):
        lv[t] = 0.95 * lv[t - 1] + rng.normal(0, 0.3)
    return 1e-4 * np.exp(lv)


def test_har_rv_equals_statsmodels_ols_on_pairs_known_at_the_fit() -> None:
    rv = _rv()
    out = fc.har_rv_forecast(rv, min_obs=120, refit_every=40)
    assert np.isnan(out[:119]).all() and np.isfinite(out[119:]).all()
    s = 159  # second fit row
    x = fc.har_design(rv)
    rows = np.arange(21, s)
    ols = sm.OLS(rv[rows + 1], x[rows]).fit()
    for t in (159, 170, 198):
        assert out[t] == pytest.approx(float(x[t] @ ols.params), rel=1e-9)


def test_har_design_by_hand() -> None:
    rv = np.arange(1.0, 31.0)
    x = fc.har_design(rv)
    assert np.isnan(x[20]).all()
    np.testing.assert_allclose(x[25], [1.0, 26.0, np.mean(rv[21:26]), np.mean(rv[4:26])])


def test_har_rv_never_looks_ahead() -> None:
    rv = _rv()
    base = fc.har_rv_forecast(rv, min_obs=60, refit_every=25)
    for t in (59, 84, 150):
        alt = rv.copy()
        alt[t + 1 :] *= 7.0
        np.testing.assert_array_equal(fc.har_rv_forecast(alt, min_obs=60, refit_every=25)[: t + 1], base[: t + 1])


def test_realized_variance_sums_squared_log_returns_per_day() -> None:
    idx = pd.date_range("2024-01-01", periods=48, freq="1h", tz="UTC", name="time")
    close = pd.Series(100.0 * np.exp(np.linspace(0, 0.047, 48)), index=idx)
    rv = fc.realized_variance(pd.DataFrame({"close": close}))
    step = 0.047 / 47
    np.testing.assert_allclose(rv.to_numpy(), [23 * step**2, 24 * step**2], rtol=1e-9)


def test_arima_equals_statsmodels_fit_then_apply() -> None:
    y = _ar1()
    out = fc.arima_forecast(y, order=(1, 0, 0), min_obs=120, refit_every=60, window=1000)
    assert np.isnan(out[:119]).all() and np.isfinite(out[119:]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(y[:180], order=(1, 0, 0), trend="c").fit(disp=False)
    assert out[179] == pytest.approx(float(res.forecast(1)[0]), rel=1e-9)
    assert out[200] == pytest.approx(float(res.apply(y[:201]).forecast(1)[0]), rel=1e-7)


def test_arima_never_looks_ahead() -> None:
    y = _ar1(180)
    base = fc.arima_forecast(y, min_obs=100, refit_every=40)
    alt = y.copy()
    alt[141:] += 25.0
    np.testing.assert_array_equal(fc.arima_forecast(alt, min_obs=100, refit_every=40)[:141], base[:141])


def test_bad_schedules_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="min_obs"):
        fc.har_rv_forecast(_rv(), min_obs=10)
    with pytest.raises(ConfigError, match="window"):
        fc.arima_forecast(_ar1(), min_obs=100, window=50)
