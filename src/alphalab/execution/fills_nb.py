"""Child fills of a parent order on bars, through the engine's own fill, fee and slippage rules.

At each bar ``t`` from the parent's start, the schedule first observes bar ``t - 1`` (the last
completed bar), decides a child, and the child fills in bar ``t``:

- a market child fills at the open of ``t`` plus the engine's taker slippage
  (:func:`alphalab.engine.rules_nb.slip_of` with the reference bar ``t - 1``), capped like an
  engine entry by the participation cap when the volume slippage model is on, taker fee;
- a limit child fills like the engine's working limit order
  (:func:`alphalab.engine.rules_nb.order_trigger`), maker fee, no slippage, or not at all.

Fill rows (layout ``F_*``): bar, quantity, price, fee, slippage cost (quote), step.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from alphalab.engine.layout import C_PCAP, C_SLIP_TYPE, SLIP_VOLUME
from alphalab.engine.rules_nb import fee_of, order_trigger, round_lot, slip_of
from alphalab.execution.nb import E_LOT, E_SIDE, E_STEP, is_done, next_child, observe, on_fill

F_BAR, F_QTY, F_PRICE, F_FEE, F_SLIP, F_STEP = 0, 1, 2, 3, 4, 5
NFILL = 6


@nb.njit(cache=True)
def child_fill(
    st: np.ndarray, q: float, limit: float, t: int, a: int, mkt: tuple, costs: np.ndarray
) -> tuple:
    """Return ``(quantity, price, fee, slippage cost)`` of one child in bar ``t`` (quantity 0: none)."""
    side = int(st[E_SIDE])
    o, h, lo = mkt[0][t, a], mkt[1][t, a], mkt[2][t, a]
    if not o > 0.0:
        return 0.0, np.nan, 0.0, 0.0
    if limit == limit:
        px, _ = order_trigger(1, side, limit, np.nan, False, o, h, lo)
        if px != px:
            return 0.0, np.nan, 0.0, 0.0
        return q, px, fee_of(q * px, True, costs), 0.0
    if int(costs[C_SLIP_TYPE]) == SLIP_VOLUME:
        vol = mkt[4][t - 1, a]
        if vol == vol:
            q = round_lot(min(q, costs[C_PCAP] * vol), st[E_LOT])
    if not q > 0.0:
        return 0.0, np.nan, 0.0, 0.0
    d = slip_of(o, q, t - 1, a, mkt, costs)
    px = o + side * d
    return q, px, fee_of(q * px, False, costs), q * d


@nb.njit(cache=True)
def run_parent_nb(
    st: np.ndarray, profile: np.ndarray, mkt: tuple, a: int, start: int, costs: np.ndarray
) -> np.ndarray:
    """Run a parent order on column ``a`` from bar ``start`` (>= 1) to its end; return its fill rows."""
    n = mkt[0].shape[0]
    out = np.empty((max(n - start, 0), NFILL))
    m = 0
    for t in range(start, n):
        if is_done(st):
            break
        observe(st, mkt[0][t - 1, a], mkt[1][t - 1, a], mkt[2][t - 1, a], mkt[3][t - 1, a], mkt[4][t - 1, a])
        q, limit = next_child(st, profile)
        if not q > 0.0:
            continue
        fq, px, fee, slip = child_fill(st, q, limit, t, a, mkt, costs)
        if not fq > 0.0:
            continue
        on_fill(st, fq)
        out[m, F_BAR] = t
        out[m, F_QTY] = fq
        out[m, F_PRICE] = px
        out[m, F_FEE] = fee
        out[m, F_SLIP] = slip
        out[m, F_STEP] = st[E_STEP] - 1.0
        m += 1
    return out[:m]
