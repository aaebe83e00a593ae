"""Monte Carlo reshuffle and bootstraps against direct numpy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.research.montecarlo import _path_stats, monte_carlo, resample_indices

returns_lists = st.lists(st.floats(-0.2, 0.2, allow_nan=False), min_size=2, max_size=40)


def _ref_maxdd(r: np.ndarray) -> float:
    eq = np.cumprod(1 + r)
    peak = np.maximum.accumulate(np.concatenate([[1.0], eq]))[1:]
    return float(np.max(1 - eq / peak))


@settings(max_examples=25, deadline=None)
@given(returns_lists, st.integers(0, 100))
def test_reshuffle_keeps_final_equity_and_matches_reference_drawdown(r: list[float], seed: int) -> None:
    arr = np.array(r)
    res = monte_carlo(arr, method="reshuffle", n_sims=20, seed=seed, periods_per_year=252)
    np.testing.assert_allclose(res.final_equity, np.prod(1 + arr), rtol=1e-9)
    idx = resample_indices("reshuffle", arr.size, 20, np.random.default_rng(seed))
    np.testing.assert_allclose(res.max_drawdown, [_ref_maxdd(arr[i]) for i in idx], atol=1e-12)


def test_path_stats_sharpe_matches_numpy() -> None:
    r = np.random.default_rng(0).normal(0.001, 0.01, 300)
    res = monte_carlo(r, method="bootstrap", n_sims=50, seed=3, periods_per_year=252)
    idx = resample_indices("bootstrap", r.size, 50, np.random.default_rng(3))
    ref = [r[i].mean() / r[i].std(ddof=1) * np.sqrt(252) for i in idx]
    np.testing.assert_allclose(res.sharpe, ref, rtol=1e-9)
    np.testing.assert_allclose(res.final_equity, [np.prod(1 + r[i]) for i in idx], rtol=1e-9)


def test_full_length_block_bootstrap_gives_rotations() -> None:
    r = np.arange(1, 11) / 100.0
    idx = resample_indices("block", 10, 30, np.random.default_rng(1), block=10)
    for row in idx:
        assert np.array_equal(np.roll(np.arange(10), -row[0]), row)
    res = monte_carlo(r, method="block", block=10, n_sims=30, periods_per_year=252)
    np.testing.assert_allclose(res.final_equity, np.prod(1 + r))


def test_stationary_bootstrap_mean_block_length() -> None:
    idx = resample_indices("stationary", 1000, 50, np.random.default_rng(2), block=8)
    breaks = (np.diff(idx, axis=1) % 1000) != 1
    mean_len = idx.size / (breaks.sum() + idx.shape[0])
    assert 7.0 < mean_len < 9.0


def test_seeded_runs_repeat_and_differ_by_seed() -> None:
    r = np.random.default_rng(0).normal(0, 0.02, 100)
    a = monte_carlo(r, method="stationary", n_sims=100, seed=1, chunk=30, periods_per_year=252)
    b = monte_carlo(r, method="stationary", n_sims=100, seed=1, chunk=30, periods_per_year=252)
    c = monte_carlo(r, method="stationary", n_sims=100, seed=2, chunk=30, periods_per_year=252)
    assert np.array_equal(a.max_drawdown, b.max_drawdown)
    assert not np.array_equal(a.max_drawdown, c.max_drawdown)


def test_probability_of_ruin_and_intervals() -> None:
    r = np.random.default_rng(4).normal(0.0, 0.05, 200)
    res = monte_carlo(r, method="bootstrap", n_sims=400, ruin_drawdown=0.3, confidence=0.9, periods_per_year=252)
    assert res.probability_of_ruin == pytest.approx(np.mean(res.max_drawdown >= 0.3))
    s = res.summary()
    assert s["max_drawdown"]["ci_low"] == pytest.approx(np.quantile(res.max_drawdown, 0.05))
    assert s["final_equity"]["ci_high"] == pytest.approx(np.quantile(res.final_equity, 0.95))
    losers = monte_carlo(-np.abs(r) - 0.01, method="bootstrap", n_sims=50, ruin_drawdown=0.3, periods_per_year=252)
    assert losers.probability_of_ruin == 1.0


def test_pnl_mode_uses_capital() -> None:
    pnl = np.array([100.0, -50.0, 200.0, -300.0])
    res = monte_carlo(pnl, method="reshuffle", n_sims=10, capital=1000.0, periods_per_year=252)
    np.testing.assert_allclose(res.final_equity, 1.0 - 50.0 / 1000.0)
    out = np.empty((1, 4))
    _path_stats(pnl, np.array([[3, 0, 1, 2]]), 1000.0, out)
    assert out[0, 1] == pytest.approx(300.0 / 1000.0)
