"""Execution algorithms as typed parent orders: TWAP, VWAP, iceberg, POV and adaptive.

Each algorithm is a frozen dataclass that fills a state vector (layout
:mod:`alphalab.execution.nb`). :class:`ParentOrder` drives the same jitted schedule one bar at a
time, which is what live trading calls; :func:`alphalab.execution.run.run_parent` runs it over
a whole bar history in the backtest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.execution import nb as E


def _positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and math.isfinite(value)):
        raise ConfigError(
            f"execution algorithm field {name!r} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}",
            hint=f"set {name} to a finite {'non-negative' if allow_zero else 'positive'} number",
        )


@dataclass(frozen=True, slots=True)
class TWAP:
    """Equal slices over ``bars`` bars."""

    bars: int
    name: str = field(default="twap", init=False)

    def __post_init__(self) -> None:
        _positive("bars", self.bars)

    def fill(self, st: np.ndarray) -> None:
        st[E.E_KIND] = E.ALGO_TWAP
        st[E.E_BARS] = self.bars


@dataclass(frozen=True, slots=True)
class VWAP:
    """Slices over ``bars`` bars in proportion to a volume profile by session slot.

    ``profile`` is the mean share of volume per slot (see :func:`volume_profile`); None lets
    :func:`~alphalab.execution.run.run_parent` build it from the bars before the parent's start.
    """

    bars: int
    profile: tuple[float, ...] | None = None
    by: str = "bar"
    name: str = field(default="vwap", init=False)

    def __post_init__(self) -> None:
        _positive("bars", self.bars)
        if self.by not in ("bar", "hour"):
            raise ConfigError(f"VWAP field 'by' must be 'bar' or 'hour', got {self.by!r}", hint="use by='bar'")

    def fill(self, st: np.ndarray) -> None:
        st[E.E_KIND] = E.ALGO_VWAP
        st[E.E_BARS] = self.bars


@dataclass(frozen=True, slots=True)
class Iceberg:
    """Show ``clip`` at a time, refreshed each bar, at ``limit`` (None: market clips)."""

    clip: float
    limit: float | None = None
    bars: int = 0
    name: str = field(default="iceberg", init=False)

    def __post_init__(self) -> None:
        _positive("clip", self.clip)
        _positive("bars", self.bars, allow_zero=True)
        if self.limit is not None:
            _positive("limit", self.limit)

    def fill(self, st: np.ndarray) -> None:
        st[E.E_KIND] = E.ALGO_ICEBERG
        st[E.E_CLIP] = self.clip
        st[E.E_LIMIT] = np.nan if self.limit is None else self.limit
        st[E.E_BARS] = self.bars


@dataclass(frozen=True, slots=True)
class POV:
    """Trade ``rate`` of the last completed bar's volume (at most ``cap`` of it) each bar."""

    rate: float
    cap: float = 0.25
    bars: int = 0
    name: str = field(default="pov", init=False)

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _positive("cap", self.cap)
        _positive("bars", self.bars, allow_zero=True)

    def fill(self, st: np.ndarray) -> None:
        st[E.E_KIND] = E.ALGO_POV
        st[E.E_RATE] = self.rate
        st[E.E_CAP] = self.cap
        st[E.E_BARS] = self.bars


@dataclass(frozen=True, slots=True)
class Adaptive:
    """POV whose rate is scaled by spread (high-low range) and volatility; done within ``bars``."""

    rate: float
    bars: int
    cap: float = 0.3
    alpha: float = 0.1
    name: str = field(default="adaptive", init=False)

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _positive("bars", self.bars)
        _positive("cap", self.cap)
        if not 0 < self.alpha <= 1:
            raise ConfigError(f"Adaptive field 'alpha' must be in (0, 1], got {self.alpha!r}", hint="use 0.1")

    def fill(self, st: np.ndarray) -> None:
        st[E.E_KIND] = E.ALGO_ADAPTIVE
        st[E.E_RATE] = self.rate
        st[E.E_CAP] = self.cap
        st[E.E_BARS] = self.bars
        st[E.E_ALPHA] = self.alpha


Algo = TWAP | VWAP | Iceberg | POV | Adaptive


