"""Market regimes: causal HMM and rule-based detectors, stored series, the regime router, breakdowns.

Imports are lazy so that ``import alphalab.regimes`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.regimes.breakdown import regime_breakdown, regimes_summary
    from alphalab.regimes.config import REGIME_LABELS, HMMConfig, RuleConfig, config_hash
    from alphalab.regimes.detection import detect, detect_with, make_config
    from alphalab.regimes.hmm import RegimeResult, detect_hmm
    from alphalab.regimes.router import RoutingTable, load_table, run_router_backtest
    from alphalab.regimes.rules import detect_rule
    from alphalab.regimes.store import RegimeStore

_LAZY = {
    "regime_breakdown": "alphalab.regimes.breakdown",
    "regimes_summary": "alphalab.regimes.breakdown",
    "REGIME_LABELS": "alphalab.regimes.config",
    "HMMConfig": "alphalab.regimes.config",
    "RuleConfig": "alphalab.regimes.config",
    "config_hash": "alphalab.regimes.config",
    "detect": "alphalab.regimes.detection",
    "detect_with": "alphalab.regimes.detection",
    "make_config": "alphalab.regimes.detection",
    "RegimeResult": "alphalab.regimes.hmm",
    "detect_hmm": "alphalab.regimes.hmm",
    "RoutingTable": "alphalab.regimes.router",
    "load_table": "alphalab.regimes.router",
    "run_router_backtest": "alphalab.regimes.router",
    "detect_rule": "alphalab.regimes.rules",
    "RegimeStore": "alphalab.regimes.store",
}

__all__ = [
    "HMMConfig",
    "REGIME_LABELS",
    "RegimeResult",
    "RegimeStore",
    "RoutingTable",
    "RuleConfig",
    "config_hash",
    "detect",
    "detect_hmm",
    "detect_rule",
    "detect_with",
    "load_table",
    "make_config",
    "regime_breakdown",
    "regimes_summary",
    "run_router_backtest",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.regimes' has no attribute {name!r}")
