"""Factor models against numpy references and noise-free synthetic factor returns."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.quant import factors


def test_rolling_beta_equals_polyfit() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(0, 0.01, 200)
    r = np.column_stack([0.5 * m + rng.normal(0, 0.002, 200), 1.5 * m + rng.normal(0, 0.002, 200)])
    beta = factors.rolling_beta(r, m, window=50)
    assert np.isnan(beta[:49]).all()
    for t in (49, 120, 199):
        for j in range(2):
            assert beta[t, j] == pytest.approx(np.polyfit(m[t - 49 : t + 1], r[t - 49 : t + 1, j], 1)[0], rel=1e-9)


def test_momentum_and_low_vol_by_hand() -> None:
    close = np.arange(1.0, 31.0)[:, None] * np.array([1.0, 2.0])
    mom = factors.momentum(close, lookback=10, skip=2)
    assert np.isnan(mom[:10]).all()
    np.testing.assert_allclose(mom[15], [14 / 6 - 1, 14 / 6 - 1])
    lv = factors.low_volatility(np.array([[1.0], [3.0], [1.0], [3.0]]), window=2)
    np.testing.assert_allclose(lv[1:, 0], [-1.0, -1.0, -1.0])


def test_cross_sectional_regression_recovers_noise_free_factor_returns() -> None:
    rng = np.random.default_rng(1)
    t_, n_, k_ = 30, 12, 2
    x = rng.normal(size=(t_, n_, k_))
    f = rng.normal(0, 0.01, size=(t_, k_))
    alpha = rng.normal(0, 0.001, t_)
    r = np.full((t_, n_), np.nan)
    r[1:] = alpha[1:, None] + np.einsum("tak,tk->ta", x[:-1], f[1:])
    r[5, 3] = np.nan  # a missing asset drops out of that row only
    out = factors.cross_sectional_returns(r, x)
    assert np.isnan(out[0]).all()
    np.testing.assert_allclose(out[1:, 0], alpha[1:], atol=1e-12)
    np.testing.assert_allclose(out[1:, 1:], f[1:], atol=1e-12)
    w = np.full((t_, n_), 1.0 / n_)
    contrib = factors.attribution(w, x, out[:, 1:])
    np.testing.assert_allclose(contrib[7], (w[6] @ x[6]) * f[7], atol=1e-14)


def test_exposures_at_t_never_use_later_rows() -> None:
    rng = np.random.default_rng(2)
    m = rng.normal(size=120)
    r = rng.normal(size=(120, 3))
    base = factors.rolling_beta(r, m, 30)
    r2 = r.copy()
    r2[80:] *= 5
    np.testing.assert_array_equal(factors.rolling_beta(r2, m, 30)[:80], base[:80])
    with pytest.raises(ConfigError, match="skip"):
        factors.momentum(np.ones((5, 2)), lookback=3, skip=3)
