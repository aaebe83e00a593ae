"""Typed domain model shared by every part of AlphaLab."""

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

__all__ = [
    "OHLCV",
    "TRADE_COLUMNS",
    "TRADE_LOG_SCHEMA_VERSION",
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
    "OrderType",
    "Problem",
    "ResearchError",
    "Side",
    "Timeframe",
    "ValidationError",
    "ensure_barframe",
]
