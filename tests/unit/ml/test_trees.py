"""Compiled LightGBM inference equals predict_proba, missing values included, for a bank of models."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.ml.models import make_model
from alphalab.ml.trees import ForestBank


def _data(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[:, 5] = np.where(rng.uniform(size=n) < 0.3, 0.0, x[:, 5])  # zeros, for the Zero missing type
    y = ((x[:, 0] + 0.5 * x[:, 1] * x[:, 2] + rng.normal(0, 0.5, n)) > 0).astype(int)
    x[rng.uniform(size=x.shape) < 0.08] = np.nan
    return x, y


def test_bank_equals_lightgbm_predict_proba_for_every_model() -> None:
    x, y = _data()
    models = [make_model("lightgbm", seed=k, n_estimators=30 + 10 * k, num_leaves=7 + k).fit(x, y) for k in range(4)]
    models.append(make_model("lightgbm", n_estimators=20, zero_as_missing=True).fit(x, y))
    models.append(make_model("lightgbm", n_estimators=20, use_missing=False).fit(x, y))
    bank = ForestBank(models)
    xt, _ = _data(300, seed=1)
    got = bank.predict_proba(xt)
    for j, m in enumerate(models):
        np.testing.assert_allclose(got[:, j], m.predict_proba(xt)[:, 1], rtol=1e-12, atol=1e-15)


def test_single_row_and_bad_inputs() -> None:
    x, y = _data(300)
    m = make_model("lightgbm", n_estimators=10).fit(x, y)
    bank = ForestBank([m])
    assert bank.predict_proba(x[0]).shape == (1, 1)
    with pytest.raises(ConfigError, match="features"):
        bank.predict_proba(x[:, :3])
    reg = make_model("logistic").fit(np.nan_to_num(x), y)
    with pytest.raises(ConfigError, match="LightGBM"):
        ForestBank([reg])
