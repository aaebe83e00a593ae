"""The scanner's universe: markets -> a first ranking from one bulk tickers call -> sharded subscriptions.

Markets and tickers are ccxt-shaped (``exchange.load_markets()`` and ``exchange.fetch_tickers()``);
only the keys read here need to be present. :class:`Subscriptions` spreads the short list over
connections so that none carries more than ``cap`` symbols, remembers each symbol's last closed
bar, and after a reconnect says which symbols to subscribe again on that connection and from which
bar time to backfill each one, so a reconnect storm loses no closed bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alphalab.core.errors import ConfigError


class UniverseConfig(BaseModel):
    """Which markets to scan: quote currencies, market types, the size of the short list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quotes: tuple[str, ...] = ("USDT",)
    types: tuple[Literal["spot", "swap", "future"], ...] = ("spot", "swap")
    top: int = Field(500, ge=1, description="symbols kept after ranking by 24 h quote volume")
    min_quote_volume: float = Field(0.0, ge=0)


def eligible(markets: Mapping[str, Mapping[str, Any]], config: UniverseConfig) -> list[str]:
    """Return the active markets of the chosen quote currencies and types, sorted by symbol."""
    out = []
    for sym, m in markets.items():
        if m.get("active", True) is False or m.get("quote") not in config.quotes:
            continue
        if m.get("type") in config.types:
            out.append(str(m.get("symbol", sym)))
    return sorted(out)


def rank(markets: Mapping[str, Mapping[str, Any]], tickers: Mapping[str, Mapping[str, Any]],
         config: UniverseConfig) -> list[str]:
    """Return the short list: eligible markets by 24 h quote volume (largest first, ties by symbol)."""
    def volume(sym: str) -> float:
        t = tickers.get(sym) or {}
        qv = t.get("quoteVolume")
        if qv is None and t.get("baseVolume") is not None and t.get("last") is not None:
            qv = float(t["baseVolume"]) * float(t["last"])
        return float(qv or 0.0)

    scored = [(volume(s), s) for s in eligible(markets, config)]
    kept = [(v, s) for v, s in scored if v >= config.min_quote_volume and v > 0.0]
    kept.sort(key=lambda vs: (-vs[0], vs[1]))
    return [s for _, s in kept[: config.top]]


def shard(symbols: Sequence[str], cap: int) -> list[list[str]]:
    """Split ``symbols`` into the fewest connections of at most ``cap`` symbols, in order."""
    if cap < 1:
        raise ConfigError(f"subscription cap must be at least 1, got {cap}")
    return [list(symbols[i : i + cap]) for i in range(0, len(symbols), cap)]


@dataclass(frozen=True, slots=True)
class Backfill:
    """Fetch ``symbol``'s closed bars from ``since_ns`` (inclusive) after its connection came back."""

    symbol: str
    since_ns: int | None


class Subscriptions:
    """Connections of at most ``cap`` symbols, each symbol's last closed bar, and the plan after a reconnect."""

    def __init__(self, symbols: Sequence[str], cap: int, bar_ns: int) -> None:
        if len(set(symbols)) != len(symbols):
            raise ConfigError("subscriptions: symbols repeat", hint="give each symbol once")
        self.cap, self.bar_ns = int(cap), int(bar_ns)
        self.connections = shard(list(symbols), self.cap)
        self.conn_of = {s: i for i, syms in enumerate(self.connections) for s in syms}
        self.last_ns: dict[str, int] = {}
        self.down: set[int] = set()

    def on_bar(self, symbol: str, time_ns: int) -> bool:
        """Record a closed bar; return False for a bar already seen (a duplicate after a backfill)."""
        last = self.last_ns.get(symbol)
        if last is not None and time_ns <= last:
            return False
        self.last_ns[symbol] = int(time_ns)
        return True

    def on_disconnect(self, conn: int) -> None:
        """Mark connection ``conn`` as dropped."""
        self.down.add(int(conn))

    def on_reconnect(self, conn: int) -> tuple[list[str], list[Backfill]]:
        """Return the symbols to subscribe again on ``conn`` and the backfill of each (from its next bar)."""
        self.down.discard(int(conn))
        syms = list(self.connections[conn])
        fills = [Backfill(s, None if s not in self.last_ns else self.last_ns[s] + self.bar_ns) for s in syms]
        return syms, fills
