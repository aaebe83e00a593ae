"""The compiled bar loop (fast path) and the bar phases it shares with the event-driven path.

A bar ``t`` is processed in this order, by both paths:

1. ``execute_pending(at_close=False)``: market orders decided at the close of ``t-1`` fill at the
   open of ``t`` (exits first, then entries, so a reversal closes before it opens);
2. ``intrabar_exits``: stop-loss / trailing / take-profit levels against the bar's high and low;
3. decisions at the close of ``t`` (signals here; ``Strategy.on_bar`` in the event path) through
   ``rule_exit``, ``request_exit`` and ``request_entry``;
4. ``execute_pending(at_close=True)`` when market orders fill at the signal bar's close;
5. ``mark_bar``: mark positions at the close, ratchet trailing extremes, record MAE/MFE, equity.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import ENTRY, RULE
from alphalab.engine.accounting_nb import enter_position, exit_position
from alphalab.engine.layout import (
    A_CASH,
    A_GROSS,
    A_VAL,
    KMAX,
    NACCT,
    NPARAM,
    NPEND,
    NPOS,
    P_ATCLOSE,
    P_BAR,
    P_CFG,
    P_EXT,
    P_HIGH,
    P_LOW,
    P_MARK,
    P_N,
    P_QTY,
    P_SL,
    P_TP,
    P_TRTYPE,
    P_TSTOP,
    Q_CFG,
    Q_EXIT,
    Q_SIDE,
    Q_SIG,
    R_OPP,
    S_ALLOW_SHORT,
    S_FILL_CLOSE,
    S_PYRAMID,
    S_TARGET_FIRST,
)
from alphalab.engine.rules_nb import exit_level_hit

REASON_SIGNAL = 0
REASON_TIME_STOP = 4
REASON_OPPOSITE = 5
REASON_END = 6
REASON_REGIME = 7
KIND_MARKET, KIND_LIMIT, KIND_STOP = 0, 1, 2


@nb.njit(cache=True)
def new_state(n_assets: int, capital: np.ndarray, trades: np.ndarray, orders: np.ndarray) -> tuple:
    """Return a fresh state tuple ``(pos, pend, pend_prm, acct, kret, trades, orders)``."""
    pos = np.zeros((n_assets, NPOS))
    pos[:, P_MARK] = np.nan
    pend = np.zeros((n_assets, NPEND))
    pend[:, Q_EXIT] = -1.0
    pend_prm = np.zeros((n_assets, NPARAM))
    acct = np.zeros((capital.shape[0], NACCT))
    acct[:, A_CASH] = capital
    kret = np.zeros((n_assets, KMAX))
    return pos, pend, pend_prm, acct, kret, trades, orders


@nb.njit(**RULE)
def execute_pending(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, at_close: bool, group: np.ndarray,
    costs: np.ndarray, settings: np.ndarray, inst: np.ndarray,
) -> bool:
    """Fill the pending market orders of every column at the open (or the close) of bar ``t``.

    Returns True when some order still waits (its column has no bar at ``t``).
    """
    waiting = False
    for a in range(st[0].shape[0]):
        if execute_one(st, mkt, counts, t, a, at_close, group, costs, settings, inst):
            waiting = True
    return waiting


@nb.njit(**RULE, inline="always")  # inlined: a call that passes the state tuples costs ~100 ns
def execute_one(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, at_close: bool, group: np.ndarray,
    costs: np.ndarray, settings: np.ndarray, inst: np.ndarray,
) -> bool:
    """Fill column ``a``'s pending market orders at bar ``t`` (exit first); True when they wait."""
    pos, pend, pend_prm = st[0], st[1], st[2]
    ex = int(pend[a, Q_EXIT])
    side = int(pend[a, Q_SIDE])
    if ex < 0 and side == 0:
        return False
    base = mkt[3][t, a] if at_close else mkt[0][t, a]
    if base != base:
        return True  # no bar for this column: the order waits for its next bar
    if pos[a, P_MARK] != pos[a, P_MARK]:
        pos[a, P_MARK] = base
    g = group[a]
    t_ref = t if at_close else max(t - 1, 0)
    if ex >= 0:
        if pos[a, P_QTY] != 0.0:
            exit_position(st, mkt, counts, t, a, g, abs(pos[a, P_QTY]), base, t_ref, ex, np.bool_(False),
                          np.int64(KIND_MARKET), costs)
        pend[a, Q_EXIT] = -1.0
    if side != 0:
        enter_position(st, mkt, counts, t, a, g, side, base, t_ref, int(pend[a, Q_SIG]), at_close,
                       np.bool_(False), np.int64(KIND_MARKET), pend_prm[a], int(pend[a, Q_CFG]), costs, settings, inst)
        pend[a, Q_SIDE] = 0.0
    return False


