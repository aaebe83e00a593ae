"""The compiled bar loop of the fast path over (time, asset) arrays.

It runs the phases of :mod:`alphalab.engine.kernel_nb` (the same per-column functions the
event-driven path calls) but only on the columns that have something to do:

- ``plist``: the columns with a pending market order (sorted), filled at the next open (or the
  close); the others are not visited;
- ``olist``: the columns with an open position (sorted), the only ones checked for stop/target
  exits and marked at the close. A group's value and gross exposure are reset and re-summed over
  its open columns in column order, exactly as a full pass would (groups without an open column
  hold exactly 0);
- ``sig[t]``: whether any column has an entry, exit or forced-exit signal at ``t``; the decision
  pass over the columns runs only then, or while some position has a time stop.

Flat columns are not marked every bar: their mark (the last valid close, used when an entry is
filled) is looked up when a pending order of theirs is executed. The curves are written into
arrays allocated by the caller (a curve with zero rows is not recorded).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE
from alphalab.engine.column_nb import (
    column_loop,
    decide_column,
    fill_curve,
    has_signal,
    last_close,
    signal_index,
)
from alphalab.engine.kernel_nb import (
    close_all,
    execute_one,
    intrabar_one,
    mark_bar,
    mark_one,
    new_state,
)
from alphalab.engine.layout import (
    A_CASH,
    A_GROSS,
    A_VAL,
    N_TRADES,
    P_MARK,
    P_QTY,
    P_TSTOP,
    Q_EXIT,
    Q_SIDE,
    S_FILL_CLOSE,
    S_TARGET_FIRST,
)

REC_CASH, REC_GROSS, REC_POSITIONS = 0, 1, 2
NREC = 3


@nb.njit(**RULE, inline="always")
def _record(
    acct: np.ndarray, pos: np.ndarray, t: int, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray,
    posq: np.ndarray,
) -> None:
    """Write bar ``t`` of the curves; a curve with zero rows is not recorded."""
    for g in range(acct.shape[0]):
        eq[t, g] = acct[g, A_CASH] + acct[g, A_VAL]
    if cash.shape[0] > 0:
        for g in range(acct.shape[0]):
            cash[t, g] = acct[g, A_CASH]
    if gross.shape[0] > 0:
        for g in range(acct.shape[0]):
            gross[t, g] = acct[g, A_GROSS]
    if posq.shape[0] > 0:
        for a in range(pos.shape[0]):
            posq[t, a] = pos[a, P_QTY]


@nb.njit(cache=True, error_model="numpy")
def simulate_nb(
    mkt: tuple, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray,
    force: np.ndarray, params: np.ndarray, group: np.ndarray, capital: np.ndarray, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray, trades: np.ndarray, orders: np.ndarray, eq: np.ndarray,
    cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
) -> tuple:
    """Run the whole simulation over (time, asset) arrays; return the counters and the positions.

    The curves ``eq``, ``cash``, ``gross`` (time, group) and ``posq`` (time, asset) are written in
    place; a curve with zero rows is not recorded. They are allocated by the caller with numpy,
    whose large arrays use transparent huge pages (far fewer page faults than numba's
    allocations when a curve is first written). This function only allocates the state; the bar
    loop runs in ``_bar_loop``, compiled without reference counting.
    """
    n_assets = mkt[0].shape[1]
    st = new_state(n_assets, capital, trades, orders)
    counts = np.zeros(3, dtype=np.int64)
    sig = _signal_bars(el, es, xl, xs, force)
    lists = np.zeros((4, n_assets), dtype=np.int64)  # plist, olist, scratch, flags (1 pending, 2 open)
    _bar_loop(st, mkt, counts, sig, lists, el, es, xl, xs, cfg_idx, force, params, group, costs, settings,
              inst, eq, cash, gross, posq)
    return counts, st[0]


@nb.njit(cache=True, error_model="numpy")
def simulate_one_nb(
    mkt: tuple, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray,
    force: np.ndarray, params: np.ndarray, group: np.ndarray, capital: np.ndarray, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray, trades: np.ndarray, orders: np.ndarray, eq: np.ndarray,
    cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
) -> tuple:
    """``simulate_nb`` for a run of one column (one cash group): the column's own loop (``column_nb``).

    A separate entry point, so that a one-symbol run compiles only this loop (and a multi-column
    run only ``_bar_loop``): numba compiles every function a kernel may call on its first call.
    """
    st = new_state(1, capital, trades, orders)
    counts = np.zeros(3, dtype=np.int64)
    sidx = np.empty(el.shape[0] + 1, dtype=np.int64)
    signal_index(el, es, xl, xs, force, sidx)
    column_loop(st, mkt, counts, sidx, 0, group, el, es, xl, xs, cfg_idx, force, params, costs, settings, inst,
                eq, cash, gross, posq)
    return counts, st[0]


@nb.njit(cache=True, error_model="numpy")
def _signal_bars(el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, force: np.ndarray) -> np.ndarray:
    """Return, per bar, whether any column has an entry, exit or forced-exit signal."""
    sig = np.empty(el.shape[0], dtype=np.bool_)
    _or_signals(sig, el, es, xl, xs, force)
    return sig


@nb.njit(**RULE)
def _or_signals(sig: np.ndarray, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray,
                force: np.ndarray) -> None:
    """``sig[t] = any`` entry, exit or forced-exit signal of any column at ``t``, in one pass over the bars."""
    n_bars, n_assets = el.shape
    for t in range(n_bars):
        s = False
        for a in range(n_assets):
            s |= has_signal(el, es, xl, xs, force, t, a)
        sig[t] = s


@nb.njit(**RULE)
def _bar_loop(
    st: tuple, mkt: tuple, counts: np.ndarray, sig: np.ndarray, lists: np.ndarray, el: np.ndarray,
    es: np.ndarray, xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray, force: np.ndarray, params: np.ndarray,
    group: np.ndarray, costs: np.ndarray, settings: np.ndarray, inst: np.ndarray, eq: np.ndarray,
    cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
) -> None:
    """The bar loop of ``simulate_nb`` (phases as in :mod:`alphalab.engine.kernel_nb`)."""
    n_bars, n_assets = mkt[0].shape
    pos, acct = st[0], st[3]
    fill_close = settings[S_FILL_CLOSE] > 0.0
    target_first = settings[S_TARGET_FIRST] > 0.0
    olist = lists[1]
    npend = np.int64(0)  # np.int64: a literal 0 would make numba compile extra specialisations
    nopen = np.int64(0)
    levels = False
    tstop = False  # some open position may have a time stop
    n_closed = np.int64(0)  # trades recorded when olist was last compacted
    t = np.int64(0)
    while t < n_bars:
        if npend == 0 and nopen == 0 and not sig[t] and t < n_bars - 1:
            t = _quiet_run(sig, t, n_bars - 1, acct, pos, eq, cash, gross, posq)
            continue
        if (npend == 0 and nopen > 0 and not (levels or tstop or sig[t]) and t < n_bars - 1
                and counts[N_TRADES] == n_closed):
            t, levels = _held_run(st, mkt, sig, t, n_bars - 1, group, olist, nopen, eq, cash, gross, posq)
            continue
        if npend > 0 and not fill_close:
            npend, nopen, ts = _execute_list(st, mkt, counts, t, np.bool_(False), lists, npend, nopen, group, costs,
                                             settings, inst)
            levels = True
            tstop = tstop or ts
        if levels:
            _intrabar_list(st, mkt, counts, t, olist, nopen, group, costs, target_first)
        if sig[t] or tstop:
            npend = _decide_all(st, mkt, t, lists, npend, el, es, xl, xs, cfg_idx, force, params, settings)
        if fill_close and npend > 0:
            npend, nopen, ts = _execute_list(st, mkt, counts, t, np.bool_(True), lists, npend, nopen, group, costs, settings,
                                             inst)
            levels = True
            tstop = tstop or ts
        if t == n_bars - 1:
            mark_bar(st, mkt, t, group)
            close_all(st, mkt, counts, t, group, costs)
            mark_bar(st, mkt, t, group)
        elif nopen > 0:
            closed = counts[N_TRADES] != n_closed
            if closed or 2 * nopen >= n_assets:  # a full pass is as cheap, and resets closed groups
                levels = mark_bar(st, mkt, t, group)
                if closed:
                    n_closed = counts[N_TRADES]
                    nopen, tstop = _compact(pos, lists, nopen)
            else:
                levels = _mark_list(st, mkt, t, group, olist, nopen)
        else:
            levels = False
            tstop = False
        _record(acct, pos, t, eq, cash, gross, posq)
        t += 1


@nb.njit(**RULE)
def _held_run(
    st: tuple, mkt: tuple, sig: np.ndarray, t: int, t_end: int, group: np.ndarray, olist: np.ndarray,
    nopen: int, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
) -> tuple:
    """Mark and record the bars from ``t`` on without a signal while open positions have no stop levels.

    On such a bar (before ``t_end``) nothing is pending, no level can be touched and no decision is
    due, so only the marking and the curves change. Stops when a position gets a level (the next
    bar needs the intrabar exits). Returns ``(next bar, levels)``.
    """
    pos, acct = st[0], st[3]
    full = 2 * nopen >= pos.shape[0]
    levels = False
    while t < t_end and not sig[t] and not levels:
        levels = mark_bar(st, mkt, t, group) if full else _mark_list(st, mkt, t, group, olist, nopen)
        _record(acct, pos, t, eq, cash, gross, posq)
        t += 1
    return t, levels


@nb.njit(**RULE)
def _quiet_run(
    sig: np.ndarray, t: int, t_end: int, acct: np.ndarray, pos: np.ndarray, eq: np.ndarray, cash: np.ndarray,
    gross: np.ndarray, posq: np.ndarray,
) -> int:
    """Record the bars from ``t`` on that have no signal, while nothing is open or pending; return the next bar.

    Nothing happens on such a bar (before ``t_end``, the last bar): the accounts and the curves'
    values stay as they are, so the run's end is found first and each curve is filled with its
    constant value (simple store loops instead of one pass over every curve per bar).
    """
    t1 = t
    while t1 < t_end and not sig[t1]:
        t1 += 1
    for g in range(acct.shape[0]):
        fill_curve(eq, g, t, t1, acct[g, A_CASH] + acct[g, A_VAL])
        if cash.shape[0] > 0:
            fill_curve(cash, g, t, t1, acct[g, A_CASH])
        if gross.shape[0] > 0:
            fill_curve(gross, g, t, t1, acct[g, A_GROSS])
    if posq.shape[0] > 0:
        for a in range(pos.shape[0]):
            fill_curve(posq, a, t, t1, pos[a, P_QTY])
    return t1


@nb.njit(**RULE, inline="always")  # one call site: no state-tuple call per bar
def _intrabar_list(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, olist: np.ndarray, nopen: int, group: np.ndarray,
    costs: np.ndarray, target_first: bool,
) -> None:
    """Stop/target exits of the open columns (one call per bar: calls that pass the state are costly)."""
    for i in range(nopen):
        intrabar_one(st, mkt, counts, t, olist[i], group, costs, target_first)


@nb.njit(**RULE, inline="always")  # one call site: no state-tuple call per bar
def _decide_all(
    st: tuple, mkt: tuple, t: int, lists: np.ndarray, npend: int, el: np.ndarray, es: np.ndarray,
    xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray, force: np.ndarray, params: np.ndarray,
    settings: np.ndarray,
) -> int:
    """Take the decisions of every column at the close of ``t``; add new pending columns to ``plist``."""
    pend = st[1]
    plist, flags = lists[0], lists[3]
    n0 = npend
    for a in range(pend.shape[0]):
        decide_column(st, mkt, t, a, el, es, xl, xs, cfg_idx, force, params, settings)
        if (pend[a, Q_EXIT] >= 0.0 or pend[a, Q_SIDE] != 0.0) and not flags[a] & 1:
            flags[a] |= 1
            plist[npend] = a
            npend += 1
    if n0 > 0 and npend > n0:  # orders still waiting from earlier bars: keep the list sorted
        for i in range(1, npend):
            x = plist[i]
            j = i - 1
            while j >= 0 and plist[j] > x:
                plist[j + 1] = plist[j]
                j -= 1
            plist[j + 1] = x
    return npend


@nb.njit(**RULE)
def _execute_list(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, at_close: bool, lists: np.ndarray, npend: int,
    nopen: int, group: np.ndarray, costs: np.ndarray, settings: np.ndarray, inst: np.ndarray,
) -> tuple:
    """Fill the pending orders of the columns in ``plist`` (in column order).

    Returns the new sizes of ``plist`` and ``olist`` and whether a filled position has a time stop.
    """
    pos = st[0]
    plist, olist, new, flags = lists[0], lists[1], lists[2], lists[3]
    k = 0
    nn = 0
    ts = False
    for i in range(npend):
        a = plist[i]
        if pos[a, P_QTY] == 0.0:
            pos[a, P_MARK] = last_close(mkt[3], t - 1, a)  # flat columns are not marked every bar
        if execute_one(st, mkt, counts, t, a, at_close, group, costs, settings, inst):
            plist[k] = a
            k += 1
        else:
            flags[a] &= ~1
        if pos[a, P_QTY] != 0.0:
            ts = ts or pos[a, P_TSTOP] > 0.0
            if not flags[a] & 2:
                flags[a] |= 2
                new[nn] = a
                nn += 1
    i, j, w = nopen - 1, nn - 1, nopen + nn - 1
    while j >= 0:  # merge the newly opened columns into the sorted olist
        if i >= 0 and olist[i] > new[j]:
            olist[w] = olist[i]
            i -= 1
        else:
            olist[w] = new[j]
            j -= 1
        w -= 1
    return k, nopen + nn, ts


@nb.njit(**RULE, inline="always")
def _mark_list(st: tuple, mkt: tuple, t: int, group: np.ndarray, olist: np.ndarray, nopen: int) -> bool:
    """``mark_bar`` over the columns of ``olist`` only (every position opened since the last compaction).

    Returns whether some position has a stop, target or trailing level.
    """
    pos, acct = st[0], st[3]
    close = mkt[3]
    for i in range(nopen):
        g = group[olist[i]]
        acct[g, A_VAL] = 0.0
        acct[g, A_GROSS] = 0.0
    levels = False
    for i in range(nopen):
        a = olist[i]
        if pos[a, P_QTY] == 0.0:
            continue
        c = close[t, a]
        if c == c:
            pos[a, P_MARK] = c
        if mark_one(st, mkt, t, a, group[a]):
            levels = True
    return levels


@nb.njit(**RULE)
def _compact(pos: np.ndarray, lists: np.ndarray, nopen: int) -> tuple:
    """Drop the closed columns from ``olist``; return its size and whether a position has a time stop."""
    olist, flags = lists[1], lists[3]
    k = 0
    tstop = False
    for i in range(nopen):
        a = olist[i]
        if pos[a, P_QTY] == 0.0:
            flags[a] &= ~2
            continue
        tstop = tstop or pos[a, P_TSTOP] > 0.0
        olist[k] = a
        k += 1
    return k, tstop
