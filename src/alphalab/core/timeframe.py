"""Bar timeframes: parsing, arithmetic, comparison and conversion to pandas frequencies."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import total_ordering

from alphalab.core.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PANDAS_UNITS = {"s": "s", "m": "min", "h": "h", "d": "D", "w": "W-MON"}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdwSMHDW]|min)\s*$")


@total_ordering
class Timeframe:
    """A bar length such as ``1m``, ``4h`` or ``1d``.

    Timeframes compare by duration, add to timestamps and multiply by integers.
    Weekly bars are labelled by their Monday, matching exchange conventions.
    """

    __slots__ = ("count", "unit")

    def __init__(self, count: int, unit: str) -> None:
        if unit not in _UNITS:
            raise ConfigError(f"unknown timeframe unit {unit!r}", hint="use one of s, m, h, d, w")
        if count <= 0:
            raise ConfigError(f"timeframe count must be positive, got {count}", hint="e.g. 1m, 15m, 4h, 1d")
        self.count = int(count)
        self.unit = unit

    @classmethod
    def parse(cls, value: str | Timeframe) -> Timeframe:
        """Parse ``'15m'``, ``'1h'``, ``'1d'``, ``'1w'`` (or return a Timeframe unchanged)."""
        if isinstance(value, Timeframe):
            return value
        match = _PATTERN.match(str(value))
        if not match:
            raise ConfigError(
                f"cannot read timeframe {value!r}",
                hint="write a number and a unit, e.g. 1m 5m 15m 30m 1h 4h 1d 1w",
            )
        unit = match.group(2)
        unit = "m" if unit == "min" else unit
        # 'M' is ambiguous (month vs minute); we treat upper case as the same unit letters.
        return cls(int(match.group(1)), unit.lower())

    @property
    def seconds(self) -> int:
        return self.count * _UNITS[self.unit]

    @property
    def nanos(self) -> int:
        return self.seconds * 1_000_000_000

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def is_intraday(self) -> bool:
        return self.seconds < 86400

    def to_pandas_freq(self) -> str:
        """Return the pandas offset alias of this timeframe (``'1h'`` -> ``'1h'``, ``'1m'`` -> ``'1min'``)."""
        return f"{self.count}{_PANDAS_UNITS[self.unit]}"

    def divides(self, other: Timeframe) -> bool:
        """Return True when ``other`` is a whole multiple of this timeframe."""
        return other.seconds % self.seconds == 0

    def __mul__(self, k: int) -> Timeframe:
        return Timeframe(self.count * int(k), self.unit)

    __rmul__ = __mul__

    def __truediv__(self, other: Timeframe) -> float:
        return self.seconds / other.seconds

    def __radd__(self, other: object) -> object:
        return other + self.delta  # type: ignore[operator]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = Timeframe.parse(other)
            except ConfigError:
                return False
        return isinstance(other, Timeframe) and self.seconds == other.seconds

    def __lt__(self, other: Timeframe | str) -> bool:
        return self.seconds < Timeframe.parse(other).seconds

    def __hash__(self) -> int:
        return hash(self.seconds)

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    def __repr__(self) -> str:
        return f"Timeframe('{self}')"
