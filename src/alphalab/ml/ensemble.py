"""Ensembles, probability calibration and feature importance on top of :mod:`alphalab.ml.models`.

``SoftVote`` averages the probabilities of fitted models (optionally weighted) and of rule
signals given as 0/1 columns; ``calibrate`` fits a sigmoid (Platt) or isotonic map on
out-of-sample probabilities from purged CV, so calibration never sees its own training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alphalab._optional import require
from alphalab.core.errors import ConfigError


@dataclass(frozen=True)
class SoftVote:
    """Weighted mean of the class-1 probabilities of ``models`` (fitted, with ``predict_proba``)."""

    models: Sequence[Any]
    weights: Sequence[float] | None = None

    def predict_proba(self, x: np.ndarray, rules: np.ndarray | None = None) -> np.ndarray:
        """Return the ensemble's class-1 probability per row; ``rules`` adds 0/1 rule columns as voters."""
        cols = [np.asarray(m.predict_proba(x))[:, 1] for m in self.models]
        if rules is not None:
            r = np.asarray(rules, dtype=np.float64)
            cols += list(r.T if r.ndim == 2 else r[None, :])
        w = np.ones(len(cols)) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        if w.shape[0] != len(cols) or (w < 0).any() or w.sum() <= 0:
            raise ConfigError(f"ensemble needs one non-negative weight per voter ({len(cols)}), got {w.tolist()}")
        return np.average(np.column_stack(cols), axis=1, weights=w)


@dataclass(frozen=True)
class Calibrator:
    """A fitted monotone map from raw probabilities to calibrated ones."""

    method: str
    model: Any

    def __call__(self, proba: np.ndarray) -> np.ndarray:
        p = np.asarray(proba, dtype=np.float64)
        if self.method == "isotonic":
            return np.asarray(self.model.predict(p))
        return np.asarray(self.model.predict_proba(p[:, None])[:, 1])


def calibrate(oos_proba: np.ndarray, y: np.ndarray, method: str = "sigmoid") -> Calibrator:
    """Fit a ``sigmoid`` (Platt) or ``isotonic`` calibration on out-of-sample probabilities and labels."""
    p = np.asarray(oos_proba, dtype=np.float64)
    yy = np.asarray(y).astype(int)
    ok = np.isfinite(p)
    if ok.sum() < 10 or len(np.unique(yy[ok])) < 2:
        raise ConfigError("calibration needs at least 10 out-of-sample probabilities of both classes")
    if method == "isotonic":
        iso = require("sklearn.isotonic", purpose="isotonic calibration")
        return Calibrator(method, iso.IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p[ok], yy[ok]))
    if method == "sigmoid":
        lin = require("sklearn.linear_model", purpose="sigmoid calibration")
        return Calibrator(method, lin.LogisticRegression(C=1e6, max_iter=1000).fit(p[ok][:, None], yy[ok]))
    raise ConfigError(f"calibration method {method!r} is unknown", hint="use sigmoid or isotonic")


def feature_importance(model: Any, names: Sequence[str]) -> dict[str, float]:
    """Return importances normalised to sum 1: LightGBM gain, or |coefficient| of a linear model."""
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    if hasattr(est, "booster_"):
        raw = np.asarray(est.booster_.feature_importance(importance_type="gain"), dtype=np.float64)
    elif hasattr(est, "coef_"):
        raw = np.abs(np.asarray(est.coef_, dtype=np.float64)).ravel()
    else:
        raise ConfigError(f"no feature importance for {type(est).__name__}")
    if raw.shape[0] != len(names):
        raise ConfigError(f"{raw.shape[0]} importances for {len(names)} feature names")
    total = raw.sum()
    return {n: float(v / total) if total > 0 else 0.0 for n, v in zip(names, raw, strict=True)}


@dataclass(frozen=True)
class Stack:
    """A logistic meta-model over the out-of-sample probabilities (and 0/1 rule columns) of voters."""

    model: Any

    def predict_proba(self, columns: np.ndarray) -> np.ndarray:
        """Return the stacked class-1 probability from one column per voter."""
        c = np.asarray(columns, dtype=np.float64)
        return np.asarray(self.model.predict_proba(_logit(c))[:, 1])


def _logit(c: np.ndarray) -> np.ndarray:
    p = np.clip(c, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_stack(oos_columns: np.ndarray, y: np.ndarray, *, c: float = 1.0) -> Stack:
    """Fit a stack on voters' *out-of-sample* probabilities (e.g. ``CVReport.oos_proba`` of each model).

    Fitting it on in-sample probabilities would reward the most overfitted voter; the purged-CV
    probabilities keep the meta-model honest.
    """
    lin = require("sklearn.linear_model", purpose="stacking")
    cols = np.asarray(oos_columns, dtype=np.float64)
    yy = np.asarray(y).astype(int)
    ok = np.isfinite(cols).all(axis=1)
    if cols.ndim != 2 or ok.sum() < 20 or len(np.unique(yy[ok])) < 2:
        raise ConfigError("stacking needs a (rows, voters) array with at least 20 complete rows of both classes")
    return Stack(lin.LogisticRegression(C=c, max_iter=1000).fit(_logit(cols[ok]), yy[ok]))
