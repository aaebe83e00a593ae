"""Kernels of the scanner's state: one call updates every symbol from one closed-bar batch.

The state is a set of symbol x window ring buffers (row ``s`` holds symbol ``s``'s last values,
slot ``count[s] % window`` the newest). A ring slot is NaN until a value is defined, and a
statistic over a window is defined only when all of its slots are finite, so warm-up needs no
special case. Statistics are recomputed from the ring with two passes (mean first, then central
moments), which is numerically stable for every window. A symbol whose bar is missing (NaN or
non-positive close, NaN volume) is skipped: its state does not move, as the indicators skip a
missing bar.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.scanner.config import F

_CLOSE, _RET, _VOLUME, _VMEAN, _VSTD, _VZ = F["close"], F["ret"], F["volume"], F["vol_mean"], F["vol_std"], F["vol_z"]
_ATR, _ATRP, _BW, _BWP, _HH, _LL = F["atr"], F["atr_pct"], F["bw"], F["bw_pct"], F["hh"], F["ll"]
_RSTD, _SKEW, _KURT, _RV, _RVP = F["ret_std"], F["skew"], F["kurt"], F["rv"], F["rv_pct"]
_SLOPE, _REGIME, _RPREV = F["slope"], F["regime"], F["regime_prev"]


@numba.njit(cache=True)
def window_moments(row: np.ndarray) -> tuple[float, float, float, float]:
    """Return (mean, sample std, skew, excess kurtosis) of a full window; NaN when a slot is NaN.

    Skew and kurtosis are the population (biased) moment ratios ``m3 / m2**1.5`` and ``m4 / m2**2 - 3``.
    The loops have no branches (a NaN or infinity shows in the sum), so they compile to SIMD.
    """
    n = row.shape[0]
    total = 0.0
    for i in range(n):
        total += row[i]
    if not np.isfinite(total):
        return np.nan, np.nan, np.nan, np.nan
    mean = total / n
    m2 = m3 = m4 = 0.0
    for i in range(n):
        d = row[i] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    std = np.sqrt(m2 / (n - 1))
    m2, m3, m4 = m2 / n, m3 / n, m4 / n
    if m2 <= 0.0:
        return mean, std, np.nan, np.nan
    return mean, std, m3 / m2**1.5, m4 / (m2 * m2) - 3.0


@numba.njit(cache=True)
def window_rank(row: np.ndarray, x: float, strict: bool = False) -> float:
    """Return the share of a full window's values that are <= ``x`` (``strict``: < ``x``); NaN when a slot or ``x`` is NaN.

    The inclusive rank is the regime rule's percentile; the strict one ranks a flat series at 0,
    so a constant range never looks like an expansion.
    """
    if not np.isfinite(x):
        return np.nan
    below = 0
    total = 0.0
    if strict:
        for i in range(row.shape[0]):
            total += row[i]
            below += row[i] < x
    else:
        for i in range(row.shape[0]):
            total += row[i]
            below += row[i] <= x
    return below / row.shape[0] if np.isfinite(total) else np.nan


@numba.njit(cache=True)
def window_extreme(row: np.ndarray, sign: float) -> float:
    """Return the max (``sign`` > 0) or min of a full window; NaN when a slot is NaN."""
    total = 0.0
    best = row[0]
    if sign > 0:
        for i in range(row.shape[0]):
            total += row[i]
            best = max(best, row[i])
    else:
        for i in range(row.shape[0]):
            total += row[i]
            best = min(best, row[i])
    return best if np.isfinite(total) else np.nan


@numba.njit(cache=True)
def _wilder_atr(s, high, low, prev_close, count, atr, tr_sum, period):  # type: ignore[no-untyped-def]
    """Advance Wilder's ATR of symbol ``s`` as the ``atr`` indicator does.

    The true range needs a previous close, so a symbol's first bar has none; the ATR is first the
    mean of the first ``period`` true ranges (at the symbol's bar ``period``), then Wilder-smoothed.
    """
    if not np.isfinite(prev_close):
        return np.nan
    tr = max(high - low, abs(high - prev_close), abs(low - prev_close))
    if count < period:
        tr_sum[s] += tr
    elif count == period:
        atr[s] = (tr_sum[s] + tr) / period
    else:
        atr[s] = (atr[s] * (period - 1) + tr) / period
    return atr[s]


@numba.njit(cache=True)
def _regime_code(slope: float, rv: float, rv_pct: float, threshold: float, split: float) -> float:
    ratio = slope / rv if rv != 0.0 else np.nan
    if not np.isfinite(ratio) or not np.isfinite(rv_pct):
        return -1.0
    if abs(ratio) >= threshold:
        return 0.0 if ratio > 0 else 1.0
    return 2.0 if rv_pct > split else 3.0


@numba.njit(cache=True)
def update_nb(high, low, close, volume, count, last, atr, tr_sum, rings, params, feats, updated):  # type: ignore[no-untyped-def]
    """Update every symbol's state and feature row from one batch of closed bars.

    ``rings`` = (volume, close_band, high, low, ret, logret, atr, bw, close_ma, sma, rv) ring arrays;
    ``params`` = (atr_period, band_k, slope_threshold, vol_split). ``updated[s]`` says whether
    symbol ``s`` had a bar in this batch.
    """
    vr, cb, hr, lr, rr, lrr, ar, bwr, cm, smr, rvr = rings
    period, band_k, thr, split = int(params[0]), params[1], params[2], params[3]
    for s in range(close.shape[0]):
        c, v, h, lo = close[s], volume[s], high[s], low[s]
        if not (c > 0.0) or not np.isfinite(v) or not np.isfinite(h) or not np.isfinite(lo):
            updated[s] = False
            continue
        updated[s] = True
        n, pc = count[s], last[s]
        f = feats[s]
        f[_RPREV] = f[_REGIME]
        mean, std, _, _ = window_moments(vr[s])
        f[_VMEAN], f[_VSTD] = mean, std
        f[_VZ] = (v - mean) / std if std > 0.0 else np.nan
        f[_HH], f[_LL] = window_extreme(hr[s], 1.0), window_extreme(lr[s], -1.0)
        f[_CLOSE], f[_VOLUME] = c, v
        f[_RET] = c / pc - 1.0 if pc > 0.0 else np.nan
        vr[s, n % vr.shape[1]] = v
        hr[s, n % hr.shape[1]] = h
        lr[s, n % lr.shape[1]] = lo
        rr[s, n % rr.shape[1]] = f[_RET]
        lrr[s, n % lrr.shape[1]] = np.log(c / pc) if pc > 0.0 else np.nan
        cb[s, n % cb.shape[1]] = c
        cm[s, n % cm.shape[1]] = c
        f[_ATR] = _wilder_atr(s, h, lo, pc, n, atr, tr_sum, period)
        ar[s, n % ar.shape[1]] = f[_ATR]
        f[_ATRP] = window_rank(ar[s], f[_ATR], True)
        bmean, bstd, _, _ = window_moments(cb[s])
        bstd = bstd * np.sqrt((cb.shape[1] - 1.0) / cb.shape[1])
        f[_BW] = 2.0 * band_k * bstd / bmean if bmean > 0.0 else np.nan
        bwr[s, n % bwr.shape[1]] = f[_BW]
        f[_BWP] = window_rank(bwr[s], f[_BW], True)
        _, f[_RSTD], f[_SKEW], f[_KURT] = window_moments(rr[s])
        _, f[_RV], _, _ = window_moments(lrr[s])
        rvr[s, n % rvr.shape[1]] = f[_RV]
        f[_RVP] = window_rank(rvr[s], f[_RV])
        sma, _, _, _ = window_moments(cm[s])
        k1 = smr.shape[1]
        smr[s, n % k1] = sma
        f[_SLOPE] = (sma / smr[s, (n + 1) % k1] - 1.0) / (k1 - 1)
        f[_REGIME] = _regime_code(f[_SLOPE], f[_RV], f[_RVP], thr, split)
        count[s] = n + 1
        last[s] = c


@numba.njit(cache=True)
def liquidation_flow(symbol, side, notional, out):  # type: ignore[no-untyped-def]
    """Write per-symbol sums of one batch's liquidations into ``out[:, 0:4]``: sell count, sell notional, buy count, buy notional.

    ``side`` is -1 for a forced sell (a long liquidated) and +1 for a forced buy.
    """
    n_symbols = out.shape[0]
    out[:, :4] = 0.0
    for k in range(symbol.shape[0]):
        s = symbol[k]
        if s < 0 or s >= n_symbols or not np.isfinite(notional[k]):
            continue
        j = 0 if side[k] < 0 else 2
        out[s, j] += 1.0
        out[s, j + 1] += notional[k]


@numba.njit(cache=True)
def update_iv(iv, ring, count, out):  # type: ignore[no-untyped-def]
    """Add each symbol's implied volatility (NaN or <= 0: none this batch) to its ring.

    ``out[:, 4]`` keeps the latest IV and ``out[:, 5]`` its strict rank among the last
    ``ring.shape[1]`` IV values (NaN until the ring is full).
    """
    w = ring.shape[1]
    for s in range(iv.shape[0]):
        x = iv[s]
        if not (x > 0.0) or not np.isfinite(x):
            continue
        ring[s, count[s] % w] = x
        count[s] += 1
        out[s, 4] = x
        out[s, 5] = window_rank(ring[s], x, True)


@numba.njit(cache=True)
def store_books(bid, ask, book):  # type: ignore[no-untyped-def]
    """Copy each symbol's new top-N snapshot into ``book`` (S, N, 2); a row with a NaN level keeps the old book."""
    for s in range(bid.shape[0]):
        ok = True
        for i in range(bid.shape[1]):
            if not (np.isfinite(bid[s, i]) and np.isfinite(ask[s, i])):
                ok = False
                break
        if ok:
            for i in range(bid.shape[1]):
                book[s, i, 0] = bid[s, i]
                book[s, i, 1] = ask[s, i]
