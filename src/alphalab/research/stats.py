"""Overfitting statistics: the Deflated Sharpe Ratio and the Probability of Backtest Overfitting.

References
----------
- Bailey, D. H. and López de Prado, M. (2014). *The Deflated Sharpe Ratio: Correcting for Selection
  Bias, Backtest Overfitting and Non-Normality.* Journal of Portfolio Management 40(5).
- Bailey, D. H., Borwein, J., López de Prado, M. and Zhu, Q. J. (2015). *The Probability of Backtest
  Overfitting.* Journal of Computational Finance 20(4).

All Sharpe ratios here are per observation (not annualised) unless a function says otherwise;
kurtosis is the ordinary (non-excess) kurtosis, 3 for a normal distribution.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from alphalab.core.errors import ResearchError

EULER_MASCHERONI = 0.5772156649015329


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _norm_ppf(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark: float, n_obs: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """Return the probability that the true Sharpe ratio exceeds ``benchmark`` (PSR).

    Parameters
    ----------
    sharpe, benchmark
        Observed and benchmark Sharpe ratios, per observation.
    n_obs
        Number of return observations T.
    skew, kurtosis
        Skewness and (non-excess) kurtosis of the returns.
    """
    if n_obs < 2:
        return float("nan")
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if denom <= 0:
        return float("nan")
    return _norm_cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denom))


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Return the expected maximum Sharpe of ``n_trials`` unskilled trials (the DSR's SR0).

    Uses the Euler–Mascheroni approximation of the expected maximum of N standard normals:
    ``sqrt(V) * ((1 - γ) Φ⁻¹(1 - 1/N) + γ Φ⁻¹(1 - 1/(N e)))``.
    """
    if n_trials < 2 or sharpe_variance <= 0:
        return 0.0
    g = EULER_MASCHERONI
    z1 = _norm_ppf(1.0 - 1.0 / n_trials)
    z2 = _norm_ppf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - g) * z1 + g * z2)


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """The Deflated Sharpe Ratio of the selected trial and the numbers that produced it."""

    dsr: float
    sharpe: float
    sr0: float
    n_trials: int
    sharpe_variance: float
    n_obs: int
    skew: float
    kurtosis: float


def deflated_sharpe_ratio(
    sharpe: float,
    n_trials: int,
    sharpe_variance: float,
    n_obs: int,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> DeflatedSharpe:
    """Return the Deflated Sharpe Ratio: PSR of ``sharpe`` against the expected max of N trials.

    Parameters
    ----------
    sharpe
        Per-observation Sharpe ratio of the selected (best) trial.
    n_trials
        Number of independent trials tried.
    sharpe_variance
        Variance of the per-observation Sharpe ratios across trials.
    n_obs, skew, kurtosis
        Sample length, skewness and (non-excess) kurtosis of the selected trial's returns.
    """
    sr0 = expected_max_sharpe(n_trials, sharpe_variance)
    dsr = probabilistic_sharpe_ratio(sharpe, sr0, n_obs, skew, kurtosis)
    return DeflatedSharpe(dsr, sharpe, sr0, n_trials, sharpe_variance, n_obs, skew, kurtosis)


@dataclass(frozen=True, slots=True)
class PBOResult:
    """Outcome of combinatorially symmetric cross-validation."""

    pbo: float
    logits: np.ndarray
    n_splits: int
    n_combinations: int


def _combination_masks(n_splits: int) -> np.ndarray:
    combos = list(itertools.combinations(range(n_splits), n_splits // 2))
    masks = np.zeros((len(combos), n_splits), dtype=bool)
    for i, c in enumerate(combos):
        masks[i, list(c)] = True
    return masks


def _perf_from_sums(s: np.ndarray, ss: np.ndarray, n: np.ndarray, metric: str) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        if metric == "mean":
            return mean  # type: ignore[no-any-return]
        var = (ss - n * mean**2) / np.maximum(n - 1.0, 1.0)
        sd = np.sqrt(np.maximum(var, 0.0))
        out = np.where(sd > 0, mean / np.where(sd > 0, sd, 1.0), 0.0)
    return np.nan_to_num(out)


def _relative_rank(oos: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    # average rank (1..N) of the chosen column's OOS value among all columns, ties averaged
    val = np.take_along_axis(oos, chosen[:, None], axis=1)
    less = (oos < val).sum(axis=1)
    equal = (oos == val).sum(axis=1)
    rank = less + (equal + 1) / 2.0
    return rank / (oos.shape[1] + 1.0)  # type: ignore[no-any-return]


def pbo_from_blocks(
    sums: np.ndarray, sumsq: np.ndarray, counts: np.ndarray, *, metric: str = "sharpe"
) -> PBOResult:
    """Return the PBO from per-block sufficient statistics of each trial's returns.

    Parameters
    ----------
    sums, sumsq, counts
        Arrays of shape (S, N): for each of S consecutive blocks and N trials, the sum of returns,
        the sum of squared returns and the number of returns. S must be even.
    metric
        ``"sharpe"`` (mean / standard deviation) or ``"mean"``.
    """
    sums = np.asarray(sums, dtype=float)
    n_splits, n_trials = sums.shape
    if n_splits < 2 or n_splits % 2:
        raise ResearchError(f"PBO needs an even number of splits, got {n_splits}")
    if n_trials < 2:
        raise ResearchError("PBO needs at least two trials")
    all_masks = _combination_masks(n_splits).astype(float)
    sq, cnt = np.asarray(sumsq, float), np.asarray(counts, float)
    # combinations are processed in chunks so memory stays near 2e6 floats per matrix
    step = max(1, 2_000_000 // n_trials)
    parts = []
    for a in range(0, all_masks.shape[0], step):
        masks = all_masks[a : a + step]
        inv = 1.0 - masks
        is_perf = _perf_from_sums(masks @ sums, masks @ sq, masks @ cnt, metric)
        oos_perf = _perf_from_sums(inv @ sums, inv @ sq, inv @ cnt, metric)
        omega = _relative_rank(oos_perf, np.argmax(is_perf, axis=1))
        parts.append(np.log(omega / (1.0 - omega)))
    logits = np.concatenate(parts)
    return PBOResult(float(np.mean(logits <= 0)), logits, n_splits, int(all_masks.shape[0]))


def block_statistics(returns: np.ndarray, n_splits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the rows of a (T, N) matrix into ``n_splits`` equal consecutive blocks; return sums.

    Rows beyond the last full block are dropped (as in the paper, the S submatrices are equal).
    NaN returns are ignored.
    """
    m = np.asarray(returns, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    size = m.shape[0] // n_splits
    if size < 1:
        raise ResearchError(f"{m.shape[0]} observations cannot be split into {n_splits} blocks")
    m = m[: size * n_splits].reshape(n_splits, size, m.shape[1])
    valid = ~np.isnan(m)
    z = np.where(valid, m, 0.0)
    return z.sum(axis=1), (z * z).sum(axis=1), valid.sum(axis=1).astype(float)


def probability_of_backtest_overfitting(
    performance: np.ndarray, n_splits: int = 16, *, metric: str = "sharpe"
) -> PBOResult:
    """Return the PBO of a (T, N) matrix of trial returns by combinatorially symmetric CV.

    The T rows are split into ``n_splits`` (S, even) equal submatrices; for each of the C(S, S/2)
    ways to choose half of them as in-sample, the in-sample best trial's out-of-sample relative
    rank ω gives a logit λ = ln(ω / (1 - ω)); PBO is the share of λ ≤ 0.
    """
    s, ss, n = block_statistics(performance, n_splits)
    return pbo_from_blocks(s, ss, n, metric=metric)
