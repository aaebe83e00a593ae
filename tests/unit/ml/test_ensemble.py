"""Soft voting by hand, calibration improves log loss of a miscalibrated model, importances rank signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss

from alphalab.core.errors import ConfigError
from alphalab.ml import cv
from alphalab.ml.ensemble import SoftVote, calibrate, feature_importance
from alphalab.ml.models import cross_validate, make_model


class _Fixed:
    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.full(len(x), 1 - self.p), np.full(len(x), self.p)])


def test_soft_vote_weighted_with_a_rule_voter() -> None:
    vote = SoftVote([_Fixed(0.2), _Fixed(0.8)], weights=[1.0, 3.0, 4.0])
    got = vote.predict_proba(np.zeros((2, 1)), rules=np.array([1.0, 0.0]))
    np.testing.assert_allclose(got, [(0.2 + 2.4 + 4.0) / 8, (0.2 + 2.4) / 8])
    with pytest.raises(ConfigError, match="weight"):
        SoftVote([_Fixed(0.5)], weights=[1.0, 1.0]).predict_proba(np.zeros((1, 1)))


def test_calibration_on_oos_probabilities_lowers_log_loss() -> None:
    rng = np.random.default_rng(0)
    true_p = rng.uniform(0.3, 0.7, 4000)
    y = (rng.uniform(size=4000) < true_p).astype(int)
    overconfident = 1 / (1 + np.exp(-4 * np.log(true_p / (1 - true_p))))
    for method in ("sigmoid", "isotonic"):
        cal = calibrate(overconfident[:2000], y[:2000], method)
        assert log_loss(y[2000:], cal(overconfident[2000:])) < log_loss(y[2000:], overconfident[2000:]) - 0.01


def test_importance_ranks_the_informative_feature_first() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1500, 4))
    y = ((2 * x[:, 2] + rng.normal(0, 0.5, 1500)) > 0).astype(int)
    names = ["a", "b", "signal", "d"]
    times = pd.DatetimeIndex(pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(1500), unit="h"))
    rep = cross_validate(x, y, cv.purged_kfold(times, times, n_splits=3), "logistic")
    assert np.isfinite(rep.oos_proba).all()
    for kind in ("lightgbm", "logistic"):
        imp = feature_importance(make_model(kind).fit(x, y), names)
        assert max(imp, key=imp.__getitem__) == "signal" and sum(imp.values()) == pytest.approx(1.0)


def test_stack_learns_to_trust_the_informative_voter() -> None:
    from alphalab.ml.ensemble import fit_stack

    rng = np.random.default_rng(4)
    true_p = rng.uniform(0.1, 0.9, 3000)
    y = (rng.uniform(size=3000) < true_p).astype(int)
    cols = np.column_stack([true_p, rng.uniform(0.1, 0.9, 3000)])  # informative, noise
    stack = fit_stack(cols[:2000], y[:2000])
    coef = stack.model.coef_[0]
    assert coef[0] > 0.5 and abs(coef[1]) < 0.2
    held = stack.predict_proba(cols[2000:])
    assert log_loss(y[2000:], held) < log_loss(y[2000:], cols[2000:, 1])
