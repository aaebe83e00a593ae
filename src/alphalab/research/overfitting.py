"""Overfitting statistics of a whole trial table: DSR of the selected trial and PBO of the search."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphalab.research.evaluator import N_BLOCKS
from alphalab.research.stats import deflated_sharpe_ratio, pbo_from_blocks


def _col(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)


def overfitting_report(table: pd.DataFrame, best: int, *, prefix: str = "m_") -> dict[str, Any]:
    """Return the Deflated Sharpe Ratio of row ``best`` and the PBO over all successful trials.

    The DSR uses N = the number of successful distinct trials and the variance of their per-bar
    Sharpe ratios; the PBO uses the trials' per-block return statistics (``N_BLOCKS`` splits).
    Values are None when the table lacks the statistics (an evaluator that does not report them).
    """
    out: dict[str, Any] = {"dsr": None, "sr0": None, "pbo": None, "n_trials": 0}
    ok = (table["status"] == "ok").to_numpy() if "status" in table else np.ones(len(table), bool)
    uniq = table.loc[ok].drop_duplicates("trial_key") if "trial_key" in table else table.loc[ok]
    sr = _col(uniq, prefix + "ret_sharpe")
    sr = sr[~np.isnan(sr)]
    out["n_trials"] = int(sr.size)
    if best >= 0 and sr.size >= 2:
        row = table.iloc[best]
        res = deflated_sharpe_ratio(
            float(row[prefix + "ret_sharpe"]),
            int(sr.size),
            float(np.var(sr, ddof=1)),
            int(row[prefix + "ret_n"]),
            float(row.get(prefix + "ret_skew", 0.0)),
            float(row.get(prefix + "ret_kurt", 3.0)),
        )
        out.update(dsr=res.dsr, sr0=res.sr0, sharpe_variance=res.sharpe_variance)
    blocks = [prefix + f"ret_s{b}" for b in range(N_BLOCKS)]
    if len(uniq) >= 2 and all(c in uniq for c in blocks):
        s = np.stack([_col(uniq, prefix + f"ret_s{b}") for b in range(N_BLOCKS)])
        q = np.stack([_col(uniq, prefix + f"ret_q{b}") for b in range(N_BLOCKS)])
        n = np.stack([_col(uniq, prefix + f"ret_n{b}") for b in range(N_BLOCKS)])
        keep = ~np.isnan(s).any(axis=0)
        if keep.sum() >= 2:
            pbo = pbo_from_blocks(s[:, keep], q[:, keep], n[:, keep])
            out.update(pbo=pbo.pbo, pbo_splits=pbo.n_splits, pbo_combinations=pbo.n_combinations)
    return out
