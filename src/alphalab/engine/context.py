"""The concrete ``Context`` handed to Python strategies by the event-driven loop.

It reveals bars ``0 .. t`` only and turns ``buy / sell / close / cancel`` into the same pending
orders and working orders that the compiled path uses; the loop then fills them with the shared
jitted rules (see :mod:`alphalab.engine.event`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
        self.messages: list[tuple[np.datetime64, str]] = []
        # looked up once: strategies call price/position every bar (the state arrays pos and acct
        # are never replaced during a run, only the record buffers are)
        self._symbols = loop.bars.symbols
        self._index = {s: j for j, s in enumerate(self._symbols)}
        self._columns = {c: getattr(loop.bars, c) for c in OHLCV}
        self._pos = loop.st[0]
        self._acct = loop.st[3]
        self._vectors: dict[EntryRules, np.ndarray] = {}

    # -- data -------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def timeframe(self) -> str:
        return str(self._loop.bars.timeframe)

    @property
    def bar_index(self) -> int:
        return self._loop.t

    @property
    def time(self) -> np.datetime64:
        return np.datetime64(int(self._loop.bars.time[self._loop.t]), "ns")

    @property
    def data(self) -> Mapping[str, np.ndarray]:
        t = self._loop.t + 1
        b = self._loop.bars
        return {c: getattr(b, c)[:t] for c in OHLCV}

    @property
    def bars(self) -> BarArrays:
        return self._loop.bars.slice(0, self._loop.t + 1)

    def price(self, column: str = "close", symbol: str | None = None) -> float:
        j = 0 if symbol is None else self._col(symbol)
        arr = self._columns.get(column)
        if arr is None:
            arr = self._loop.bars.column(column)
        return float(arr.item(self._loop.t, j))

    def indicator(self, name: str, **params: Any) -> Mapping[str, np.ndarray]:
        """Return a registry indicator on the bars so far.

        Registry indicators are causal (value at t uses bars <= t), so they are computed once on
        the whole run and revealed up to the current bar, which equals computing on the prefix.
        """
        key = (name, tuple(sorted(params.items())))
        cache = self._loop.indicator_cache
        if key not in cache:
            from alphalab.indicators import get

            d = get(name)
            b = self._loop.bars
            inputs = {c: np.ascontiguousarray(b.column(c)) for c in d.inputs}
            outs = d.batch(**inputs, **params)
            cache[key] = dict(zip(d.outputs, outs, strict=True))
        t = self._loop.t + 1
        return {k: v[:t] for k, v in cache[key].items()}

    # -- account ----------------------------------------------------------------------------
    @property
    def equity(self) -> float:
        acct = self._acct
        return float(acct[0, L.A_CASH] + acct[0, L.A_VAL])

    @property
    def cash(self) -> float:
        return float(self._acct.item(0, L.A_CASH))

    def position(self, symbol: str) -> float:
        return float(self._pos.item(self._col(symbol), L.P_QTY))

    # -- orders -----------------------------------------------------------------------------
    def buy(self, symbol: str, quantity: float, *, kind: str = "market", limit: float | None = None,
            stop: float | None = None, stop_loss: float | None = None, take_profit: float | None = None,
            time_in_force: str = "gtc", tag: str = "") -> OrderRef:
        """Submit a buy order; see ``api.Context.buy``. A market buy while short reverses the position."""
        return self._submit(symbol, 1, quantity, kind, limit, stop, stop_loss, take_profit, time_in_force, tag)

    def sell(self, symbol: str, quantity: float, *, kind: str = "market", limit: float | None = None,
             stop: float | None = None, stop_loss: float | None = None, take_profit: float | None = None,
             time_in_force: str = "gtc", tag: str = "") -> OrderRef:
        """Submit a sell order; see ``api.Context.sell``. A market sell while long reverses the position."""
        return self._submit(symbol, -1, quantity, kind, limit, stop, stop_loss, take_profit, time_in_force, tag)

    def enter(self, symbol: str, side: int, rules: EntryRules | None = None, *, reverse: bool = True,
              tag: str = "") -> OrderRef | None:
        """Enter ``side`` (+1 long, -1 short) at market, sized and protected by entry ``rules``.

        The rules (default: the run's) are the SDL's sizing and exits: the quantity is computed
        at the fill from equity and the fill price, exactly as on the compiled path. With
        ``reverse=False`` an opposite position is not closed by this entry (it is ignored).
        Returns None when the entry is not accepted (one entry per bar, pyramiding limit).
        """
        j = self._col(symbol)
        rules = rules or self._loop.rules
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
        cols = range(len(self.symbols)) if symbol is None else [self._col(symbol)]
        ref = None
        for j in cols:
            if request_exit(self._loop.st, j, REASON_SIGNAL):
                ref = self._loop.new_ref(j, tag)
                self._loop.pending_ids[j] = ref.id
                self._loop.dirty = True
        return ref

    def cancel(self, order: OrderRef | int) -> bool:
        """Cancel a working order or a pending market entry; False when it is no longer working."""
        oid = order.id if isinstance(order, OrderRef) else int(order)
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

    def _submit(self, symbol: str, side: int, quantity: float, kind: str, limit: float | None,
                stop: float | None, stop_loss: float | None, take_profit: float | None, tif: str,
                tag: str) -> OrderRef:
        if kind not in _KINDS:
            raise EngineError(f"unknown order kind {kind!r}", hint=f"use one of {list(_KINDS)}")
        if not quantity > 0:
            raise EngineError(f"order quantity must be positive, got {quantity}")
        j = self._col(symbol)
        prm = _bracket_vector(quantity, stop_loss, take_profit)
        if kind == "market":
            ref = self._market(j, side, prm, tag)
            return ref if ref is not None else OrderRef(-1, symbol)
        k = _KINDS[kind]
        if (k in (1, 3) and limit is None) or (k in (2, 3) and stop is None):
            raise EngineError(f"a {kind} order needs {'limit and stop' if k == 3 else 'limit' if k == 1 else 'stop'}")
        ref = self._loop.new_ref(j, tag)
        self._loop.working.append(WorkingOrder(
            ref.id, j, side, k, float(quantity), float(limit if limit is not None else np.nan),
            float(stop if stop is not None else np.nan), prm, self._loop.t, tif, tag,
        ))
        return ref


def _bracket_vector(quantity: float, stop_loss: float | None, take_profit: float | None) -> np.ndarray:
    v = np.zeros(L.NPARAM)
    v[L.R_SIZE_TYPE] = L.SIZE_QTY
    v[L.R_SIZE_VAL] = quantity
    v[L.R_OPP] = 1.0
    if stop_loss is not None:
        v[L.R_SL_TYPE] = L.SL_ABS
        v[L.R_SL_VAL] = stop_loss
    if take_profit is not None:
        v[L.R_TP_TYPE] = L.TP_ABS
        v[L.R_TP_VAL] = take_profit
    return v
