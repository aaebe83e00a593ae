"""AlphaLab: research a trading strategy, prove it honestly, run the same strategy on paper and live.

The public API is kept small and imported lazily (so ``alphalab --help`` stays instant); heavier
parts live in their domain packages (``alphalab.data``, ``alphalab.sdl``, ``alphalab.engine``,
``alphalab.analytics``, ``alphalab.research``, ``alphalab.regimes``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "AlphaLabError": "alphalab.core.errors",
    "BarArrays": "alphalab.core.bars",
    "Instrument": "alphalab.core.instrument",
    "Side": "alphalab.core.enums",
    "Timeframe": "alphalab.core.timeframe",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab' has no attribute {name!r}")