@nb.njit(**RULE)
def intrabar_exits(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, group: np.ndarray, costs: np.ndarray,
    settings: np.ndarray,
) -> None:
    """Exit positions whose stop, trailing stop or target level the bar ``t`` touches."""
    target_first = settings[S_TARGET_FIRST] > 0.0
    for a in range(st[0].shape[0]):
        intrabar_one(st, mkt, counts, t, a, group, costs, target_first)


@nb.njit(**RULE, inline="always")  # small: inlined into the per-bar loops over columns
def intrabar_one(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, group: np.ndarray, costs: np.ndarray,
    target_first: bool,
) -> None:
    """Exit column ``a``'s position when bar ``t`` touches its stop, trailing stop or target level."""
    pos = st[0]
    q = pos[a, P_QTY]
    if q == 0.0:
        return
    o = mkt[0][t, a]
    if o != o:
        return
    px, reason, maker = exit_level_hit(pos, a, o, mkt[1][t, a], mkt[2][t, a], target_first)
    if px == px:
        kind = KIND_LIMIT if maker else KIND_STOP
        exit_position(st, mkt, counts, t, a, group[a], abs(q), px, max(t - 1, 0), reason, maker, kind, costs)


@nb.njit(**ENTRY)
def request_exit(st: tuple, a: int, reason: int) -> bool:
    """Ask to close column ``a``'s position with ``reason`` at the next fill; False when flat or pending."""
    return _request_exit(st, a, reason)


@nb.njit(**RULE)
def _request_exit(st: tuple, a: int, reason: int) -> bool:
    """Ask to close column ``a``'s position with ``reason`` at the next fill; False when flat or pending."""
    if st[0][a, P_QTY] == 0.0 or st[1][a, Q_EXIT] >= 0.0:
        return False
    st[1][a, Q_EXIT] = reason
    return True


@nb.njit(**ENTRY)
def request_entry(st: tuple, a: int, side: int, t: int, prm: np.ndarray, cfg: int, pyramiding: float) -> bool:
    """Ask to enter ``side`` in column ``a`` with entry rules ``prm`` decided at the close of ``t``.

    One entry per column and bar. Same side as the position: an add, only while fewer than
    ``pyramiding`` entries were made and no exit is pending. Opposite side: the position is
    closed first (reason ``opposite_signal`` unless another exit is already pending).
    """
    if not _request_entry_core(st, a, side, t, cfg, pyramiding):
        return False
    pend_prm = st[2]
    for i in range(prm.shape[0]):
        pend_prm[a, i] = prm[i]
    return True


@nb.njit(**RULE)
def _request_entry_core(st: tuple, a: int, side: int, t: int, cfg: int, pyramiding: float) -> bool:
    """``request_entry`` without copying the entry rules (the caller writes ``pend_prm[a]``)."""
    pos, pend = st[0], st[1]
    if pend[a, Q_SIDE] != 0.0:
        return False
    q = pos[a, P_QTY]
    if q != 0.0:
        cur = 1 if q > 0.0 else -1
        if cur == side:
            if pend[a, Q_EXIT] >= 0.0 or pos[a, P_N] >= pyramiding:
                return False
        elif pend[a, Q_EXIT] < 0.0:
            pend[a, Q_EXIT] = REASON_OPPOSITE
    pend[a, Q_SIDE] = side
    pend[a, Q_SIG] = t
    pend[a, Q_CFG] = cfg
    return True


@nb.njit(**RULE)
def rule_exit(st: tuple, t: int, a: int, force: bool, fill_close: bool) -> None:
    """Apply the engine's own exits at the close of ``t``: forced (regime switch) and time stop.

    The time stop of N bars fires so that the exit fill happens N bars after the entry bar.
    """
    pos = st[0]
    if pos[a, P_QTY] == 0.0:
        return
    if force:
        _request_exit(st, a, np.int64(REASON_REGIME))
        return
    n = pos[a, P_TSTOP]
    nxt = 0 if fill_close else 1
    if n > 0.0 and (t + nxt) - pos[a, P_BAR] >= n:
        _request_exit(st, a, np.int64(REASON_TIME_STOP))


