"""Strategy Definition Language: JSON strategies validated into typed specs and compiled to plans.

``load(source, params=...)`` returns a :class:`~alphalab.sdl.models.StrategySpec`;
``compile(spec)`` returns a :class:`~alphalab.sdl.compiler.StrategyPlan` whose ``signals(bars)``
gives the entry and exit arrays. Heavy parts are imported lazily.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.sdl.compiler import Signals, StrategyPlan, compile
    from alphalab.sdl.loader import load
    from alphalab.sdl.models import CURRENT_SCHEMA_VERSION, StrategySpec
    from alphalab.sdl.params import SearchDimension
    from alphalab.sdl.schema import json_schema

_LAZY = {
    "load": "alphalab.sdl.loader",
    "compile": "alphalab.sdl.compiler",
    "StrategyPlan": "alphalab.sdl.compiler",
    "Signals": "alphalab.sdl.compiler",
    "StrategySpec": "alphalab.sdl.models",
    "CURRENT_SCHEMA_VERSION": "alphalab.sdl.models",
    "SearchDimension": "alphalab.sdl.params",
    "json_schema": "alphalab.sdl.schema",
}

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "SearchDimension",
    "Signals",
    "StrategyPlan",
    "StrategySpec",
    "compile",
    "json_schema",
    "load",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.sdl' has no attribute {name!r}")
