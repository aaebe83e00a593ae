"""A small bot for the crash tests: one market order per replayed bar through OrderManager + CcxtVenue.

Bar ``i`` buys ``1 + (i // 2) % 3`` AAPL when ``i`` is even and sells the same amount when odd; the
client order id of decision ``(i, attempt)`` is ``client_order_id("crash", SYM, "1d", i, attempt)``.
On (re)start it reconciles, skips every bar whose decision the ledger holds, and moves the
simulator to the bar it trades (a control call, the bot is the replay clock). A decision that the
venue never received (the bot died between the ledger write and the request) is taken again
under the next attempt number, so it is a new client id, never a re-send.

``python crash_bot.py URL LEDGER_URL N_BARS PROGRESS_FILE``; credentials from the environment.
``python crash_bot.py --zygote STATUS_FILE`` imports everything once, then forks one fresh bot
process per line ``URL LEDGER_URL N_BARS PROGRESS_FILE`` read from stdin and prints its pid; the
exit status of each child is appended to STATUS_FILE as ``pid status``. A forked bot shares
nothing with its predecessors but the ledger and the venue (the zygote never runs bot code): it
only saves the interpreter start and imports (seconds on a loaded machine) per restart.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
import traceback

import aiohttp

from alphalab.live import Intent, OrderStatus, WallClock, client_order_id
from alphalab.live.ledger import Ledger
from alphalab.live.manager import OrderManager
from alphalab.live.venues import Credentials
from alphalab.live.venues.ccxt_venue import CcxtVenue

SYM = "AAPL/USDT"
NEVER_RECEIVED = "the venue never received it"


def decision(i: int, attempt: int) -> Intent:
    cid = client_order_id("crash", SYM, "1d", i, attempt)
    side = "buy" if i % 2 == 0 else "sell"
    return Intent(cid, "crash", SYM, "1d", i, attempt, side, "market", 1.0 + (i // 2) % 3, created_ns=i)


def next_attempt(om: OrderManager, i: int) -> int | None:
    """Return the attempt number to send for bar ``i``, or None when its decision is already at the venue."""
    attempt = 0
    while decision(i, attempt).client_id in om.book.orders:
        rec = om.book.get(decision(i, attempt).client_id)
        if not (rec.status is OrderStatus.REJECTED and rec.reason == NEVER_RECEIVED):
            return None
        attempt += 1
    return attempt


async def main(url: str, ledger_url: str, n_bars: int, progress: str) -> None:
    venue = CcxtVenue.binance([SYM], Credentials.from_env("sim"), base_url=url, timeout_s=2.0)
    ledger = Ledger(ledger_url)
    om = OrderManager(ledger, venue, WallClock(), timeout_s=10.0)
    log = open(progress, "a", buffering=1)  # noqa: SIM115 - lives as long as the process
    try:
        report = await om.start()
        log.write(f"started resolved={len(report.resolved)}\n")
        async with aiohttp.ClientSession() as http:
            for i in range(n_bars):
                attempt = next_attempt(om, i)
                if attempt is None:  # decided before the restart; its fills came in at reconciliation
                    log.write(f"bar {i}\n")
                    continue
                while attempt is not None:
                    await (await http.post(f"{url}/_sim/bar", json={"index": i})).read()
                    rec = await om.submit(decision(i, attempt))
                    if rec.status is OrderStatus.UNRESOLVED:
                        await om.resolve(rec.intent.client_id)
                    attempt = next_attempt(om, i)
                await om.sync_fills()
                log.write(f"bar {i}\n")
        await om.sync_fills()
        log.write("done\n")
    finally:
        await venue.close()
        ledger.close()


def _reap(status_file: str) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        with open(status_file, "a") as f:
            f.write(f"{pid} {os.waitstatus_to_exitcode(status)}\n")


def zygote(status_file: str) -> None:
    for name in ("alembic.command", "alembic.config", "ccxt.async_support", "sqlalchemy", "alphalab.live.schema"):
        importlib.import_module(name)  # the slow imports, done once before any fork

    signal.signal(signal.SIGCHLD, lambda *_: _reap(status_file))
    print("ready", flush=True)
    for line in sys.stdin:
        url, ledger_url, n_bars, progress = line.split()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                asyncio.run(main(url, ledger_url, int(n_bars), progress))
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--zygote":
        zygote(sys.argv[2])
    else:
        asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
