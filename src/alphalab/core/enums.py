"""Enumerations of the domain model; their integer values are used inside numba kernels."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Side(IntEnum):
    """Direction of a position or order."""

    LONG = 1
    SHORT = -1

    @property
    def label(self) -> str:
        return self.name.lower()


class OrderType(IntEnum):
    """Kinds of order the engine can simulate."""

    MARKET = 0
    LIMIT = 1
    STOP = 2
    STOP_LIMIT = 3


class ExitReason(IntEnum):
    """Why a position was closed; recorded in the trade log as the lower-case name."""

    SIGNAL = 0
    STOP_LOSS = 1
    TAKE_PROFIT = 2
    TRAILING_STOP = 3
    TIME_STOP = 4
    OPPOSITE_SIGNAL = 5
    END_OF_DATA = 6
    REGIME_SWITCH = 7
    MANUAL = 8

    @property
    def label(self) -> str:
        return self.name.lower()


class FillTiming(StrEnum):
    """When a market order from a signal on bar t fills."""

    NEXT_OPEN = "next_open"
    CLOSE = "close"


class AssetClass(StrEnum):
    """Broad class of an instrument; drives calendars and annualisation."""

    STOCK = "stock"
    INDEX = "index"
    CRYPTO = "crypto"
    FX = "fx"
    FUTURE = "future"
    SYNTHETIC = "synthetic"
