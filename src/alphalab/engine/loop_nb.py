"""The compiled bar loop of the fast path over (time, asset) arrays.

It runs the phases of :mod:`alphalab.engine.kernel_nb` (the same functions the event-driven path
calls) but skips every phase that has nothing to do, using flags carried from bar to bar instead
of scanning the state:

- ``pending``: some column has a market order waiting (set when a decision was taken, cleared
  when ``execute_pending`` reports nothing left waiting);
- ``levels``: some open position has a stop, target or trailing level (returned by ``mark_bar``,
  and set whenever pending entries were filled at the open).

A quiet bar therefore costs one pass over the columns' signals, the marking pass and the writes
of the recorded curves (about 5 ns for one column). Curves other than equity can be switched off (``rec``), which sweeps use to
avoid writing (time x column) arrays they never read.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import RULE
from alphalab.engine.kernel_nb import (
    close_all,
    decide_signals,
    execute_pending,
    intrabar_exits,
    mark_bar,
    new_state,
)
from alphalab.engine.layout import A_CASH, A_GROSS, A_VAL, P_CFG, P_QTY, P_TSTOP, S_FILL_CLOSE

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
    settings: np.ndarray, inst: np.ndarray, trades: np.ndarray, orders: np.ndarray, rec: np.ndarray,
) -> tuple:
    """Run the whole simulation over (time, asset) arrays; return counters, curves and the state.

    ``rec[REC_*]`` (booleans) choose which curves besides equity are written; a curve that is not
    recorded is returned with zero rows. This function only allocates; the bar loop runs in
    ``_bar_loop``, compiled without reference counting (it allocates nothing), so that handing
    the state to the rule functions costs no atomic reference-count updates.
    """
    n_bars, n_assets = mkt[0].shape
    n_groups = capital.shape[0]
    st = new_state(n_assets, capital, trades, orders)
    counts = np.zeros(3, dtype=np.int64)
    eq = np.empty((n_bars, n_groups))
    cash = np.empty((n_bars if rec[REC_CASH] else 0, n_groups))
    gross = np.empty((n_bars if rec[REC_GROSS] else 0, n_groups))
    posq = np.empty((n_bars if rec[REC_POSITIONS] else 0, n_assets))
    _bar_loop(st, mkt, counts, el, es, xl, xs, cfg_idx, force, params, group, costs, settings, inst,
              eq, cash, gross, posq)
    return counts, eq, cash, gross, posq, st[0]


@nb.njit(**RULE)
def _bar_loop(
    st: tuple, mkt: tuple, counts: np.ndarray, el: np.ndarray, es: np.ndarray, xl: np.ndarray, xs: np.ndarray,
    cfg_idx: np.ndarray, force: np.ndarray, params: np.ndarray, group: np.ndarray, costs: np.ndarray,
    settings: np.ndarray, inst: np.ndarray, eq: np.ndarray, cash: np.ndarray, gross: np.ndarray,
    posq: np.ndarray,
) -> None:
    """The bar loop of ``simulate_nb`` (phases as in :mod:`alphalab.engine.kernel_nb`)."""
    n_bars, n_assets = mkt[0].shape
    pos, acct = st[0], st[3]
    fill_close = settings[S_FILL_CLOSE] > 0.0
    has_force = force.shape[0] > 1
    close = mkt[3]
    pending = False
    levels = False
    for t in range(n_bars):
        if pending and not fill_close:
            pending = execute_pending(st, mkt, counts, t, False, group, costs, settings, inst)
            levels = True
        if levels:
            intrabar_exits(st, mkt, counts, t, group, costs, settings)
        for a in range(n_assets):
            if close[t, a] != close[t, a]:
                continue
            fe = force[t, a] if has_force else False
            need = el[t, a] or es[t, a] or fe
            if not need:
                q = pos[a, P_QTY]
                if q != 0.0:
                    k = int(pos[a, P_CFG])
                    need = (q > 0.0 and xl[k, t, a]) or (q < 0.0 and xs[k, t, a]) or pos[a, P_TSTOP] > 0.0
            if need:
                decide_signals(st, t, a, el, es, xl, xs, fe, cfg_idx, params, settings)
                pending = True
        if fill_close and pending:
            pending = execute_pending(st, mkt, counts, t, True, group, costs, settings, inst)
        levels = mark_bar(st, mkt, t, group)
        if t == n_bars - 1:
            close_all(st, mkt, counts, t, group, costs)
            mark_bar(st, mkt, t, group)
        _record(acct, pos, t, eq, cash, gross, posq)
