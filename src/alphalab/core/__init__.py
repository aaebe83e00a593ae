"""Typed domain model shared by every part of AlphaLab (imported lazily: errors and enums are light)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphalab.core.bars import OHLCV, BarArrays, ensure_barframe
    from alphalab.core.enums import AssetClass, ExitReason, FillTiming, OrderType, Side
    from alphalab.core.errors import (
        AlphaLabError,
        ConfigError,
        DataError,
        EngineError,
        MissingExtraError,
        NotFoundError,
        Problem,
        ResearchError,
        ValidationError,
    )
    from alphalab.core.instrument import Instrument
    from alphalab.core.records import TRADE_COLUMNS, TRADE_LOG_SCHEMA_VERSION
    from alphalab.core.timeframe import Timeframe

_LAZY = {
    "OHLCV": "alphalab.core.bars",
    "BarArrays": "alphalab.core.bars",
    "ensure_barframe": "alphalab.core.bars",
    "AssetClass": "alphalab.core.enums",
    "ExitReason": "alphalab.core.enums",
    "FillTiming": "alphalab.core.enums",
    "OrderType": "alphalab.core.enums",
    "Side": "alphalab.core.enums",
    "AlphaLabError": "alphalab.core.errors",
    "ConfigError": "alphalab.core.errors",
    "DataError": "alphalab.core.errors",
    "EngineError": "alphalab.core.errors",
    "MissingExtraError": "alphalab.core.errors",
    "NotFoundError": "alphalab.core.errors",
    "Problem": "alphalab.core.errors",
    "ResearchError": "alphalab.core.errors",
    "ValidationError": "alphalab.core.errors",
    "Instrument": "alphalab.core.instrument",
    "TRADE_COLUMNS": "alphalab.core.records",
    "TRADE_LOG_SCHEMA_VERSION": "alphalab.core.records",
    "Timeframe": "alphalab.core.timeframe",
}

__all__ = [
    "AlphaLabError",
    "AssetClass",
    "BarArrays",
    "ConfigError",
    "DataError",
    "EngineError",
    "ExitReason",
    "FillTiming",
    "Instrument",
    "MissingExtraError",
    "NotFoundError",
    "OHLCV",
    "OrderType",
    "Problem",
    "ResearchError",
    "Side",
    "TRADE_COLUMNS",
    "TRADE_LOG_SCHEMA_VERSION",
    "Timeframe",
    "ValidationError",
    "ensure_barframe",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alphalab.core' has no attribute {name!r}")