def new_state(algo: Algo, side: int, quantity: float, *, lot: float = 0.0, slot0: int = 0) -> np.ndarray:
    """Return the state vector of a parent order of ``quantity`` (> 0) on ``side`` (+1 buy, -1 sell)."""
    if side not in (1, -1):
        raise ConfigError(f"parent order side must be +1 or -1, got {side!r}", hint="use 1 (buy) or -1 (sell)")
    _positive("quantity", quantity)
    _positive("lot", lot, allow_zero=True)
    st = np.zeros(E.NEXEC)
    st[[E.E_LIMIT, E.E_PREV_CLOSE, E.E_REF_SPREAD, E.E_REF_VOLA, E.E_EWM_SPREAD, E.E_EWM_VOLA]] = np.nan
    st[E.E_SIDE] = side
    st[E.E_TOTAL] = quantity
    st[E.E_LOT] = lot
    st[E.E_SLOT0] = slot0
    st[E.E_ALPHA] = 0.1
    algo.fill(st)
    return st


def _slots(index: pd.DatetimeIndex, by: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (day number, session slot, number of slots) of each bar time."""
    ns = index.as_unit("ns").asi8
    day_ns = 86_400_000_000_000
    day = ns // day_ns
    if by == "hour":
        return day, (ns % day_ns) // 3_600_000_000_000, 24
    step = int(np.median(np.diff(ns))) if len(ns) > 1 else day_ns
    step = max(min(step, day_ns), 1)
    nslots = max(day_ns // step, 1)
    return day, np.minimum((ns % day_ns) // step, nslots - 1), int(nslots)


def volume_profile(bars: pd.DataFrame, before: pd.Timestamp | int, *, by: str = "bar") -> np.ndarray:
    """Return the mean share of daily volume per session slot from the bars strictly before ``before``.

    ``before`` is a bar time or a row number; ``by`` is ``"bar"`` (slot = bar of the UTC day,
    spacing from the past bars' index) or ``"hour"`` (24 hourly slots). Bars at or after
    ``before`` are never read, so the profile cannot look ahead.
    """
    end = before if isinstance(before, int) else int(bars.index.searchsorted(pd.Timestamp(before), side="left"))
    past = pd.DatetimeIndex(bars.index[:end])
    day, slot, nslots = _slots(past, by)
    if len(past) == 0:
        return np.zeros(nslots)
    vol = np.ascontiguousarray(bars["volume"].to_numpy(dtype=float)[:end])
    return E.volume_profile_nb(day.astype(np.int64), slot.astype(np.int64), vol, nslots)


def slot_of(bars: pd.DataFrame, row: int, *, by: str = "bar") -> int:
    """Return the session slot of bar ``row`` (the VWAP schedule's first slot), from bars up to ``row``."""
    _, slot, _ = _slots(pd.DatetimeIndex(bars.index[: row + 1]), by)
    return int(slot[row])


@dataclass(frozen=True, slots=True)
class Child:
    """One child order: quantity (> 0) and limit price (None: market)."""

    quantity: float
    limit: float | None


class ParentOrder:
    """A parent order driven one completed bar at a time (the live path).

    ``on_bar`` takes the bar that just closed and returns the child to send now (or None);
    ``on_fill`` books what the venue filled. The schedule is the jitted one the backtest runs.
    """

    def __init__(
        self, algo: Algo, side: int, quantity: float, *, lot: float = 0.0, profile: np.ndarray | None = None,
        slot0: int = 0,
    ) -> None:
        self.algo = algo
        self.state = new_state(algo, side, quantity, lot=lot, slot0=slot0)
        self.profile = np.ascontiguousarray(profile if profile is not None else np.zeros(0), dtype=float)

    @property
    def filled(self) -> float:
        return float(self.state[E.E_FILLED])

    @property
    def done(self) -> bool:
        return bool(E.is_done(self.state))

    def on_bar(self, open_: float, high: float, low: float, close: float, volume: float) -> Child | None:
        E.observe(self.state, float(open_), float(high), float(low), float(close), float(volume))
        q, limit = E.next_child(self.state, self.profile)
        if not q > 0:
            return None
        return Child(float(q), None if limit != limit else float(limit))

    def on_fill(self, quantity: float) -> None:
        E.on_fill(self.state, float(quantity))
