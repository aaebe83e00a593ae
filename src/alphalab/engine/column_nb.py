"""The fast path's bar loop for a column alone in its cash group (a one-symbol run, or a sweep column).

Such a column shares nothing with the other columns, so its bars can be simulated on their own,
with the phases of :mod:`alphalab.engine.kernel_nb` in the same order as ``loop_nb._bar_loop``
runs them for that column (and the same rule functions): the results are bit-identical. What
differs is only the scheduling of the bars where nothing can happen:

- flat, nothing pending and no signal (``_flat_run``): the curves keep their values, so the run's
  end is found first and each curve is filled with its constant;
- holding a position without stop, target, trailing or time-stop levels and no signal
  (``_held_run``): only the marking changes; ``mark_one``'s bounds update runs on local variables
  instead of reading and writing the state arrays on every bar.

``loop_nb.simulate_nb`` uses it for runs of one column. (Sweeps of many single-column groups keep
the shared bar loop: their (time x column) arrays are C-ordered, so walking one column at a time
would read a cache line per bar and column.)
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE, prefetch
from alphalab.engine.accounting_nb import exit_position
from alphalab.engine.kernel_nb import (
    KIND_MARKET,
    REASON_END,
    decide_signals,
    execute_one,
    intrabar_one,
    mark_one,
    marked_value,
    ratchet_bounds,
)
from alphalab.engine.layout import (
    A_CASH,
    A_GROSS,
    A_VAL,
    P_ATCLOSE,
    P_BAR,
    P_CFG,
    P_EXT,
    P_HIGH,
    P_LOW,
    P_MARK,
    P_QTY,
    P_TSTOP,
    Q_EXIT,
    Q_SIDE,
    S_FILL_CLOSE,
    S_TARGET_FIRST,
)


@nb.njit(**RULE)
def last_close(close: np.ndarray, t: int, a: int) -> float:
    """Return column ``a``'s last valid close at or before bar ``t`` (NaN when none)."""
    for s in range(t, -1, -1):
        c = close[s, a]
        if c == c:
            return c
    return np.nan


@nb.njit(**RULE, inline="always")
def decide_column(
    st: tuple, mkt: tuple, t: int, a: int, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray,
    cfg_idx: np.ndarray, force: np.ndarray, params: np.ndarray, settings: np.ndarray,
) -> None:
    """Take column ``a``'s decisions at the close of ``t`` when it has a signal, an exit or a time stop."""
    pos = st[0]
    if mkt[3][t, a] != mkt[3][t, a]:
        return
    fe = force[t, a] if force.shape[0] > 1 else False
    need = el[t, a] or (es.shape[0] > 0 and es[t, a]) or fe
    if not need:
        q = pos[a, P_QTY]
        if q != 0.0:
            k = int(pos[a, P_CFG])
            need = (q > 0.0 and xl[k, t, a]) or (q < 0.0 and xs.shape[1] > 0 and xs[k, t, a]) or pos[a, P_TSTOP] > 0.0
    if need:
        decide_signals(st, t, a, el, es, xl, xs, fe, cfg_idx, params, settings, mkt[3])


@nb.njit(**RULE, inline="always")
def has_signal(el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, force: np.ndarray, t: int,
               a: int) -> bool:
    """Whether column ``a`` has an entry, exit or forced-exit signal at ``t`` (the bars a decision is taken).

    Short signals with zero bars, and a (1, 1) ``force``, mean none.
    """
    s = el[t, a]
    for c in range(xl.shape[0]):
        s |= xl[c, t, a]
    if es.shape[0] > 0:
        s |= es[t, a]
    if xs.shape[1] > 0:
        for c in range(xs.shape[0]):
            s |= xs[c, t, a]
    if force.shape[0] > 1:
        s |= force[t, a]
    return s


