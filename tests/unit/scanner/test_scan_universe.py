"""Universe ranking, sharding under a per-connection cap, and a reconnect storm that loses no closed bar."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.scanner.universe import Subscriptions, UniverseConfig, rank, shard

BAR = 60_000_000_000


def _markets(n: int) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    markets, tickers = {}, {}
    for i in range(n):
        quote = "USDT" if i % 10 else "BTC"
        kind = "swap" if i % 3 == 0 else "spot"
        sym = f"C{i}/{quote}" + (":USDT" if kind == "swap" else "")
        markets[sym] = {"symbol": sym, "quote": quote, "type": kind, "active": i % 17 != 0}
        tickers[sym] = {"quoteVolume": float((i * 7919) % 1000)}
    return markets, tickers


def test_ranking_keeps_active_quote_markets_by_volume() -> None:
    markets, tickers = _markets(200)
    top = rank(markets, tickers, UniverseConfig(top=20))
    vols = [tickers[s]["quoteVolume"] for s in top]
    assert len(top) == 20 and vols == sorted(vols, reverse=True)
    assert all(markets[s]["quote"] == "USDT" and markets[s]["active"] for s in top)
    spot_only = rank(markets, tickers, UniverseConfig(types=("spot",), top=1000))
    assert spot_only and all(markets[s]["type"] == "spot" for s in spot_only)


class FakeStreamVenue:
    """A venue that refuses more than ``cap`` subscriptions per connection and drops bars to dead connections."""

    def __init__(self, cap: int) -> None:
        self.cap, self.subs, self.history = cap, {}, {}  # type: ignore[var-annotated]

    def subscribe(self, conn: int, symbols: list[str]) -> None:
        if len(symbols) > self.cap:
            raise RuntimeError(f"connection {conn}: {len(symbols)} subscriptions over the cap {self.cap}")
        self.subs[conn] = list(symbols)

    def drop(self, conn: int) -> None:
        self.subs.pop(conn, None)

    def publish(self, time_ns: int) -> list[tuple[str, int]]:
        for syms in self.subs.values():
            for s in syms:
                self.history.setdefault(s, []).append(time_ns)
        return [(s, time_ns) for syms in self.subs.values() for s in syms]

    def bars_since(self, symbol: str, since: int | None, all_times: list[int]) -> list[tuple[str, int]]:
        return [(symbol, t) for t in all_times if since is None or t >= since]


def test_3000_symbols_respect_the_cap_and_a_reconnect_storm_loses_no_bar() -> None:
    symbols = [f"S{i}/USDT" for i in range(3000)]
    subs = Subscriptions(symbols, cap=200, bar_ns=BAR)
    assert len(subs.connections) == 15 and max(len(c) for c in subs.connections) <= 200
    venue = FakeStreamVenue(cap=200)
    for i, syms in enumerate(subs.connections):
        venue.subscribe(i, syms)
    rng = np.random.default_rng(0)
    seen: dict[str, list[int]] = {s: [] for s in symbols}
    times: list[int] = []
    for step in range(40):
        t = step * BAR
        times.append(t)
        for s, tt in venue.publish(t):
            if subs.on_bar(s, tt):
                seen[s].append(tt)
        if step in (5, 6, 20):  # a storm: most connections drop at once, some twice in a row
            for conn in rng.choice(15, size=12, replace=False):
                venue.drop(int(conn))
                subs.on_disconnect(int(conn))
        for conn in sorted(subs.down):
            if rng.uniform() < 0.5:
                continue  # stays down a while longer
            syms, fills = subs.on_reconnect(conn)
            venue.subscribe(conn, syms)
            for f in fills:  # duplicates of bars already seen are refused by on_bar
                for s, tt in venue.bars_since(f.symbol, None if f.since_ns is None else f.since_ns - 2 * BAR, times):
                    if subs.on_bar(s, tt):
                        seen[s].append(tt)
    for conn in sorted(subs.down):
        syms, fills = subs.on_reconnect(conn)
        venue.subscribe(conn, syms)
        for f in fills:
            for s, tt in venue.bars_since(f.symbol, f.since_ns, times):
                if subs.on_bar(s, tt):
                    seen[s].append(tt)
    assert all(seen[s] == times for s in symbols)


def test_bad_cap_is_refused() -> None:
    with pytest.raises(ConfigError, match="cap"):
        shard(["A"], 0)


def test_scan_universe_command_shards_3000_markets_under_the_cap(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from alphalab.cli.main import main

    markets, tickers = _markets(3300)
    (tmp_path / "m.json").write_text(json.dumps(markets))
    (tmp_path / "t.json").write_text(json.dumps(tickers))
    code = main(["scan", "universe", "--markets", str(tmp_path / "m.json"), "--tickers", str(tmp_path / "t.json"),
                 "--top", "3000", "--cap", "200", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["largest_connection"] <= 200
    assert sum(len(c) for c in out["connections"]) == len(out["symbols"]) == len(set(out["symbols"]))
    assert out["symbols"] == rank(markets, tickers, UniverseConfig(top=3000))
    code = main(["scan", "universe", "--markets", str(tmp_path / "nope.json"), "--tickers", str(tmp_path / "t.json")])
    assert code != 0 and "markets" in capsys.readouterr().err
