"""The risk gate's rules as compiled functions over scalars and arrays.

Written once and called from everywhere: the portfolio kernel calls them inside its loop, and
:mod:`alphalab.portfolio.gate` calls the same functions for the event path, paper and live.

Layouts (index constants below):
- ``lim``: float64 vector of scalar limits, ``NaN`` = rule off.
- ``state``: float64 vector of the gate's persistent state (high-water mark, day, breakers).
A check returns ``(outcome, quantity, rule, value, limit)``: outcome ``APPROVE``, ``RESIZE`` or
``DENY``; ``rule`` names the rule that bound (``R_NONE`` when none); ``value`` is what the rule
measured (e.g. heat after the full request, as a fraction of equity) and ``limit`` its limit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from alphalab.engine.rules_nb import kelly_fraction, round_lot
from alphalab.portfolio._cache_guard import ensure_fresh_cache

ensure_fresh_cache()  # before any kernel here or in sim_nb is loaded from the cache

# outcomes
APPROVE, RESIZE, DENY = 0, 1, 2

# rules (codes of risk events)
R_NONE, R_HEAT, R_POSITION, R_GROSS, R_NET, R_CASH, R_ASSET, R_SLEEVE, R_REGIME = 0, 1, 2, 3, 4, 5, 6, 7, 8
R_CORRELATION, R_DRAWDOWN, R_DAILY_LOSS, R_KELLY, R_MIN_NOTIONAL, R_LOT = 9, 10, 11, 12, 13, 14
RULE_NAMES = ("none", "heat", "position", "gross", "net", "cash", "asset", "sleeve", "regime", "correlation",
              "drawdown", "daily_loss", "kelly", "min_notional", "lot")

# lim layout
L_HEAT, L_POSITION, L_GROSS, L_NET, L_LEVERAGE, L_BUCKET_CAP = 0, 1, 2, 3, 4, 5
L_DD_HALT, L_DD_RESUME, L_DD_COOLDOWN, L_DD_FLATTEN, L_DAILY = 6, 7, 8, 9, 10
L_MIN_NOTIONAL, L_LOT, L_FEE = 11, 12, 13
L_KELLY_FRACTION, L_KELLY_LOOKBACK, L_KELLY_MIN, L_KELLY_FALLBACK, L_KELLY_CAP = 14, 15, 16, 17, 18
L_DD_RESTART = 19
N_LIM = 20

# state layout
S_HWM, S_DAY, S_DAY_START, S_BREAKER, S_TRIP_BAR, S_DAILY_HALT, S_LAST_BAR = 0, 1, 2, 3, 4, 5, 6
N_STATE = 7

_EPS = 1e-12


@njit(cache=True)
def new_state(equity: float) -> np.ndarray:
    """Return a fresh state for an account starting at ``equity``."""
    s = np.empty(N_STATE)
    s[S_HWM] = equity
    s[S_DAY] = np.nan
    s[S_DAY_START] = equity
    s[S_BREAKER] = 0.0
    s[S_TRIP_BAR] = -1.0
    s[S_DAILY_HALT] = 0.0
    s[S_LAST_BAR] = -1.0
    return s


@njit(cache=True)
def update_state(state: np.ndarray, lim: np.ndarray, equity: float, bar: int, day: float) -> int:
    """Advance the state to a new bar's equity; return 1 when the book must be flattened now.

    ``day`` is the session or UTC day number of the bar; when it changes, the day's starting
    equity becomes ``equity`` and the daily-loss halt is lifted. The drawdown breaker trips at a
    drawdown of ``lim[L_DD_HALT]`` from the high-water mark and resumes once the drawdown is at or
    under ``lim[L_DD_RESUME]`` and ``lim[L_DD_COOLDOWN]`` bars have passed; with ``L_DD_RESTART`` on
    (flatten or restart_hwm: a flat book cannot recover) it resumes after the cooldown alone and the
    high-water mark restarts there.
    """
    state[S_LAST_BAR] = bar
    if state[S_DAY] != day:  # NaN (no day yet) differs from every day
        state[S_DAY] = day
        state[S_DAY_START] = equity
        state[S_DAILY_HALT] = 0.0
    if equity > state[S_HWM]:
        state[S_HWM] = equity
    flatten = 0
    halt = lim[L_DD_HALT]
    if not math.isnan(halt):
        dd = 1.0 - equity / state[S_HWM] if state[S_HWM] > 0 else 0.0
        restart = lim[L_DD_RESTART] > 0
        if state[S_BREAKER] == 0.0:
            if dd >= halt - _EPS:
                state[S_BREAKER] = 1.0
                state[S_TRIP_BAR] = bar
                flatten = 1 if lim[L_DD_FLATTEN] > 0 else 0
        elif bar - state[S_TRIP_BAR] >= lim[L_DD_COOLDOWN] and (restart or dd <= lim[L_DD_RESUME] + _EPS):
            state[S_BREAKER] = 0.0
            if restart:
                state[S_HWM] = equity
    daily = lim[L_DAILY]
    if not math.isnan(daily) and state[S_DAY_START] > 0 and 1.0 - equity / state[S_DAY_START] >= daily - _EPS:
        state[S_DAILY_HALT] = 1.0
    return flatten


@njit(cache=True)
def kelly_size(ring: np.ndarray, sleeve: int, n_trades: int, lim: np.ndarray) -> float:
    """Return the fraction of equity a sleeve's new entry may take under fractional Kelly sizing.

    ``ring[sleeve]`` holds the sleeve's closed-trade returns in the engine's ring layout (trade
    ``k`` at ``k % KMAX``); the formula is the engine's :func:`~alphalab.engine.rules_nb.kelly_fraction`
    (f* = W - (1 - W) / R on the last ``lookback`` trades, scaled, clipped to the cap; the fallback
    until ``min_trades`` trades have closed).
    """
    return kelly_fraction(ring, sleeve, n_trades, int(lim[L_KELLY_LOOKBACK]), lim[L_KELLY_FRACTION],
                          lim[L_KELLY_CAP], int(lim[L_KELLY_MIN]), lim[L_KELLY_FALLBACK])


@njit(cache=True)
def _bind(best: float, room: float, code: int, value: float, limit: float,
          out: np.ndarray) -> float:
    """Keep the tighter of ``best`` and ``room`` (notional); remember which rule bound."""
    if room < best:
        out[0] = code
        out[1] = value
        out[2] = limit
        return room
    return best


@njit(cache=True)
def check_entry(qty: float, side: int, price: float, stop: float, asset: int, sleeve: int, regime: int,
                equity: float, buying_power: float, open_risk: float, gross: float, net: float,
                asset_exp: np.ndarray, sleeve_gross: np.ndarray, bucket: np.ndarray, lim: np.ndarray,
                asset_cap: np.ndarray, sleeve_cap: np.ndarray, regime_cap: np.ndarray,
                state: np.ndarray, kelly_frac: float, out: np.ndarray) -> tuple[int, float, int, float, float]:
    """Check one entry of ``qty`` units on ``side`` (+1 long, -1 short) at ``price``.

    Notionals in ``asset_exp`` (signed, account level per asset), ``sleeve_gross``, ``gross`` and
    ``net`` are before the entry; ``open_risk`` is the sum of open risk to stops (a position without
    a stop risks its whole notional); ``bucket[a]`` is the correlation bucket of asset ``a`` (-1:
    none); ``regime`` indexes ``regime_cap`` (-1: no regime); ``kelly_frac`` is the sleeve's Kelly
    size (NaN: Kelly sizing off); ``out`` is a scratch vector of 3 floats (the binding rule).
    """
    if state[S_BREAKER] > 0:
        return DENY, 0.0, R_DRAWDOWN, 1.0 - equity / state[S_HWM], lim[L_DD_HALT]
    if state[S_DAILY_HALT] > 0:
        return DENY, 0.0, R_DAILY_LOSS, 1.0 - equity / state[S_DAY_START], lim[L_DAILY]
    want = qty * price
    if want <= 0 or equity <= 0:
        return DENY, 0.0, R_CASH, want, max(equity, 0.0)
    out[0], out[1], out[2] = float(R_NONE), 0.0, 0.0
    best = want
    if not math.isnan(kelly_frac):
        best = _bind(best, kelly_frac * equity, R_KELLY, want / equity, kelly_frac, out)
    best = _exposure_room(best, want, side, asset, equity, gross, net, asset_exp, lim, asset_cap, out)
    best = _risk_room(best, want, side, price, stop, asset, sleeve, regime, equity, open_risk, gross, asset_exp,
                      sleeve_gross, bucket, lim, sleeve_cap, regime_cap, out)
    leverage = 1.0 if math.isnan(lim[L_LEVERAGE]) else lim[L_LEVERAGE]
    cash_room = (buying_power + (leverage - 1.0) * equity) / (1.0 + lim[L_FEE])
    best = _bind(best, cash_room, R_CASH, want * (1.0 + lim[L_FEE]), buying_power + (leverage - 1.0) * equity,
                 out)
    return _finish(qty, price, best, want, lim, out)


@njit(cache=True)
def _exposure_room(best: float, want: float, side: int, asset: int, equity: float, gross: float, net: float,
                   asset_exp: np.ndarray, lim: np.ndarray, asset_cap: np.ndarray, out: np.ndarray) -> float:
    """Tighten ``best`` (notional) by the position, per-asset, gross and net caps."""
    x = asset_exp[asset]
    if not math.isnan(lim[L_POSITION]):
        best = _bind(best, lim[L_POSITION] * equity - side * x, R_POSITION, abs(x + side * want) / equity,
                     lim[L_POSITION], out)
    if not math.isnan(asset_cap[asset]):
        best = _bind(best, asset_cap[asset] * equity - side * x, R_ASSET, abs(x + side * want) / equity,
                     asset_cap[asset], out)
    if not math.isnan(lim[L_GROSS]):
        bound = lim[L_GROSS] * equity - gross + abs(x)
        best = _bind(best, bound - side * x, R_GROSS, (gross - abs(x) + abs(x + side * want)) / equity,
                     lim[L_GROSS], out)
    if not math.isnan(lim[L_NET]):
        best = _bind(best, lim[L_NET] * equity - side * net, R_NET, abs(net + side * want) / equity,
                     lim[L_NET], out)
    return best


@njit(cache=True)
def _risk_room(best: float, want: float, side: int, price: float, stop: float, asset: int, sleeve: int,
               regime: int, equity: float, open_risk: float, gross: float, asset_exp: np.ndarray,
               sleeve_gross: np.ndarray, bucket: np.ndarray, lim: np.ndarray, sleeve_cap: np.ndarray,
               regime_cap: np.ndarray, out: np.ndarray) -> float:
    """Tighten ``best`` (notional) by heat, the per-sleeve and per-regime caps and the correlation bucket."""
    x = asset_exp[asset]
    if not math.isnan(lim[L_HEAT]):
        risk_frac = abs(price - stop) / price if not math.isnan(stop) else 1.0
        if risk_frac > 0:
            room = (lim[L_HEAT] * equity - open_risk) / risk_frac
            best = _bind(best, room, R_HEAT, (open_risk + want * risk_frac) / equity, lim[L_HEAT], out)
    if not math.isnan(sleeve_cap[sleeve]):
        best = _bind(best, sleeve_cap[sleeve] * equity - sleeve_gross[sleeve], R_SLEEVE,
                     (sleeve_gross[sleeve] + want) / equity, sleeve_cap[sleeve], out)
    if regime >= 0 and not math.isnan(regime_cap[regime]):
        best = _bind(best, regime_cap[regime] * equity - gross, R_REGIME, (gross + want) / equity,
                     regime_cap[regime], out)
    b = bucket[asset]
    if b >= 0 and not math.isnan(lim[L_BUCKET_CAP]):
        used = 0.0
        for j in range(asset_exp.shape[0]):
            if bucket[j] == b and j != asset:
                used += abs(asset_exp[j])
        bound = lim[L_BUCKET_CAP] * equity - used
        best = _bind(best, bound - side * x, R_CORRELATION, (used + abs(x + side * want)) / equity,
                     lim[L_BUCKET_CAP], out)
    return best


@njit(cache=True)
def _finish(qty: float, price: float, best: float, want: float, lim: np.ndarray,
            out: np.ndarray) -> tuple[int, float, int, float, float]:
    """Turn the tightest notional into a quantity: lot rounding, minimum notional, the outcome."""
    q = qty if best >= want else max(best, 0.0) / price
    lot = lim[L_LOT]
    if lot > 0:
        rounded = round_lot(q, lot)
        if rounded < q - _EPS and int(out[0]) == R_NONE:
            out[0] = R_LOT
            out[1] = q
            out[2] = lot
        q = rounded
    if q <= _EPS:
        return DENY, 0.0, int(out[0]), out[1], out[2]
    if q * price < lim[L_MIN_NOTIONAL] - _EPS:
        return DENY, 0.0, R_MIN_NOTIONAL, q * price, lim[L_MIN_NOTIONAL]
    if q < qty - _EPS * max(1.0, qty):
        return RESIZE, q, int(out[0]), out[1], out[2]
    return APPROVE, qty, R_NONE, 0.0, 0.0


@njit(cache=True)
def correlation_buckets(returns: np.ndarray, threshold: float) -> np.ndarray:
    """Group assets whose pairwise correlation over ``returns`` (bars × assets) exceeds ``threshold``.

    Single linkage: assets joined by a chain of correlated pairs share one bucket. Returns a bucket
    id per asset (the smallest asset index in it), or -1 for an asset correlated with no other.
    Pass only returns strictly before the decision bar.
    """
    m = returns.shape[1]
    parent = np.arange(m)
    linked = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        for j in range(i + 1, m):
            if _corr(returns[:, i], returns[:, j]) > threshold:
                ri, rj = _root(parent, i), _root(parent, j)
                parent[max(ri, rj)] = min(ri, rj)
                linked[i] = True
                linked[j] = True
    out = np.full(m, -1, dtype=np.int64)
    for i in range(m):
        if linked[i]:
            out[i] = _root(parent, i)
    return out


@njit(cache=True)
def _root(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        i = parent[i]
    return i


@njit(cache=True)
def _corr(a: np.ndarray, b: np.ndarray) -> float:
    n, sa, sb = 0, 0.0, 0.0
    for k in range(a.shape[0]):
        if not (math.isnan(a[k]) or math.isnan(b[k])):
            n += 1
            sa += a[k]
            sb += b[k]
    if n < 3:
        return np.nan
    ma, mb = sa / n, sb / n
    cov, va, vb = 0.0, 0.0, 0.0
    for k in range(a.shape[0]):
        if not (math.isnan(a[k]) or math.isnan(b[k])):
            da, db = a[k] - ma, b[k] - mb
            cov += da * db
            va += da * da
            vb += db * db
    if va <= 0 or vb <= 0:
        return np.nan
    return cov / math.sqrt(va * vb)
