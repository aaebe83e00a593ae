"""The event loop's compiled phases behind one entry point with few array arguments.

Calling a numba function from Python costs about 0.2 us per array argument (unboxing), so the
phases' ~22 arrays cost more than the phases themselves on a quiet bar. The event loop therefore
keeps its small state arrays as views of one flat float64 buffer (``state``), the market columns
as one (6, T, A) array and the curves as one flat buffer, and this entry point rebuilds the usual
tuples from them (free inside numba) before calling the very same phase functions of
:mod:`alphalab.engine.kernel_nb`; results are identical.

``state`` layout (``state_layout``): pos (A x NPOS), pend (A x NPEND), pend_prm (A x NPARAM),
acct (1 x NACCT), kelly ring (A x KMAX), costs (NCOST), settings (NSET), inst (A x NINST).
``ints``: counts (3) then the group of each column (A). ``curves``: eq, cash, gross (T each) then
the positions (T x A).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import ENTRY
from alphalab.engine.kernel_nb import _end_phase, _open_phase, _rule_exits_all, mark_bar, record_bar
from alphalab.engine.layout import (
    A_GROSS,
    A_VAL,
    KMAX,
    NACCT,
    NCOST,
    NINST,
    NPARAM,
    NPEND,
    NPOS,
    NSET,
    P_QTY,
    P_SL,
    P_TP,
    P_TRTYPE,
    P_TSTOP,
    Q_EXIT,
    Q_SIDE,
    S_FILL_CLOSE,
)

MODE_OPEN, MODE_END, MODE_STEP, MODE_RULES = 0, 1, 2, 3
_WIDTHS = (NPOS, NPEND, NPARAM, -1, KMAX)  # per-column widths of the state tables (-1: acct, one row)


def state_layout(n_assets: int) -> tuple[int, ...]:
    """Return the offsets of pos, pend, pend_prm, acct, kelly ring, costs, settings, inst and the end."""
    sizes = [n_assets * w if w > 0 else NACCT for w in _WIDTHS] + [NCOST, NSET, n_assets * NINST]
    return tuple(int(x) for x in np.cumsum([0, *sizes]))


@nb.njit(**ENTRY, inline="always")
def _unpack(state: np.ndarray, trades: np.ndarray, orders: np.ndarray, mkt3: np.ndarray, ints: np.ndarray,
            curves: np.ndarray) -> tuple:
    """Rebuild the phases' tuples and arrays as views of the packed buffers (no copies)."""
    a = ints.shape[0] - 3
    n = mkt3.shape[1]
    o1 = a * NPOS
    o2 = o1 + a * NPEND
    o3 = o2 + a * NPARAM
    o4 = o3 + NACCT
    o5 = o4 + a * KMAX
    o6 = o5 + NCOST
    o7 = o6 + NSET
    st = (state[:o1].reshape((a, NPOS)), state[o1:o2].reshape((a, NPEND)), state[o2:o3].reshape((a, NPARAM)),
          state[o3:o4].reshape((1, NACCT)), state[o4:o5].reshape((a, KMAX)), trades, orders)
    inst = state[o7:o7 + a * NINST].reshape((a, NINST))
    mkt = (mkt3[0], mkt3[1], mkt3[2], mkt3[3], mkt3[4], mkt3[5])
    curv = (curves[:n].reshape((n, 1)), curves[n:2 * n].reshape((n, 1)), curves[2 * n:3 * n].reshape((n, 1)),
            curves[3 * n:3 * n + n * a].reshape((n, a)))
    return st, mkt, ints[:3], ints[3:], state[o5:o6], state[o6:o7], inst, curv


@nb.njit(**ENTRY)
def phases(mode: int, state: np.ndarray, trades: np.ndarray, orders: np.ndarray, mkt3: np.ndarray,
           ints: np.ndarray, curves: np.ndarray, t: int, with_rule_exits: bool) -> int:
    """Run the phases of ``mode`` at bar ``t``; return the number of order records written so far.

    ``MODE_OPEN``: fills at the open and intrabar exits of ``t`` (``_open_phase``); ``MODE_END``:
    close fills, marking and records of ``t`` (``_end_phase``); ``MODE_STEP``: ``_end_phase`` of ``t``
    then ``_open_phase`` of ``t + 1``; ``MODE_RULES``: the engine's own exits at ``t``.
    """
    st, mkt, counts, group, costs, settings, inst, curv = _unpack(state, trades, orders, mkt3, ints, curves)
    if mode == MODE_RULES:
        _rule_exits_all(st, mkt, t, settings[S_FILL_CLOSE] > 0.0)
        return int(counts[1])
    if mode == MODE_OPEN:
        _open_phase(st, mkt, counts, t, group, costs, settings, inst, with_rule_exits)
        return int(counts[1])
    eq, cash, gross, posq = curv
    _end_phase(st, mkt, counts, t, group, costs, settings, inst, eq, cash, gross, posq)
    if mode == MODE_STEP and t + 1 < mkt3.shape[1]:
        _open_phase(st, mkt, counts, t + 1, group, costs, settings, inst, with_rule_exits)
    return int(counts[1])


@nb.njit(**ENTRY)
def hold(state: np.ndarray, trades: np.ndarray, orders: np.ndarray, mkt3: np.ndarray, ints: np.ndarray,
         curves: np.ndarray, t0: int, t1: int) -> int:
    """Run the steps of the inert bars ``t0 .. t1-1`` that the loop deferred (see ``EventLoop.sync``).

    Inert (``state_flags`` bit 2, next-open fills, never the last bar): nothing is pending and no
    position has a stop, target, trailing or time stop, so ``_end_phase`` reduces to marking and
    recording, and ``_open_phase`` of the next bar finds nothing to fill or exit. Exactly those
    two functions of the shared rules run here, bar by bar.
    """
    st, mkt, counts, group, _costs, _settings, _inst, curv = _unpack(state, trades, orders, mkt3, ints, curves)
    eq, cash, gross, posq = curv
    for t in range(t0, t1):
        mark_bar(st, mkt, t, group)
        record_bar(st, t, eq, cash, gross, posq)
    return int(counts[1])


@nb.njit(**ENTRY)
def state_flags(state: np.ndarray, n_assets: int) -> int:
    """Return bit 1 when the account is flat with nothing pending (quiet), bit 2 when no fill can
    happen until the strategy acts: nothing pending and no position with a stop, target, trailing
    stop or time stop (inert). Working orders are the caller's to check."""
    a = n_assets
    o1 = a * NPOS
    o2 = o1 + a * NPEND
    o3 = o2 + a * NPARAM
    pos, pend = state[:o1].reshape((a, NPOS)), state[o1:o2].reshape((a, NPEND))
    acct = state[o3:o3 + NACCT]
    flat, levels, pending = True, False, False
    for j in range(a):
        if pend[j, Q_SIDE] != 0.0 or pend[j, Q_EXIT] >= 0.0:
            pending = True
        if pos[j, P_QTY] != 0.0:
            flat = False
            if (pos[j, P_SL] == pos[j, P_SL] or pos[j, P_TP] == pos[j, P_TP] or pos[j, P_TRTYPE] != 0.0
                    or pos[j, P_TSTOP] != 0.0):
                levels = True
    quiet = flat and not pending and acct[A_VAL] == 0.0 and acct[A_GROSS] == 0.0
    return (1 if quiet else 0) | (2 if not pending and not levels else 0)
