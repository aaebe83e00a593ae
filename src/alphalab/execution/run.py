"""Run parent orders over bar history, and the transaction-cost report (implementation shortfall).

Implementation shortfall of a parent of quantity ``Q`` on side ``s`` against the arrival price
``P0`` (the open of the parent's first bar: what an immediate market order would have been quoted):

- execution cost ``s * sum(q_i * (p_i - P0))`` over the child fills (slippage included in ``p_i``),
- fees ``sum(fee_i)``,
- opportunity cost ``s * (Q - filled) * (P_end - P0)`` with ``P_end`` the last bar's close,

total = their sum, also in basis points of ``Q * P0``. Positive is a cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.engine.simulate import Costs
from alphalab.execution import fills_nb as F
from alphalab.execution.algos import VWAP, Algo, new_state, slot_of, volume_profile

FILL_COLUMNS = ("time", "quantity", "price", "fee", "slippage", "step")


@dataclass(frozen=True, slots=True)
class ParentResult:
    """The child fills of one parent order and its implementation shortfall."""

    algo: str
    side: int
    quantity: float
    arrival: float
    end_price: float
    fills: pd.DataFrame
    execution_cost: float
    fees: float
    opportunity_cost: float

    @property
    def filled(self) -> float:
        return float(self.fills["quantity"].sum())

    @property
    def average_price(self) -> float:
        q = self.filled
        return float((self.fills["quantity"] * self.fills["price"]).sum() / q) if q > 0 else float("nan")

    @property
    def shortfall(self) -> float:
        return self.execution_cost + self.fees + self.opportunity_cost

    @property
    def shortfall_bps(self) -> float:
        return self.shortfall / (self.quantity * self.arrival) * 1e4


def _mkt(bars: pd.DataFrame) -> tuple:
    cols = [np.ascontiguousarray(bars[c].to_numpy(dtype=float).reshape(-1, 1)) for c in
            ("open", "high", "low", "close", "volume")]
    return (*cols, np.empty((0, 1)))


def _start_row(bars: pd.DataFrame, start: pd.Timestamp | int) -> int:
    row = start if isinstance(start, int) else int(bars.index.searchsorted(pd.Timestamp(start), side="left"))
    if not 1 <= row < len(bars):
        raise ConfigError(
            f"parent order start {start!r} is not inside the bars (row {row} of {len(bars)})",
            hint="start at a bar after the first one: the schedule needs one completed bar before it",
        )
    return row


def run_parent(
    algo: Algo, bars: pd.DataFrame, *, side: int, quantity: float, start: pd.Timestamp | int,
    costs: Costs | None = None, lot: float = 0.0,
) -> ParentResult:
    """Run ``algo`` as a parent order from bar ``start`` and return its fills and shortfall.

    Children fill through the engine's fill, fee and slippage rules (see
    :mod:`alphalab.execution.fills_nb`). A VWAP without a profile uses the volume profile of the
    bars before ``start`` only.
    """
    row = _start_row(bars, start)
    profile = np.zeros(0)
    slot0 = 0
    if isinstance(algo, VWAP):
        profile = np.asarray(algo.profile, dtype=float) if algo.profile is not None else volume_profile(
            bars, row, by=algo.by)
        slot0 = slot_of(bars, row, by=algo.by)
    st = new_state(algo, side, quantity, lot=lot, slot0=slot0)
    cvec = (costs or Costs()).vector()
    mkt = _mkt(bars)
    rows = F.run_parent_nb(st, np.ascontiguousarray(profile), mkt, 0, row, cvec)
    fills = pd.DataFrame(
        {
            "time": bars.index[rows[:, F.F_BAR].astype(np.int64)],
            "quantity": rows[:, F.F_QTY],
            "price": rows[:, F.F_PRICE],
            "fee": rows[:, F.F_FEE],
            "slippage": rows[:, F.F_SLIP],
            "step": rows[:, F.F_STEP].astype(np.int64),
        }
    )
    arrival = float(mkt[0][row, 0])
    last = int(rows[-1, F.F_BAR]) if len(rows) else row
    end_price = float(mkt[3][last, 0])
    filled = float(rows[:, F.F_QTY].sum())
    return ParentResult(
        algo=algo.name, side=side, quantity=quantity, arrival=arrival, end_price=end_price, fills=fills,
        execution_cost=float(side * (rows[:, F.F_QTY] * (rows[:, F.F_PRICE] - arrival)).sum()),
        fees=float(rows[:, F.F_FEE].sum()),
        opportunity_cost=float(side * (quantity - filled) * (end_price - arrival)),
    )


def cost_report(results: Sequence[ParentResult]) -> pd.DataFrame:
    """Return the transaction-cost report: implementation shortfall by algorithm (sums; bps of arrival notional)."""
    rows = [
        {
            "algo": r.algo, "parents": 1, "quantity": r.quantity, "filled": r.filled, "children": len(r.fills),
            "arrival_notional": r.quantity * r.arrival, "execution_cost": r.execution_cost, "fees": r.fees,
            "opportunity_cost": r.opportunity_cost, "shortfall": r.shortfall,
        }
        for r in results
    ]
    cols = ["parents", "quantity", "filled", "children", "arrival_notional", "execution_cost", "fees",
            "opportunity_cost", "shortfall"]
    if not rows:
        return pd.DataFrame(columns=["algo", *cols, "shortfall_bps"]).set_index("algo")
    out = pd.DataFrame(rows).groupby("algo", sort=True)[cols].sum()
    out["shortfall_bps"] = out["shortfall"] / out["arrival_notional"] * 1e4
    return out
