"""The paper broker's compiled step: the engine's own bar phases on a bar that just closed.

The paper book keeps the event loop's packed buffers (``alphalab.engine.event_nb``) with a
capacity that grows as bars arrive, and runs on each new bar exactly the functions of the shared
rules the backtest runs: ``_open_phase`` (fills at the open, intrabar stop/target/trailing exits),
``decide_column`` (signals into pending orders, with the engine's time stop), then the close
phase (close fills when chosen, marking, the end-of-run close when asked, records). The end of
the data is not known forward in time, so the close of every position happens only when the
caller says the bar is the last (``last``), where the backtest closes at its final bar.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine._jit import ENTRY
from alphalab.engine.column_nb import decide_column
from alphalab.engine.event_nb import _unpack
from alphalab.engine.kernel_nb import (
    _open_phase,
    close_all,
    execute_pending,
    has_pending,
    mark_bar,
    record_bar,
)
from alphalab.engine.layout import S_FILL_CLOSE

PHASE_OPEN, PHASE_DECIDE, PHASE_CLOSE = 0, 1, 2


@nb.njit(**ENTRY)
def paper_phase(mode: int, state: np.ndarray, trades: np.ndarray, orders: np.ndarray, mkt3: np.ndarray,
                ints: np.ndarray, curves: np.ndarray, sig: np.ndarray, params: np.ndarray, t: int,
                last: bool) -> int:
    """Run one phase of bar ``t``; return the number of order records written so far.

    ``sig`` is (4, capacity, A) bool: entry long, exit long, entry short, exit short at each bar.
    ``params`` is the (NPARAM, 1, 1) entry-rule vector.
    """
    st, mkt, counts, group, costs, settings, inst, curv = _unpack(state, trades, orders, mkt3, ints, curves)
    if mode == PHASE_OPEN:
        _open_phase(st, mkt, counts, t, group, costs, settings, inst, False)
    elif mode == PHASE_DECIDE:
        cfg = np.zeros((1, 1), dtype=np.int64)
        force = np.zeros((1, 1), dtype=np.bool_)
        el, xl, es, xs = sig[0], sig[1:2], sig[2], sig[3:4]
        for a in range(st[0].shape[0]):
            decide_column(st, mkt, t, a, el, es, xl, xs, cfg, force, params, settings)
    else:
        if settings[S_FILL_CLOSE] > 0.0 and has_pending(st):
            execute_pending(st, mkt, counts, t, np.bool_(True), group, costs, settings, inst)
        mark_bar(st, mkt, t, group)
        if last:
            close_all(st, mkt, counts, t, group, costs)
            mark_bar(st, mkt, t, group)
        eq, cash, gross, posq = curv
        record_bar(st, t, eq, cash, gross, posq)
    return int(counts[1])
