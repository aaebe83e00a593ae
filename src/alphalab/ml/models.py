"""Models and honest cross-validated reports: LightGBM and a logistic baseline vs a naive baseline.

Classification of the label's sign (1 = up). Every fold is fitted on its purged training set
only; the report puts accuracy, log loss and AUC next to the naive baseline (the training base
rate), so "65 % accuracy" is measured, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alphalab._optional import require
from alphalab.core.errors import ConfigError
from alphalab.ml.cv import Fold

KINDS = ("lightgbm", "logistic")


def make_model(kind: str, seed: int = 0, **params: Any) -> Any:
    """Return an unfitted scikit-learn-style classifier of ``kind`` (deterministic for a seed)."""
    if kind == "lightgbm":
        lgb = require("lightgbm", purpose="LightGBM models")
        defaults = {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 20}
        return lgb.LGBMClassifier(
            **{**defaults, **params}, random_state=seed, n_jobs=1, deterministic=True, verbose=-1
        )
    if kind == "logistic":
        linear = require("sklearn.linear_model", purpose="the logistic baseline")
        pipeline = require("sklearn.pipeline")
        pre = require("sklearn.preprocessing")
        impute = require("sklearn.impute")
        return pipeline.make_pipeline(
            impute.SimpleImputer(strategy="median"),
            pre.StandardScaler(),
            linear.LogisticRegression(C=params.get("C", 1.0), max_iter=1000),
        )
    raise ConfigError(f"model kind {kind!r} is unknown", hint=f"use one of: {', '.join(KINDS)}")


@dataclass(frozen=True, slots=True)
class Scores:
    """Out-of-sample scores of one fold (or their mean)."""

    accuracy: float
    log_loss: float
    auc: float
    n: int


@dataclass(frozen=True)
class CVReport:
    """Per-fold scores of the model and of the naive baseline, with their means."""

    kind: str
    folds: list[Scores]
    baseline: list[Scores]
    oos_proba: np.ndarray = field(repr=False)

    @staticmethod
    def _mean(rows: list[Scores]) -> Scores:
        w = np.array([r.n for r in rows], dtype=float)
        avg = {k: float(np.average([getattr(r, k) for r in rows], weights=w)) for k in ("accuracy", "log_loss", "auc")}
        return Scores(n=int(w.sum()), **avg)

    @property
    def mean(self) -> Scores:
        """Sample-weighted mean of the model's fold scores."""
        return self._mean(self.folds)

    @property
    def baseline_mean(self) -> Scores:
        """Sample-weighted mean of the naive baseline's fold scores."""
        return self._mean(self.baseline)

    def beats_baseline(self) -> bool:
        """True when the model's mean log loss is below the naive baseline's."""
        return self.mean.log_loss < self.baseline_mean.log_loss

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        m, b = self.mean, self.baseline_mean
        return {
            "model": self.kind,
            "accuracy": m.accuracy, "log_loss": m.log_loss, "auc": m.auc,
            "baseline_accuracy": b.accuracy, "baseline_log_loss": b.log_loss, "baseline_auc": b.auc,
            "folds": len(self.folds), "samples": m.n, "beats_baseline": self.beats_baseline(),
        }


def score(y: np.ndarray, proba: np.ndarray) -> Scores:
    """Return accuracy (threshold 0.5), log loss and AUC (0.5 when one class only) of ``proba`` for ``y``."""
    metrics = require("sklearn.metrics", purpose="model scores")
    p = np.clip(proba, 1e-15, 1 - 1e-15)
    auc = float(metrics.roc_auc_score(y, p)) if len(np.unique(y)) == 2 else 0.5
    return Scores(
        float(np.mean((p >= 0.5) == (y == 1))), float(metrics.log_loss(y, p, labels=[0, 1])), auc, int(y.shape[0])
    )


def cross_validate(x: np.ndarray, y: np.ndarray, folds: list[Fold], kind: str, seed: int = 0, **params: Any) -> CVReport:
    """Fit ``kind`` on every fold's training rows, score its test rows and the base-rate baseline."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y).astype(int)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or not set(np.unique(y)) <= {0, 1}:
        raise ConfigError(f"cross-validation needs x (samples, features) and 0/1 labels, got {x.shape} and {y.shape}")
    rows, base, oos = [], [], np.full(y.shape[0], np.nan)
    for fold in folds:
        if fold.train.shape[0] == 0 or len(np.unique(y[fold.train])) < 2:
            raise ConfigError("a training fold has one class only", hint="use fewer folds or a longer history")
        model = make_model(kind, seed, **params)
        model.fit(x[fold.train], y[fold.train])
        proba = model.predict_proba(x[fold.test])[:, 1]
        oos[fold.test] = proba
        rows.append(score(y[fold.test], proba))
        base.append(score(y[fold.test], np.full(fold.test.shape[0], y[fold.train].mean())))
    return CVReport(kind, rows, base, oos)
