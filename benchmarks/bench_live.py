"""Benchmarks of the live runtime (issue 13): bar close -> decision, ledger writes, the order state machine.

Run: ``python benchmarks/bench_live.py [--json]``.

- ``decision``: 50 single-symbol sleeves on one replay row: the time of ``Runtime.decide_row``
  (fills at the open, the streaming strategies' decisions, intents through the gate-less order
  manager to the paper venue), median and p99 over the rows of a 500-bar replay;
- ``decide_only``: the same without the order manager (decisions known, nothing written yet);
- ``ledger``: intents written per second to SQLite with durability on (WAL, synchronous=FULL),
  batched (one transaction of many) and single (one transaction each);
- ``state_machine``: orders per second through the in-memory ``OrderBook`` (intent, submitted, ack, fill).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def bench_decision(n_sleeves: int = 50, n_bars: int = 500) -> dict[str, Any]:
    from alphalab.data import load_arrays
    from alphalab.engine.backtest import resolve_spec
    from alphalab.engine.config import BacktestConfig
    from alphalab.live.clock import SimulatedClock
    from alphalab.live.feeds import ReplayFeed
    from alphalab.live.ledger import Ledger
    from alphalab.live.runtime import Runtime
    from alphalab.live.sleeve import SleeveConfig
    from alphalab.sdl.sources import builtin_dir

    symbols = ["sample:AAPL", "sample:MSFT", "sample:IBM", "sample:GOOG"]
    bars = load_arrays(symbols, "1d")
    bars = bars.slice(bars.n_bars - n_bars, bars.n_bars)
    ids = sorted(p.stem for p in builtin_dir().glob("*.json") if p.stem != "mtf_trend")
    cfg = BacktestConfig(fee_bps=5.0, capital=10_000.0)
    sleeves = [SleeveConfig(f"{ids[i % len(ids)]}#{i}", resolve_spec(ids[i % len(ids)], None),
                            (symbols[i % len(symbols)],), "1d", cfg.capital, cfg) for i in range(n_sleeves)]
    times: list[float] = []
    with tempfile.TemporaryDirectory() as d:
        ledger = Ledger(f"sqlite:///{Path(d) / 'l.sqlite'}")
        clock = SimulatedClock(int(bars.time[0]))
        rt = Runtime(sleeves, ledger=ledger, clock=clock, feed=ReplayFeed(bars, clock), checkpoint_every=10**9)
        inner = rt.decide_row

        async def timed(row: Any) -> None:
            t0 = time.perf_counter()
            await inner(row)
            times.append(time.perf_counter() - t0)

        rt.decide_row = timed  # type: ignore[method-assign]
        asyncio.run(rt.run())
        intents = rt.report.intents
        ledger.close()
    times = times[20:]  # the first rows compile and warm caches
    times.sort()
    return {"sleeves": n_sleeves, "rows": len(times), "intents": intents,
            "median_ms": 1e3 * statistics.median(times), "p99_ms": 1e3 * times[int(0.99 * (len(times) - 1))],
            "max_ms": 1e3 * times[-1]}


def bench_decide_only(n_sleeves: int = 50, n_bars: int = 500) -> dict[str, Any]:
    """Bar close -> decisions known (strategies and paper-book phases of 50 sleeves, no ledger writes)."""
    from alphalab.data import load_arrays
    from alphalab.engine.backtest import resolve_spec
    from alphalab.engine.config import BacktestConfig
    from alphalab.live.clock import SimulatedClock
    from alphalab.live.feeds import ReplayFeed
    from alphalab.live.sleeve import Sleeve, SleeveConfig
    from alphalab.sdl.sources import builtin_dir

    symbols = ["sample:AAPL", "sample:MSFT", "sample:IBM", "sample:GOOG"]
    bars = load_arrays(symbols, "1d")
    bars = bars.slice(bars.n_bars - n_bars, bars.n_bars)
    ids = sorted(p.stem for p in builtin_dir().glob("*.json") if p.stem != "mtf_trend")
    cfg = BacktestConfig(fee_bps=5.0, capital=10_000.0)
    sleeves = [Sleeve(SleeveConfig(f"{ids[i % len(ids)]}#{i}", resolve_spec(ids[i % len(ids)], None),
                                   (symbols[i % len(symbols)],), "1d", cfg.capital, cfg)) for i in range(n_sleeves)]
    clock = SimulatedClock(int(bars.time[0]))

    async def rows() -> list[Any]:
        return [r async for r in ReplayFeed(bars, clock).rows()]

    times = []
    for row in asyncio.run(rows()):
        t0 = time.perf_counter()
        for s in sleeves:
            decisions, market = s.decide(row)
            s.book.open_bar(row.t_ns, market)
            s.book.decide(decisions)
            s.book.close_bar()
        times.append(time.perf_counter() - t0)
    times = sorted(times[20:])
    return {"sleeves": n_sleeves, "rows": len(times), "median_ms": 1e3 * statistics.median(times),
            "p99_ms": 1e3 * times[int(0.99 * (len(times) - 1))]}


def _intents(n: int, tag: str) -> list[Any]:
    from alphalab.live.ids import client_order_id
    from alphalab.live.orders import Intent

    return [Intent(client_order_id(tag, "BTC/USDT", "1m", i * 60_000_000_000), tag, "BTC/USDT", "1m",
                   i * 60_000_000_000, 0, "buy", "market", 1.0, reason="bench") for i in range(n)]


def bench_ledger(n_batched: int = 20_000, n_single: int = 300) -> dict[str, Any]:
    from alphalab.live.ledger import Ledger

    with tempfile.TemporaryDirectory() as d:
        ledger = Ledger(f"sqlite:///{Path(d) / 'l.sqlite'}")
        batch = _intents(n_batched, "batched")
        t0 = time.perf_counter()
        for k in range(0, n_batched, 5_000):
            ledger.record_intents(batch[k:k + 5_000])
        batched = n_batched / (time.perf_counter() - t0)
        single = _intents(n_single, "single")
        t0 = time.perf_counter()
        for i in single:
            ledger.record_intent(i)
        one = n_single / (time.perf_counter() - t0)
        ledger.close()
    return {"batched_intents_per_s": batched, "single_intents_per_s": one, "durability": "WAL, synchronous=FULL"}


def bench_state_machine(n: int = 100_000) -> dict[str, Any]:
    from alphalab.live.orders import OrderBook, OrderEvent

    intents = _intents(n, "sm")
    book = OrderBook()
    t0 = time.perf_counter()
    for k, i in enumerate(intents):
        cid = i.client_id
        book.add_intent(i)
        book.apply(OrderEvent(cid, "submitted", k))
        book.apply(OrderEvent(cid, "ack", k, venue_order_id=str(k)))
        book.apply(OrderEvent(cid, "fill", k, quantity=1.0, price=100.0, trade_id=str(k)))
    return {"orders_per_s": n / (time.perf_counter() - t0), "events_per_order": 3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {"decide_only": bench_decide_only(), "decision": bench_decision(), "ledger": bench_ledger(), "state_machine": bench_state_machine()}
    print(json.dumps(out, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
