"""DSR and PBO against the papers' worked examples and hand-enumerated CSCV."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from alphalab.research.stats import (
    block_statistics,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    pbo_from_blocks,
    probabilistic_sharpe_ratio,
    probability_of_backtest_overfitting,
)


def test_dsr_paper_numerical_example_matches_0_9004() -> None:
    # Bailey & López de Prado (2014), section "A numerical example": annualised SR 2.5 over
    # T = 1250 daily returns, skew -3, kurtosis 10, N = 100 trials whose annualised SRs have variance 1/2.
    sr = 2.5 / math.sqrt(250)
    var = 0.5 / 250
    res = deflated_sharpe_ratio(sr, 100, var, 1250, skew=-3.0, kurtosis=10.0)
    # independent arithmetic with scipy
    g = 0.5772156649015329
    sr0 = math.sqrt(var) * ((1 - g) * norm.ppf(1 - 1 / 100) + g * norm.ppf(1 - 1 / (100 * math.e)))
    z = (sr - sr0) * math.sqrt(1249) / math.sqrt(1 - (-3.0) * sr + (10.0 - 1) / 4 * sr**2)
    assert res.sr0 == pytest.approx(sr0, rel=1e-10)
    assert res.dsr == pytest.approx(norm.cdf(z), rel=1e-10)
    assert res.sr0 == pytest.approx(0.1132, abs=1e-4)  # the paper's SR0
    assert res.dsr == pytest.approx(0.9004, abs=1e-4)  # the paper's DSR


def test_psr_normal_returns_against_scipy() -> None:
    got = probabilistic_sharpe_ratio(0.1, 0.0, 101)
    assert got == pytest.approx(norm.cdf(0.1 * 10 / math.sqrt(1 + 2 / 4 * 0.01)))


def test_expected_max_sharpe_one_trial_is_zero() -> None:
    assert expected_max_sharpe(1, 1.0) == 0.0


def test_pbo_hand_enumerated_matrix_is_two_thirds() -> None:
    # rows = S = 4 blocks, columns = N = 4 trials, metric = mean (equivalently the block sum).
    m = np.array([[3.0, 7, 5, 0], [7, 8, 8, 4], [3, 7, 6, 7], [7, 0, 8, 8]])
    # IS blocks | IS sums         | best | OOS sums        | OOS rank of best | ω = rank/5 | logit
    # {0,1}     | 10 15 13  4     |  1   | 10  7 14 15     | 1                | 0.2        | < 0
    # {0,2}     |  6 14 11  7     |  1   | 14  8 16 12     | 1                | 0.2        | < 0
    # {0,3}     | 10  7 13  8     |  2   | 10 15 14 11     | 3                | 0.6        | > 0
    # {1,2}     | 10 15 14 11     |  1   | 10  7 13  8     | 1                | 0.2        | < 0
    # {1,3}     | 14  8 16 12     |  2   |  6 14 11  7     | 3                | 0.6        | > 0
    # {2,3}     | 10  7 14 15     |  3   | 10 15 13  4     | 1                | 0.2        | < 0
    res = probability_of_backtest_overfitting(m, 4, metric="mean")
    assert res.n_combinations == 6
    assert res.pbo == pytest.approx(4 / 6)
    expected = sorted([math.log(0.25)] * 4 + [math.log(1.5)] * 2)
    assert sorted(res.logits.tolist()) == pytest.approx(expected)


def test_pbo_is_best_always_oos_best_is_zero() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.01, (400, 10))
    skill = np.linspace(0.0, 0.01, 10)  # column 9 dominates everywhere
    res = probability_of_backtest_overfitting(noise * 0.01 + skill, 8)
    assert res.pbo == 0.0


def test_pbo_pure_noise_is_about_half() -> None:
    rng = np.random.default_rng(7)
    vals = [probability_of_backtest_overfitting(rng.normal(0, 0.01, (320, 50)), 10).pbo for _ in range(12)]
    assert 0.35 < float(np.mean(vals)) < 0.65


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 8).map(lambda k: 2 * (k // 2 + 1)), st.integers(2, 6), st.integers(0, 10_000))
def test_pbo_from_blocks_equals_matrix_version(splits: int, n: int, seed: int) -> None:
    m = np.random.default_rng(seed).normal(0, 1, (splits * 5, n))
    s, q, c = block_statistics(m, splits)
    a = pbo_from_blocks(s, q, c).logits
    b = probability_of_backtest_overfitting(m, splits).logits
    np.testing.assert_allclose(a, b)
    assert np.all((a > -50) & (a < 50))
