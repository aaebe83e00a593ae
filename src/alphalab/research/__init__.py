"""Research at scale: optimisers, walk-forward, Monte Carlo, overfitting statistics, fitness matrices,
best-config mappings, monthly reports and executors (local processes, Ray). Imports are lazy."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.research.engine_eval import EngineEvaluator
    from alphalab.research.evaluator import Evaluator, Window
    from alphalab.research.executors import LocalExecutor, RayExecutor, make_executor
    from alphalab.research.fitness import fitness_matrix, write_fitness
    from alphalab.research.mapping import BestConfigMapping, export_mapping, load_mapping, run_mapping
    from alphalab.research.montecarlo import monte_carlo
    from alphalab.research.monthly import monthly_report
    from alphalab.research.optimize import optimize
    from alphalab.research.space import SearchSpace, space_from_spec
    from alphalab.research.stats import deflated_sharpe_ratio, probability_of_backtest_overfitting
    from alphalab.research.walkforward import walk_forward

_LAZY = {
    "EngineEvaluator": "alphalab.research.engine_eval",
    "Evaluator": "alphalab.research.evaluator",
    "Window": "alphalab.research.evaluator",
    "LocalExecutor": "alphalab.research.executors",
    "RayExecutor": "alphalab.research.executors",
    "make_executor": "alphalab.research.executors",
    "fitness_matrix": "alphalab.research.fitness",
    "write_fitness": "alphalab.research.fitness",
    "BestConfigMapping": "alphalab.research.mapping",
    "export_mapping": "alphalab.research.mapping",
    "load_mapping": "alphalab.research.mapping",
    "run_mapping": "alphalab.research.mapping",
    "monte_carlo": "alphalab.research.montecarlo",
    "monthly_report": "alphalab.research.monthly",
    "optimize": "alphalab.research.optimize",
    "SearchSpace": "alphalab.research.space",
    "space_from_spec": "alphalab.research.space",
    "deflated_sharpe_ratio": "alphalab.research.stats",
    "probability_of_backtest_overfitting": "alphalab.research.stats",
    "walk_forward": "alphalab.research.walkforward",
}

__all__ = [
    "BestConfigMapping",
    "EngineEvaluator",
    "Evaluator",
    "LocalExecutor",
    "RayExecutor",
    "SearchSpace",
    "Window",
    "deflated_sharpe_ratio",
    "export_mapping",
    "fitness_matrix",
    "load_mapping",
    "make_executor",
    "monte_carlo",
    "monthly_report",
    "optimize",
    "probability_of_backtest_overfitting",
    "run_mapping",
    "space_from_spec",
    "walk_forward",
    "write_fitness",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.research' has no attribute {name!r}")
