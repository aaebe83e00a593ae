"""Crash safety: kill -9 the bot at >= 20 random moments against a simulator in another process.

After the last restart the venue's and the ledger's final state equal an uninterrupted run's, the
venue received no client order id twice, and every venue fill is in the ledger exactly once.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from alphalab.live.ledger import Ledger
from alphalab.live.orders import OrderStatus

BOT = Path(__file__).with_name("crash_bot.py")
N_BARS = 161
KILLS = 20
ENV = {**os.environ, "ALPHALAB_SIM_API_KEY": "crash-key-0a1b2c3d4e5f", "ALPHALAB_SIM_API_SECRET": "crash-secret-6a7b8c9d"}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(os, "fork"), reason="the bot restarts are forked (POSIX only)")]


class Simulator:
    """The venue simulator as its own process (``python -m alphalab.testing.venue``)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alphalab.testing.venue", "--port", "0", "--bars", "sample:AAPL",
             "--max-bars", str(N_BARS + 5),
             "--weight-limit", "1000000"], stdout=subprocess.PIPE, text=True, env=ENV)
        self.url = ""

    def wait_ready(self) -> Simulator:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("ready "), line
        self.url = line.split()[1]
        return self

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_sim/state", timeout=10) as r:
            return json.loads(r.read())

    def set_faults(self, faults: dict) -> None:
        req = urllib.request.Request(f"{self.url}/_sim/faults", data=json.dumps(faults).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()  # type: ignore[union-attr]


class Bots:
    """Starts bot processes (forked from a zygote that did the imports) and reports how each ended."""

    def __init__(self, status: Path) -> None:
        self.status = status
        self.proc = subprocess.Popen([sys.executable, str(BOT), "--zygote", str(status)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=ENV)

    def wait_ready(self) -> Bots:
        assert self.proc.stdout.readline().strip() == "ready"  # type: ignore[union-attr]
        return self

    def start(self, sim: Simulator, ledger_url: str, progress: Path) -> int:
        self.proc.stdin.write(f"{sim.url} {ledger_url} {N_BARS} {progress}\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return int(self.proc.stdout.readline())  # type: ignore[union-attr]

    def exit_code(self, pid: int) -> int | None:
        lines = self.status.read_text().splitlines() if self.status.exists() else []
        codes = [int(code) for p, code in (ln.split() for ln in lines) if int(p) == pid]
        return codes[0] if codes else None

    def wait(self, pid: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.exit_code(pid)) is None:
            assert time.monotonic() < deadline, f"bot {pid} did not end within {timeout} s"
            time.sleep(0.01)
        return code

    def stop(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=10)
        self.proc.stdout.close()  # type: ignore[union-attr]


def _lines(progress: Path) -> list[str]:
    return progress.read_text().splitlines() if progress.exists() else []


def _run_to_end(bots: Bots, sim: Simulator, ledger_url: str, progress: Path) -> None:
    assert bots.wait(bots.start(sim, ledger_url, progress), 120) == 0
    assert _lines(progress)[-1] == "done"


def _bar_reached(lines: list[str]) -> int:
    bars = [int(ln.split()[1]) for ln in lines if ln.startswith("bar ")]
    return bars[-1] if bars else -1


def _kill_at_random_moments(bots: Bots, sim: Simulator, ledger_url: str, progress: Path,
                            rng: random.Random) -> list[str]:
    """Start the bot again and again and SIGKILL it at a random moment; return where each kill fell.

    Most kills fall at a random time within the processing of a random bar (spread over the whole
    replay, in order); one in five falls anywhere from process start through reconciliation.
    """
    targets = sorted(rng.sample(range(1, N_BARS - 10), KILLS))  # a margin: the bot never ends first
    moments: list[str] = []
    for target in targets:
        before = len(_lines(progress))
        pid = bots.start(sim, ledger_url, progress)
        if rng.random() < 0.2:
            deadline = time.monotonic() + rng.uniform(0.0, 0.5)
        else:
            while _bar_reached(_lines(progress)[before:]) < target - 1 and bots.exit_code(pid) is None:
                time.sleep(0.001)
            deadline = time.monotonic() + rng.uniform(0.0, 0.03)
        while time.monotonic() < deadline and bots.exit_code(pid) is None:
            time.sleep(0.001)
        assert bots.exit_code(pid) is None, f"the bot ended before its kill: {_lines(progress)[-3:]}"
        os.kill(pid, signal.SIGKILL)
        assert bots.wait(pid, 10) == -signal.SIGKILL
        done = _lines(progress)[before:]
        moments.append(done[-1] if done else "before start")
    return moments


def _summary(state: dict, ledger_url: str) -> dict:
    ledger = Ledger(ledger_url)
    book = ledger.load_book()
    ledger.close()
    fills = sorted((tid, r.intent.client_id) for r in book.orders.values() for tid in r.trade_ids)
    pos: dict[str, float] = {}
    for r in book.orders.values():
        pos[r.intent.symbol] = pos.get(r.intent.symbol, 0.0) + (1 if r.intent.side == "buy" else -1) * r.filled_qty
    return {
        "balances": {k: round(v, 6) for k, v in state["balances"].items()},
        "trades": [(t["isBuyer"], t["price"], t["qty"], t["commission"]) for t in state["trades"]],
        "orders": [(o["side"], o["type"], o["origQty"], o["executedQty"], o["status"]) for o in state["orders"]],
        "ledger_filled": sorted((r.intent.bar_time_ns, r.intent.side, r.filled_qty, round(r.avg_price, 8))
                                for r in book.orders.values() if r.filled_qty > 0),
        "ledger_positions": {k: v for k, v in pos.items() if v},
        "_fills": fills,
        "_statuses": [r.status for r in book.orders.values()],
        "_venue_cids": [o["clientOrderId"] for o in state["orders"]],
    }


def test_kill_minus_9_at_20_random_moments_leaves_the_uninterrupted_final_state(tmp_path):
    rng = random.Random(20261204)
    db = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else tmp_path  # fsync-free: speed
    ref_sim, sim, bots = Simulator(), Simulator(), Bots(tmp_path / "status")  # all three start at once
    ref_sim.wait_ready(), sim.wait_ready(), bots.wait_ready()
    for s in (ref_sim, sim):  # every order is accepted, then answered 20 ms later: kills land in flight too
        s.set_faults({"hold_orders_next": 10**9, "hold_s": 0.02})
    try:
        _run_to_end(bots, ref_sim, f"sqlite:///{db / 'ref.sqlite'}", tmp_path / "ref.progress")
        ref = _summary(ref_sim.state(), f"sqlite:///{db / 'ref.sqlite'}")

        url, progress = f"sqlite:///{db / 'crash.sqlite'}", tmp_path / "crash.progress"
        moments = _kill_at_random_moments(bots, sim, url, progress, rng)
        assert len(moments) == KILLS
        assert sum(m.startswith("bar ") for m in moments) >= KILLS // 2, moments  # most of them while trading
        in_doubt = sum(int(ln.split("=")[1]) for ln in _lines(progress) if ln.startswith("started"))
        assert in_doubt >= 1  # some kills fell between the ledger write and the venue's answer
        _run_to_end(bots, sim, url, progress)
        assert sim.proc.poll() is None  # the venue outlived every death of the bot
        state = sim.state()
        got = _summary(state, url)
    finally:
        bots.stop()
        ref_sim.stop()
        sim.stop()
        if db != tmp_path:
            shutil.rmtree(db, ignore_errors=True)

    assert state["duplicate_client_ids"] == 0
    assert len(state["submits_seen"]) == len(set(state["submits_seen"]))
    for key in ("balances", "trades", "orders", "ledger_filled", "ledger_positions"):
        assert got[key] == ref[key], key
    venue_trade_ids = sorted(str(t["id"]) for t in state["trades"])
    assert [tid for tid, _ in got["_fills"]] == venue_trade_ids  # each venue fill once in the ledger, none lost
    assert got["ledger_positions"] == {"AAPL/USDT": pytest.approx(state["balances"].get("AAPL", 0.0), abs=1e-9)}
    # every client id at the venue is a decision of the ledger; decisions the venue never saw were re-taken
    extra = [s for s in got["_statuses"] if s is OrderStatus.REJECTED]
    assert len(got["_venue_cids"]) == N_BARS and len(got["_statuses"]) == N_BARS + len(extra)
