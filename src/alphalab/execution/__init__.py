"""Execution algorithms: parent orders (TWAP, VWAP, iceberg, POV, adaptive) that emit child orders.

The schedule is one set of jitted functions (:mod:`alphalab.execution.nb`) that the backtest
(:func:`run_parent`, child orders on bars) and live trading (:class:`ParentOrder`, one completed
bar at a time) both call.
"""

from alphalab.execution.algos import (
    POV,
    TWAP,
    VWAP,
    Adaptive,
    Algo,
    Child,
    Iceberg,
    ParentOrder,
    new_state,
    volume_profile,
)
from alphalab.execution.run import ParentResult, cost_report, run_parent

__all__ = [
    "POV", "TWAP", "VWAP", "Adaptive", "Algo", "Child", "Iceberg", "ParentOrder", "ParentResult",
    "cost_report", "new_state", "run_parent", "volume_profile",
]
