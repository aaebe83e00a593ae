"""End to end on bundled AAPL: features -> point-in-time set -> purged CV -> LightGBM -> registry -> walk-forward."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.data import load_bars
from alphalab.ml import pipeline, registry
from alphalab.ml.features import parse_features

FS = parse_features(pipeline.DEFAULT_FEATURES)


@pytest.mark.slow
def test_aapl_pipeline_reports_honestly_and_registers_a_model() -> None:
    frame = load_bars("sample:AAPL").iloc[:1600]
    ds = pipeline.build_dataset(frame, FS, symbol="AAPL")
    assert len(ds.x) > 1500 and list(ds.x.columns) == FS.names
    assert (ds.ends > ds.times).all()  # every label ends after its decision
    report = pipeline.evaluate(ds, "lightgbm", n_splits=4, embargo_bars=5, n_estimators=40)
    summary = report.to_dict()
    assert summary["samples"] == len(ds.x) and 0.3 < summary["accuracy"] < 0.7
    assert summary["baseline_auc"] == 0.5 and isinstance(summary["beats_baseline"], bool)
    version = pipeline.train_and_register(ds, FS, "aapl_lgbm", report=report, n_estimators=40)
    registry.promote("aapl_lgbm", version)
    model, card = registry.load("aapl_lgbm", "champion")
    assert card.data_hash == ds.data_hash and card.cv["samples"] == len(ds.x)
    assert model.predict_proba(ds.x.to_numpy()[:5]).shape == (5, 2)
    proba = pipeline.walk_forward(ds, "lightgbm", min_train=400, retrain_every=300, n_estimators=40)
    rep = pipeline.strategy_report(ds, proba)
    assert rep["samples"] == len(ds.x) - 400 and 0.0 <= rep["exposure"] <= 1.0


@pytest.mark.slow
def test_walk_forward_prediction_at_t_ignores_data_after_t() -> None:
    frame = load_bars("sample:AAPL").iloc[:900]
    kw = {"min_train": 300, "retrain_every": 200, "n_estimators": 30}
    base = pipeline.walk_forward(pipeline.build_dataset(frame, FS), "lightgbm", **kw)
    altered = frame.copy()
    k = 700
    altered.iloc[k:, :4] *= 1.8
    ds2 = pipeline.build_dataset(altered, FS)
    other = pipeline.walk_forward(ds2, "lightgbm", **kw)
    served = ds2.times <= frame.index[k]  # decided at a close at or before bar k opened
    assert np.isfinite(base[served]).sum() > 300
    np.testing.assert_array_equal(other[served], base[served])
    assert not np.allclose(other[~served], base[~served])  # the altered future did change later predictions