@nb.njit(**RULE)
def signal_index(el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, force: np.ndarray,
                 out: np.ndarray) -> None:
    """Write the bars where column 0 has an entry, exit or forced-exit signal, in order, into ``out``.

    ``out`` has one slot per bar plus one; after the last signal bar it holds the number of bars.
    Short signals with zero bars mean none. With long signals only, the columns are read 8 bars (one
    64-bit word) at a time: signals are sparse, so most words are zero and skip 8 bars at once.
    """
    n_bars = el.shape[0]
    k = 0
    m = 0
    if xl.shape[0] == 1 and es.shape[0] == 0 and xs.shape[1] == 0 and force.shape[0] <= 1:  # long entries and exits only: by words
        m = n_bars - n_bars % 8
        e8 = el.reshape(-1)[:m].view(np.uint64)
        x8 = xl[0].reshape(-1)[:m].view(np.uint64)
        for w in range(m // 8):
            word = e8[w] | x8[w]
            if word:
                for b in range(8):  # bytes are 0 or 1; branch-free as below
                    out[k] = 8 * w + b
                    k += (word >> np.uint64(8 * b)) & np.uint64(1)
    for t in range(m, n_bars):  # branch-free: the slot is overwritten unless the bar has a signal
        out[k] = t
        k += has_signal(el, es, xl, xs, force, t, 0)
    out[k] = n_bars


@nb.njit(**RULE)
def column_loop(
    st: tuple, mkt: tuple, counts: np.ndarray, sidx: np.ndarray, a: int, group: np.ndarray, el: np.ndarray,
    es: np.ndarray, xl: np.ndarray, xs: np.ndarray, cfg_idx: np.ndarray, force: np.ndarray, params: np.ndarray,
    costs: np.ndarray, settings: np.ndarray, inst: np.ndarray, eq: np.ndarray, cash: np.ndarray,
    gross: np.ndarray, posq: np.ndarray,
) -> None:
    """Simulate column ``a``, alone in its cash group, over every bar (phases as in ``kernel_nb``).

    ``sidx`` lists the bars with an entry, exit or forced-exit signal (``signal_index``).
    """
    n_bars = mkt[0].shape[0]
    pos, pend, acct = st[0], st[1], st[3]
    g = group[a]
    fill_close = settings[S_FILL_CLOSE] > 0.0
    target_first = settings[S_TARGET_FIRST] > 0.0
    last = n_bars - 1
    levels = False  # the open position has a stop, target or trailing level (from its last marking)
    j = 0  # sidx[j]: the next bar with a signal
    t = np.int64(0)
    while t < n_bars:
        while sidx[j] < t:
            j += 1
        has_sig = sidx[j] == t
        pending = pend[a, Q_EXIT] >= 0.0 or pend[a, Q_SIDE] != 0.0
        if t < last and not pending and not has_sig:
            t1 = min(sidx[j], last)
            if pos[a, P_QTY] == 0.0:
                _flat_run(acct, pos, a, g, t, t1, eq, cash, gross, posq)
                t = t1
                continue
            if not levels and pos[a, P_TSTOP] <= 0.0:
                _held_run(pos, acct, a, g, mkt[1], mkt[2], mkt[3], t, t1, eq, cash, gross, posq)
                t = t1
                continue
        if pending and not fill_close:
            _fill(st, mkt, counts, t, a, np.bool_(False), group, costs, settings, inst)
            levels = True
        if levels:
            intrabar_one(st, mkt, counts, t, a, group, costs, target_first)
        if has_sig:
            _prefetch_bars(mkt, el, es, xl, xs, eq, sidx, j, a, g)
        if has_sig or (pos[a, P_QTY] != 0.0 and pos[a, P_TSTOP] > 0.0):
            decide_column(st, mkt, t, a, el, es, xl, xs, cfg_idx, force, params, settings)
        if fill_close and (pend[a, Q_EXIT] >= 0.0 or pend[a, Q_SIDE] != 0.0):
            _fill(st, mkt, counts, t, a, np.bool_(True), group, costs, settings, inst)
            levels = True
        levels = _mark(st, mkt, t, a, g)
        if t == last:
            _close_column(st, mkt, counts, t, a, g, costs)
            _mark(st, mkt, t, a, g)
        _record(acct, pos, t, a, g, eq, cash, gross, posq)
        t += 1


@nb.njit(**RULE, inline="always")
def _prefetch_bars(
    mkt: tuple, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray, eq: np.ndarray, sidx: np.ndarray,
    j: int, a: int, g: int,
) -> None:
    """Ask the cache for what the next two signal bars (and their fill bars) will read.

    Between signal bars the loop streams only the close, high and low (and writes equity), so the
    signal columns and the next bar's open would otherwise be fetched from memory when needed.
    """
    n_bars = eq.shape[0]
    for k in range(j + 1, min(j + 3, sidx.shape[0])):
        tn = sidx[k]
        if tn >= n_bars:
            return
        prefetch(el, (tn, a))
        prefetch(es, (tn, a))
        prefetch(xl, (0, tn, a))
        prefetch(xs, (0, tn, a))
        prefetch(mkt[3], (tn, a))
        prefetch(eq, (tn, g))
        tf = min(tn + 1, n_bars - 1)
        prefetch(mkt[0], (tf, a))
        prefetch(mkt[1], (tf, a))
        prefetch(mkt[2], (tf, a))
        prefetch(mkt[3], (tf, a))


@nb.njit(**RULE, inline="always")
def _fill(
    st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, at_close: bool, group: np.ndarray,
    costs: np.ndarray, settings: np.ndarray, inst: np.ndarray,
) -> None:
    """Fill column ``a``'s pending market orders at bar ``t``; a flat column is marked at its last close."""
    pos = st[0]
    if pos[a, P_QTY] == 0.0:
        pos[a, P_MARK] = last_close(mkt[3], t - 1, a)  # flat columns are not marked every bar
    execute_one(st, mkt, counts, t, a, at_close, group, costs, settings, inst)


@nb.njit(**RULE, inline="always")
def _mark(st: tuple, mkt: tuple, t: int, a: int, g: int) -> bool:
    """``mark_bar`` of a group holding only column ``a``; returns whether its position has levels."""
    pos, acct = st[0], st[3]
    acct[g, A_VAL] = 0.0
    acct[g, A_GROSS] = 0.0
    c = mkt[3][t, a]
    if c == c:
        pos[a, P_MARK] = c
    if pos[a, P_QTY] != 0.0:
        return mark_one(st, mkt, t, a, g)
    return False


@nb.njit(**RULE)
def _close_column(st: tuple, mkt: tuple, counts: np.ndarray, t: int, a: int, g: int, costs: np.ndarray) -> None:
    """``close_all`` for column ``a``: close its position at its mark with reason ``end_of_data``."""
    q = st[0][a, P_QTY]
    if q != 0.0:
        exit_position(st, mkt, counts, t, a, g, abs(q), st[0][a, P_MARK], t, np.int64(REASON_END),
                      np.bool_(False), np.int64(KIND_MARKET), costs)
    st[1][a, Q_EXIT] = -1.0
    st[1][a, Q_SIDE] = 0.0


@nb.njit(**RULE, inline="always")
def _record(
    acct: np.ndarray, pos: np.ndarray, t: int, a: int, g: int, eq: np.ndarray, cash: np.ndarray,
    gross: np.ndarray, posq: np.ndarray,
) -> None:
    """Write bar ``t`` of the group's curves (a curve with zero rows is not recorded)."""
    eq[t, g] = acct[g, A_CASH] + acct[g, A_VAL]
    if cash.shape[0] > 0:
        cash[t, g] = acct[g, A_CASH]
    if gross.shape[0] > 0:
        gross[t, g] = acct[g, A_GROSS]
    if posq.shape[0] > 0:
        posq[t, a] = pos[a, P_QTY]


@nb.njit(**RULE)
def _flat_run(
    acct: np.ndarray, pos: np.ndarray, a: int, g: int, t: int, t1: int, eq: np.ndarray, cash: np.ndarray,
    gross: np.ndarray, posq: np.ndarray,
) -> None:
    """Record bars ``t .. t1 - 1``, which have no signal while the column is flat: every curve keeps its value."""
    fill_curve(eq, g, t, t1, acct[g, A_CASH] + acct[g, A_VAL])
    if cash.shape[0] > 0:
        fill_curve(cash, g, t, t1, acct[g, A_CASH])
    if gross.shape[0] > 0:
        fill_curve(gross, g, t, t1, acct[g, A_GROSS])
    if posq.shape[0] > 0:
        fill_curve(posq, a, t, t1, pos[a, P_QTY])


@nb.njit(**RULE, inline="always")
def fill_curve(x: np.ndarray, j: int, t: int, t1: int, v: float) -> None:
    """Write ``v`` into rows ``t .. t1 - 1`` of column ``j`` of a curve."""
    y = x[t:t1, j]  # a view: indices from 0 need no negative-index handling
    for k in range(y.shape[0]):
        y[k] = v


@nb.njit(**RULE)
def _held_run(
    pos: np.ndarray, acct: np.ndarray, a: int, g: int, high: np.ndarray, low: np.ndarray, close: np.ndarray,
    t: int, t1: int, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray, posq: np.ndarray,
) -> None:
    """Mark and record bars ``t .. t1 - 1``, which have no signal while the position (without levels) is held.

    Only the marking changes: per bar this is ``_mark`` (``mark_one``) and ``_record`` with the same
    operations in the same order (so bit-identical), on local variables.
    """
    q = pos[a, P_QTY]
    m0 = pos[a, P_MARK]
    skip = int(pos[a, P_BAR]) if pos[a, P_ATCLOSE] > 0.0 else -1  # the entry bar's own range does not count
    c_cash = acct[g, A_CASH]
    m = _value_stretch(close[t:t1, a], eq[t:t1, g], m0, q, c_cash, False)
    _bounds(pos, a, high[t:t1, a], low[t:t1, a], t, skip)
    pos[a, P_MARK] = m
    v, gr = marked_value(q, m)
    acct[g, A_VAL] = 0.0 + v
    acct[g, A_GROSS] = 0.0 + gr
    if cash.shape[0] > 0:
        fill_curve(cash, g, t, t1, c_cash)
    if posq.shape[0] > 0:
        fill_curve(posq, a, t, t1, q)
    if gross.shape[0] > 0:
        _value_stretch(close[t:t1, a], gross[t:t1, g], m0, q, 0.0, True)


@nb.njit(**RULE, inline="always")
def _value_stretch(close: np.ndarray, out: np.ndarray, m: float, q: float, base: float, gross: bool) -> float:
    """``out[k] = base + (0.0 + value)``, the (gross) ``marked_value`` at the mark carried over NaN closes.

    Returns the last mark.
    """
    for k in range(close.shape[0]):
        c = close[k]
        if c == c:
            m = c
        v, gr = marked_value(q, m)
        out[k] = base + (0.0 + (gr if gross else v))
    return m


@nb.njit(**RULE, inline="always")
def _bounds(pos: np.ndarray, a: int, high: np.ndarray, low: np.ndarray, t: int, skip: int) -> None:
    """``mark_one``'s trailing extreme and MAE/MFE bounds over the bars of ``high``/``low`` (from bar ``t``).

    Bar ``skip`` (an entry filled at its close) does not count.
    """
    ext, b_lo, b_hi = pos[a, P_EXT], pos[a, P_LOW], pos[a, P_HIGH]
    ks = skip - t
    long = pos[a, P_QTY] > 0.0
    for k in range(high.shape[0]):
        h = high[k]
        if h == h and k != ks:
            ext, b_lo, b_hi = ratchet_bounds(ext, b_lo, b_hi, long, h, low[k])
    pos[a, P_EXT], pos[a, P_LOW], pos[a, P_HIGH] = ext, b_lo, b_hi
