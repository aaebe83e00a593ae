"""Streaming building blocks: O(1) (amortised) state machines fed one value at a time.

They perform exactly the floating-point operations of the batch cores in
:mod:`alphalab.indicators.nb_core`, in the same order, so batch and streaming agree to the last
bit or nearly so. Each block ignores NaN (returns NaN and keeps its state), which mirrors the
batch cores starting at the first valid value of a series whose warm-up is NaN.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from alphalab.indicators.nb_core import TIE_REL
from alphalab.indicators.nb_stats import TOL

NAN = float("nan")


def direction(a: float, prev: float) -> int:
    """Twin of :func:`alphalab.indicators.nb_core.direction`: +1, -1, or 0 on a tie within ``TIE_REL``."""
    d = a - prev
    tol = TIE_REL * max(abs(a), abs(prev))
    if d > tol:
        return 1
    if d < -tol:
        return -1
    return 0


def tie_snap(a: float, ref: float) -> float:
    """Twin of :func:`alphalab.indicators.nb_core.tie_snap`: ``a - ref``, 0 on a tie."""
    d = a - ref
    return 0.0 if abs(d) <= TIE_REL * max(abs(a), abs(ref)) else d


class Streaming:
    """Base of every indicator's streaming twin.

    ``update(**bar)`` takes the bar's scalar inputs by name (extra names are ignored, so a whole
    OHLCV bar can be passed) and returns one float per output. A bar with a NaN input is a
    missing bar: the result is all NaN and the state is left unchanged.
    """

    inputs: tuple[str, ...] = ("close",)
    outputs: tuple[str, ...] = ("value",)
    _nan_row: tuple[float, ...] = (NAN,)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._nan_row = (NAN,) * len(cls.outputs)  # the (immutable) result of a missing bar

    def update(self, **bar: float) -> tuple[float, ...]:
        """Feed one bar; return the indicator's values at that bar (NaN during warm-up)."""
        names = self.inputs
        if len(names) == 1:
            x = float(bar[names[0]])
            if x != x:
                return self._nan_row
            return self._step(x)
        if len(names) == 3:  # high, low, close
            a, b, c = float(bar[names[0]]), float(bar[names[1]]), float(bar[names[2]])
            if a != a or b != b or c != c:
                return self._nan_row
            return self._step(a, b, c)
        values = [float(bar[name]) for name in names]
        for v in values:
            if v != v:
                return self._nan_row
        return self._step(*values)

    # each twin defines ``_step(*input_values) -> tuple of outputs``, called on valid bars only
    _step: Callable[..., tuple[float, ...]]

    def run(self, bars: Mapping[str, Sequence[float]]) -> list[tuple[float, ...]]:
        """Feed a sequence of bars (``{input: values}``) and return every result, in order."""
        names = self.inputs
        n = len(bars[names[0]])
        return [self.update(**{k: bars[k][i] for k in names}) for i in range(n)]


class Sma:
    """Simple moving average with a running sum."""

    __slots__ = ("period", "total", "window")

    def __init__(self, period: int) -> None:
        self.period = period
        self.window: deque[float] = deque(maxlen=period)
        self.total = 0.0

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        self.window.append(x)
        self.total += x
        if len(self.window) < self.period:
            return NAN
        out = self.total / self.period
        self.total -= self.window[0]
        return out


class Ema:
    """EMA seeded with the mean of the ``period`` values ending ``seed_end`` values after the first."""

    __slots__ = ("count", "k", "period", "prev", "seed_end", "window")

    def __init__(self, period: int, seed_end: int | None = None) -> None:
        self.period = period
        self.seed_end = period - 1 if seed_end is None else seed_end
        self.k = 2.0 / (period + 1.0)
        self.window: deque[float] = deque(maxlen=period)
        self.count = 0
        self.prev = NAN

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        if self.count > self.seed_end:
            self.prev = (x - self.prev) * self.k + self.prev
            return self.prev
        self.count += 1
        self.window.append(x)
        if self.count <= self.seed_end:
            return NAN
        total = 0.0
        for v in self.window:
            total += v
        self.prev = total / self.period
        return self.prev


class Wma:
    """Linearly weighted moving average with a weighted and a plain running sum."""

    __slots__ = ("divider", "period", "plain", "window", "wsum")

    def __init__(self, period: int) -> None:
        self.period = period
        self.divider = period * (period + 1) / 2.0
        self.window: deque[float] = deque(maxlen=period)
        self.wsum = 0.0
        self.plain = 0.0

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        self.window.append(x)
        n = len(self.window)
        if n < self.period:
            self.wsum += x * n
            self.plain += x
            return NAN
        self.wsum += x * self.period
        self.plain += x
        out = self.wsum / self.divider
        self.wsum -= self.plain
        self.plain -= self.window[0]
        return out


class RollingExtreme:
    """Rolling max (or min) with a monotonic deque of (position, value): O(1) amortised."""

    __slots__ = ("dq", "i", "is_max", "period")

    def __init__(self, period: int, is_max: bool) -> None:
        self.period = period
        self.is_max = is_max
        self.dq: deque[tuple[int, float]] = deque()
        self.i = 0

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        dq = self.dq
        if self.is_max:
            while dq and dq[-1][1] <= x:
                dq.pop()
        else:
            while dq and dq[-1][1] >= x:
                dq.pop()
        dq.append((self.i, x))
        if dq[0][0] <= self.i - self.period:
            dq.popleft()
        self.i += 1
        return dq[0][1] if self.i >= self.period else NAN


