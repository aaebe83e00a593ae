"""The portfolio bar loop: the engine's bar phases over sleeve x asset columns, with the risk gate on entries.

Every phase is the engine's own per-column function (:mod:`alphalab.engine.kernel_nb`), in the
engine's order; the only addition is the gate. Before a pending entry fills, its requested size
(the engine's ``sizing_quantity``) goes through :func:`alphalab.portfolio.gate_nb.check_entry` with
the account as it stands after the fills of the columns before it: an approval fills as the engine
would, a resize turns the entry into a fixed quantity, a denial cancels it. The gate state advances
once per bar, before that bar's fills, on the equity marked at the previous close.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from alphalab.engine.accounting_nb import sizing_quantity
from alphalab.engine.kernel_nb import (
    REASON_SIGNAL,
    close_all,
    decide_signals,
    execute_one,
    intrabar_exits,
    mark_bar,
    new_state,
    record_bar,
    request_exit,
)
from alphalab.engine.layout import (
    A_CASH,
    A_VAL,
    KMAX,
    N_TRADES,
    P_MARK,
    P_QTY,
    P_SL,
    Q_EXIT,
    Q_SIDE,
    Q_SIG,
    R_SIZE_TYPE,
    R_SIZE_VAL,
    R_SL_TYPE,
    R_SL_VAL,
    R_TP_TYPE,
    R_TP_VAL,
    R_TSTOP,
    S_FILL_CLOSE,
    SIZE_QTY,
    TR_COL,
    TR_RET,
)
from alphalab.engine.loop_nb import _signal_bars
from alphalab.engine.rules_nb import atr_at, initial_levels
from alphalab.portfolio.gate_nb import (
    APPROVE,
    L_BUCKET_CAP,
    L_DD_HALT,
    L_KELLY_FRACTION,
    R_DRAWDOWN,
    S_BREAKER,
    S_DAILY_HALT,
    S_HWM,
    check_entry,
    correlation_buckets,
    kelly_size,
    update_state,
)
from alphalab.portfolio.gate_nb import (
    new_state as new_gate_state,
)

# risk event layout
E_BAR, E_COL, E_RULE, E_OUTCOME, E_REQUESTED, E_ALLOWED, E_VALUE, E_LIMIT = 0, 1, 2, 3, 4, 5, 6, 7
NEV = 8
OUTCOME_FLATTEN = 3


@nb.njit(cache=True, inline="always")  # inlined: a call passing six arrays costs more than the body
def _add_column(pos: np.ndarray, c: int, col_asset: np.ndarray, col_sleeve: np.ndarray, book: np.ndarray,
                asset_exp: np.ndarray, sleeve_gross: np.ndarray, sign: float) -> None:
    """Add (``sign`` 1) or remove (-1) column ``c``'s position from the account view.

    ``book`` = [open risk to stops, gross, net]; a position without a stop risks its whole notional.
    """
    q = pos[c, P_QTY]
    if q == 0.0:
        return
    mark = pos[c, P_MARK]
    a = col_asset[c]
    old = asset_exp[a]
    asset_exp[a] = old + sign * q * mark
    book[1] += abs(asset_exp[a]) - abs(old)
    book[2] += sign * q * mark
    sleeve_gross[col_sleeve[c]] += sign * abs(q) * mark
    sl = pos[c, P_SL]
    book[0] += sign * abs(q) * (abs(mark - sl) if sl == sl else mark)


@nb.njit(cache=True)
def _book(st: tuple, col_asset: np.ndarray, col_sleeve: np.ndarray, book: np.ndarray, asset_exp: np.ndarray,
          sleeve_gross: np.ndarray) -> float:
    """Rebuild the account view from every column; return the open risk to stops."""
    pos = st[0]
    asset_exp[:] = 0.0
    sleeve_gross[:] = 0.0
    book[:] = 0.0
    for c in range(pos.shape[0]):
        _add_column(pos, c, col_asset, col_sleeve, book, asset_exp, sleeve_gross, 1.0)
    return book[0]


@nb.njit(cache=True)
def _record_event(events: np.ndarray, n_ev: np.ndarray, t: int, c: int, rule: int, outcome: int, req: float,
                  allowed: float, value: float, limit: float) -> None:
    i = n_ev[0]
    if i < events.shape[0]:
        row = events[i]
        row[E_BAR], row[E_COL], row[E_RULE], row[E_OUTCOME] = t, c, rule, outcome
        row[E_REQUESTED], row[E_ALLOWED], row[E_VALUE], row[E_LIMIT] = req, allowed, value, limit
    n_ev[0] = i + 1


@nb.njit(cache=True)
def _buckets(mkt: tuple, t: int, asset_col: np.ndarray, lookback: int, threshold: float) -> np.ndarray:
    """Correlation buckets of the assets from close-to-close returns of the bars strictly before ``t``."""
    close = mkt[3]
    start = max(1, t - lookback)
    n = t - start
    r = np.full((max(n, 0), asset_col.shape[0]), np.nan)
    for k in range(asset_col.shape[0]):
        c = asset_col[k]
        for i in range(n):
            p0, p1 = close[start + i - 1, c], close[start + i, c]
            if p0 == p0 and p1 == p1 and p0 > 0:
                r[i, k] = p1 / p0 - 1.0
    if n < 3:
        return np.full(asset_col.shape[0], -1, dtype=np.int64)
    return correlation_buckets(r, threshold)


@nb.njit(cache=True)
def _gate_pending(st: tuple, gst: np.ndarray, mkt: tuple, t: int, at_close: bool, costs: np.ndarray,
                  settings: np.ndarray, gate: tuple, work: tuple, counts: np.ndarray, group: np.ndarray,
                  inst: np.ndarray, events: np.ndarray, n_ev: np.ndarray) -> None:
    """Gate each column's pending entry, then fill the column's orders (the engine's ``execute_one``).

    The account view is built once per fill pass and updated column by column as orders fill, so
    each check sees the fills of the columns before it.
    """
    pos, pend, acct = st[0], st[1], st[3]
    col_asset, col_sleeve = gate[0], gate[1]
    asset_exp, sleeve_gross, book, bucket = work[0], work[1], work[4], work[5]
    n_cols = pos.shape[0]
    first = -1
    for c in range(n_cols):
        if pend[c, Q_SIDE] != 0.0 or pend[c, Q_EXIT] >= 0.0:
            first = c
            break
    if first < 0:
        return
    _book(st, col_asset, col_sleeve, book, asset_exp, sleeve_gross)
    if not math.isnan(gate[4][L_BUCKET_CAP]):
        bucket[:] = _buckets(mkt, t, gate[3], int(gate[8][0]), gate[8][1])
    for c in range(first, n_cols):
        if pend[c, Q_SIDE] == 0.0 and pend[c, Q_EXIT] < 0.0:
            continue
        _add_column(pos, c, col_asset, col_sleeve, book, asset_exp, sleeve_gross, -1.0)
        if pend[c, Q_SIDE] != 0.0:
            _check_one(st, gst, mkt, t, c, at_close, costs, settings, gate, work, group, acct, events, n_ev)
        execute_one(st, mkt, counts, t, c, at_close, group, costs, settings, inst)
        _add_column(pos, c, col_asset, col_sleeve, book, asset_exp, sleeve_gross, 1.0)


@nb.njit(cache=True)
def _check_one(st: tuple, gst: np.ndarray, mkt: tuple, t: int, c: int, at_close: bool, costs: np.ndarray,
               settings: np.ndarray, gate: tuple, work: tuple, group: np.ndarray, acct: np.ndarray,
               events: np.ndarray, n_ev: np.ndarray) -> None:
    """Run the gate on column ``c``'s pending entry: keep it, turn it into a fixed quantity, or cancel it."""
    pos, pend, pend_prm = st[0], st[1], st[2]
    side = int(pend[c, Q_SIDE])
    base = mkt[3][t, c] if at_close else mkt[0][t, c]
    if base != base:
        return  # no bar: the order waits (execute_one keeps it)
    if pos[c, P_MARK] != pos[c, P_MARK]:
        pos[c, P_MARK] = base
    asset_exp, sleeve_gross, kring, kn, book, bucket, scratch = work
    lim = gate[4]
    prm = pend_prm[c]
    sig = int(pend[c, Q_SIG])
    # the column's own position (exit pending or pyramiding) is back in the view for this check
    _add_column(pos, c, gate[0], gate[1], book, asset_exp, sleeve_gross, 1.0)
    req = sizing_quantity(st, mkt, c, group[c], side, base, sig, prm, costs, settings, False)
    sl, _tp = initial_levels(side, base, int(prm[R_SL_TYPE]), prm[R_SL_VAL], int(prm[R_TP_TYPE]), prm[R_TP_VAL],
                             atr_at(mkt[5], sig, c))
    s = gate[1][c]
    kf = kelly_size(kring, s, int(kn[s]), lim) if not math.isnan(lim[L_KELLY_FRACTION]) else np.nan
    reg = gate[2][sig, c] if gate[2].shape[0] > 1 else -1
    equity = acct[group[c], A_CASH] + acct[group[c], A_VAL]
    out, q, rule, value, limit = check_entry(req, side, base, sl, gate[0][c], s, reg, equity, np.inf, book[0],
                                             book[1], book[2], asset_exp, sleeve_gross, bucket, lim, gate[5],
                                             gate[6], gate[7], gst, kf, scratch)
    _add_column(pos, c, gate[0], gate[1], book, asset_exp, sleeve_gross, -1.0)
    if out != APPROVE and req > 0.0:
        _record_event(events, n_ev, t, c, rule, out, req, q, value, limit)
        if q > 0.0:
            prm[R_SIZE_TYPE] = SIZE_QTY
            prm[R_SIZE_VAL] = q
        else:
            pend[c, Q_SIDE] = 0.0


@nb.njit(cache=True)
def _push_trades(trades: np.ndarray, counts: np.ndarray, seen: int, col_sleeve: np.ndarray, kring: np.ndarray,
                 kn: np.ndarray) -> int:
    """Push newly closed trades' returns onto their sleeve's Kelly ring; return the new count seen."""
    for i in range(seen, min(counts[N_TRADES], trades.shape[0])):
        s = col_sleeve[int(trades[i, TR_COL])]
        kring[s, int(kn[s]) % KMAX] = trades[i, TR_RET]
        kn[s] += 1
    return int(counts[N_TRADES])


@nb.njit(cache=True)
def _start_bar(st: tuple, gst: np.ndarray, lim: np.ndarray, t: int, day: float, events: np.ndarray,
               n_ev: np.ndarray) -> None:
    """Advance the gate state on the last marked equity; flatten the book when the breaker says so."""
    acct = st[3]
    equity = acct[0, A_CASH] + acct[0, A_VAL]
    if update_state(gst, lim, equity, t, day) == 1:
        pos, pend = st[0], st[1]
        for c in range(pos.shape[0]):
            pend[c, Q_SIDE] = 0.0
            if pos[c, P_QTY] != 0.0:
                request_exit(st, c, np.int64(REASON_SIGNAL))
        _record_event(events, n_ev, t, -1, R_DRAWDOWN, OUTCOME_FLATTEN, 0.0, 0.0, 1.0 - equity / gst[S_HWM], lim[L_DD_HALT])


@nb.njit(cache=True)
def _has_time_stop(params: np.ndarray) -> bool:
    for i in range(params.shape[1]):
        for j in range(params.shape[2]):
            if params[R_TSTOP, i, j] > 0:
                return True
    return False


@nb.njit(cache=True, error_model="numpy")
def portfolio_nb(mkt: tuple, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray,
                 params: np.ndarray, group: np.ndarray, capital: np.ndarray, costs: np.ndarray, settings: np.ndarray,
                 inst: np.ndarray, gate: tuple, n_sleeves: int, day: np.ndarray, trades: np.ndarray,
                 orders: np.ndarray, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
                 heat: np.ndarray, halted: np.ndarray, events: np.ndarray) -> tuple:
    """Run the gated portfolio simulation; return the counters and the number of risk events.

    ``gate`` is ``(col_asset, col_sleeve, col_regime, asset_col, lim, asset_cap, sleeve_cap,
    regime_cap, corr)`` (``corr`` = [lookback, threshold]); ``day`` the day number of each bar.
    """
    n_bars, n_cols = mkt[0].shape
    st = new_state(n_cols, capital, trades, orders)
    gst = new_gate_state(capital[0])
    counts = np.zeros(3, dtype=np.int64)
    n_ev = np.zeros(1, dtype=np.int64)
    lim = gate[4]
    n_assets = gate[3].shape[0]
    work = (np.zeros(n_assets), np.zeros(n_sleeves), np.zeros((n_sleeves, KMAX)), np.zeros(n_sleeves), np.zeros(3),
            np.full(n_assets, -1, dtype=np.int64), np.zeros(3))
    sig = _signal_bars(el, es, xl, xs, np.zeros((1, 1), dtype=np.bool_))
    every_bar = _has_time_stop(params)
    fill_close = settings[S_FILL_CLOSE] > 0.0
    no_force = False
    seen = 0
    for t in range(n_bars):
        _start_bar(st, gst, lim, t, day[t], events, n_ev)
        if not fill_close:
            _gate_pending(st, gst, mkt, t, False, costs, settings, gate, work, counts, group, inst, events, n_ev)
        intrabar_exits(st, mkt, counts, t, group, costs, settings)
        seen = _push_trades(trades, counts, seen, gate[1], work[2], work[3])
        if sig[t] or every_bar:
            for c in range(n_cols):
                decide_signals(st, t, c, el, es, xl, xs, no_force, cfg_idx, params, settings)
        if fill_close:
            _gate_pending(st, gst, mkt, t, True, costs, settings, gate, work, counts, group, inst, events, n_ev)
        mark_bar(st, mkt, t, group)
        if t == n_bars - 1:
            close_all(st, mkt, counts, t, group, costs)
            mark_bar(st, mkt, t, group)
        seen = _push_trades(trades, counts, seen, gate[1], work[2], work[3])
        record_bar(st, t, eq, cash, gross, posq)
        equity = eq[t, 0]
        heat[t] = _book(st, gate[0], gate[1], work[4], work[0], work[1]) / equity if equity > 0 else np.nan
        halted[t] = gst[S_BREAKER] + 2.0 * gst[S_DAILY_HALT]  # 1: drawdown breaker, 2: daily loss, 3: both
    return counts, n_ev[0]
