"""Streaming twins of the moving averages, trend and momentum indicators (O(1) per bar).

CCI is the one exception to O(1): its mean absolute deviation needs the whole window, so an
update costs O(period) (a handful of additions for the usual periods), exactly as in the batch
kernel and in TA-Lib.
"""

from __future__ import annotations

import math
from collections import deque

from alphalab.indicators.nb_stats import TOL
from alphalab.indicators.stream_core import (
    NAN,
    Atr,
    Delay,
    Ema,
    RollingExtreme,
    Rsi,
    Sma,
    StochK,
    Streaming,
    TrueRange,
    Wma,
    tie_snap,
)


class SmaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.sma = Sma(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.sma.update(x),)


class EmaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.ema = Ema(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.ema.update(x),)


class WmaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.wma = Wma(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.wma.update(x),)


class DemaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.e1 = Ema(period)
        self.e2 = Ema(period)

    def _step(self, x: float) -> tuple[float, ...]:
        e1 = self.e1.update(x)
        return (2.0 * e1 - self.e2.update(e1),)


class TemaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.e1 = Ema(period)
        self.e2 = Ema(period)
        self.e3 = Ema(period)

    def _step(self, x: float) -> tuple[float, ...]:
        e1 = self.e1.update(x)
        e2 = self.e2.update(e1)
        return (3.0 * e1 - 3.0 * e2 + self.e3.update(e2),)


