"""The live path: closed bars arrive one symbol at a time and are gathered into one batch per bar time.

A :class:`BarAssembler` holds the bars, book snapshots and liquidations of the bar being closed;
:meth:`BarAssembler.close` turns them into one :class:`~alphalab.scanner.state.Batch` and hands it to
the scanner (symbols that sent nothing get NaN, which the state skips). A bar that arrives for a
later time first closes the current one, so a feed in time order needs no explicit close.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.scanner.scanner import Event, Scanner
from alphalab.scanner.state import Batch, Liquidations


class BarAssembler:
    """Gather one bar time's messages for ``scanner`` and step it once per bar time."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.index = {s: i for i, s in enumerate(scanner.symbols)}
        n, levels = len(scanner.symbols), scanner.config.state.book_levels
        self._ohlcv = np.full((5, n), np.nan)
        self._bid, self._ask = np.full((n, levels), np.nan), np.full((n, levels), np.nan)
        self._books = False
        self._liq: list[tuple[int, int, float]] = []
        self.time_ns: int | None = None

    def _at(self, time_ns: int) -> list[Event]:
        if self.time_ns is not None and time_ns < self.time_ns:
            raise ConfigError(f"bar at {time_ns} ns arrived after bar time {self.time_ns} ns was opened",
                              hint="a closed bar must arrive before any bar of a later time")
        events = self.close() if self.time_ns is not None and time_ns > self.time_ns else []
        self.time_ns = int(time_ns)
        return events

    def _sym(self, symbol: str) -> int:
        if symbol not in self.index:
            raise ConfigError(f"symbol {symbol!r} is not in the scanner's universe")
        return self.index[symbol]

    def bar(self, symbol: str, time_ns: int, o: float, h: float, lo: float, c: float, v: float) -> list[Event]:
        """Add ``symbol``'s closed bar; return the events of an earlier bar time this closes."""
        events = self._at(time_ns)
        self._ohlcv[:, self._sym(symbol)] = (o, h, lo, c, v)
        return events

    def book(self, symbol: str, time_ns: int, bids: Sequence[float], asks: Sequence[float]) -> list[Event]:
        """Set ``symbol``'s latest top-N book (quantities per level, best first) within this bar."""
        events = self._at(time_ns)
        s, k = self._sym(symbol), min(len(bids), len(asks), self._bid.shape[1])
        self._bid[s, :k], self._ask[s, :k] = np.asarray(bids, float)[:k], np.asarray(asks, float)[:k]
        self._books = True
        return events

    def liquidation(self, symbol: str, time_ns: int, side: int, notional: float) -> list[Event]:
        """Add one forced trade (``side`` -1: a long liquidated by a forced sell) within this bar."""
        events = self._at(time_ns)
        self._liq.append((self._sym(symbol), -1 if side < 0 else 1, float(notional)))
        return events

    def close(self) -> list[Event]:
        """Close the current bar time: step the scanner with everything gathered and return its events."""
        if self.time_ns is None:
            return []
        liq = None
        if self._liq:
            sym, side, notional = zip(*self._liq, strict=True)
            liq = Liquidations(np.array(sym, np.int64), np.array(side, np.int64), np.array(notional, float))
        o, h, lo, c, v = self._ohlcv
        batch = Batch(self.time_ns, o.copy(), h.copy(), lo.copy(), c.copy(), v.copy(),
                      self._bid.copy() if self._books else None, self._ask.copy() if self._books else None, liq)
        self._ohlcv[:] = np.nan
        self._bid[:], self._ask[:] = np.nan, np.nan
        self._books, self._liq, self.time_ns = False, [], None
        return self.scanner.step(batch)
