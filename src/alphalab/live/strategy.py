"""SDL strategies forward in time: one bar at a time, O(1) per bar, the backtest's decisions.

A :class:`StreamingStrategy` evaluates one compiled :class:`~alphalab.sdl.StrategySpec` on one
asset's bars as they close. Indicators are the registry's streaming twins
(``registry.get(name).stream(**params)``), conditions are :mod:`alphalab.live.conditions`, and
higher-timeframe indicators and confirmations aggregate the lower bars into higher bars that
become visible on the first lower bar whose close is at or after the higher bar's close (the
rule of :func:`alphalab.data.align_to`). The decisions at each bar equal
:meth:`StrategyPlan.signals` on the same bars (tests/parity/test_live_streaming_signals.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from alphalab.core.timeframe import Timeframe
from alphalab.data.resampling import bucket_labels
from alphalab.indicators import registry
from alphalab.indicators.stream_core import Streaming
from alphalab.live.conditions import Signal
from alphalab.sdl import catalog
from alphalab.sdl.filters import session_mask
from alphalab.sdl.models import PRICE_COLUMNS, ConfirmationSpec, IndicatorSpec, StrategySpec


@dataclass(frozen=True, slots=True)
class Bar:
    """One closed bar of one symbol; ``t_ns`` is its open time (UTC ns)."""

    t_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    def price(self, name: str) -> float:
        """Return an OHLCV column or a derived price (``hl2``, ``hlc3``, ``ohlc4``) as BarArrays does."""
        if name == "hl2":
            return (self.high + self.low) / 2.0
        if name == "hlc3":
            return (self.high + self.low + self.close) / 3.0
        if name == "ohlc4":
            return (self.open + self.high + self.low + self.close) / 4.0
        return float(getattr(self, name))


@dataclass(frozen=True, slots=True)
class BarDecision:
    """The signals of one asset at the close of one bar (and the ATR the engine's rules read)."""

    entry_long: bool
    exit_long: bool
    entry_short: bool
    exit_short: bool
    atr: float = math.nan


class _Indicator:
    """One named indicator's streaming twin with the batch path's input mapping."""

    def __init__(self, spec: IndicatorSpec, symbol: str, timeframe: Timeframe) -> None:
        meta = catalog.info(spec.type)
        needed = meta.inputs if meta is not None and meta.inputs is not None else ("close",)
        self.inputs = [(col, spec.input if spec.input is not None and (len(needed) == 1 or col == "close") else col)
                       for col in needed]
        params = dict(spec.params)
        if meta is not None and meta.params and "periods_per_year" in meta.params and "periods_per_year" not in params:
            from alphalab.analytics.metrics import periods_per_year_for

            params["periods_per_year"] = periods_per_year_for(timeframe, (symbol,))
        defn = registry.get(spec.type)
        self.outputs = tuple(defn.outputs)
        self.twin: Streaming = defn.stream(**params)

    def update(self, bar: Bar) -> tuple[float, ...]:
        return self.twin.update(**{col: bar.price(use) for col, use in self.inputs})


def _store(values: dict[str, float], name: str, outputs: tuple[str, ...], result: tuple[float, ...]) -> None:
    """Put an indicator's outputs where the batch resolver finds them (``name``, ``name.out``)."""
    for out, v in zip(outputs, result, strict=True):
        values[f"{name}.{out}"] = v
    values[name] = result[outputs.index("value")] if "value" in outputs else result[0]


class _Aggregator:
    """Lower bars into higher-timeframe bars (first open, max high, min low, last close, sum volume)."""

    def __init__(self, tf: Timeframe, lower: Timeframe) -> None:
        self.tf, self.lower = tf, lower
        self.label = -1
        self.o = self.h = self.lo = self.c = self.v = math.nan

    def add(self, bar: Bar) -> Bar | None:
        """Add ``bar``; return the higher bar it completes or passes (None when none closed)."""
        label = int(bucket_labels(np.array([bar.t_ns], dtype=np.int64), self.tf)[0])
        done = None
        if self.label >= 0 and label != self.label:
            done = self._flush()
        if self.label < 0:
            self.label, self.o, self.h, self.lo, self.c, self.v = (label, bar.open, bar.high, bar.low, bar.close,
                                                                   bar.volume)
        else:
            self.h, self.lo = max(self.h, bar.high), min(self.lo, bar.low)
            self.c, self.v = bar.close, self.v + bar.volume
        if bar.t_ns + self.lower.nanos >= self.label + self.tf.nanos:
            done = self._flush()  # a lower bar cannot both pass one bucket and close the next
        return done

    def _flush(self) -> Bar:
        out = Bar(self.label, self.o, self.h, self.lo, self.c, self.v)
        self.label = -1
        return out


class _Higher:
    """Indicators (and optionally a confirmation) computed on higher bars; values seen once closed."""

    def __init__(self, tf: Timeframe, lower: Timeframe, indicators: Mapping[str, IndicatorSpec], symbol: str,
                 conf: ConfirmationSpec | None = None) -> None:
        self.agg = _Aggregator(tf, lower)
        self.tf = tf
        self.inds = {n: _Indicator(s, symbol, tf) for n, s in indicators.items()}
        self.values: dict[str, float] = {}
        for name, ind in self.inds.items():
            _store(self.values, name, ind.outputs, (math.nan,) * len(ind.outputs))
        self.conf = conf
        self.long = Signal(conf.long if conf else None)
        self.short = Signal(conf.short if conf else None)
        # the last closed higher bar's (long, short) flags; a side without a condition always passes
        self.flags = (1.0 if conf is None or conf.long is None else math.nan,
                      1.0 if conf is None or conf.short is None else math.nan)

    def update(self, bar: Bar) -> None:
        hb = self.agg.add(bar)
        if hb is None:
            return
        values: dict[str, float] = {}
        for name, ind in self.inds.items():
            _store(values, name, ind.outputs, ind.update(hb))
        self.values = values
        if self.conf is not None:
            get = _getter(values, hb)
            fl = 1.0 if self.conf.long is None else float(self.long.step(get))
            fs = 1.0 if self.conf.short is None else float(self.short.step(get))
            self.flags = (fl, fs)


def _getter(values: Mapping[str, float], bar: Bar):  # type: ignore[no-untyped-def]
    def get(operand: str | float) -> float:
        if not isinstance(operand, str):
            return float(operand)
        if operand in PRICE_COLUMNS:
            return bar.price(operand)
        return values[operand]

    return get


class StreamingStrategy:
    """One SDL strategy on one asset, fed closed bars in time order (``update`` per bar).

    Parameters
    ----------
    spec
        The strategy, with its parameters applied.
    symbol
        The asset (used for the calendar of annualised indicators).
    timeframe
        The bars' timeframe (needed by higher-timeframe indicators and confirmations).
    """

    def __init__(self, spec: StrategySpec, symbol: str, timeframe: Timeframe | str) -> None:
        self.spec, self.symbol = spec, symbol
        self.timeframe = Timeframe.parse(timeframe) if isinstance(timeframe, str) else timeframe
        tf = self.timeframe
        same = {n: s for n, s in spec.indicators.items() if s.timeframe is None or Timeframe.parse(s.timeframe) == tf}
        self.inds = {n: _Indicator(s, symbol, tf) for n, s in same.items()}
        by_tf: dict[str, dict[str, IndicatorSpec]] = {}
        for n, s in spec.indicators.items():
            if n not in same:
                by_tf.setdefault(str(s.timeframe), {})[n] = s
        self.higher = [_Higher(Timeframe.parse(k), tf, v, symbol) for k, v in by_tf.items()]
        self.confs: list[tuple[_Higher | None, dict[str, _Indicator], Signal, Signal, ConfirmationSpec]] = []
        for conf in spec.confirmations:
            ctf = Timeframe.parse(conf.timeframe)
            if ctf == tf:
                inds = {n: _Indicator(s, symbol, tf) for n, s in conf.indicators.items()}
                self.confs.append((None, inds, Signal(conf.long), Signal(conf.short), conf))
            else:
                self.confs.append((_Higher(ctf, tf, conf.indicators, symbol, conf), {}, Signal(None), Signal(None),
                                   conf))
        self.entry_long, self.entry_short = Signal(spec.entry.long), Signal(spec.entry.short)
        self.exit_long, self.exit_short = Signal(spec.exit.long), Signal(spec.exit.short)
        self.sessions = spec.filters.sessions
        from alphalab.sdl import compile as compile_plan

        period = compile_plan(spec).atr_period
        self.atr = None if period is None else registry.get("atr").stream(**{catalog.period_param("atr"): period})

    def update(self, bar: Bar) -> BarDecision:
        """Feed the next closed bar; return the decisions at its close."""
        values: dict[str, float] = {}
        for name, ind in self.inds.items():
            _store(values, name, ind.outputs, ind.update(bar))
        for h in self.higher:
            h.update(bar)
            values.update(h.values)
        get = _getter(values, bar)
        el, es = self.entry_long.step(get), self.entry_short.step(get)
        xl, xs = self.exit_long.step(get), self.exit_short.step(get)
        for higher, inds, slong, sshort, conf in self.confs:
            if higher is None:
                cvals: dict[str, float] = {}
                for name, ind in inds.items():
                    _store(cvals, name, ind.outputs, ind.update(bar))
                cget = _getter(cvals, bar)
                ok_long = slong.step(cget) if conf.long is not None else True
                ok_short = sshort.step(cget) if conf.short is not None else True
            else:
                higher.update(bar)
                ok_long, ok_short = (f > 0.5 for f in higher.flags)  # NaN (nothing closed yet) is False
            el, es = el and ok_long, es and ok_short
        if self.sessions is not None and not session_mask(self.sessions, np.array([bar.t_ns], dtype=np.int64))[0]:
            el = es = False
        atr = math.nan if self.atr is None else self.atr.update(high=bar.high, low=bar.low, close=bar.close)[0]
        return BarDecision(el, xl, es, xs, atr)
