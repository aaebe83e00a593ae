"""The simulation engine: one set of trading rules, a compiled fast path and an event-driven path.

``run_backtest(strategy, bars, config)`` runs an SDL strategy through the numba bar loop;
``run_strategy(StrategyClass, bars, config)`` runs a Python strategy through the event loop, which
calls the same jitted rules; ``alphalab.engine.simulate.simulate`` is the array-level entry point
(the module of that name is public, so the function is not re-exported here) and ``run_sweep`` runs
many parameter sets of one strategy in one compiled call. Imports are lazy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.engine.backtest import run_backtest
    from alphalab.engine.config import BacktestConfig
    from alphalab.engine.event import EventContext, run_strategy
    from alphalab.engine.result import BacktestResult
    from alphalab.engine.simulate import Costs, EntryRules, SimOutput, SimSettings
    from alphalab.engine.sweep import SweepResult, run_sweep, simulate_many

_LAZY = {
    "run_backtest": "alphalab.engine.backtest",
    "BacktestConfig": "alphalab.engine.config",
    "BacktestResult": "alphalab.engine.result",
    "EventContext": "alphalab.engine.event",
    "run_strategy": "alphalab.engine.event",
    "Costs": "alphalab.engine.simulate",
    "EntryRules": "alphalab.engine.simulate",
    "SimOutput": "alphalab.engine.simulate",
    "SimSettings": "alphalab.engine.simulate",
    "SweepResult": "alphalab.engine.sweep",
    "run_sweep": "alphalab.engine.sweep",
    "simulate_many": "alphalab.engine.sweep",
}

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "Costs",
    "EntryRules",
    "EventContext",
    "SimOutput",
    "SimSettings",
    "SweepResult",
    "run_backtest",
    "run_strategy",
    "run_sweep",
    "simulate_many",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.engine' has no attribute {name!r}")
