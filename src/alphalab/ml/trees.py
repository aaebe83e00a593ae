"""Compiled inference for LightGBM binary classifiers: many models in one numba call per bar.

:class:`ForestBank` flattens the trees of one or more fitted LightGBM binary models (from
``booster.dump_model()``) into arrays and evaluates them in numba, with LightGBM's own rules for
missing values (``NaN``/``Zero``/``None`` missing types, ``default_left``). Its probabilities equal
``predict_proba`` to rounding; live trading serves dozens of models per bar with it in microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit

from alphalab.core.errors import ConfigError

_MISSING = {"None": 0, "Zero": 1, "NaN": 2}
_ZERO = 1e-35


@njit(cache=True)
def _raw_scores_nb(
    x: np.ndarray, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray, right: np.ndarray,
    default_left: np.ndarray, missing: np.ndarray, leaf_value: np.ndarray, roots: np.ndarray,
    tree_model: np.ndarray, n_models: int, out: np.ndarray,
) -> None:
    for i in range(x.shape[0]):
        for m in range(n_models):
            out[i, m] = 0.0
        for t in range(roots.shape[0]):
            node = roots[t]
            while node >= 0:
                v = x[i, feature[node]]
                kind = missing[node]
                if v != v and kind != 2:
                    v = 0.0
                if (kind == 1 and abs(v) <= _ZERO) or (kind == 2 and v != v):
                    node = left[node] if default_left[node] else right[node]
                elif v <= threshold[node]:
                    node = left[node]
                else:
                    node = right[node]
            out[i, tree_model[t]] += leaf_value[-node - 1]


class ForestBank:
    """Flattened trees of several LightGBM binary models; ``predict_proba(x)`` -> (rows, models)."""

    def __init__(self, models: Sequence[Any]) -> None:
        nodes: dict[str, list[Any]] = {k: [] for k in ("feature", "threshold", "left", "right", "default_left", "missing")}
        leaves: list[float] = []
        roots: list[int] = []
        owner: list[int] = []
        self.n_features = -1
        for m, model in enumerate(models):
            dump = _dump(model)
            self.n_features = max(self.n_features, int(dump["max_feature_idx"]) + 1)
            for tree in dump["tree_info"]:
                roots.append(self._add(tree["tree_structure"], nodes, leaves))
                owner.append(m)
        self.n_models = len(models)
        self._arrays = (
            np.asarray(nodes["feature"], dtype=np.int64), np.asarray(nodes["threshold"], dtype=np.float64),
            np.asarray(nodes["left"], dtype=np.int64), np.asarray(nodes["right"], dtype=np.int64),
            np.asarray(nodes["default_left"], dtype=np.bool_), np.asarray(nodes["missing"], dtype=np.int64),
            np.asarray(leaves, dtype=np.float64), np.asarray(roots, dtype=np.int64), np.asarray(owner, dtype=np.int64),
        )

    @staticmethod
    def _add(node: dict[str, Any], nodes: dict[str, list[Any]], leaves: list[float]) -> int:
        if "leaf_value" in node:
            leaves.append(float(node["leaf_value"]))
            return -len(leaves)
        if node.get("decision_type") != "<=":
            raise ConfigError("compiled inference supports numerical splits only (no categorical features)")
        k = len(nodes["feature"])
        for key, value in (("feature", int(node["split_feature"])), ("threshold", float(node["threshold"])),
                           ("left", 0), ("right", 0), ("default_left", bool(node["default_left"])),
                           ("missing", _MISSING[node["missing_type"]])):
            nodes[key].append(value)
        nodes["left"][k] = ForestBank._add(node["left_child"], nodes, leaves)
        nodes["right"][k] = ForestBank._add(node["right_child"], nodes, leaves)
        return k

    def raw_scores(self, x: np.ndarray) -> np.ndarray:
        """Return the summed leaf values (log-odds) per row and model."""
        arr = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=np.float64)))
        if arr.shape[1] < self.n_features:
            raise ConfigError(f"the models need {self.n_features} features, got {arr.shape[1]}")
        out = np.empty((arr.shape[0], self.n_models))
        _raw_scores_nb(arr, *self._arrays, self.n_models, out)  # type: ignore[call-arg]
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Return the probability of class 1 per row and model (sigmoid of the raw score)."""
        return 1.0 / (1.0 + np.exp(-self.raw_scores(x)))


def _dump(model: Any) -> dict[str, Any]:
    booster = getattr(model, "booster_", model)
    if not hasattr(booster, "dump_model"):
        raise ConfigError(f"compiled inference needs fitted LightGBM models, got {type(model).__name__}")
    dump: dict[str, Any] = booster.dump_model()
    objective = str(dump.get("objective", ""))
    if not objective.startswith("binary") or "sigmoid:1" not in objective.replace(" ", ""):
        raise ConfigError(f"compiled inference supports binary LightGBM models (sigmoid 1), got {objective!r}")
    if int(dump.get("num_class", 1)) != 1:
        raise ConfigError("compiled inference supports one-class-output binary models only")
    return dump