def window_moments(window: Sequence[float], k: float) -> tuple[float, float, float, float]:
    """Twin of :func:`alphalab.indicators.nb_stats.window_moments` over a whole window."""
    n = len(window)
    s1 = 0.0
    s2 = 0.0
    for x in window:
        d = x - k
        s1 += d
        s2 += d * d
    md = s1 / n
    ss = 0.0
    c = 0.0
    for x in window:
        e = (x - k) - md
        ss += e * e
        c += e
    nv = ss - c * c / n
    return s1, s2, md, (nv if nv > 0.0 else 0.0)


class RollingVar:
    """Stable rolling mean and population variance: shifted running sums with an error budget.

    The same operations, in the same order, as :func:`alphalab.indicators.nb_stats.moments_step`
    (see :mod:`alphalab.indicators.nb_stats` for the method).
    """

    __slots__ = ("e1", "e2", "inv", "k", "period", "s1", "s2", "window")

    def __init__(self, period: int) -> None:
        self.period = period
        self.inv = 1.0 / period
        self.window: deque[float] = deque(maxlen=period)
        self.k = self.s1 = self.s2 = 0.0
        self.e1 = self.e2 = math.inf

    def moments(self, x: float) -> tuple[float, float, float]:
        """Feed ``x``; return (mean, variance, x - mean) of the window, NaN during the warm-up."""
        if x != x:
            return NAN, NAN, NAN
        w = self.window
        w.append(x)
        n = self.period
        if len(w) < n:
            return NAN, NAN, NAN
        inv = self.inv
        k = self.k
        d = x - k
        s1 = self.s1 + d
        s2 = self.s2 + d * d
        e1 = self.e1 + abs(s1)
        e2 = self.e2 + (s2 + d * d)
        nv = s2 - s1 * s1 * inv
        if nv <= TOL * (e2 + e1 * e1 * inv):
            k = x
            s1, s2, md, nv = window_moments(w, k)
            e1 = abs(s1)
            e2 = s2
        else:
            md = s1 * inv
            nv = nv if nv > 0.0 else 0.0
        d = w[0] - k
        s1 -= d
        s2 -= d * d
        self.k, self.s1, self.s2 = k, s1, s2
        self.e1 = e1 + abs(s1)
        self.e2 = e2 + (s2 + d * d)
        return k + md, nv * inv, (x - k) - md

    def update(self, x: float) -> float:
        """Feed ``x``; return the population variance of the window (NaN during the warm-up)."""
        return self.moments(x)[1]


class Wilder:
    """Wilder's smoothing: mean of the first ``period`` values, then ``prev * a + x * b``.

    ``a = (period - 1) / period`` and ``b = 1 / period``, as :func:`alphalab.indicators.nb_core.wilder_factors`.
    """

    __slots__ = ("a", "b", "period", "prev", "seed")

    def __init__(self, period: int) -> None:
        self.period = period
        self.a = (period - 1.0) / period
        self.b = 1.0 / period
        self.seed: list[float] = []
        self.prev = NAN

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        if self.prev == self.prev:
            self.prev = self.prev * self.a + x * self.b
            return self.prev
        self.seed.append(x)
        if len(self.seed) < self.period:
            return NAN
        total = 0.0
        for v in self.seed:
            total += v
        self.prev = total / self.period
        self.seed = []
        return self.prev


class TrueRange:
    """True range; NaN on the first bar."""

    __slots__ = ("prev_close",)

    def __init__(self) -> None:
        self.prev_close = NAN

    def update(self, high: float, low: float, close: float) -> float:
        pc = self.prev_close
        self.prev_close = close
        if pc != pc:
            return NAN
        return max(high - low, max(abs(high - pc), abs(low - pc)))


class Delay:
    """The value fed ``lag`` updates ago (NaN ones included); NaN until that many exist."""

    __slots__ = ("lag", "window")

    def __init__(self, lag: int) -> None:
        self.lag = lag
        self.window: deque[float] = deque(maxlen=lag + 1)

    def update(self, x: float) -> float:
        self.window.append(x)
        return self.window[0] if len(self.window) > self.lag else NAN


class Atr:
    """Average true range with Wilder's smoothing."""

    __slots__ = ("avg", "tr")

    def __init__(self, period: int) -> None:
        self.tr = TrueRange()
        self.avg = Wilder(period)

    def update(self, high: float, low: float, close: float) -> float:
        return self.avg.update(self.tr.update(high, low, close))


class StochK:
    """Fast stochastic %K over ``period`` bars; 0 when the window is flat."""

    __slots__ = ("hh", "ll")

    def __init__(self, period: int) -> None:
        self.hh = RollingExtreme(period, True)
        self.ll = RollingExtreme(period, False)

    def update(self, high: float, low: float, close: float) -> float:
        hh = self.hh.update(high)
        ll = self.ll.update(low)
        if hh != hh or close != close:
            return NAN
        diff = hh - ll
        return 100.0 * (close - ll) / diff if diff != 0.0 else 0.0


class Rsi:
    """Wilder's RSI."""

    __slots__ = ("gain", "loss", "prev")

    def __init__(self, period: int) -> None:
        self.prev = NAN
        self.gain = Wilder(period)
        self.loss = Wilder(period)

    def update(self, x: float) -> float:
        if x != x:
            return NAN
        prev, self.prev = self.prev, x
        if prev != prev:
            return NAN
        d = x - prev
        ag = self.gain.update(d if d > 0.0 else 0.0)
        al = self.loss.update(-d if d < 0.0 else 0.0)
        if ag != ag:
            return NAN
        total = ag + al
        return 100.0 * (ag / total) if total != 0.0 else 0.0
