"""Purged folds never touch their test windows plus embargo; models are scored against a naive baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss, roc_auc_score

from alphalab.core.errors import ConfigError
from alphalab.ml import cv
from alphalab.ml.models import cross_validate, make_model, score

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _spans(gaps: list[int], lengths: list[int]) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    times = T0 + pd.to_timedelta(np.cumsum(gaps), unit="h")
    ends = times + pd.to_timedelta(lengths[: len(gaps)], unit="h")
    return pd.DatetimeIndex(times), pd.DatetimeIndex(ends)


def _assert_clean(fold: cv.Fold, t: np.ndarray, e: np.ndarray, emb: int) -> None:
    assert np.intersect1d(fold.train, fold.test).size == 0
    for lo, hi in fold.windows:
        tr = fold.train
        assert not ((t[tr] <= hi) & (e[tr] >= lo)).any()  # no overlap with a test window
        assert not ((t[tr] > hi) & (t[tr] <= hi + emb)).any()  # nothing inside the embargo


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 5), min_size=12, max_size=60),
    lengths=st.lists(st.integers(0, 30), min_size=60, max_size=60),
    k=st.integers(2, 6),
    embargo_h=st.integers(0, 20),
)
def test_purged_folds_never_overlap_test_windows_plus_embargo(
    gaps: list[int], lengths: list[int], k: int, embargo_h: int
) -> None:
    times, ends = _spans(gaps, lengths)
    emb = pd.Timedelta(hours=embargo_h)
    t, e = times.as_unit("ns").asi8, ends.as_unit("ns").asi8
    folds = cv.purged_kfold(times, ends, n_splits=k, embargo=emb)
    assert np.array_equal(np.sort(np.concatenate([f.test for f in folds])), np.arange(len(times)))
    for fold in folds:
        _assert_clean(fold, t, e, emb.value)
    for fold in cv.combinatorial_purged(times, ends, n_groups=min(k + 1, 6), n_test=2, embargo=emb):
        _assert_clean(fold, t, e, emb.value)


def test_purging_by_hand() -> None:
    times = T0 + pd.to_timedelta(np.arange(10), unit="D")
    ends = times + pd.Timedelta(days=2)  # each label spans 2 more days
    folds = cv.purged_kfold(times, ends, n_splits=5, embargo=pd.Timedelta(days=1))
    # test = samples 4,5 (days 4..7): purge 2,3 (ends on days 4,5), embargo sample 8 (day 8)
    assert folds[2].test.tolist() == [4, 5]
    assert folds[2].train.tolist() == [0, 1, 9]
    assert folds[0].train.tolist() == [5, 6, 7, 8, 9]  # test 0,1 (days 0..3): purge 2,3; embargo 4


def test_cpcv_counts_splits_and_paths() -> None:
    times = T0 + pd.to_timedelta(np.arange(60), unit="D")
    folds = cv.combinatorial_purged(times, times, n_groups=6, n_test=2)
    assert len(folds) == 15 and cv.n_paths(6, 2) == 5
    counts = np.bincount(np.concatenate([f.test for f in folds]), minlength=60)
    assert (counts == 5).all()  # every sample is tested on exactly n_paths paths


def test_unsorted_or_inverted_spans_are_errors() -> None:
    times = T0 + pd.to_timedelta([2, 1, 3], unit="D")
    with pytest.raises(ConfigError, match="sorted"):
        cv.purged_kfold(times, times, n_splits=2)
    with pytest.raises(ConfigError, match="never before"):
        cv.purged_kfold(times.sort_values(), times.sort_values() - pd.Timedelta(days=1), n_splits=2)


def _signal_data(n: int = 1200, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] * (x[:, 2] > 0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return x, y, pd.DatetimeIndex(T0 + pd.to_timedelta(np.arange(n), unit="h"))


@pytest.mark.parametrize("kind", ["lightgbm", "logistic"])
def test_models_with_signal_beat_the_naive_baseline(kind: str) -> None:
    x, y, times = _signal_data()
    folds = cv.purged_kfold(times, times + pd.Timedelta(hours=3), n_splits=4, embargo=pd.Timedelta(hours=5))
    rep = cross_validate(x, y, folds, kind, n_estimators=60) if kind == "lightgbm" else cross_validate(x, y, folds, kind)
    assert rep.beats_baseline()
    assert rep.mean.auc > 0.7 and rep.baseline_mean.auc == 0.5
    assert rep.mean.accuracy > rep.baseline_mean.accuracy
    tested = np.concatenate([f.test for f in folds])
    assert np.isfinite(rep.oos_proba[tested]).all()
    summary = rep.to_dict()
    assert summary["beats_baseline"] is True and summary["folds"] == 4


def test_noise_does_not_beat_the_baseline_by_much() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(800, 5))
    y = rng.integers(0, 2, 800)
    times = pd.DatetimeIndex(T0 + pd.to_timedelta(np.arange(800), unit="h"))
    rep = cross_validate(x, y, cv.purged_kfold(times, times, n_splits=4), "lightgbm", n_estimators=50)
    assert abs(rep.mean.auc - 0.5) < 0.08


def test_score_equals_sklearn_metrics() -> None:
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.2, 0.7, 0.4, 0.1, 0.9])
    s = score(y, p)
    assert s.accuracy == pytest.approx(0.8)
    assert s.log_loss == pytest.approx(log_loss(y, p)) and s.auc == pytest.approx(roc_auc_score(y, p))


def test_lightgbm_is_deterministic_for_a_seed() -> None:
    x, y, _ = _signal_data(300)
    a = make_model("lightgbm", seed=7, n_estimators=30).fit(x, y).predict_proba(x)
    b = make_model("lightgbm", seed=7, n_estimators=30).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError, match="unknown"):
        make_model("xgboost-ish")
