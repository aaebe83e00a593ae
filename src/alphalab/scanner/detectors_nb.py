"""Kernels of the scanner's detectors: a condition, a signed value and a severity for every symbol.

Each kernel reads the feature array (and the books or liquidation flow) and writes
``cond[s]`` (the condition holds now), ``value[s]`` (the triggering value, signed when the
detector has a direction) and ``severity[s]`` (how far past its threshold, 1.0 = at the threshold).
Every input is the state after the current batch, so every detector is causal.
:func:`edges_nb` turns conditions into edge-triggered events with a cooldown.
"""

from __future__ import annotations

import numba
import numpy as np

from alphalab.scanner.config import F

_C, _RET, _VZ, _ATRP, _BWP, _HH, _LL = F["close"], F["ret"], F["vol_z"], F["atr_pct"], F["bw_pct"], F["hh"], F["ll"]
_SKEW, _KURT, _REGIME, _RPREV, _RSTD = F["skew"], F["kurt"], F["regime"], F["regime_prev"], F["ret_std"]


@numba.njit(cache=True)
def volume_spike_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """Volume z-score against the previous bars' mean and std >= ``p[0]``."""
    for s in range(feats.shape[0]):
        z = feats[s, _VZ]
        value[s] = z
        cond[s] = z >= p[0]
        severity[s] = z / p[0] if cond[s] else 0.0


@numba.njit(cache=True)
def vol_expansion_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """ATR percentile >= ``p[0]`` and band-width percentile >= ``p[1]`` (both ranks among the last bars)."""
    for s in range(feats.shape[0]):
        a, b = feats[s, _ATRP], feats[s, _BWP]
        value[s] = a
        cond[s] = a >= p[0] and b >= p[1]
        severity[s] = a / p[0] if cond[s] else 0.0


@numba.njit(cache=True)
def breakout_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """Close beyond the previous bars' high (+) or low (-) by at least ``p[0]`` (a fraction)."""
    for s in range(feats.shape[0]):
        c, hh, ll = feats[s, _C], feats[s, _HH], feats[s, _LL]
        up = c / hh - 1.0
        down = 1.0 - c / ll
        cond[s] = False
        value[s] = 0.0
        severity[s] = 0.0
        if up > p[0]:
            cond[s], value[s] = True, up
        elif down > p[0]:
            cond[s], value[s] = True, -down
        if cond[s]:
            severity[s] = 1.0 + abs(value[s]) / max(p[0], 1e-12) if p[0] > 0 else 1.0 + abs(value[s]) * 100.0


@numba.njit(cache=True)
def moment_anomaly_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """|skew| >= ``p[0]`` or excess kurtosis >= ``p[1]`` of the recent returns; value = skew."""
    for s in range(feats.shape[0]):
        sk, ku = feats[s, _SKEW], feats[s, _KURT]
        value[s] = sk
        cond[s] = abs(sk) >= p[0] or ku >= p[1]
        severity[s] = max(abs(sk) / p[0], ku / p[1]) if cond[s] else 0.0


@numba.njit(cache=True)
def book_imbalance_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """|bid - ask| / (bid + ask) over the top ``p[1]`` levels >= ``p[0]``; value signed (+ bids heavier)."""
    levels = min(int(p[1]), book.shape[1])
    for s in range(feats.shape[0]):
        b = a = 0.0
        for i in range(levels):
            b += book[s, i, 0]
            a += book[s, i, 1]
        imb = (b - a) / (b + a) if b + a > 0.0 else np.nan
        value[s] = imb
        cond[s] = abs(imb) >= p[0]
        severity[s] = abs(imb) / p[0] if cond[s] else 0.0


@numba.njit(cache=True)
def liquidation_cascade_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """At least ``p[0]`` forced sells worth >= ``p[1]`` in the bar, and a bar return <= -``p[2]``."""
    for s in range(feats.shape[0]):
        n_sell, notional, r = flow[s, 0], flow[s, 1], feats[s, _RET]
        value[s] = notional
        cond[s] = n_sell >= p[0] and notional >= p[1] and r <= -p[2]
        severity[s] = n_sell / p[0] if cond[s] else 0.0


@numba.njit(cache=True)
def regime_shift_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """The rule regime changed from one known label to another this bar; value = new regime code."""
    for s in range(feats.shape[0]):
        new, old = feats[s, _REGIME], feats[s, _RPREV]
        value[s] = new
        cond[s] = new >= 0 and old >= 0 and new != old
        severity[s] = 1.0 if cond[s] else 0.0


@numba.njit(cache=True)
def edges_nb(cond, updated, count, warmup, on, last_fire, cooldown, fired):  # type: ignore[no-untyped-def]
    """Fire where a condition turns on (was off at the symbol's previous bar) outside the cooldown.

    ``count[s]`` is symbol ``s``'s bar number (its bars so far); nothing fires before ``warmup``
    bars. ``on`` and ``last_fire`` (the bar number of the last event) are the detector's state;
    symbols without a bar in this batch keep theirs. Returns how many fired.
    """
    k = 0
    for s in range(cond.shape[0]):
        fired[s] = False
        if not updated[s]:
            continue
        c = cond[s] and count[s] >= warmup
        if c and not on[s] and count[s] - last_fire[s] > cooldown:
            fired[s] = True
            last_fire[s] = count[s]
            k += 1
        on[s] = c
    return k


@numba.njit(cache=True)
def return_shock_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """|bar return| >= ``p[0]`` standard deviations of the recent returns; value = signed multiple."""
    for s in range(feats.shape[0]):
        sd = feats[s, _RSTD]
        z = feats[s, _RET] / sd if sd > 0.0 else np.nan
        value[s] = z
        cond[s] = abs(z) >= p[0]
        severity[s] = abs(z) / p[0] if cond[s] else 0.0


@numba.njit(cache=True)
def iv_expansion_nb(feats, book, flow, p, cond, value, severity):  # type: ignore[no-untyped-def]
    """Implied volatility ranks >= ``p[0]`` among its last values (where a venue provides it); value = IV."""
    for s in range(feats.shape[0]):
        iv, rank = flow[s, 4], flow[s, 5]
        value[s] = iv
        cond[s] = rank >= p[0]
        severity[s] = rank / p[0] if cond[s] else 0.0
