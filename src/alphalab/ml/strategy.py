"""``ml_walk_forward``: a Python strategy that retrains its model inside the backtest, causally.

At every bar it updates its features incrementally (the live runner, :class:`FeatureStream`).
Every ``retrain_every`` bars it refits on the decisions whose labels were known at least
``embargo`` bars before now: the label of decision i is the return from the open of bar i+1 to
the open of bar i+1+horizon, known once bar i+1+horizon has opened. It goes long when the
predicted probability of an up move exceeds ``threshold`` and leaves below 0.5; fills come at the
next open through the engine. A model serving bar t was trained only on data before t.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from alphalab.ml.features import FeatureSet, FeatureStream, parse_features
from alphalab.ml.models import make_model
from alphalab.ml.pipeline import DEFAULT_FEATURES
from alphalab.strategies.api import Context, Param, Strategy

FIELDS = ("open", "high", "low", "close", "volume")


class WalkForwardML(Strategy):
    """Long-only walk-forward classifier on a feature set (subclass and set ``features`` to change it)."""

    id = "ml_walk_forward"
    name = "ML walk-forward (retrained in the backtest)"
    features: ClassVar[list[dict[str, Any]]] = DEFAULT_FEATURES
    parameters: ClassVar[dict[str, Param]] = {
        "model": Param("choice", "lightgbm", choices=("lightgbm", "logistic"), description="classifier"),
        "horizon": Param("int", 1, min=1, max=50, description="label: bars from the next open"),
        "min_train": Param("int", 250, min=50, max=5000, step=50, description="bars before the first fit"),
        "retrain_every": Param("int", 60, min=1, max=2000, step=10, description="bars between refits"),
        "embargo": Param("int", 5, min=0, max=200, description="bars between the last label and now"),
        "threshold": Param("float", 0.55, min=0.5, max=0.95, step=0.05, description="probability to go long"),
        "n_estimators": Param("int", 60, min=5, max=1000, step=5, description="LightGBM trees"),
    }

    def on_start(self, ctx: Context) -> None:
        self._fs: FeatureSet = parse_features(self.features)
        self._stream = FeatureStream(self._fs)
        self._rows: list[list[float]] = []
        self._model: Any = None

    def _labels(self, opens: np.ndarray, usable: int) -> tuple[np.ndarray, np.ndarray]:
        h = self.params["horizon"]
        i = np.arange(usable)
        ret = opens[i + 1 + h] / opens[i + 1] - 1.0
        return i, ret

    def _retrain(self, opens: np.ndarray, n: int) -> None:
        usable = n - self.params["embargo"] - self.params["horizon"]  # decisions with i+1+h <= n - embargo
        if usable < 20:
            return
        i, ret = self._labels(opens, usable)
        x = np.asarray(self._rows[:usable])
        ok = np.isfinite(x).all(axis=1) & np.isfinite(ret)
        y = (ret[ok] > 0).astype(int)
        if ok.sum() < 20 or len(np.unique(y)) < 2:
            return
        extra = {"n_estimators": self.params["n_estimators"]} if self.params["model"] == "lightgbm" else {}
        self._model = make_model(self.params["model"], **extra).fit(x[i[ok]], y)

    def on_bar(self, ctx: Context) -> None:
        data = ctx.data
        bar = {k: float(data[k][-1, 0]) for k in FIELDS}
        self._rows.append(list(self._stream.update(pd.Timestamp(ctx.time, tz="UTC"), bar).values()))
        n = ctx.bar_index
        p = self.params
        if n >= p["min_train"] and (n - p["min_train"]) % p["retrain_every"] == 0:
            self._retrain(data["open"][:, 0], n)
        row = np.asarray(self._rows[-1])
        if self._model is None or not np.isfinite(row).all():
            return
        proba = float(self._model.predict_proba(row[None, :])[0, 1])
        symbol = ctx.symbols[0]
        if ctx.position(symbol) == 0 and proba > p["threshold"]:
            ctx.enter(symbol, 1)  # type: ignore[attr-defined]  # engine Context; the protocol lacks it
        elif ctx.position(symbol) > 0 and proba < 0.5:
            ctx.close(symbol)
