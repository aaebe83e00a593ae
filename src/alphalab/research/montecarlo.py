"""Monte Carlo of a trade list or a return series: reshuffle and bootstraps, seeded and vectorised.

Methods
-------
- ``reshuffle``: random permutations of the trade order (final equity is unchanged; the path is not);
- ``bootstrap``: iid resampling with replacement;
- ``block``: circular moving-block bootstrap with fixed ``block`` length;
- ``stationary``: Politis–Romano stationary bootstrap, geometric block lengths of mean ``block``.

Inputs are fractional returns (per trade or per bar); with ``capital`` they are money P&L per
trade instead. Simulations run in chunks of ``chunk`` paths, so memory is bounded by
``chunk x n x 8 bytes`` for the index matrix whatever ``n_sims`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from alphalab.core.errors import ConfigError

METHODS = ("reshuffle", "bootstrap", "block", "stationary")


@numba.njit(cache=True)
def _path_stats(values: np.ndarray, idx: np.ndarray, capital: float, out: np.ndarray) -> None:
    """Fill ``out[i] = (final equity, max drawdown, mean, std)`` of path i (compounded when capital <= 0)."""
    n_paths, n = idx.shape
    for i in range(n_paths):
        eq = 1.0 if capital <= 0 else capital
        peak = eq
        mdd = 0.0
        s = 0.0
        ss = 0.0
        for t in range(n):
            v = values[idx[i, t]]
            r = v if capital <= 0 else v / eq
            eq = eq * (1.0 + v) if capital <= 0 else eq + v
            s += r
            ss += r * r
            if eq > peak:
                peak = eq
            dd = 1.0 - eq / peak if peak > 0 else 1.0
            if dd > mdd:
                mdd = dd
        mean = s / n
        var = (ss - n * mean * mean) / (n - 1) if n > 1 else 0.0
        out[i, 0] = eq if capital <= 0 else eq / capital
        out[i, 1] = mdd
        out[i, 2] = mean
        out[i, 3] = np.sqrt(max(var, 0.0))


@numba.njit(cache=True)
def _stationary_indices(starts: np.ndarray, restart: np.ndarray, p: float, n: int) -> np.ndarray:
    rows, cols = starts.shape
    idx = np.empty((rows, cols), dtype=np.int64)
    for i in range(rows):
        idx[i, 0] = starts[i, 0]
        for t in range(1, cols):
            idx[i, t] = starts[i, t] if restart[i, t] < p else (idx[i, t - 1] + 1) % n
    return idx


def resample_indices(method: str, n: int, n_paths: int, rng: np.random.Generator, block: int = 10) -> np.ndarray:
    """Return an (n_paths, n) int64 matrix of positions into the original series."""
    if method == "reshuffle":
        return rng.permuted(np.broadcast_to(np.arange(n), (n_paths, n)), axis=1)
    if method == "bootstrap":
        return rng.integers(0, n, (n_paths, n))
    block = max(1, min(int(block), n))
    if method == "block":
        k = -(-n // block)
        starts = rng.integers(0, n, (n_paths, k))
        idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
        return idx.reshape(n_paths, k * block)[:, :n]
    if method == "stationary":
        starts = rng.integers(0, n, (n_paths, n))
        restart = rng.random((n_paths, n))
        return _stationary_indices(starts, restart, 1.0 / block, n)  # type: ignore[no-any-return]
    raise ConfigError(f"unknown Monte Carlo method {method!r}", hint=f"choose one of {', '.join(METHODS)}")


@dataclass
class MonteCarloResult:
    """Simulated distributions (one value per path) and their summary."""

    method: str
    final_equity: np.ndarray
    max_drawdown: np.ndarray
    sharpe: np.ndarray
    original: dict[str, float]
    confidence: float
    ruin_drawdown: float

    @property
    def probability_of_ruin(self) -> float:
        """Share of paths whose max drawdown reaches ``ruin_drawdown``."""
        return float(np.mean(self.max_drawdown >= self.ruin_drawdown))

    def summary(self) -> dict[str, Any]:
        lo, hi = (1 - self.confidence) / 2, 1 - (1 - self.confidence) / 2
        out: dict[str, Any] = {
            "method": self.method,
            "paths": int(self.final_equity.size),
            "confidence": self.confidence,
            "original": self.original,
            "ruin_drawdown": self.ruin_drawdown,
            "probability_of_ruin": self.probability_of_ruin,
        }
        for name, arr in (("final_equity", self.final_equity), ("max_drawdown", self.max_drawdown),
                          ("sharpe", self.sharpe)):
            out[name] = {
                "mean": float(np.mean(arr)),
                "median": float(np.median(arr)),
                "ci_low": float(np.quantile(arr, lo)),
                "ci_high": float(np.quantile(arr, hi)),
                "p05": float(np.quantile(arr, 0.05)),
                "p95": float(np.quantile(arr, 0.95)),
            }
        return out


def monte_carlo(
    values: np.ndarray,
    *,
    method: str = "reshuffle",
    n_sims: int = 1000,
    block: int = 10,
    seed: int = 0,
    capital: float | None = None,
    periods_per_year: float,
    ruin_drawdown: float = 0.5,
    confidence: float = 0.95,
    chunk: int = 2048,
) -> MonteCarloResult:
    """Simulate ``n_sims`` alternative histories of ``values`` and summarise them.

    Parameters
    ----------
    values
        Per-trade or per-bar fractional returns, or money P&L per trade when ``capital`` is given.
    method
        One of ``reshuffle``, ``bootstrap``, ``block``, ``stationary``.
    n_sims, block, seed
        Number of paths, (mean) block length, seed of the generator.
    capital
        Starting capital for P&L inputs; final equity is reported as a multiple of it.
    periods_per_year
        Annualisation of the Sharpe ratio: observations per year of ``values`` (bars per year of the
        data for per-bar returns, trades per year for per-trade values); required, there is no
        default that is right for every timeframe and calendar.
    ruin_drawdown
        Drawdown counted as ruin in ``probability_of_ruin``.
    confidence
        Two-sided level of the reported intervals.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2:
        raise ConfigError("Monte Carlo needs at least two trades or returns")
    if method not in METHODS:
        raise ConfigError(f"unknown Monte Carlo method {method!r}", hint=f"choose one of {', '.join(METHODS)}")
    cap = float(capital) if capital else 0.0
    rng = np.random.default_rng(seed)
    stats = np.empty((n_sims, 4))
    for a in range(0, n_sims, chunk):
        b = min(a + chunk, n_sims)
        idx = np.ascontiguousarray(resample_indices(method, v.size, b - a, rng, block), dtype=np.int64)
        _path_stats(v, idx, cap, stats[a:b])
    orig = np.empty((1, 4))
    _path_stats(v, np.arange(v.size, dtype=np.int64)[None, :], cap, orig)
    ann = np.sqrt(periods_per_year)
    with np.errstate(invalid="ignore", divide="ignore"):
        sharpe = np.where(stats[:, 3] > 0, stats[:, 2] / stats[:, 3] * ann, 0.0)
    original = {
        "final_equity": float(orig[0, 0]),
        "max_drawdown": float(orig[0, 1]),
        "sharpe": float(orig[0, 2] / orig[0, 3] * ann) if orig[0, 3] > 0 else 0.0,
    }
    return MonteCarloResult(method, stats[:, 0].copy(), stats[:, 1].copy(), sharpe, original, confidence,
                            ruin_drawdown)


def backtest_values(result: Any, on: str = "trades") -> tuple[np.ndarray, float]:
    """Return what a Monte Carlo of a backtest resamples and how many of those values make a year.

    ``on="trades"``: the trades' fractional returns, with trades per year from the result's span;
    ``on="returns"``: the per-bar equity returns, with the result's periods per year.
    """
    ppy_bars = float(result.periods_per_year or 252.0)
    if on == "trades":
        values = result.trades["return_pct"].to_numpy(dtype=float)
        years = max(result.bars.n_bars / ppy_bars, 1e-9)
        return values, max(len(values) / years, 1.0)
    if on == "returns":
        return result.equity["equity"].pct_change().to_numpy()[1:], ppy_bars
    raise ConfigError(f"cannot resample {on!r}", hint="choose trades or returns (--on on the command line)")

