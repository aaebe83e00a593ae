"""Pairs and cointegration: statsmodels statistics, an independent Kalman filter, hand-made series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.tsa.stattools import coint
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from alphalab.core.errors import ConfigError
from alphalab.quant import cointegration as co
from alphalab.quant import pairs


def _pair(n: int = 500, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = 50.0 + np.cumsum(rng.normal(0, 1, n))
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.8 * noise[t - 1] + rng.normal(0, 0.5)
    return 1.5 * x + 3.0 + noise, x


def test_engle_granger_equals_statsmodels_coint() -> None:
    y, x = _pair()
    res = co.engle_granger(y, x)
    stat, pvalue, crit = coint(y, x, trend="c", autolag="aic")
    assert res.stat == pytest.approx(stat, rel=1e-12)
    assert res.pvalue == pytest.approx(pvalue, rel=1e-12)
    np.testing.assert_allclose(res.crit, crit, rtol=1e-12)
    assert res.cointegrated() and res.hedge == pytest.approx(1.5, abs=0.05)


def test_random_walks_are_not_cointegrated() -> None:
    rng = np.random.default_rng(4)
    a, b = np.cumsum(rng.normal(size=(2, 400)), axis=1)
    assert not co.engle_granger(a, b).cointegrated()


def test_johansen_equals_statsmodels_and_finds_rank_one() -> None:
    y, x = _pair()
    data = np.column_stack([y, x])
    res = co.johansen(data, det_order=0, k_ar_diff=2)
    ref = coint_johansen(data, 0, 2)
    np.testing.assert_allclose(res.trace, ref.lr1, rtol=1e-12)
    np.testing.assert_allclose(res.max_eig, ref.lr2, rtol=1e-12)
    np.testing.assert_allclose(res.trace_crit, ref.cvt)
    np.testing.assert_allclose(res.eigenvalues, ref.eig, rtol=1e-12)
    assert res.rank() == 1


def test_rolling_engle_granger_uses_rows_before_t_only() -> None:
    y, x = _pair(400)
    pv, hedge = co.rolling_engle_granger(y, x, window=200, refit_every=50)
    assert np.isnan(pv[:200]).all()
    ref = co.engle_granger(y[50:250], x[50:250])
    assert pv[260] == pytest.approx(ref.pvalue) and hedge[260] == pytest.approx(ref.hedge)
    y2 = y.copy()
    y2[260:] += 40.0
    pv2, _ = co.rolling_engle_granger(y2, x, window=200, refit_every=50)
    np.testing.assert_array_equal(pv2[:261], pv[:261])


def test_rolling_hedge_ratio_equals_polyfit_per_window() -> None:
    y, x = _pair(120)
    y[30] = np.nan
    beta, alpha = pairs.rolling_hedge_ratio(y, x, window=20)
    valid = np.flatnonzero(np.isfinite(y))
    assert np.isnan(beta[30]) and np.isnan(beta[: valid[19]]).all()
    for k in (19, 40, 118):
        rows = valid[k - 19 : k + 1]
        slope, icpt = np.polyfit(x[rows], y[rows], 1)
        assert beta[valid[k]] == pytest.approx(slope, rel=1e-9)
        assert alpha[valid[k]] == pytest.approx(icpt, rel=1e-9)


def _kalman_reference(y: np.ndarray, x: np.ndarray, delta: float, ve: float) -> np.ndarray:
    """Plain NumPy matrix form of the same filter (Chan's pairs Kalman filter)."""
    vw = delta / (1 - delta) * np.eye(2)
    beta = np.zeros(2)
    p = np.zeros((2, 2))
    rows = []
    for t in range(y.shape[0]):
        r = p + vw
        f = np.array([x[t], 1.0])
        q = f @ r @ f + ve
        e = y[t] - f @ beta
        k = r @ f / q
        beta = beta + k * e
        p = r - np.outer(k, f) @ r
        rows.append([beta[0], beta[1], e, math.sqrt(q)])
    return np.array(rows)


def test_kalman_hedge_equals_numpy_matrix_reference() -> None:
    y, x = _pair(300)
    out = pairs.kalman_hedge_ratio(y, x, delta=1e-4, obs_var=0.25)
    np.testing.assert_allclose(out, _kalman_reference(y, x, 1e-4, 0.25), rtol=1e-9, atol=1e-12)
    assert out[-1, 0] == pytest.approx(1.5, abs=0.1)


def test_kalman_hedge_never_looks_ahead() -> None:
    y, x = _pair(200)
    base = pairs.kalman_hedge_ratio(y, x)
    y2 = y.copy()
    y2[150:] *= 3.0
    np.testing.assert_array_equal(pairs.kalman_hedge_ratio(y2, x)[:150], base[:150])


def test_half_life_of_ar1_with_known_phi() -> None:
    rng = np.random.default_rng(1)
    s = np.zeros(20000)
    for t in range(1, s.shape[0]):
        s[t] = 0.9 * s[t - 1] + rng.normal()
    assert pairs.half_life(s) == pytest.approx(math.log(0.5) / math.log(0.9), rel=0.05)
    assert pairs.half_life(1.05 ** np.arange(50.0)) == math.inf


def test_spread_zscore_by_hand() -> None:
    s = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    z = pairs.rolling_zscore(s, window=3)
    assert np.isnan(z[:2]).all()
    assert z[2] == pytest.approx((3 - 2) / np.std([1, 2, 3]))
    assert z[4] == pytest.approx((10 - 17 / 3) / np.std([3, 4, 10]))
    np.testing.assert_allclose(pairs.spread([5.0], [2.0], np.array([2.0]), np.array([0.5])), [0.5])


def test_mismatched_legs_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="equal length"):
        pairs.kalman_hedge_ratio(np.ones(5), np.ones(4))
    with pytest.raises(ConfigError, match="complete rows"):
        co.engle_granger(np.ones(5), np.ones(5))
