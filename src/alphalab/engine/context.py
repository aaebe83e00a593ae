"""The concrete ``Context`` handed to Python strategies by the event-driven loop.

It reveals bars ``0 .. t`` only and turns ``buy / sell / close / cancel`` into the same pending
orders and working orders that the compiled path uses; the loop then fills them with the shared
jitted rules (see :mod:`alphalab.engine.event`).

No look-ahead by construction: the arrays a strategy receives (``ctx.data``, ``ctx.bars``,
``ctx.indicator``) are read-only views of *reveal buffers* into which each bar is copied only
once it is visible; the rows after the current bar hold NaN, so no memory reachable from them
(``.base`` included) holds future data. Rows are copied on demand, O(T) per run in total.
Every order call is recorded as a :class:`Decision` (what the look-ahead checker compares).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from alphalab.core.bars import OHLCV, BarArrays
from alphalab.core.errors import EngineError
from alphalab.engine import layout as L
from alphalab.engine.kernel_nb import REASON_SIGNAL, request_entry, request_exit
from alphalab.engine.simulate import EntryRules
from alphalab.strategies.api import OrderRef

if TYPE_CHECKING:
    from alphalab.engine.event import EventLoop

_KINDS = {"market": 0, "limit": 1, "stop": 2, "stop_limit": 3}
_UNITS = {"quantity": L.SIZE_QTY, "fraction": L.SIZE_FRACTION, "notional": L.SIZE_NOTIONAL}


@dataclass(frozen=True, slots=True)
class Decision:
    """One order call a strategy made at the close of ``bar`` (what the look-ahead checker compares).

    ``action`` is ``buy``, ``sell``, ``enter``, ``close`` or ``cancel``; ``size`` names the unit
    and value (``quantity=10``, ``fraction=0.5``, the entry rules' sizing, or the cancelled order);
    ``prices`` holds the order's price fields that were given, as ``(name, value)`` pairs.
    """

    bar: int
    symbol: str
    action: str
    side: int = 0
    kind: str = "market"
    size: str = ""
    prices: tuple[tuple[str, float], ...] = ()
    tag: str = ""

    def describe(self) -> str:
        """Return the decision as one line, e.g. ``buy AAPL market quantity=10 limit=95.0``."""
        side = {1: " long", -1: " short"}.get(self.side, "") if self.action == "enter" else ""
        parts = [f"{self.action}{side} {self.symbol}", self.kind if self.action in ("buy", "sell") else "",
                 self.size, *(f"{k}={v!r}" for k, v in self.prices), f"tag={self.tag!r}" if self.tag else ""]
        return " ".join(p for p in parts if p)


class RevealBuffers:
    """Copies of some (time, ...) arrays that hold rows ``0 .. n-1`` only, filled as time reaches them.

    ``upto(n)`` copies the rows not yet revealed and returns read-only views of the first ``n``
    rows. The buffers are the only memory the views reach; their unrevealed rows are NaN (0 for
    integer arrays), so a strategy holding a view (or its ``.base``) cannot read ahead.
    """

    def __init__(self, sources: Mapping[str, np.ndarray]) -> None:
        self._src = dict(sources)
        self._buf = {k: np.zeros_like(v) if v.dtype.kind in "iub" else np.full_like(v, np.nan)
                     for k, v in self._src.items()}
        for b in self._buf.values():
            b.flags.writeable = False
        self._done = 0
        self._views: tuple[int, Mapping[str, np.ndarray]] = (-1, MappingProxyType({}))

    def upto(self, n: int) -> Mapping[str, np.ndarray]:
        """Return read-only views of rows ``0 .. n-1`` (copying in the rows revealed since last time)."""
        if self._views[0] == n:
            return self._views[1]
        if n > self._done:
            lo = self._done
            for k, b in self._buf.items():
                b.flags.writeable = True
                b[lo:n] = self._src[k][lo:n]
                b.flags.writeable = False
            self._done = n
        views = MappingProxyType({k: b[:n] for k, b in self._buf.items()})
        self._views = (n, views)
        return views


@dataclass
class WorkingOrder:
    """A limit, stop or stop-limit order waiting for its price."""

    id: int
    column: int
    side: int
    kind: int
    quantity: float
    limit: float
    stop: float
    prm: np.ndarray
    submitted: int
    time_in_force: str
    tag: str
    armed: bool = False


class EventContext:
    """What a strategy sees and does at the close of the current bar (implements ``api.Context``)."""

    def __init__(self, loop: EventLoop) -> None:
        self._loop = loop
        self._t = 0  # the current bar, written by the loop
        self.messages: list[tuple[np.datetime64, str]] = []
        # looked up once: strategies call price/position every bar (the state arrays pos and acct
        # are never replaced during a run, only the record buffers are)
        self._symbols = loop.bars.symbols
        self._index = {s: j for j, s in enumerate(self._symbols)}
        self._columns = {c: getattr(loop.bars, c) for c in OHLCV}
        self._close = self._columns["close"]
        self._pos = loop.st[0]
        self._acct = loop.st[3]
        self._vectors: dict[EntryRules, np.ndarray] = {}
        self._revealed: RevealBuffers | None = None  # the bars, made on the first data access
        self._indicators: dict[Any, RevealBuffers] = {}
        self._decisions = loop.decisions

    # -- data -------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def timeframe(self) -> str:
        return str(self._loop.bars.timeframe)

    @property
    def bar_index(self) -> int:
        return self._t

    @property
    def time(self) -> np.datetime64:
        return np.datetime64(int(self._loop.bars.time[self._t]), "ns")

    @property
    def data(self) -> Mapping[str, np.ndarray]:
        """Read-only columns ``open high low close volume`` of bars ``0 .. t`` (nothing later is reachable)."""
        return self._bar_views()

    @property
    def bars(self) -> BarArrays:
        """The bars so far as read-only BarArrays (views of the reveal buffers, see ``data``)."""
        v = self._bar_views()
        b = self._loop.bars
        return BarArrays(v["time"], v["open"], v["high"], v["low"], v["close"], v["volume"],
                         symbols=b.symbols, timeframe=b.timeframe)

    def _bar_views(self) -> Mapping[str, np.ndarray]:
        if self._revealed is None:
            b = self._loop.bars
            self._revealed = RevealBuffers({"time": b.time, **{c: getattr(b, c) for c in OHLCV}})
        return self._revealed.upto(self._t + 1)

    def price(self, column: str = "close", symbol: str | None = None) -> float:
        if symbol is None and column == "close":  # the common call, kept short (it runs every bar)
            return self._close.item(self._t, 0)  # type: ignore[no-any-return]
        j = 0 if symbol is None else self._col(symbol)
        arr = self._columns.get(column)
        if arr is None:
            arr = self._loop.bars.column(column)
        return float(arr.item(self._t, j))

    def indicator(self, name: str, **params: Any) -> Mapping[str, np.ndarray]:
        """Return a registry indicator's outputs on bars ``0 .. t`` (read-only, nothing later reachable).

        Registry indicators are causal (value at t uses bars <= t), so they are computed once on
        the whole run, kept out of the strategy's reach, and copied into reveal buffers as time
        advances, which equals computing on the prefix.
        """
        key = (name, tuple(sorted(params.items())))
        rev = self._indicators.get(key)
        if rev is None:
            from alphalab.indicators import get

            d = get(name)
            b = self._loop.bars
            inputs = {c: np.ascontiguousarray(b.column(c)) for c in d.inputs}
            outs = d.batch(**inputs, **params)
            rev = self._indicators[key] = RevealBuffers(dict(zip(d.outputs, outs, strict=True)))
        return rev.upto(self._t + 1)

    # -- account ----------------------------------------------------------------------------
    @property
    def equity(self) -> float:
        self._loop.sync()
        acct = self._acct
        return float(acct[0, L.A_CASH] + acct[0, L.A_VAL])

    @property
    def cash(self) -> float:
        return float(self._acct.item(0, L.A_CASH))

    def position(self, symbol: str) -> float:
        j = self._index.get(symbol)
        if j is None:
            j = self._col(symbol)
        return self._pos.item(j, L.P_QTY)  # type: ignore[no-any-return]

    # -- orders -----------------------------------------------------------------------------
    def buy(self, symbol: str, *size: float, quantity: float | None = None, fraction: float | None = None,
            notional: float | None = None, kind: str = "market", limit: float | None = None,
            stop: float | None = None, stop_loss: float | None = None, take_profit: float | None = None,
            time_in_force: str = "gtc", tag: str = "") -> OrderRef:
        """Submit a buy order sized by exactly one of ``quantity``, ``fraction`` or ``notional``.

        See ``api.Context.buy``. A market buy while short reverses the position.
        """
        self._loop.sync()
        unit, value = self._size("buy", symbol, size, quantity, fraction, notional)
        return self._submit(symbol, 1, unit, value, kind, limit, stop, stop_loss, take_profit, time_in_force, tag)

    def sell(self, symbol: str, *size: float, quantity: float | None = None, fraction: float | None = None,
             notional: float | None = None, kind: str = "market", limit: float | None = None,
             stop: float | None = None, stop_loss: float | None = None, take_profit: float | None = None,
             time_in_force: str = "gtc", tag: str = "") -> OrderRef:
        """Submit a sell order sized like ``buy``; see ``api.Context.sell``. A market sell while long reverses."""
        self._loop.sync()
        unit, value = self._size("sell", symbol, size, quantity, fraction, notional)
        return self._submit(symbol, -1, unit, value, kind, limit, stop, stop_loss, take_profit, time_in_force, tag)

    def enter(self, symbol: str, side: int, rules: EntryRules | None = None, *, reverse: bool = True,
              tag: str = "") -> OrderRef | None:
        """Enter ``side`` (+1 long, -1 short) at market, sized and protected by entry ``rules``.

        The rules (default: the run's) are the SDL's sizing and exits: the quantity is computed
        at the fill from equity and the fill price, exactly as on the compiled path. With
        ``reverse=False`` an opposite position is not closed by this entry (it is ignored).
        Returns None when the entry is not accepted (one entry per bar, pyramiding limit).
        """
        self._loop.sync()
        j = self._col(symbol)
        rules = rules or self._loop.rules
        if side not in (1, -1):
            raise EngineError(f"ctx.enter({symbol!r}, {side!r}): side must be 1 (long) or -1 (short)")
        self._decisions.append(Decision(self._t, symbol, "enter", int(side), "market",
                                        f"{rules.size}={rules.size_value!r}", _rule_prices(rules), tag))
        prm = self._vectors.get(rules)
        if prm is None:
            prm = self._vectors[rules] = rules.vector()
        st = self._loop.st
        q = st[0].item(j, L.P_QTY)
        if not reverse and q != 0.0 and (q > 0) != (side > 0) and st[1][j, L.Q_EXIT] < 0:
            return None
        return self._market(j, int(side), prm, tag)

    def close(self, symbol: str | None = None, *, tag: str = "") -> OrderRef | None:
        """Close the position in ``symbol`` (every position when None) at market."""
        self._loop.sync()
        cols = range(len(self.symbols)) if symbol is None else [self._col(symbol)]
        self._decisions.append(Decision(self._t, "*" if symbol is None else symbol, "close", tag=tag))
        ref = None
        for j in cols:
            if request_exit(self._loop.st, j, REASON_SIGNAL):
                ref = self._loop.new_ref(j, tag)
                self._loop.pending_ids[j] = ref.id
                self._loop.dirty = True
        return ref

    def cancel(self, order: OrderRef | int) -> bool:
        """Cancel a working order or a pending market entry; False when it is no longer working."""
        self._loop.sync()
        oid = order.id if isinstance(order, OrderRef) else int(order)
        sym = order.symbol if isinstance(order, OrderRef) else ""
        self._decisions.append(Decision(self._t, sym, "cancel", size=f"order={oid}"))
        for w in self._loop.working:
            if w.id == oid:
                self._loop.working.remove(w)
                return True
        pend = self._loop.st[1]
        for j, pid in enumerate(self._loop.pending_ids):
            if pid == oid and pend[j, L.Q_SIDE] != 0.0:
                pend[j, L.Q_SIDE] = 0.0
                return True
        return False

    def open_orders(self, symbol: str | None = None) -> Sequence[OrderRef]:
        """Working limit/stop orders (and pending market entries), optionally of one symbol."""
        refs = [OrderRef(w.id, self.symbols[w.column]) for w in self._loop.working]
        pend = self._loop.st[1]
        refs += [OrderRef(pid, self.symbols[j]) for j, pid in enumerate(self._loop.pending_ids)
                 if pid >= 0 and pend[j, L.Q_SIDE] != 0.0]
        return [r for r in refs if symbol is None or r.symbol == symbol]

    def log(self, message: str) -> None:
        """Record a message with the current bar's time."""
        self.messages.append((self.time, message))

    # -- helpers ----------------------------------------------------------------------------
    def _col(self, symbol: str | None) -> int:
        if symbol is None:
            return 0
        try:
            return self._index[symbol]
        except KeyError:
            raise EngineError(f"unknown symbol {symbol!r}", hint=f"this run has {list(self.symbols)}") from None

    def _market(self, j: int, side: int, prm: np.ndarray, tag: str) -> OrderRef | None:
        loop = self._loop
        if not request_entry(loop.st, j, side, loop.t, prm, 0, float(loop.settings.pyramiding)):
            return None
        ref = loop.new_ref(j, tag)
        loop.pending_ids[j] = ref.id
        loop.dirty = True
        return ref

    def _size(self, action: str, symbol: str, size: tuple[float, ...], quantity: float | None,
              fraction: float | None, notional: float | None) -> tuple[str, float]:
        """Return the one size unit given and its value; raise a clear error on any other use."""
        call = f"ctx.{action}({symbol!r}, ...)"
        if size:
            raise EngineError(
                f"{call}: a positional size {size[0]!r} is ambiguous (units, or a fraction of equity?)",
                hint=f"write ctx.{action}(symbol, quantity={size[0]!r}) for units, fraction=... for a share "
                     "of equity or notional=... for an amount of quote currency",
            )
        given = {k: v for k, v in (("quantity", quantity), ("fraction", fraction), ("notional", notional))
                 if v is not None}
        if len(given) != 1:
            what = "no size" if not given else f"{' and '.join(given)} together"
            raise EngineError(f"{call}: {what}; give exactly one of quantity=, fraction= or notional=",
                              hint="quantity: units (shares, contracts, coins); fraction: share of equity "
                                   "(0.5 = half); notional: quote currency")
        unit, value = next(iter(given.items()))
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
                or not math.isfinite(value) or value <= 0:
            raise EngineError(f"{call}: {unit}={value!r} must be a positive finite number")
        lev = float(self._loop.settings.leverage)
        if unit == "fraction" and value > lev:
            raise EngineError(f"{call}: fraction={value!r} exceeds the run's leverage {lev:g}",
                              hint="fraction is a share of equity (0.5 = half); raise leverage in the config to "
                                   "go above it")
        return unit, float(value)

    def _submit(self, symbol: str, side: int, unit: str, value: float, kind: str, limit: float | None,
                stop: float | None, stop_loss: float | None, take_profit: float | None, tif: str,
                tag: str) -> OrderRef:
        if kind not in _KINDS:
            raise EngineError(f"unknown order kind {kind!r}", hint=f"use one of {list(_KINDS)}")
        j = self._col(symbol)
        k = _KINDS[kind]
        if (k in (1, 3) and limit is None) or (k in (2, 3) and stop is None):
            raise EngineError(f"a {kind} order needs {'limit and stop' if k == 3 else 'limit' if k == 1 else 'stop'}")
        prices = tuple((n, float(v)) for n, v in (("limit", limit), ("stop", stop), ("stop_loss", stop_loss),
                                                  ("take_profit", take_profit)) if v is not None)
        self._decisions.append(Decision(self._t, symbol, "buy" if side > 0 else "sell", side, kind,
                                        f"{unit}={value!r}", prices, tag))
        prm = _bracket_vector(unit, value, stop_loss, take_profit)
        if kind == "market":
            ref = self._market(j, side, prm, tag)
            return ref if ref is not None else OrderRef(-1, symbol)
        ref = self._loop.new_ref(j, tag)
        self._loop.working.append(WorkingOrder(
            ref.id, j, side, k, value if unit == "quantity" else math.nan, float(limit if limit is not None else np.nan),
            float(stop if stop is not None else np.nan), prm, self._t, tif, tag,
        ))
        return ref


def _rule_prices(rules: EntryRules) -> tuple[tuple[str, float], ...]:
    out = []
    for name, typ, val in (("stop_loss", rules.stop_loss, rules.stop_value),
                           ("take_profit", rules.take_profit, rules.target_value),
                           ("trailing", rules.trailing, rules.trailing_value)):
        if typ != "none":
            out.append((f"{name}_{typ}", float(val)))
    return tuple(out)


def _bracket_vector(unit: str, value: float, stop_loss: float | None, take_profit: float | None) -> np.ndarray:
    v = np.zeros(L.NPARAM)
    v[L.R_SIZE_TYPE] = _UNITS[unit]
    v[L.R_SIZE_VAL] = value
    v[L.R_OPP] = 1.0
    if stop_loss is not None:
        v[L.R_SL_TYPE] = L.SL_ABS
        v[L.R_SL_VAL] = stop_loss
    if take_profit is not None:
        v[L.R_TP_TYPE] = L.TP_ABS
        v[L.R_TP_VAL] = take_profit
    return v