@nb.njit(**RULE, inline="always")
def mark_bar(st: tuple, mkt: tuple, t: int, group: np.ndarray) -> bool:
    """Mark every position at the close of ``t``; ratchet trailing extremes and MAE/MFE bounds.

    Returns True when some open position has a stop, target or trailing level (so the next bar
    needs ``intrabar_exits``).
    """
    pos, acct = st[0], st[3]
    close = mkt[3]
    for g in range(acct.shape[0]):
        acct[g, A_VAL] = 0.0
        acct[g, A_GROSS] = 0.0
    levels = False
    for a in range(pos.shape[0]):
        c = close[t, a]
        if c == c:
            pos[a, P_MARK] = c
        if pos[a, P_QTY] != 0.0 and mark_one(st, mkt, t, a, group[a]):
            levels = True
    return levels


@nb.njit(**RULE, inline="always")
def marked_value(q: float, mark: float) -> tuple:
    """Return the signed and the gross value of ``q`` units marked at ``mark`` (a group sums them)."""
    return q * mark, abs(q) * mark


@nb.njit(**RULE, inline="always")
def ratchet_bounds(ext: float, b_lo: float, b_hi: float, long: bool, h: float, lo: float) -> tuple:
    """One bar (high ``h``, low ``lo``) of an open position: its new trailing extreme and MAE/MFE bounds.

    The one place of this rule: ``mark_one`` applies it bar by bar, ``column_nb`` over held stretches.
    """
    ext = max(ext, h) if long else min(ext, lo)
    return ext, min(b_lo, lo), max(b_hi, h)


@nb.njit(**RULE, inline="always")
def mark_one(st: tuple, mkt: tuple, t: int, a: int, g: int) -> bool:
    """Add column ``a``'s open position (marked at ``P_MARK``) to its group's value; ratchet its bounds.

    Returns True when the position has a stop, target or trailing level.
    """
    pos, acct = st[0], st[3]
    q = pos[a, P_QTY]
    h = mkt[1][t, a]
    lo = mkt[2][t, a]
    if h == h and not (pos[a, P_ATCLOSE] > 0.0 and pos[a, P_BAR] == t):
        pos[a, P_EXT], pos[a, P_LOW], pos[a, P_HIGH] = ratchet_bounds(pos[a, P_EXT], pos[a, P_LOW], pos[a, P_HIGH],
                                                                      q > 0.0, h, lo)
    v, gr = marked_value(q, pos[a, P_MARK])
    acct[g, A_VAL] += v
    acct[g, A_GROSS] += gr
    return pos[a, P_SL] == pos[a, P_SL] or pos[a, P_TP] == pos[a, P_TP] or pos[a, P_TRTYPE] > 0.0


@nb.njit(**RULE)
def close_all(st: tuple, mkt: tuple, counts: np.ndarray, t: int, group: np.ndarray, costs: np.ndarray) -> None:
    """Close every open position at its mark (the last valid close) with reason ``end_of_data``."""
    pos = st[0]
    for a in range(pos.shape[0]):
        q = pos[a, P_QTY]
        if q != 0.0:
            exit_position(st, mkt, counts, t, a, group[a], abs(q), pos[a, P_MARK], t,
                          np.int64(REASON_END), np.bool_(False), np.int64(KIND_MARKET), costs)
        st[1][a, Q_EXIT] = -1.0
        st[1][a, Q_SIDE] = 0.0


@nb.njit(**RULE)
def record_bar(st: tuple, t: int, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray, posq: np.ndarray) -> None:
    """Write bar ``t``'s equity, cash, gross exposure per group and quantity per column."""
    acct = st[3]
    for g in range(acct.shape[0]):
        cash[t, g] = acct[g, A_CASH]
        eq[t, g] = acct[g, A_CASH] + acct[g, A_VAL]
        gross[t, g] = acct[g, A_GROSS]
    pos = st[0]
    for a in range(pos.shape[0]):
        posq[t, a] = pos[a, P_QTY]


