"""The trading rules as small jitted functions: fees, slippage, sizing, stop levels, order triggers.

Every path (the compiled bar loop and the event-driven loop) calls these functions, so a rule
exists exactly once. Arrays follow the layouts in :mod:`alphalab.engine.layout`; ``mkt`` is the
tuple ``(open, high, low, close, volume, atr)`` of (time, asset) float64 arrays (``atr`` may
be empty, (0, asset), when the run has none; read it through :func:`atr_at` with ``mkt[5]``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE
from alphalab.engine.layout import (
    C_FEE,
    C_FIXED,
    C_IMPACT,
    C_MAKER,
    C_SLIP_TYPE,
    C_SLIP_VAL,
    KMAX,
    P_EXT,
    P_QTY,
    P_SL,
    P_TP,
    P_TRTYPE,
    P_TRVAL,
    SIZE_FRACTION,
    SIZE_KELLY,
    SIZE_NOTIONAL,
    SIZE_QTY,
    SIZE_RISK,
    SL_ABS,
    SL_ATR,
    SL_PCT,
    SLIP_ATR,
    SLIP_BPS,
    SLIP_RANGE,
    TP_ABS,
    TP_PCT,
    TP_R,
)

# exit reason codes (alphalab.core.enums.ExitReason)
REASON_STOP_LOSS = 1
REASON_TAKE_PROFIT = 2
REASON_TRAILING_STOP = 3


@nb.njit(**RULE)
def atr_at(x: np.ndarray, t: int, a: int) -> float:
    """Return the ATR ``x`` of column ``a`` at bar ``t`` (NaN when the run has no ATR: an empty array)."""
    if t < x.shape[0]:
        return x[t, a]
    return np.nan


@nb.njit(**RULE)
def fee_of(notional: float, maker: bool, costs: np.ndarray) -> float:
    """Return the fee of one fill: a rate on the notional (maker or taker) plus a fixed amount."""
    rate = costs[C_MAKER] if maker else costs[C_FEE]
    return abs(notional) * rate + costs[C_FIXED]


@nb.njit(**RULE)
def slip_of(price: float, qty: float, t_ref: int, a: int, mkt: tuple, costs: np.ndarray) -> float:
    """Return the adverse price distance (>= 0) of a taker fill of ``qty`` at ``price``.

    ``t_ref`` is the last completed bar when the order is executed (the signal bar for a fill at
    the next open, the bar itself for a fill at its close): range, ATR and volume come from it.
    """
    kind = int(costs[C_SLIP_TYPE])
    v = costs[C_SLIP_VAL]
    d = 0.0
    if kind == SLIP_BPS:
        d = price * v * 1e-4
    elif kind == SLIP_ATR:
        x = atr_at(mkt[5], t_ref, a)
        d = v * x if x == x else 0.0
    elif kind == SLIP_RANGE:
        x = mkt[1][t_ref, a] - mkt[2][t_ref, a]
        d = v * x if x == x else 0.0
    else:
        vol = mkt[4][t_ref, a]
        if vol > 0.0 and qty > 0.0:
            d = price * (v * 1e-4 + costs[C_IMPACT] * math.sqrt(qty / vol))
    return d if d > 0.0 else 0.0


@nb.njit(**RULE)
def round_lot(qty: float, lot: float) -> float:
    """Round a positive quantity down to a whole number of lots (``lot <= 0``: no rounding)."""
    if lot <= 0.0:
        return qty
    return math.floor(qty / lot + 1e-9) * lot


@nb.njit(**RULE)
def kelly_fraction(
    kret: np.ndarray, a: int, n: int, lookback: int, mult: float, cap: float, min_trades: int, fallback: float
) -> float:
    """Return the fraction of equity to commit by fractional Kelly on the column's past trades.

    With W the share of winners and R the ratio of the mean win to the mean loss among the last
    ``lookback`` closed trades, the Kelly fraction is ``W - (1 - W) / R``; the result is
    ``mult`` times that, clipped to ``[0, cap]``. Until ``min_trades`` trades have closed the
    ``fallback`` fraction (also capped) is used.
    """
    m = min(n, lookback, KMAX)
    if m < min_trades or m <= 0:
        return min(fallback, cap)
    wins = 0
    losses = 0
    sum_w = 0.0
    sum_l = 0.0
    for i in range(m):
        r = kret[a, (n - 1 - i) % KMAX]
        if r > 0.0:
            wins += 1
            sum_w += r
        elif r < 0.0:
            losses += 1
            sum_l -= r
    if wins == 0:
        return 0.0
    if losses == 0 or sum_l == 0.0:
        return cap
    w = wins / m
    ratio = (sum_w / wins) / (sum_l / losses)
    f = mult * (w - (1.0 - w) / ratio)
    return min(max(f, 0.0), cap)


@nb.njit(**RULE)
def stop_distance(sl_type: int, sl_val: float, price: float, atr_sig: float) -> float:
    """Return the distance from ``price`` to the initial stop (NaN when there is no stop)."""
    if sl_type == SL_PCT:
        return price * sl_val
    if sl_type == SL_ATR:
        return sl_val * atr_sig
    if sl_type == SL_ABS:
        return abs(price - sl_val)
    return np.nan


@nb.njit(**RULE)
def desired_quantity(
    size_type: int, size_val: float, equity: float, price: float, fee_rate: float, dist: float, kelly_f: float,
    cap: float,
) -> float:
    """Return the quantity a sizing rule asks for before cash, lot and volume caps.

    Fractions of equity include the fee rate in the price so that an all-in order is affordable.
    Risk-per-trade sizing commits at most ``cap`` x equity of notional.
    """
    if size_type == SIZE_FRACTION:
        q = equity * size_val / (price * (1.0 + fee_rate))
    elif size_type == SIZE_RISK:
        q = equity * size_val / dist if dist > 0.0 else 0.0
        if cap > 0.0:
            q = min(q, equity * cap / (price * (1.0 + fee_rate)))
    elif size_type == SIZE_QTY:
        q = size_val
    elif size_type == SIZE_NOTIONAL:
        q = size_val / price
    elif size_type == SIZE_KELLY:
        q = equity * kelly_f / (price * (1.0 + fee_rate))
    else:
        q = 0.0
    if not q > 0.0:
        return 0.0
    return q


@nb.njit(**RULE)
def max_affordable(
    side: int, price: float, equity: float, cash: float, gross: float, leverage: float, rate: float, fixed: float
) -> float:
    """Return the largest quantity the account can add: gross exposure stays within leverage x equity.

    Without leverage (``leverage <= 1``) a buy must also be paid from cash, so cash never goes
    negative; shorts are limited by the exposure cap (their proceeds are held as cash).
    """
    room = leverage * equity - gross
    if side > 0 and leverage <= 1.0:
        room = min(room, cash)
    room -= fixed
    if not room > 0.0:
        return 0.0
    return room / (price * (1.0 + rate))


@nb.njit(**RULE)
def initial_levels(
    side: int, price: float, prm_sl_type: int, prm_sl_val: float, prm_tp_type: int, prm_tp_val: float,
    atr_sig: float,
) -> tuple:
    """Return ``(stop, target)`` price levels of a new position filled at ``price`` (NaN: none)."""
    sl = np.nan
    if prm_sl_type == SL_PCT:
        sl = price * (1.0 - side * prm_sl_val)
    elif prm_sl_type == SL_ATR:
        sl = price - side * prm_sl_val * atr_sig
    elif prm_sl_type == SL_ABS:
        sl = prm_sl_val
    tp = np.nan
    if prm_tp_type == TP_PCT:
        tp = price * (1.0 + side * prm_tp_val)
    elif prm_tp_type == TP_R and sl == sl:
        tp = price + side * prm_tp_val * abs(price - sl)
    elif prm_tp_type == TP_ABS:
        tp = prm_tp_val
    return sl, tp


@nb.njit(**RULE)
def trailing_level(pos: np.ndarray, a: int) -> float:
    """Return the trailing stop level of column ``a``'s position for the current bar (NaN when none).

    Rule: the level is the best extreme of the previous bars since entry (highest high for a
    long, lowest low for a short, starting from the entry price) moved back by the trailing
    fraction (``ext * (1 - f)`` / ``ext * (1 + f)``) or distance (``ext -/+ d``, with
    ``d = multiple x ATR`` at the signal bar). The current bar's own extreme only counts from
    the next bar on, so a level never depends on the order of prices inside a bar.
    """
    kind = int(pos[a, P_TRTYPE])
    if kind == 0:
        return np.nan
    side = 1.0 if pos[a, P_QTY] > 0 else -1.0
    ext = pos[a, P_EXT]
    if kind == 1:
        return ext * (1.0 - side * pos[a, P_TRVAL])
    return ext - side * pos[a, P_TRVAL]


@nb.njit(**RULE)
def exit_level_hit(pos: np.ndarray, a: int, o: float, h: float, lo: float, target_first: bool) -> tuple:
    """Return ``(price, reason, maker)`` of a stop/target exit of column ``a`` touched in this bar.

    The price is NaN when no level is touched. A gap through the stop (or the target) fills at
    the open. When the stop and the target are both inside the bar's range the stop wins, unless
    ``target_first``. Stops are taker orders (slippage applies); targets are limit orders (maker
    fee, no slippage). ``pos`` is the position state (rows by column, layout ``P_*``).
    """
    side = 1.0 if pos[a, P_QTY] > 0 else -1.0
    sl = pos[a, P_SL]
    tr = trailing_level(pos, a)
    stop = sl
    reason = REASON_STOP_LOSS
    if tr == tr and (stop != stop or side * (tr - stop) > 0.0):
        stop = tr
        reason = REASON_TRAILING_STOP
    tp = pos[a, P_TP]
    if side > 0:
        stop_hit = stop == stop and lo <= stop
        tgt_hit = tp == tp and h >= tp
        gap_stop = stop_hit and o <= stop
        gap_tgt = tgt_hit and o >= tp
    else:
        stop_hit = stop == stop and h >= stop
        tgt_hit = tp == tp and lo <= tp
        gap_stop = stop_hit and o >= stop
        gap_tgt = tgt_hit and o <= tp
    if gap_stop:
        return o, reason, False
    if gap_tgt:
        return o, REASON_TAKE_PROFIT, True
    if stop_hit and tgt_hit:
        if target_first:
            return tp, REASON_TAKE_PROFIT, True
        return stop, reason, False
    if stop_hit:
        return stop, reason, False
    if tgt_hit:
        return tp, REASON_TAKE_PROFIT, True
    return np.nan, -1, False


@nb.njit(**RULE)
def order_trigger(
    kind: int, side: int, limit: float, stop: float, armed: bool, o: float, h: float, lo: float
) -> tuple:
    """Return ``(price, armed)`` for a working limit/stop/stop-limit order in one bar (price NaN: no fill).

    Limit buy fills at ``min(open, limit)`` when the low reaches the limit (sell: mirrored); stop
    buy fills at ``max(open, stop)`` when the high reaches the stop (a gap fills at the open);
    a stop-limit arms when its stop is touched and then fills like a limit order, in the same bar
    when the armed price is within the limit.
    """
    if kind == 1:  # limit
        if side > 0 and lo <= limit:
            return min(o, limit), armed
        if side < 0 and h >= limit:
            return max(o, limit), armed
        return np.nan, armed
    if kind == 2:  # stop
        if side > 0 and h >= stop:
            return max(o, stop), armed
        if side < 0 and lo <= stop:
            return min(o, stop), armed
        return np.nan, armed
    # stop-limit
    if not armed:
        if side > 0 and h >= stop:
            px = max(o, stop)
            return (px, True) if px <= limit else (np.nan, True)
        if side < 0 and lo <= stop:
            px = min(o, stop)
            return (px, True) if px >= limit else (np.nan, True)
        return np.nan, False
    if side > 0 and lo <= limit:
        return min(o, limit), True
    if side < 0 and h >= limit:
        return max(o, limit), True
    return np.nan, True
