"""Metrics of a plain per-bar return series (walk-forward stitching, Monte Carlo, fakes)."""

from __future__ import annotations

import numpy as np


def series_metrics(returns: np.ndarray, periods_per_year: float = 252.0) -> dict[str, float]:
    """Return sharpe, total_return, cagr, max_drawdown (positive) and volatility of per-bar returns."""
    r = np.nan_to_num(np.asarray(returns, dtype=float))
    n = r.size
    equity = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    dd = float(np.max(1.0 - equity / peak)) if n else 0.0
    sd = float(r.std(ddof=1)) if n > 1 else 0.0
    sharpe = float(r.mean() / sd * np.sqrt(periods_per_year)) if sd > 0 else 0.0
    total = float(equity[-1] - 1.0) if n else 0.0
    years = n / periods_per_year
    cagr = float((1.0 + total) ** (1.0 / years) - 1.0) if years > 0 and total > -1 else -1.0
    return {
        "sharpe": sharpe,
        "total_return": total,
        "cagr": cagr,
        "max_drawdown": dd,
        "volatility": sd * float(np.sqrt(periods_per_year)),
    }


def series_metrics_columns(returns: np.ndarray, periods_per_year: float = 252.0) -> list[dict[str, float]]:
    """Return :func:`series_metrics` of every column of a (T, K) return matrix, vectorised over columns."""
    r = np.nan_to_num(np.asarray(returns, dtype=float))
    if r.ndim != 2:
        raise ValueError("returns must be a (T, K) matrix")
    n, k = r.shape
    if n == 0:
        return [series_metrics(np.zeros(0), periods_per_year) for _ in range(k)]
    equity = np.cumprod(1.0 + r, axis=0)
    peak = np.maximum.accumulate(np.vstack([np.ones((1, k)), equity]), axis=0)[1:]
    dd = np.max(1.0 - equity / peak, axis=0)
    rows = np.ascontiguousarray(r.T)  # reduce along contiguous rows: the same summation as the 1-D version
    sd = rows.std(axis=1, ddof=1) if n > 1 else np.zeros(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(sd > 0, rows.mean(axis=1) / sd * np.sqrt(periods_per_year), 0.0)
    total = equity[-1] - 1.0
    years = n / periods_per_year
    with np.errstate(divide="ignore", invalid="ignore"):
        cagr = np.where((years > 0) & (total > -1), (1.0 + total) ** (1.0 / years) - 1.0, -1.0)
    vol = sd * float(np.sqrt(periods_per_year))
    return [
        {"sharpe": float(sharpe[j]), "total_return": float(total[j]), "cagr": float(cagr[j]),
         "max_drawdown": float(dd[j]), "volatility": float(vol[j])}
        for j in range(k)
    ]
