"""What ``alphalab ml`` does, as functions returning JSON-ready payloads (the CLI only prints them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.ml import pipeline
from alphalab.ml import registry as model_registry
from alphalab.ml.features import FeatureSet, compute_features, parse_features
from alphalab.ml.leakage import check_leakage


def load_feature_set(path: Path | None) -> FeatureSet:
    """Return the feature set in JSON file ``path``, or the default set when None."""
    if path is None:
        return parse_features(pipeline.DEFAULT_FEATURES)
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"feature file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"feature file {path} is not valid JSON (line {exc.lineno})") from None
    return parse_features(raw)


def _bars(symbol: str, timeframe: str, start: str | None, end: str | None) -> Any:
    from alphalab.data import load_bars

    return load_bars(symbol, timeframe, start, end)


def features(
    symbol: str, timeframe: str, feature_file: Path | None, out: Path | None,
    start: str | None = None, end: str | None = None,
) -> dict[str, Any]:
    """Compute the features over the bars, run the leakage check and optionally write them to ``out``."""
    fs = load_feature_set(feature_file)
    frame = _bars(symbol, timeframe, start, end)
    values = compute_features(fs, frame)
    leaks = check_leakage(fs, frame)
    if out is not None:
        if out.suffix == ".parquet":
            values.to_parquet(out)
        else:
            values.to_csv(out)
    last = values.iloc[-1]
    return {
        "symbol": symbol, "timeframe": timeframe, "bars": len(frame), "features": fs.names,
        "last": {k: float(v) for k, v in last.items()}, "time": str(values.index[-1]),
        "leaks": [{"feature": x.feature, "first_changed": str(x.first_changed)} for x in leaks],
        "out": str(out) if out is not None else None,
    }


def evaluate(
    symbol: str, timeframe: str, feature_file: Path | None, kind: str, folds: int, embargo: int,
    horizon: int = 1, start: str | None = None, end: str | None = None,
) -> dict[str, Any]:
    """Return the purged-CV report and a walk-forward strategy report next to their baselines."""
    fs = load_feature_set(feature_file)
    ds = pipeline.build_dataset(_bars(symbol, timeframe, start, end), fs, symbol=symbol.replace(":", "_"), horizon=horizon)
    report = pipeline.evaluate(ds, kind, n_splits=folds, embargo_bars=embargo)
    min_train = max(50, len(ds.x) // 4)
    proba = pipeline.walk_forward(ds, kind, min_train=min_train, retrain_every=max(20, len(ds.x) // 10), embargo_bars=embargo)
    return {"symbol": symbol, "cv": report.to_dict(), "walk_forward": pipeline.strategy_report(ds, proba)}


def train(
    symbol: str, timeframe: str, feature_file: Path | None, name: str, kind: str, folds: int, embargo: int,
    horizon: int = 1, promote_alias: str | None = None, start: str | None = None, end: str | None = None,
) -> dict[str, Any]:
    """Cross-validate, fit on the whole history, register the model (optionally promote it)."""
    fs = load_feature_set(feature_file)
    ds = pipeline.build_dataset(_bars(symbol, timeframe, start, end), fs, symbol=symbol.replace(":", "_"), horizon=horizon)
    report = pipeline.evaluate(ds, kind, n_splits=folds, embargo_bars=embargo)
    version = pipeline.train_and_register(ds, fs, name, kind, horizon=horizon, report=report)
    if promote_alias:
        model_registry.promote(name, version, promote_alias)
    return {"name": name, "version": version, "alias": promote_alias, "cv": report.to_dict(), "data_hash": ds.data_hash}


def promote(name: str, version: int, alias: str) -> dict[str, Any]:
    """Point ``alias`` of model ``name`` at ``version``."""
    model_registry.promote(name, version, alias)
    return {"name": name, "version": version, "alias": alias}


def retrain(
    name: str, symbol: str, timeframe: str, folds: int, embargo: int, alias: str = "champion",
    start: str | None = None, end: str | None = None,
) -> dict[str, Any]:
    """Retrain the model behind ``alias`` on fresh data with its own card's features, kind and label.

    The new version is registered. ``alias`` moves to it when, on the decisions after the current
    version's training window (data it never saw), the new version's out-of-sample CV log loss is
    no worse than the current version's; with fewer than 20 such decisions there is nothing fair
    to compare and the alias moves to the version trained on more data.
    """
    from alphalab.ml.models import score

    current, card = model_registry.load(name, alias)
    fs = parse_features(card.features)
    horizon = int(card.label.get("horizon", 1))
    ds = pipeline.build_dataset(_bars(symbol, timeframe, start, end), fs, symbol=symbol.replace(":", "_"), horizon=horizon)
    report = pipeline.evaluate(ds, card.kind, n_splits=folds, embargo_bars=embargo)
    unseen = np.asarray(ds.times > pd.Timestamp(card.train_end)) & np.isfinite(report.oos_proba)
    old_loss = new_loss = None
    if unseen.sum() >= 20:
        old_loss = score(ds.y[unseen], current.predict_proba(ds.x.to_numpy()[unseen])[:, 1]).log_loss
        new_loss = score(ds.y[unseen], report.oos_proba[unseen]).log_loss
    version = pipeline.train_and_register(ds, fs, name, card.kind, horizon=horizon, report=report)
    promoted = old_loss is None or new_loss is None or new_loss <= old_loss
    if promoted:
        model_registry.promote(name, version, alias)
    return {"name": name, "version": version, "previous": card.version, "promoted": promoted,
            "unseen_decisions": int(unseen.sum()), "new_log_loss_unseen": new_loss,
            "previous_log_loss_unseen": old_loss, "cv": report.to_dict()}
