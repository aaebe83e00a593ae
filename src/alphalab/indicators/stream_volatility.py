"""Streaming twins of the volatility, channel, rolling-statistics and volume indicators (O(1) per bar)."""

from __future__ import annotations

import math
from collections import deque

from alphalab.core.errors import ConfigError
from alphalab.indicators.nb_volume import NS_PER_DAY
from alphalab.indicators.stream_core import (
    NAN,
    Atr,
    Ema,
    RollingExtreme,
    RollingVar,
    Sma,
    Streaming,
    direction,
)


class BbandsStream(Streaming):
    outputs = ("middle", "upper", "lower", "percent_b", "bandwidth")

    def __init__(self, period: int, std: float) -> None:
        self.var = RollingVar(period)
        self.std = std

    def _step(self, x: float) -> tuple[float, ...]:
        mid, var, dev = self.var.moments(x)
        if mid != mid:
            return (NAN,) * 5
        half = self.std * math.sqrt(var)
        pb = (dev + half) / (2.0 * half) if half > 0.0 else 0.5
        bw = 2.0 * half / mid if mid != 0.0 else 0.0
        return (mid, mid + half, mid - half, pb, bw)


class AtrStream(Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, period: int) -> None:
        self.atr = Atr(period)

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        return (self.atr.update(high, low, close),)


class NatrStream(AtrStream):
    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        atr = self.atr.update(high, low, close)
        if atr != atr:
            return (NAN,)
        return ((atr / close) * 100.0 if close != 0.0 else 0.0,)


class DonchianStream(Streaming):
    inputs = ("high", "low")
    outputs = ("upper", "middle", "lower")

    def __init__(self, period: int) -> None:
        self.hh = RollingExtreme(period, True)
        self.ll = RollingExtreme(period, False)

    def _step(self, high: float, low: float) -> tuple[float, ...]:
        up = self.hh.update(high)
        lo = self.ll.update(low)
        return (up, (up + lo) / 2.0, lo)


class KeltnerStream(Streaming):
    inputs = ("high", "low", "close")
    outputs = ("middle", "upper", "lower")

    def __init__(self, period: int, atr_period: int, multiplier: float) -> None:
        self.ema = Ema(period)
        self.atr = Atr(atr_period)
        self.multiplier = multiplier

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        mid = self.ema.update(close)
        atr = self.atr.update(high, low, close)
        return (mid, mid + self.multiplier * atr, mid - self.multiplier * atr)


class StddevStream(Streaming):
    def __init__(self, period: int) -> None:
        self.var = RollingVar(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (math.sqrt(self.var.update(x)),)


class ZscoreStream(Streaming):
    def __init__(self, period: int) -> None:
        self.var = RollingVar(period)

    def _step(self, x: float) -> tuple[float, ...]:
        mean, var, dev = self.var.moments(x)
        if mean != mean:
            return (NAN,)
        sd = math.sqrt(var)
        return (dev / sd if sd > 0.0 else 0.0,)


class HighestStream(Streaming):
    def __init__(self, period: int) -> None:
        self.ext = RollingExtreme(period, True)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.ext.update(x),)


class LowestStream(Streaming):
    def __init__(self, period: int) -> None:
        self.ext = RollingExtreme(period, False)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.ext.update(x),)


class HvStream(Streaming):
    def __init__(self, period: int, periods_per_year: float) -> None:
        self.var = RollingVar(period)
        self.scale = period / (period - 1.0)
        self.annual = math.sqrt(periods_per_year)
        self.prev = NAN

    def _step(self, x: float) -> tuple[float, ...]:
        prev, self.prev = self.prev, x
        if prev != prev:
            return (NAN,)
        var = self.var.update(math.log(x / prev))
        return (math.sqrt(var * self.scale) * self.annual,)


class ObvStream(Streaming):
    inputs = ("close", "volume")

    def __init__(self) -> None:
        self.prev = NAN
        self.total = NAN

    def _step(self, close: float, volume: float) -> tuple[float, ...]:
        prev, self.prev = self.prev, close
        if prev != prev:
            self.total = volume
        else:
            way = direction(close, prev)
            if way > 0:
                self.total += volume
            elif way < 0:
                self.total -= volume
        return (self.total,)


class VolumeSmaStream(Streaming):
    inputs = ("volume",)

    def __init__(self, period: int) -> None:
        self.sma = Sma(period)

    def _step(self, volume: float) -> tuple[float, ...]:
        return (self.sma.update(volume),)


class VwapStream(Streaming):
    """Session VWAP (reset on each new UTC day of ``time``, int64 ns) or rolling VWAP over ``period``."""

    inputs = ("high", "low", "close", "volume")

    def __init__(self, anchor: str, period: int) -> None:
        self.session = anchor == "session"
        self.period = period
        self.window: deque[tuple[float, float]] = deque(maxlen=period)
        self.pv = 0.0
        self.vol = 0.0
        self.day: int | None = None
        self._time = 0

    def update(self, **bar: float) -> tuple[float, ...]:
        """Feed one bar (``time`` in int64 ns is required for the session anchor)."""
        if self.session and "time" not in bar:
            raise ConfigError(
                "a session VWAP needs each bar's time", hint="pass time=<bar open time in int64 ns>"
            )
        self._time = int(bar["time"]) if self.session else 0
        return super().update(**bar)

    def _step(self, high: float, low: float, close: float, volume: float) -> tuple[float, ...]:
        tp = (high + low + close) / 3.0
        if self.session:
            day = self._time // NS_PER_DAY
            if day != self.day:
                self.pv = 0.0
                self.vol = 0.0
                self.day = day
            self.pv += tp * volume
            self.vol += volume
            return (self.pv / self.vol if self.vol > 0.0 else tp,)
        self.window.append((tp, volume))
        self.pv += tp * volume
        self.vol += volume
        if len(self.window) < self.period:
            return (NAN,)
        out = self.pv / self.vol if self.vol > 0.0 else tp
        old_tp, old_v = self.window[0]
        self.pv -= old_tp * old_v
        self.vol -= old_v
        return (out,)


class MfiStream(Streaming):
    inputs = ("high", "low", "close", "volume")

    def __init__(self, period: int) -> None:
        self.period = period
        self.flows: deque[tuple[float, float]] = deque(maxlen=period)
        self.tp_prev = NAN
        self.pos = self.neg = 0.0
        self.pos_n = self.neg_n = 0
        self.i = 0

    def _step(self, high: float, low: float, close: float, volume: float) -> tuple[float, ...]:
        tp = (high + low + close) / 3.0
        prev, self.tp_prev = self.tp_prev, tp
        self.i += 1
        if prev != prev:
            return (NAN,)
        way = direction(tp, prev)
        pos = tp * volume if way > 0 else 0.0
        neg = tp * volume if way < 0 else 0.0
        self.flows.append((pos, neg))
        self.pos += pos
        self.neg += neg
        self.pos_n += pos != 0.0
        self.neg_n += neg != 0.0
        if self.i <= self.period:
            return (NAN,)
        self.pos = self.pos if self.pos_n > 0 else 0.0
        self.neg = self.neg if self.neg_n > 0 else 0.0
        total = self.pos + self.neg
        out = 100.0 * (self.pos / total) if total > 0.0 else 0.0
        old_pos, old_neg = self.flows[0]
        self.pos -= old_pos
        self.neg -= old_neg
        self.pos_n -= old_pos != 0.0
        self.neg_n -= old_neg != 0.0
        return (out,)
