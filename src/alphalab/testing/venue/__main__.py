"""Run the venue simulator as its own process.

``python -m alphalab.testing.venue --port 0 --bars sample:AAPL`` prints ``ready http://127.0.0.1:PORT``
once it listens. The API key and secret come from ``ALPHALAB_SIM_API_KEY`` / ``ALPHALAB_SIM_API_SECRET``
(defaults ``sim-key`` / ``sim-secret``: a loopback test venue, not a secret).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from alphalab.testing.venue import simulator_from_bars


async def _serve(args: argparse.Namespace) -> None:
    keys = {os.environ.get("ALPHALAB_SIM_API_KEY", "sim-key"): os.environ.get("ALPHALAB_SIM_API_SECRET", "sim-secret")}
    sim = simulator_from_bars(args.bars, api_keys=keys, cash=args.cash, timeframe=args.timeframe,
                              bars=args.max_bars, port=args.port, fee=args.fee,
                              weight_limit=args.weight_limit)
    url = await sim.start()
    print(f"ready {url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await sim.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m alphalab.testing.venue", description="Binance-spot-shaped venue simulator on 127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    ap.add_argument("--bars", action="append", required=True, help="bars to replay, e.g. sample:AAPL (repeatable)")
    ap.add_argument("--timeframe", default="1d")
    ap.add_argument("--max-bars", type=int, default=None, help="replay only the first N bars")
    ap.add_argument("--cash", type=float, default=1_000_000.0, help="starting USDT balance")
    ap.add_argument("--weight-limit", type=int, default=6000, help="request weight per minute before 429")
    ap.add_argument("--fee", type=float, default=0.001, help="fee rate (taker and maker)")
    asyncio.run(_serve(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