class HmaStream(Streaming):
    def __init__(self, period: int) -> None:
        self.half = Wma(period // 2)
        self.full = Wma(period)
        self.final = Wma(int(math.sqrt(period)))

    def _step(self, x: float) -> tuple[float, ...]:
        raw = 2.0 * self.half.update(x) - self.full.update(x)
        return (self.final.update(raw),)


class MacdStream(Streaming):
    outputs = ("macd", "signal", "hist")

    def __init__(self, fast: int, slow: int, signal: int) -> None:
        self.fast = Ema(fast, slow - 1)
        self.slow = Ema(slow, slow - 1)
        self.signal = Ema(signal)

    def _step(self, x: float) -> tuple[float, ...]:
        m = self.fast.update(x) - self.slow.update(x)
        s = self.signal.update(m)
        if s != s:
            return (NAN, NAN, NAN)
        return (m, s, m - s)


class LinregSlopeStream(Streaming):
    """Twin of :func:`alphalab.indicators.nb_stats.linreg_slope_into` (same operations, same order)."""

    def __init__(self, period: int) -> None:
        self.period = period
        self.sx = period * (period - 1) / 2.0
        sxx = period * (period - 1) * (2.0 * period - 1) / 6.0
        self.div = period * sxx - self.sx * self.sx
        self.window: deque[float] = deque(maxlen=period)
        self.k = self.t = self.w = 0.0
        self.et = self.ew = math.inf

    def _exact(self, k: float) -> tuple[float, float, float]:
        n = self.period
        t = w = c = 0.0
        for j, x in enumerate(self.window):
            d = x - k
            t += d
            w += j * d
            c += (2.0 * j - (n - 1)) * d
        return t, w, c * (n / 2.0)

    def _step(self, x: float) -> tuple[float, ...]:
        self.window.append(x)
        p = self.period
        if len(self.window) < p:
            return (NAN,)
        k, t, w = self.k, self.t, self.w
        d = x - k
        w += (p - 1) * d
        t += d
        et = self.et + abs(t)
        ew = self.ew + (abs(w) + (p - 1) * abs(d))
        num = p * w - self.sx * t
        if abs(num) <= TOL * (p * ew + self.sx * et):
            k = x
            t, w, num = self._exact(k)
            et = abs(t)
            ew = abs(w)
        t -= self.window[0] - k
        w -= t
        self.k, self.t, self.w = k, t, w
        self.et = et + abs(t)
        self.ew = ew + abs(w)
        return (num / self.div,)


class _Midpoint:
    def __init__(self, period: int) -> None:
        self.hh = RollingExtreme(period, True)
        self.ll = RollingExtreme(period, False)

    def update(self, high: float, low: float) -> float:
        return (self.hh.update(high) + self.ll.update(low)) / 2.0


class IchimokuStream(Streaming):
    inputs = ("high", "low", "close")
    outputs = ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")

    def __init__(self, tenkan: int, kijun: int, senkou: int, displacement: int) -> None:
        self.tenkan = _Midpoint(tenkan)
        self.kijun = _Midpoint(kijun)
        self.senkou = _Midpoint(senkou)
        self.delay_a = Delay(displacement)
        self.delay_b = Delay(displacement)
        self.displacement = displacement
        self.count = 0

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        ten = self.tenkan.update(high, low)
        kij = self.kijun.update(high, low)
        span_a = self.delay_a.update((ten + kij) / 2.0)
        span_b = self.delay_b.update(self.senkou.update(high, low))
        self.count += 1
        chikou = close if self.count > self.displacement else NAN
        return (ten, kij, span_a, span_b, chikou)


class SupertrendStream(Streaming):
    inputs = ("high", "low", "close")
    outputs = ("value", "direction")

    def __init__(self, period: int, multiplier: float) -> None:
        self.atr = Atr(period)
        self.multiplier = multiplier
        self.upper = NAN
        self.lower = NAN
        self.trend = 1.0
        self.prev_close = NAN

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        atr = self.atr.update(high, low, close)
        prev_close, self.prev_close = self.prev_close, close
        if atr != atr:
            return (NAN, NAN)
        mid = (high + low) / 2.0
        basic_up = mid + self.multiplier * atr
        basic_lo = mid - self.multiplier * atr
        if self.upper != self.upper:
            self.upper, self.lower = basic_up, basic_lo
        else:
            if basic_up < self.upper or prev_close > self.upper:
                self.upper = basic_up
            if basic_lo > self.lower or prev_close < self.lower:
                self.lower = basic_lo
            if self.trend > 0.0 and close < self.lower:
                self.trend = -1.0
            elif self.trend < 0.0 and close > self.upper:
                self.trend = 1.0
        return (self.lower if self.trend > 0.0 else self.upper, self.trend)


class RsiStream(Streaming):
    def __init__(self, period: int) -> None:
        self.rsi = Rsi(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (self.rsi.update(x),)


class StochStream(Streaming):
    inputs = ("high", "low", "close")
    outputs = ("k", "d")

    def __init__(self, k_period: int, d_period: int, smooth_k: int) -> None:
        self.fast = StochK(k_period)
        self.k = Sma(smooth_k)
        self.d = Sma(d_period)

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        k = self.k.update(self.fast.update(high, low, close))
        d = self.d.update(k)
        return (NAN, NAN) if d != d else (k, d)


class StochRsiStream(Streaming):
    outputs = ("k", "d")

    def __init__(self, period: int, k_period: int, d_period: int, smooth_k: int) -> None:
        self.rsi = Rsi(period)
        self.fast = StochK(k_period)
        self.k = Sma(smooth_k)
        self.d = Sma(d_period)

    def _step(self, x: float) -> tuple[float, ...]:
        r = self.rsi.update(x)
        k = self.k.update(self.fast.update(r, r, r))
        d = self.d.update(k)
        return (NAN, NAN) if d != d else (k, d)


class CciStream(Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, period: int) -> None:
        self.period = period
        self.window: deque[float] = deque(maxlen=period)

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        tp = (high + low + close) / 3.0
        self.window.append(tp)
        if len(self.window) < self.period:
            return (NAN,)
        total = 0.0
        for v in self.window:
            total += tie_snap(v, tp)
        mean = total / self.period
        dev = 0.0
        for v in self.window:
            dev += abs(tie_snap(v, tp) - mean)
        return (-mean / (0.015 * (dev / self.period)) if mean != 0.0 and dev != 0.0 else 0.0,)


class RocStream(Streaming):
    def __init__(self, period: int) -> None:
        self.delay = Delay(period)

    def _step(self, x: float) -> tuple[float, ...]:
        old = self.delay.update(x)
        if old != old:
            return (NAN,)
        return ((x / old - 1.0) * 100.0 if old != 0.0 else 0.0,)


class MomStream(Streaming):
    def __init__(self, period: int) -> None:
        self.delay = Delay(period)

    def _step(self, x: float) -> tuple[float, ...]:
        return (x - self.delay.update(x),)


class WillrStream(Streaming):
    inputs = ("high", "low", "close")

    def __init__(self, period: int) -> None:
        self.hh = RollingExtreme(period, True)
        self.ll = RollingExtreme(period, False)

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        hh = self.hh.update(high)
        ll = self.ll.update(low)
        if hh != hh:
            return (NAN,)
        diff = hh - ll
        return (-100.0 * (hh - close) / diff if diff != 0.0 else 0.0,)


class AdxStream(Streaming):
    inputs = ("high", "low", "close")
    outputs = ("adx", "plus_di", "minus_di")

    def __init__(self, period: int) -> None:
        self.period = period
        self.a = (period - 1.0) / period  # Wilder weights, as nb_core.wilder_factors
        self.b = 1.0 / period
        self.tr = TrueRange()
        self.prev_high = NAN
        self.prev_low = NAN
        self.i = 0
        self.sp = self.sm = self.st = 0.0
        self.dx_sum = 0.0
        self.adx = NAN

    def _movement(self, high: float, low: float) -> tuple[float, float]:
        up = high - self.prev_high
        down = self.prev_low - low
        self.prev_high, self.prev_low = high, low
        if down > 0.0 and up < down:
            return 0.0, down
        if up > 0.0 and up > down:
            return up, 0.0
        return 0.0, 0.0

    def _step(self, high: float, low: float, close: float) -> tuple[float, ...]:
        tr = self.tr.update(high, low, close)
        i, p = self.i, self.period
        self.i += 1
        if i == 0:
            self.prev_high, self.prev_low = high, low
            return (NAN, NAN, NAN)
        plus, minus = self._movement(high, low)
        if i < p:
            self.sp += plus
            self.sm += minus
            self.st += tr
            return (NAN, NAN, NAN)
        a = self.a
        self.sp = self.sp * a + plus
        self.sm = self.sm * a + minus
        self.st = self.st * a + tr
        pdi = 100.0 * (self.sp / self.st) if self.st > 0.0 else 0.0
        mdi = 100.0 * (self.sm / self.st) if self.st > 0.0 else 0.0
        has_dx = self.st > 0.0 and pdi + mdi > 0.0
        dx = 100.0 * (abs(mdi - pdi) / (mdi + pdi)) if has_dx else 0.0
        if i < 2 * p - 1:
            self.dx_sum += dx
        elif i == 2 * p - 1:
            self.dx_sum += dx
            self.adx = self.dx_sum / p
        elif has_dx:
            self.adx = self.adx * a + dx * self.b
        return (self.adx, pdi, mdi)
