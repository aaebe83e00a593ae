"""AlphaLab: research a trading strategy, prove it honestly, run the same strategy on paper and live.

The notebook API (see docs/guide/)::

    import alphalab as al
    r = al.backtest("ema_cross", "sample:AAPL", fast=10)
    r.metrics["sharpe"], r.trades, r.equity, r.plot(), r.report("report.html")
    opt = al.optimize("ema_cross", "sample:AAPL", space={"fast": (5, 30, 5)})
    wf = al.walk_forward("ema_cross", "sample:AAPL")
    mc = al.monte_carlo(r)
    bars = al.load("sample:AAPL")

``strategy`` is a built-in id, an SDL file / dict / ``StrategySpec`` or a :class:`Strategy`
subclass; ``data`` a symbol, a list of symbols, a pandas OHLCV DataFrame or a dict of them.
Everything is imported lazily, so ``import alphalab`` and ``alphalab --help`` stay instant; the
domain packages (``alphalab.data``, ``alphalab.sdl``, ``alphalab.engine``, ``alphalab.analytics``,
``alphalab.research``, ``alphalab.regimes``) hold the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab._results import BacktestRun, MonteCarloRun, OptimizeRun, WalkForwardRun
    from alphalab.api import backtest, load, monte_carlo, optimize, walk_forward
    from alphalab.core.bars import BarArrays
    from alphalab.core.enums import Side
    from alphalab.core.errors import AlphaLabError
    from alphalab.core.instrument import Instrument
    from alphalab.core.timeframe import Timeframe
    from alphalab.engine.config import BacktestConfig
    from alphalab.sdl.models import StrategySpec
    from alphalab.strategies.api import Param, Strategy

__version__ = "0.1.0"

_LAZY = {
    "backtest": "alphalab.api",
    "optimize": "alphalab.api",
    "walk_forward": "alphalab.api",
    "monte_carlo": "alphalab.api",
    "load": "alphalab.api",
    "BacktestRun": "alphalab._results",
    "OptimizeRun": "alphalab._results",
    "WalkForwardRun": "alphalab._results",
    "MonteCarloRun": "alphalab._results",
    "BacktestConfig": "alphalab.engine.config",
    "Strategy": "alphalab.strategies.api",
    "Param": "alphalab.strategies.api",
    "StrategySpec": "alphalab.sdl.models",
    "AlphaLabError": "alphalab.core.errors",
    "BarArrays": "alphalab.core.bars",
    "Instrument": "alphalab.core.instrument",
    "Side": "alphalab.core.enums",
    "Timeframe": "alphalab.core.timeframe",
}

__all__ = [
    "AlphaLabError",
    "BacktestConfig",
    "BacktestRun",
    "BarArrays",
    "Instrument",
    "MonteCarloRun",
    "OptimizeRun",
    "Param",
    "Side",
    "Strategy",
    "StrategySpec",
    "Timeframe",
    "WalkForwardRun",
    "__version__",
    "backtest",
    "load",
    "monte_carlo",
    "optimize",
    "walk_forward",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
