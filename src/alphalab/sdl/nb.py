"""Numba kernels of the condition operators that look back over several bars (time x asset arrays)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def prev_extreme(x: np.ndarray, n: int, highest: bool) -> np.ndarray:  # pragma: no cover - numba
    """Return the max (or min) of ``x[t-n : t]`` (previous bars only); NaN when any of them is NaN."""
    t_len, a_len = x.shape
    out = np.full((t_len, a_len), np.nan)
    for a in range(a_len):
        for t in range(n, t_len):
            best = x[t - 1, a]
            ok = not np.isnan(best)
            for j in range(t - n, t - 1):
                v = x[j, a]
                if np.isnan(v):
                    ok = False
                    break
                if (highest and v > best) or (not highest and v < best):
                    best = v
            if ok:
                out[t, a] = best
    return out


@numba.njit(cache=True)
def monotone(x: np.ndarray, n: int, rising: bool) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Return (value, valid): ``x`` strictly rising (falling) on each of the last ``n`` bar-to-bar steps."""
    t_len, a_len = x.shape
    value = np.zeros((t_len, a_len), dtype=np.bool_)
    valid = np.zeros((t_len, a_len), dtype=np.bool_)
    for a in range(a_len):
        for t in range(n, t_len):
            ok = not np.isnan(x[t - n, a])
            hold = True
            for j in range(t - n + 1, t + 1):
                cur = x[j, a]
                if np.isnan(cur):
                    ok = False
                    break
                prev = x[j - 1, a]
                if (rising and not cur > prev) or (not rising and not cur < prev):
                    hold = False
            if ok:
                valid[t, a] = True
                value[t, a] = hold
    return value, valid
