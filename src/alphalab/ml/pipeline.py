"""End to end: features -> point-in-time training set -> purged CV -> model -> registry -> predictions.

A decision for bar t is made at the bar's close (``open time + bar duration``), sees the features
stored as available by then (DuckDB ASOF JOIN), and is labelled by the return from the next bar's
open. :func:`walk_forward` serves every bar with a model trained only on samples whose labels
were known before that bar, minus an embargo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab import paths
from alphalab.core.errors import ConfigError
from alphalab.ml import cv
from alphalab.ml import registry as model_registry
from alphalab.ml.features import FeatureSet, compute_features
from alphalab.ml.labels import forward_return_labels
from alphalab.ml.models import CVReport, cross_validate, make_model
from alphalab.ml.store import FeatureStore

DEFAULT_FEATURES: list[dict[str, Any]] = [
    {"kind": "indicator", "name": "rsi14", "indicator": "rsi", "params": {"period": 14}},
    {"kind": "condition", "name": "rsi_overbought", "left": "rsi14", "op": ">", "right": 70},
    {"kind": "indicator", "name": "zscore20", "indicator": "zscore", "params": {"period": 20}},
    {"kind": "indicator", "name": "fd04", "indicator": "frac_diff", "params": {"d": 0.4, "width": 30}},
    {"kind": "indicator", "name": "natr14", "indicator": "natr", "params": {"period": 14}},
    {"kind": "indicator", "name": "amihud20", "indicator": "amihud", "params": {"period": 20}},
    {"kind": "return", "name": "ret1", "periods": 1},
    {"kind": "return", "name": "ret5", "periods": 5},
    {"kind": "lag", "name": "ret1_lag1", "of": "ret1", "lag": 1},
    {"kind": "time", "name": "weekday", "part": "weekday"},
]


@dataclass(frozen=True)
class Dataset:
    """A training set: features per decision, the 0/1 label, label spans and what produced it."""

    x: pd.DataFrame
    y: np.ndarray
    ret: np.ndarray
    times: pd.DatetimeIndex
    ends: pd.DatetimeIndex
    data_hash: str


def data_hash(frame: pd.DataFrame) -> str:
    """Return a sha256 of the bar times and values (identifies the data a model was trained on)."""
    h = hashlib.sha256(np.asarray(pd.DatetimeIndex(frame.index).as_unit("ns").asi8).tobytes())
    h.update(np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()[:16]


def bar_duration(frame: pd.DataFrame) -> pd.Timedelta:
    """Return the typical bar duration (median spacing of the open times)."""
    idx = pd.DatetimeIndex(frame.index)
    if len(idx) < 2:
        raise ConfigError("a dataset needs at least two bars")
    return pd.Timedelta(int(np.median(np.diff(idx.as_unit("ns").asi8))), unit="ns")


def build_dataset(
    frame: pd.DataFrame, fs: FeatureSet, *, symbol: str = "asset", horizon: int = 1, store_root: Path | None = None
) -> Dataset:
    """Store the features point-in-time, join them as of each decision and attach next-open labels."""
    digest = data_hash(frame)
    fs_hash = hashlib.sha256(fs.model_dump_json().encode()).hexdigest()[:12]
    store = FeatureStore(store_root or paths.home() / "features")
    group = f"f_{fs_hash}_{digest}"
    delta = bar_duration(frame)
    if not (store.root / group).exists():
        store.write(group, symbol, compute_features(fs, frame), available=delta)
    labels = forward_return_labels(frame, horizon)
    decisions = pd.DataFrame({"symbol": symbol, "time": labels.index + delta, "ret": labels["ret"].to_numpy()})
    decisions["end"] = labels["end"].to_numpy()
    joined = store.training_set(decisions, [group])
    x = joined[fs.names]
    keep = np.isfinite(joined["ret"].to_numpy()) & x.notna().all(axis=1).to_numpy()
    j = joined[keep]
    return Dataset(
        x[keep].reset_index(drop=True),
        (j["ret"].to_numpy() > 0).astype(int),
        j["ret"].to_numpy(),
        pd.DatetimeIndex(j["time"]),
        pd.DatetimeIndex(j["end"]).tz_convert("UTC"),
        digest,
    )


def folds_for(ds: Dataset, n_splits: int, embargo_bars: int) -> list[cv.Fold]:
    """Return the purged k-fold splits of ``ds`` with an embargo of ``embargo_bars`` decisions."""
    step = pd.Timedelta(np.median(np.diff(ds.times.as_unit("ns").asi8)), unit="ns") if len(ds.times) > 1 else pd.Timedelta(0)
    return cv.purged_kfold(ds.times, ds.ends, n_splits=n_splits, embargo=step * embargo_bars)


def evaluate(ds: Dataset, kind: str = "lightgbm", *, n_splits: int = 5, embargo_bars: int = 5, **params: Any) -> CVReport:
    """Return the purged k-fold report of ``kind`` on ``ds`` (embargo in bars of the data)."""
    return cross_validate(ds.x.to_numpy(), ds.y, folds_for(ds, n_splits, embargo_bars), kind, **params)


def train_and_register(
    ds: Dataset, fs: FeatureSet, name: str, kind: str = "lightgbm", *, horizon: int = 1, report: CVReport | None = None,
    **params: Any,
) -> int:
    """Fit ``kind`` on the whole dataset, register it with its model card; return the version."""
    model = make_model(kind, **params).fit(ds.x.to_numpy(), ds.y)
    card = model_registry.ModelCard(
        name=name, kind=kind, features=fs.model_dump(), label={"kind": "forward_return_sign", "horizon": horizon},
        train_start=str(ds.times[0]), train_end=str(ds.times[-1]), data_hash=ds.data_hash,
        cv=report.to_dict() if report is not None else {},
    )
    return model_registry.register(model, card)


def walk_forward(
    ds: Dataset, kind: str = "lightgbm", *, min_train: int = 250, retrain_every: int = 60, embargo_bars: int = 5,
    **params: Any,
) -> np.ndarray:
    """Return out-of-sample probabilities: the model serving sample i saw only labels known before it.

    Retrained every ``retrain_every`` samples on the samples whose label ``end`` is at least
    ``embargo_bars`` decisions before the first sample it serves.
    """
    n = len(ds.times)
    proba = np.full(n, np.nan)
    t = ds.times.as_unit("ns").asi8
    e = ds.ends.as_unit("ns").asi8
    x = ds.x.to_numpy()
    for start in range(min_train, n, retrain_every):
        cutoff = t[max(0, start - embargo_bars)]
        train = np.flatnonzero(e < cutoff)
        if train.shape[0] < 2 or len(np.unique(ds.y[train])) < 2:
            continue
        model = make_model(kind, **params).fit(x[train], ds.y[train])
        stop = min(start + retrain_every, n)
        proba[start:stop] = model.predict_proba(x[start:stop])[:, 1]
    return proba


def strategy_report(ds: Dataset, proba: np.ndarray) -> dict[str, float]:
    """Return the long-when-p>0.5 strategy next to buy-and-hold on the served samples (per-trade opens)."""
    served = np.isfinite(proba)
    if not served.any():
        raise ConfigError("no sample was served by a model", hint="use a longer history or a smaller min_train")
    r = ds.ret[served]
    pos = (proba[served] > 0.5).astype(float)
    hit = float(np.mean((proba[served] > 0.5) == (r > 0)))
    return {
        "samples": int(served.sum()),
        "directional_accuracy": hit,
        "naive_accuracy": float(max(np.mean(r > 0), np.mean(r <= 0))),
        "strategy_return": float(np.prod(1 + pos * r) - 1),
        "buy_and_hold_return": float(np.prod(1 + r) - 1),
        "exposure": float(pos.mean()),
    }