@nb.njit(**RULE, inline="always")  # inlined into its one caller (the fast loop's decision pass)
def decide_signals(
    st: tuple, t: int, a: int, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray,
    force: bool, cfg_idx: np.ndarray, params: np.ndarray, settings: np.ndarray,
) -> None:
    """Turn column ``a``'s signals at the close of ``t`` into pending orders (fast path only).

    Short signals with zero bars (``es`` (0, A), ``xs`` (K, 0, A)) mean none.

    Exits use the exit signals of the configuration that opened the position. An entry signal
    together with its own side's exit signal is no entry; an opposite entry closes the position
    when the entry rules say so (``exit_on_opposite_signal``) and then reverses.
    """
    pos = st[0]
    rule_exit(st, t, a, force, settings[S_FILL_CLOSE] > 0.0)
    q = pos[a, P_QTY]
    if q != 0.0:
        k = int(pos[a, P_CFG])
        if (q > 0.0 and xl[k, t, a]) or (q < 0.0 and xs.shape[1] > 0 and xs[k, t, a]):
            _request_exit(st, a, np.int64(REASON_SIGNAL))
    long_e = el[t, a]
    short_e = es.shape[0] > 0 and es[t, a] and settings[S_ALLOW_SHORT] > 0.0
    if long_e == short_e:
        return
    side = 1 if long_e else -1
    cfg = cfg_idx[t if cfg_idx.shape[0] > 1 else 0, a if cfg_idx.shape[1] > 1 else 0]
    if (side > 0 and xl[cfg, t, a]) or (side < 0 and xs.shape[1] > 0 and xs[cfg, t, a]):
        return
    ti = t if params.shape[1] > 1 else 0
    ai = a if params.shape[2] > 1 else 0
    if q != 0.0 and (q > 0.0) != (side > 0) and params[R_OPP, ti, ai] <= 0.0 and st[1][a, Q_EXIT] < 0.0:
        return
    if _request_entry_core(st, a, side, t, cfg, settings[S_PYRAMID]):
        pend_prm = st[2]
        for i in range(params.shape[0]):
            pend_prm[a, i] = params[i, ti, ai]


@nb.njit(**RULE)
def has_pending(st: tuple) -> bool:
    """Return True when some column has a pending market order."""
    pend = st[1]
    for a in range(pend.shape[0]):  # noqa: SIM110 - numba has no generator any()
        if pend[a, Q_EXIT] >= 0.0 or pend[a, Q_SIDE] != 0.0:
            return True
    return False


@nb.njit(**RULE)
def has_position(st: tuple) -> bool:
    """Return True when some column holds a position."""
    pos = st[0]
    for a in range(pos.shape[0]):  # noqa: SIM110 - numba has no generator any()
        if pos[a, P_QTY] != 0.0:
            return True
    return False


@nb.njit(**RULE)
def _rule_exits_all(st: tuple, mkt: tuple, t: int, fill_close: bool) -> None:
    """Apply ``rule_exit`` (time stop) to every column that has a bar at ``t``."""
    for a in range(st[0].shape[0]):
        if mkt[3][t, a] == mkt[3][t, a]:
            rule_exit(st, t, a, np.bool_(False), fill_close)


@nb.njit(**RULE)
def _open_phase(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, group: np.ndarray, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray, with_rule_exits: bool,
) -> None:
    """Phases 1-2 of bar ``t`` (fills at the open, intrabar exits), optionally the engine's own exits."""
    fill_close = settings[S_FILL_CLOSE] > 0.0
    if not fill_close and has_pending(st):
        execute_pending(st, mkt, counts, t, np.bool_(False), group, costs, settings, inst)
    if has_position(st):
        intrabar_exits(st, mkt, counts, t, group, costs, settings)
    if with_rule_exits:
        _rule_exits_all(st, mkt, t, fill_close)


@nb.njit(**RULE)
def _end_phase(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, group: np.ndarray, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray,
    posq: np.ndarray,
) -> None:
    """Phases 4-5 of bar ``t``: fills at the close (when chosen), marking, end-of-data exits, records."""
    if settings[S_FILL_CLOSE] > 0.0 and has_pending(st):
        execute_pending(st, mkt, counts, t, np.bool_(True), group, costs, settings, inst)
    mark_bar(st, mkt, t, group)
    if t == mkt[0].shape[0] - 1:
        close_all(st, mkt, counts, t, group, costs)
        mark_bar(st, mkt, t, group)
    record_bar(st, t, eq, cash, gross, posq)
