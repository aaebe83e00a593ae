"""Fills and accounting as jitted functions: open, add to and close positions; write the records.

``st`` is the state tuple ``(pos, pend, pend_prm, acct, kret, trades, orders)`` of 2-D float64
arrays (layouts in :mod:`alphalab.engine.layout`); ``counts`` holds the record counters. When a
record buffer is full the accounting still proceeds and ``counts[OVERFLOW]`` is set, so the
caller can rerun with larger buffers (the result is then identical, only complete).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE
from alphalab.engine.layout import (
    A_CASH,
    A_GROSS,
    A_VAL,
    C_FEE,
    C_FIXED,
    C_MAKER,
    C_PCAP,
    C_SLIP_TYPE,
    I_LOT,
    I_MIN_NOTIONAL,
    KMAX,
    N_ORDERS,
    N_TRADES,
    NPOS,
    O_BAR,
    O_COL,
    O_FEE,
    O_PRICE,
    O_QTY,
    O_REASON,
    O_REQ,
    O_SIDE,
    O_SIG,
    O_SLIP,
    O_STATUS,
    O_TYPE,
    OVERFLOW,
    P_ATCLOSE,
    P_BAR,
    P_CFG,
    P_EXT,
    P_FEES,
    P_HIGH,
    P_KN,
    P_LOW,
    P_MARK,
    P_N,
    P_PRICE,
    P_QTY,
    P_RISK,
    P_SIG,
    P_SL,
    P_SLIP,
    P_TP,
    P_TRTYPE,
    P_TRVAL,
    P_TSTOP,
    R_KCAP,
    R_KLOOK,
    R_SIZE_TYPE,
    R_SIZE_VAL,
    R_SL_TYPE,
    R_SL_VAL,
    R_TP_TYPE,
    R_TP_VAL,
    R_TR_TYPE,
    R_TR_VAL,
    R_TSTOP,
    S_KELLY_FALLBACK,
    S_KELLY_MIN,
    S_LEVERAGE,
    SIZE_KELLY,
    SLIP_VOLUME,
    STATUS_FILLED,
    STATUS_PARTIAL,
    STATUS_REJECTED,
    TR_CFG,
    TR_COL,
    TR_ENTRY_BAR,
    TR_ENTRY_PRICE,
    TR_EXIT_BAR,
    TR_EXIT_PRICE,
    TR_FEES,
    TR_MAE,
    TR_MFE,
    TR_PNL,
    TR_QTY,
    TR_R,
    TR_REASON,
    TR_RET,
    TR_SIDE,
    TR_SIG,
    TR_SLIP,
)
from alphalab.engine.rules_nb import (
    atr_at,
    desired_quantity,
    fee_of,
    initial_levels,
    kelly_fraction,
    max_affordable,
    round_lot,
    slip_of,
    stop_distance,
)


@nb.njit(**RULE)
def write_order(
    orders: np.ndarray, counts: np.ndarray, t: int, sig: int, a: int, side: int, kind: int, req: float,
    qty: float, price: float, fee: float, slip: float, status: int, reason: int,
) -> None:
    """Append one order (with its fill, if any) to the order log."""
    n = counts[N_ORDERS]
    if n >= orders.shape[0]:
        counts[OVERFLOW] = 1
        return
    r = orders[n]
    r[O_BAR] = t
    r[O_SIG] = sig
    r[O_COL] = a
    r[O_SIDE] = side
    r[O_TYPE] = kind
    r[O_REQ] = req
    r[O_QTY] = qty
    r[O_PRICE] = price
    r[O_FEE] = fee
    r[O_SLIP] = slip
    r[O_STATUS] = status
    r[O_REASON] = reason
    counts[N_ORDERS] = n + 1


@nb.njit(**RULE)
def sizing_quantity(
    st: tuple, mkt: tuple, a: int, g: int, side: int, base: float, sig: int, prm: np.ndarray,
    costs: np.ndarray, settings: np.ndarray, maker: bool,
) -> float:
    """Return the quantity the entry rules ask for at reference price ``base`` (before caps)."""
    pos = st[0]
    acct = st[3]
    equity = acct[g, A_CASH] + acct[g, A_VAL]
    atr_sig = atr_at(mkt[5], sig, a)
    dist = stop_distance(int(prm[R_SL_TYPE]), prm[R_SL_VAL], base, atr_sig)
    size_type = int(prm[R_SIZE_TYPE])
    kf = 0.0
    if size_type == SIZE_KELLY:
        kf = kelly_fraction(
            st[4], a, int(pos[a, P_KN]), int(prm[R_KLOOK]), prm[R_SIZE_VAL], prm[R_KCAP],
            int(settings[S_KELLY_MIN]), settings[S_KELLY_FALLBACK],
        )
    rate = costs[C_MAKER] if maker else costs[C_FEE]
    return desired_quantity(size_type, prm[R_SIZE_VAL], equity, base, rate, dist, kf, prm[R_KCAP])


@nb.njit(**RULE)
def enter_position(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, g: int, side: int, base: float, t_ref: int,
    sig: int, at_close: bool, maker: bool, kind: int, prm: np.ndarray, cfg: int, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray,
) -> float:
    """Open (or add to) a position at reference price ``base``; return the filled quantity (0: none).

    Order of caps: sizing rule -> volume participation cap (the rest stays unfilled) -> slippage
    -> cash / leverage cap -> lot rounding (down) -> minimum notional (below it: rejected).
    """
    pos = st[0]
    acct = st[3]
    req = sizing_quantity(st, mkt, a, g, side, base, sig, prm, costs, settings, maker)
    q = req
    if int(costs[C_SLIP_TYPE]) == SLIP_VOLUME and not maker:
        vol = mkt[4][t_ref, a]
        if vol == vol:
            q = min(q, costs[C_PCAP] * vol)
    d = 0.0 if maker else slip_of(base, q, t_ref, a, mkt, costs)
    price = base + side * d
    rate = costs[C_MAKER] if maker else costs[C_FEE]
    equity = acct[g, A_CASH] + acct[g, A_VAL]
    q = min(q, max_affordable(side, price, equity, acct[g, A_CASH], acct[g, A_GROSS], settings[S_LEVERAGE],
                              rate, costs[C_FIXED]))
    q = round_lot(q, inst[a, I_LOT])
    if q <= 0.0 or q * price < inst[a, I_MIN_NOTIONAL] or not price > 0.0:
        write_order(st[6], counts, t, sig, a, side, kind, req, 0.0, np.nan, 0.0, 0.0, np.int64(STATUS_REJECTED),
                    np.int64(-1))
        return 0.0
    fee = fee_of(q * price, maker, costs)
    acct[g, A_CASH] -= side * q * price + fee
    mark = pos[a, P_MARK]
    acct[g, A_VAL] += side * q * mark
    acct[g, A_GROSS] += q * mark
    row = pos[a]
    old = abs(row[P_QTY])
    if old > 0.0:
        row[P_PRICE] = (old * row[P_PRICE] + q * price) / (old + q)
        row[P_QTY] += side * q
        row[P_FEES] += fee
        row[P_SLIP] += q * d
        row[P_N] += 1.0
        row[P_LOW] = min(row[P_LOW], price)  # the add's fill price bounds MAE/MFE like the first entry's
        row[P_HIGH] = max(row[P_HIGH], price)
    else:
        _open_row(row, mkt, t, a, side, q, price, fee, q * d, sig, at_close, prm, cfg)
    status = STATUS_PARTIAL if q < req * (1.0 - 1e-9) else STATUS_FILLED
    write_order(st[6], counts, t, sig, a, side, kind, req, q, price, fee, q * d, status, np.int64(-1))
    return q


@nb.njit(**RULE)
def _open_row(
    row: np.ndarray, mkt: tuple, t: int, a: int, side: int, q: float, price: float, fee: float, slip: float,
    sig: int, at_close: bool, prm: np.ndarray, cfg: int,
) -> None:
    atr_sig = atr_at(mkt[5], sig, a)
    sl, tp = initial_levels(side, price, int(prm[R_SL_TYPE]), prm[R_SL_VAL], int(prm[R_TP_TYPE]),
                            prm[R_TP_VAL], atr_sig)
    row[P_QTY] = side * q
    row[P_PRICE] = price
    row[P_BAR] = t
    row[P_FEES] = fee
    row[P_SLIP] = slip
    row[P_SL] = sl
    row[P_TP] = tp
    tr_type = int(prm[R_TR_TYPE])
    row[P_TRTYPE] = tr_type
    row[P_TRVAL] = prm[R_TR_VAL] if tr_type == 1 else prm[R_TR_VAL] * atr_sig
    if tr_type == 2 and row[P_TRVAL] != row[P_TRVAL]:
        row[P_TRTYPE] = 0
    row[P_EXT] = price
    row[P_LOW] = price
    row[P_HIGH] = price
    row[P_RISK] = abs(price - sl) if sl == sl else np.nan
    row[P_TSTOP] = prm[R_TSTOP]
    row[P_N] = 1.0
    row[P_CFG] = cfg
    row[P_ATCLOSE] = 1.0 if at_close else 0.0
    row[P_SIG] = sig


@nb.njit(**RULE)
def exit_position(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, g: int, qty: float, base: float, t_ref: int,
    reason: int, maker: bool, kind: int, costs: np.ndarray,
) -> float:
    """Close ``qty`` units (all when larger) of the column's position at ``base``; write the trade.

    Returns the exit fill price. Entry fees and slippage are attributed pro rata to the closed part.
    """
    pos = st[0]
    acct = st[3]
    row = pos[a]
    held = abs(row[P_QTY])
    side = 1 if row[P_QTY] > 0 else -1
    q = min(qty, held)
    d = 0.0 if maker else slip_of(base, q, t_ref, a, mkt, costs)
    price = base - side * d
    fee = fee_of(q * price, maker, costs)
    acct[g, A_CASH] += side * q * price - fee
    mark = row[P_MARK]
    acct[g, A_VAL] -= side * q * mark
    acct[g, A_GROSS] -= q * mark
    frac = q / held
    e_fee = row[P_FEES] * frac
    e_slip = row[P_SLIP] * frac
    pnl = side * (price - row[P_PRICE]) * q - e_fee - fee
    _write_trade(st[5], counts, row, a, side, t, q, price, fee + e_fee, e_slip + q * d, pnl, reason)
    kn = int(row[P_KN])
    st[4][a, kn % KMAX] = pnl / (row[P_PRICE] * q)
    row[P_KN] = kn + 1
    write_order(st[6], counts, t, int(row[P_SIG]), a, -side, kind, q, q, price, fee, q * d, np.int64(STATUS_FILLED),
                reason)
    row[P_QTY] -= side * q
    row[P_FEES] -= e_fee
    row[P_SLIP] -= e_slip
    if q >= held * (1.0 - 1e-12):
        mark_keep = row[P_MARK]
        kn_keep = row[P_KN]
        for i in range(NPOS):
            row[i] = 0.0
        row[P_MARK] = mark_keep
        row[P_KN] = kn_keep
    return price


@nb.njit(**RULE)
def _write_trade(
    trades: np.ndarray, counts: np.ndarray, row: np.ndarray, a: int, side: int, t: int, q: float, price: float,
    fees: float, slip: float, pnl: float, reason: int,
) -> None:
    n = counts[N_TRADES]
    if n >= trades.shape[0]:
        counts[OVERFLOW] = 1
        return
    entry = row[P_PRICE]
    lo = min(row[P_LOW], price)
    hi = max(row[P_HIGH], price)
    r = trades[n]
    r[TR_COL] = a
    r[TR_SIDE] = side
    r[TR_ENTRY_BAR] = row[P_BAR]
    r[TR_EXIT_BAR] = t
    r[TR_ENTRY_PRICE] = entry
    r[TR_EXIT_PRICE] = price
    r[TR_QTY] = q
    r[TR_FEES] = fees
    r[TR_SLIP] = slip
    r[TR_PNL] = pnl
    r[TR_RET] = pnl / (entry * q)
    risk = row[P_RISK]
    r[TR_R] = pnl / (risk * q) if risk == risk and risk > 0.0 else np.nan
    if side > 0:
        r[TR_MAE] = lo / entry - 1.0
        r[TR_MFE] = hi / entry - 1.0
    else:
        r[TR_MAE] = 1.0 - hi / entry
        r[TR_MFE] = 1.0 - lo / entry
    r[TR_REASON] = reason
    r[TR_CFG] = row[P_CFG]
    r[TR_SIG] = row[P_SIG]
    counts[N_TRADES] = n + 1
