"""Analytics: metrics, breakdowns, interactive HTML reports and exports of backtest results.

Imported lazily so that ``import alphalab.analytics`` stays cheap; plotly is loaded only when a
report is written.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.analytics.breakdown import breakdowns
    from alphalab.analytics.exports import export
    from alphalab.analytics.metrics import METRIC_KEYS, compute_metrics, metrics_from_series
    from alphalab.analytics.report import report_from_saved, write_report

_LAZY = {
    "METRIC_KEYS": "alphalab.analytics.metrics",
    "compute_metrics": "alphalab.analytics.metrics",
    "metrics_from_series": "alphalab.analytics.metrics",
    "breakdowns": "alphalab.analytics.breakdown",
    "export": "alphalab.analytics.exports",
    "write_report": "alphalab.analytics.report",
    "report_from_saved": "alphalab.analytics.report",
}

__all__ = [
    "METRIC_KEYS",
    "breakdowns",
    "compute_metrics",
    "export",
    "metrics_from_series",
    "report_from_saved",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.analytics' has no attribute {name!r}")
