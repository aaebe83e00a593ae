"""Drift statistics against scipy and a hand-computed PSI; meta-labels by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from alphalab.ml.drift import drift_report, psi
from alphalab.ml.labels import meta_labels, triple_barrier_labels


def test_psi_by_hand_with_two_bins() -> None:
    ref = np.array([0.0, 0.0, 1.0, 1.0])  # median split: half in each bin
    new = np.array([0.0, 1.0, 1.0, 1.0])  # 1/4 and 3/4
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert psi(ref, new, bins=2) == pytest.approx(expected)
    assert psi(ref, ref, bins=2) == 0.0


def test_drift_report_flags_a_shifted_feature_only() -> None:
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    new = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(1.0, 1.0, size=500)})
    rep = {d.column: d for d in drift_report(ref, new)}
    assert not rep["a"].drifted and rep["b"].drifted and rep["b"].psi > 0.25
    ks = ks_2samp(ref["b"], new["b"])
    assert rep["b"].ks == pytest.approx(ks.statistic) and rep["b"].ks_pvalue == pytest.approx(ks.pvalue)


def test_meta_labels_score_the_primary_side() -> None:
    idx = pd.date_range("2024-01-01", periods=5, freq="1D", tz="UTC", name="time")
    frame = pd.DataFrame({"open": [100, 100, 104, 100, 100], "high": [100, 106, 104, 100, 100],
                          "low": [100, 99, 98, 100, 100], "close": [100, 104, 100, 100, 100]}, index=idx, dtype=float)
    barrier = triple_barrier_labels(frame, np.full(5, 0.05), horizon=2)
    # t0: entry 100, t1 high 106 -> +5 %; t1: entry 104, barriers 109.2/98.8: t2 low 98 -> -5 %
    meta = meta_labels(np.array([1, 1, 0, -1, 0]), barrier)
    assert meta.index.tolist() == [idx[0], idx[1]]
    assert meta["label"].tolist() == [1, 0] and meta["ret"].iloc[1] == pytest.approx(98.8 / 104 - 1)
    short = meta_labels(np.array([-1, -1, 0, 0, 0]), barrier)
    assert short["label"].tolist() == [0, 1]
