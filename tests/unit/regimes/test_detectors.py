"""Detectors: causality (changing the future never changes the past) and accuracy on known regimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from alphalab.core.errors import ValidationError
from alphalab.regimes import REGIME_LABELS, detect, detect_hmm
from alphalab.regimes.config import HMMConfig
from alphalab.regimes.hmm import label_states
from alphalab.testing.regimes import markov_switching_bars

DETECTORS = [
    ("hmm", {"min_train": 120, "refit_every": 60, "n_iter": 30}),
    ("hmm", {"min_train": 120, "refit_every": 80, "train_bars": 100, "features": ["return", "volatility"]}),
    ("rule", {"trend": "adx", "percentile_window": 100}),
    ("rule", {"trend": "ma_slope", "ma_period": 20, "percentile_window": None}),
]


def matched_accuracy(pred: pd.Series, true: pd.Series) -> float:
    """Share of labelled bars whose label equals the truth after Hungarian label matching."""
    known = pred != ""
    p, t = pred[known].to_numpy(), true[known].to_numpy()
    counts = np.array([[np.sum((p == a) & (t == b)) for b in REGIME_LABELS] for a in REGIME_LABELS])
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / known.sum())


@pytest.mark.parametrize(("method", "options"), DETECTORS)
@settings(max_examples=4, deadline=None)
@given(cut=st.integers(130, 259), seed=st.integers(0, 3), scale=st.floats(0.5, 2.0))
def test_changing_bars_after_t_never_changes_regime_at_t(
    method: str, options: dict, cut: int, seed: int, scale: float
) -> None:
    frame, _ = markov_switching_bars(260, 7)
    base = detect(frame, method, **options)
    changed = frame.copy()
    rng = np.random.default_rng(seed)
    noise = np.exp(rng.normal(0, 0.05 * scale, len(frame) - cut - 1))
    for col in ("open", "high", "low", "close"):
        changed.iloc[cut + 1 :, changed.columns.get_loc(col)] *= noise
    changed.iloc[cut + 1 :, changed.columns.get_loc("volume")] *= scale
    after = detect(changed, method, **options)
    pd.testing.assert_series_equal(base.iloc[: cut + 1], after.iloc[: cut + 1])
    assert (base != "").any()


def test_truncated_history_gives_identical_labels_for_every_detector() -> None:
    frame, _ = markov_switching_bars(300, 11)
    for method, options in DETECTORS:
        full = detect(frame, method, **options)
        part = detect(frame.iloc[:200], method, **options)
        pd.testing.assert_series_equal(full.iloc[:200], part)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_hmm_defaults_on_data_regime_switching_agree_with_truth_on_80_percent_every_seed(seed: int) -> None:
    from alphalab.data.synthetic import regime_switching

    frame, truth = regime_switching(4000, seed)
    labels = detect(frame, "hmm")  # the defaults a user gets
    assert (labels.iloc[:751] == "").all() and (labels.iloc[751:] != "").all()
    assert matched_accuracy(labels, truth) >= 0.80


def test_hmm_on_helper_markov_series_agrees_with_truth_on_80_percent() -> None:
    frame, truth = markov_switching_bars(2500, 1)
    labels = detect(frame, "hmm", min_train=600, refit_every=300, covariance_type="diag")
    assert matched_accuracy(labels, truth) >= 0.80


def test_hmm_is_seeded_and_deterministic() -> None:
    frame, _ = markov_switching_bars(400, 2)
    cfg = HMMConfig(min_train=150, refit_every=100, n_starts=2, n_iter=20)
    a, b = detect_hmm(frame, cfg), detect_hmm(frame, cfg)
    pd.testing.assert_series_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(a.proba, b.proba)
    known = a.proba.dropna()
    np.testing.assert_allclose(known.sum(axis=1), 1.0, atol=1e-9)
    assert [f.bar for f in a.fits] == [151, 251, 351]
    assert all(f.train_stop == f.bar for f in a.fits)


def test_hmm_labels_unknown_before_first_fit() -> None:
    frame, _ = markov_switching_bars(300, 2)
    labels = detect(frame, "hmm", min_train=150, refit_every=100)
    assert (labels.iloc[:151] == "").all()
    assert (labels.iloc[151:] != "").all()


def test_label_states_orders_by_volatility_then_drift() -> None:
    rng = np.random.default_rng(0)
    spec = [(0.0, 0.03), (0.002, 0.008), (0.0, 0.004), (-0.001, 0.016)]  # state -> (mean, std)
    returns = np.concatenate([rng.normal(m, s, 500) for m, s in spec])
    post = np.repeat(np.eye(4), 500, axis=0)
    assert label_states(post, returns) == ("high_vol_chop", "bull", "low_vol_chop", "bear")


def test_label_states_swaps_middle_pair_when_volatile_state_clearly_rises() -> None:
    rng = np.random.default_rng(1)
    spec = [(0.0, 0.03), (-0.004, 0.008), (0.0, 0.004), (0.006, 0.016)]
    returns = np.concatenate([rng.normal(m, s, 500) for m, s in spec])
    post = np.repeat(np.eye(4), 500, axis=0)
    assert label_states(post, returns) == ("high_vol_chop", "bear", "low_vol_chop", "bull")


def test_rule_detector_labels_strong_trends_bull_and_bear() -> None:
    n = 200
    index = pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC", name="time")
    up = 100 * np.exp(np.linspace(0, 0.8, n // 2))
    down = up[-1] * np.exp(-np.linspace(0, 0.8, n // 2))
    close = np.concatenate([up, down])
    frame = pd.DataFrame(
        {"open": close, "high": close * 1.002, "low": close * 0.998, "close": close, "volume": 1.0},
        index=index,
    )
    labels = detect(frame, "rule", adx_period=10, percentile_window=30)
    assert (labels.iloc[60:95] == "bull").all()
    assert (labels.iloc[140:] == "bear").all()


def test_unknown_option_is_a_validation_error_naming_it() -> None:
    frame, _ = markov_switching_bars(50)
    with pytest.raises(ValidationError) as info:
        detect(frame, "rule", adx_thresold=20)
    assert "adx_thresold" in str(info.value)


def test_warm_start_keeps_the_previous_fit_in_raw_feature_units() -> None:
    from types import SimpleNamespace

    from hmmlearn import hmm as hmmlib

    from alphalab.regimes.hmm import _Fitted, _warm_model

    rng = np.random.default_rng(5)
    means, covs = rng.normal(size=(4, 2)), np.stack([np.diag(rng.uniform(0.5, 2.0, 2)) for _ in range(4)])
    trans = np.full((4, 4), 0.1)
    np.fill_diagonal(trans, 0.7)
    old = _Fitted(SimpleNamespace(means_=means, covars_=covs, transmat_=trans), np.array([1.0, -2.0]),
                  np.array([0.5, 3.0]))
    mu, sd = np.array([0.8, -1.0]), np.array([0.7, 2.0])
    warm = _warm_model(hmmlib, old, mu, sd, HMMConfig(covariance_type="full"))
    np.testing.assert_allclose(warm.means_ * sd + mu, means * old.sd + old.mu)
    np.testing.assert_allclose(warm._covars_ * np.outer(sd, sd), covs * np.outer(old.sd, old.sd))  # unfitted: raw
    np.testing.assert_allclose(warm.transmat_, trans)
