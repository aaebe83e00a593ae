"""WebSocket fan-out of the operator service on loopback: N clients receiving updates at R Hz.

The service runs in a thread (uvicorn on 127.0.0.1, a free port); a task on its loop publishes a
hub message every 1/R s carrying its send time. N clients (the ``websockets`` package) in
``--procs`` separate processes record the delivery delay of every message and any gap in the
sequence numbers. Bounded: it stops after ``--seconds``. Prints one JSON line: clients, rate,
messages delivered (and published x clients), lost, and p50 / p99 / max delay in milliseconds.

    python benchmarks/bench_service_ws.py --clients 200 --rate 10 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app: Any, port: int, ready: threading.Event, box: dict[str, Any]) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    box["server"] = server

    async def run_server() -> None:
        box["loop"] = asyncio.get_running_loop()
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        ready.set()
        await task

    asyncio.run(run_server())


async def _client(url: str, until: float, delays: list[int], lost: list[int]) -> None:
    import websockets

    async with websockets.connect(url, max_queue=None) as ws:
        last = None
        while time.time() < until:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, until - time.time()))
            except TimeoutError:
                break
            msg = json.loads(raw)
            if msg["type"] == "tick":
                delays.append(time.time_ns() - msg["data"]["sent_ns"])
                if last is not None and msg["seq"] != last + 1:
                    lost.append(msg["seq"] - last - 1)
            last = msg["seq"]


def _client_proc(url: str, n: int, until: float, out: Any) -> None:
    """One process of clients (its own interpreter: client work does not share the server's GIL)."""
    delays: list[int] = []
    lost: list[int] = []

    async def go() -> None:
        await asyncio.gather(*[_client(url, until, delays, lost) for _ in range(n)])

    asyncio.run(go())
    out.put((delays, lost))


async def _ticks(hub: Any, rate: float, start: float, end: float) -> None:
    await asyncio.sleep(max(0.0, start - time.time()))
    while time.time() < end:
        hub.publish("tick", {"sent_ns": time.time_ns()})
        await asyncio.sleep(1.0 / rate)


def _measure(args: argparse.Namespace, url: str, box: dict[str, Any]) -> dict[str, Any]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 5.0  # every client connected and past its snapshot
    end = start + args.seconds
    sizes = [args.clients // args.procs + (i < args.clients % args.procs) for i in range(args.procs)]
    procs = [ctx.Process(target=_client_proc, args=(url, n, end + 1.0, out)) for n in sizes if n]
    for pr in procs:
        pr.start()
    asyncio.run_coroutine_threadsafe(_ticks(box["hub"], args.rate, start, end), box["loop"])
    delays: list[int] = []
    lost: list[int] = []
    for _ in procs:
        d, lo = out.get(timeout=args.seconds + 60)
        delays += d
        lost += lo
    for pr in procs:
        pr.join(10)
    ms = np.asarray(delays) / 1e6
    pct = (lambda q: round(float(np.percentile(ms, q)), 2)) if ms.size else (lambda q: None)
    return {"clients": args.clients, "client_processes": len(procs), "rate_hz": args.rate, "seconds": args.seconds,
            "delivered": int(ms.size), "published_x_clients": int(box["hub"].seq * args.clients),
            "lost": int(sum(lost)), "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": pct(100)}


def main() -> None:
    p = argparse.ArgumentParser(description="WebSocket fan-out benchmark of alphalab serve on loopback")
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--procs", type=int, default=2, help="client processes")
    args = p.parse_args()
    if not (1 <= args.clients <= 2000 and 0 < args.rate <= 100 and 0 < args.seconds <= 120 and 1 <= args.procs <= 8):
        raise SystemExit("bounded benchmark: 1..2000 clients, rate <= 100 Hz, <= 120 s, 1..8 client processes")

    from alphalab.service.app import create_app
    from alphalab.service.settings import ServiceSettings

    tmp = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    settings = ServiceSettings(secret="bench-" + "s" * 40, ledger_url=f"sqlite:///{tmp / 'ledger.sqlite'}", home=tmp)
    app = create_app(settings, poll=False)
    svc = app.state.svc
    svc.store.add_user("bench", "bench-password", "viewer")
    token = svc.tokens.issue("bench", "viewer")
    port = _free_port()
    box: dict[str, Any] = {"hub": svc.hub}
    ready = threading.Event()
    thread = threading.Thread(target=_serve, args=(app, port, ready, box), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise SystemExit("the service did not start")
    result = _measure(args, f"ws://127.0.0.1:{port}/api/ws?token={token}", box)
    box["server"].should_exit = True
    thread.join(15)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
