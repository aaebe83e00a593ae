"""The live path: closed bars arrive one symbol at a time and are gathered into one batch per bar time.

A :class:`BarAssembler` keeps the bars, book snapshots and liquidations of the bar times still
open; closing a bar time turns them into one :class:`~alphalab.scanner.state.Batch` and steps the
scanner (symbols that sent nothing get NaN, which the state skips). With ``lag=0`` a message for a
later time closes the open one; with ``lag=k`` a bar time stays open until a message ``k + 1``
bar times later arrives, so bars backfilled after a reconnect within ``k`` bar times still land in
their batch. A message for a time already closed is refused (counted in ``late``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.scanner.scanner import Event, Scanner
from alphalab.scanner.state import Batch, Liquidations


class _Pending:
    """What arrived for one bar time."""

    def __init__(self, n: int, levels: int) -> None:
        self.ohlcv = np.full((5, n), np.nan)
        self.bid, self.ask = np.full((n, levels), np.nan), np.full((n, levels), np.nan)
        self.books = False
        self.liq: list[tuple[int, int, float]] = []
        self.iv = np.full(n, np.nan)
        self.has_iv = False

    def batch(self, time_ns: int) -> Batch:
        liq = None
        if self.liq:
            sym, side, notional = zip(*self.liq, strict=True)
            liq = Liquidations(np.array(sym, np.int64), np.array(side, np.int64), np.array(notional, float))
        o, h, lo, c, v = self.ohlcv
        return Batch(time_ns, o, h, lo, c, v, self.bid if self.books else None, self.ask if self.books else None, liq,
                     self.iv if self.has_iv else None)


class BarAssembler:
    """Gather each bar time's messages for ``scanner`` and step it once per bar time, in time order."""

    def __init__(self, scanner: Scanner, *, lag: int = 0) -> None:
        if lag < 0:
            raise ConfigError(f"bar assembler lag must be >= 0 bar times, got {lag}")
        self.scanner, self.lag = scanner, int(lag)
        self.index = {s: i for i, s in enumerate(scanner.symbols)}
        self._levels = scanner.config.state.book_levels
        self._open: dict[int, _Pending] = {}
        self.closed_ns: int | None = None
        self.late = 0

    def _at(self, time_ns: int) -> tuple[_Pending | None, list[Event]]:
        t = int(time_ns)
        if self.closed_ns is not None and t <= self.closed_ns:
            self.late += 1
            return None, []
        events: list[Event] = []
        if t not in self._open:
            self._open[t] = _Pending(len(self.index), self._levels)
            while len(self._open) > self.lag + 1:
                events += self._close_oldest()
        return self._open.get(t), events

    def _sym(self, symbol: str) -> int:
        if symbol not in self.index:
            raise ConfigError(f"symbol {symbol!r} is not in the scanner's universe")
        return self.index[symbol]

    def bar(self, symbol: str, time_ns: int, o: float, h: float, lo: float, c: float, v: float) -> list[Event]:
        """Add ``symbol``'s closed bar; return the events of the bar times this closes."""
        s = self._sym(symbol)
        p, events = self._at(time_ns)
        if p is not None:
            p.ohlcv[:, s] = (o, h, lo, c, v)
        return events

    def book(self, symbol: str, time_ns: int, bids: Sequence[float], asks: Sequence[float]) -> list[Event]:
        """Set ``symbol``'s latest top-N book (quantities per level, best first) within bar time ``time_ns``."""
        s = self._sym(symbol)
        p, events = self._at(time_ns)
        if p is not None:
            k = min(len(bids), len(asks), self._levels)
            p.bid[s, :k], p.ask[s, :k] = np.asarray(bids, float)[:k], np.asarray(asks, float)[:k]
            p.books = True
        return events

    def liquidation(self, symbol: str, time_ns: int, side: int, notional: float) -> list[Event]:
        """Add one forced trade (``side`` -1: a long liquidated by a forced sell) within bar time ``time_ns``."""
        s = self._sym(symbol)
        p, events = self._at(time_ns)
        if p is not None:
            p.liq.append((s, -1 if side < 0 else 1, float(notional)))
        return events

    def implied_vol(self, symbol: str, time_ns: int, iv: float) -> list[Event]:
        """Set ``symbol``'s implied volatility (where the venue provides one) within bar time ``time_ns``."""
        s = self._sym(symbol)
        p, events = self._at(time_ns)
        if p is not None:
            p.iv[s], p.has_iv = float(iv), True
        return events

    def _close_oldest(self) -> list[Event]:
        t = min(self._open)
        batch = self._open.pop(t).batch(t)
        self.closed_ns = t
        return self.scanner.step(batch)

    def close(self) -> list[Event]:
        """Close every open bar time (the bar clock passed them all); return their events."""
        events: list[Event] = []
        while self._open:
            events += self._close_oldest()
        return events
