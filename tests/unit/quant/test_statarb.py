"""Rolling PCA residuals remove the common factor, use only earlier rows for loadings, and z-score."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.quant.statarb import pca_residuals, residual_zscores


def _universe(n: int = 400, assets: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 0.01, n)
    beta = np.linspace(0.5, 1.5, assets)
    return market[:, None] * beta + rng.normal(0, 0.002, (n, assets))


def test_residuals_are_much_smaller_than_returns_and_uncorrelated_with_the_factor() -> None:
    r = _universe()
    res = pca_residuals(r, window=120, n_factors=1)
    assert np.isnan(res[:120]).all() and np.isfinite(res[120:]).all()
    assert np.std(res[120:]) < 0.35 * np.std(r[120:])
    market = r.mean(axis=1)[120:]
    assert abs(np.corrcoef(res[120:].sum(axis=1), market)[0, 1]) < 0.3


def test_residual_at_t_matches_an_independent_projection() -> None:
    r = _universe(200, 4)
    t, w = 150, 100
    hist = r[t - w : t]
    mean, sd = hist.mean(axis=0), hist.std(axis=0)
    cov = np.cov(((hist - mean) / sd).T, bias=True)
    vals, vecs = np.linalg.eigh(cov)
    top = vecs[:, np.argsort(vals)[::-1][:2]]
    today = (r[t] - mean) / sd
    expected = (today - top @ (top.T @ today)) * sd
    np.testing.assert_allclose(pca_residuals(r, window=w, n_factors=2)[t], expected, rtol=1e-8, atol=1e-14)


def test_changing_later_rows_never_changes_earlier_residuals() -> None:
    r = _universe(260)
    base = pca_residuals(r, window=100, n_factors=2)
    alt = r.copy()
    alt[200:] *= 3.0
    np.testing.assert_array_equal(pca_residuals(alt, window=100, n_factors=2)[:200], base[:200])
    z = residual_zscores(base, window=30)
    assert np.isnan(z[:129]).all() and np.isfinite(z[130:]).all()
    np.testing.assert_array_equal(residual_zscores(pca_residuals(alt, window=100, n_factors=2), window=30)[:200], z[:200])


def test_bad_shapes_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="n_factors"):
        pca_residuals(np.zeros((50, 3)), window=20, n_factors=3)


def test_basket_weights_hold_sides_and_stay_dollar_neutral() -> None:
    from alphalab.quant.statarb import basket_weights

    z = np.array([
        [2.5, -2.5, 0.0],   # short A, long B
        [1.0, -1.0, 0.0],   # held: between exit and entry
        [0.2, -1.0, -3.0],  # A exits; B held, C long -> both long: demeaned to flat
        [0.2, 3.0, -3.0],   # B flips short, C long
    ])
    w = basket_weights(z, entry=2.0, exit=0.5)
    np.testing.assert_allclose(w[0], [-0.5, 0.5, 0.0])
    np.testing.assert_allclose(w[1], [-0.5, 0.5, 0.0])
    np.testing.assert_allclose(w[2], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(w[3], [0.0, -0.5, 0.5])
    assert np.allclose(w.sum(axis=1), 0.0)
