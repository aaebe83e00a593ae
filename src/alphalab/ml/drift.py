"""Drift detection between a reference sample (training) and a recent one: PSI and the KS test.

``drift_report`` checks every feature (or prediction) column and marks the ones that drifted, so a
scheduler can raise an alert event and trigger retraining.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab._optional import require
from alphalab.core.errors import ConfigError


def psi(reference: object, recent: object, bins: int = 10) -> float:
    """Return the population stability index of ``recent`` against ``reference`` (quantile bins).

    Bins are the reference's deciles (``bins`` quantiles); empty bins count as 1e-6 of a share.
    Rules of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 large shift.
    """
    ref = np.asarray(reference, dtype=np.float64)
    new = np.asarray(recent, dtype=np.float64)
    ref, new = ref[np.isfinite(ref)], new[np.isfinite(new)]
    if ref.shape[0] < bins or new.shape[0] == 0:
        raise ConfigError(f"PSI needs at least {bins} reference values and one recent value")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    p = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=edges.shape[0] + 1) / ref.shape[0]
    q = np.bincount(np.searchsorted(edges, new, side="right"), minlength=edges.shape[0] + 1) / new.shape[0]
    p, q = np.maximum(p, 1e-6), np.maximum(q, 1e-6)
    return float(np.sum((q - p) * np.log(q / p)))


@dataclass(frozen=True, slots=True)
class Drift:
    """Drift of one column: PSI, KS statistic and p-value, and whether it crossed a threshold."""

    column: str
    psi: float
    ks: float
    ks_pvalue: float
    drifted: bool


def drift_report(
    reference: pd.DataFrame, recent: pd.DataFrame, *, psi_threshold: float = 0.25, ks_alpha: float = 0.01
) -> list[Drift]:
    """Return the drift of every common column; ``drifted`` when PSI > threshold or KS p < alpha."""
    stats = require("scipy.stats", purpose="the KS drift test")
    out = []
    for col in [c for c in reference.columns if c in recent.columns]:
        a = reference[col].to_numpy(dtype=float)
        b = recent[col].to_numpy(dtype=float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        value = psi(a, b)
        ks = stats.ks_2samp(a, b)
        out.append(Drift(str(col), value, float(ks.statistic), float(ks.pvalue),
                         value > psi_threshold or float(ks.pvalue) < ks_alpha))
    return out
