"""The alert outbox and its dispatcher: exactly-once delivery through failures, delays and kills."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from alphalab.alerts import Alert, Dispatcher, Outbox, WebhookChannel, fit_message
from alphalab.alerts.channels import ChannelError
from alphalab.alerts.outbox import EXPIRED, FAILED, SENT
from alphalab.live import Intent, SimulatedClock, WallClock
from alphalab.live.ledger import Ledger
from alphalab.testing.webhook import WebhookReceiver

SECRET = b"test-secret-not-real"


def _alert(i: int) -> Alert:
    return Alert(f"fill:T{i}", "fill", f"Bought {i} AAPL", f"fill {i} at 100.0", payload={"i": i})


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(f"sqlite:///{tmp_path / 'bot.sqlite'}")
    yield led
    led.close()


def test_alert_is_written_with_its_event_or_not_at_all(ledger):
    box = Outbox(ledger)
    intent = Intent("c1", "ema_cross", "AAPL", "1d", 0, 0, "buy", "market", 1.0)
    with pytest.raises(RuntimeError), ledger.transaction() as conn:
        ledger.record_intent(intent, conn)
        box.enqueue(_alert(1), ["hook"], 1, conn)
        raise RuntimeError("the event's transaction fails")
    assert box.rows() == [] and ledger.intents() == []
    with ledger.transaction() as conn:
        ledger.record_intent(intent, conn)
        box.enqueue(_alert(1), ["hook"], 1, conn)
    assert len(box.rows()) == 1 and len(ledger.intents()) == 1


def test_enqueue_is_idempotent_per_key_and_channel(ledger):
    box = Outbox(ledger)
    assert box.enqueue(_alert(1), ["hook", "mail"], 1) == 2
    assert box.enqueue(_alert(1), ["hook", "mail"], 2) == 0
    assert box.counts() == {"pending": 2}


def test_dispatcher_delivers_signed_messages_once_and_retries_failures(ledger):
    box = Outbox(ledger)
    for i in range(5):
        box.enqueue(_alert(i), ["hook"], 0)
    clock = SimulatedClock(0)
    with WebhookReceiver(SECRET) as rx:
        rx.respond(500, times=2)
        rx.respond(429, retry_after=30)
        disp = Dispatcher(box, {"hook": WebhookChannel("hook", rx.url, SECRET)}, clock, seed=1)
        asyncio.run(disp.run_once())
        assert box.counts().get(SENT, 0) == 2  # three answers were errors
        retry_rows = [r for r in box.rows() if r["status"] == "pending"]
        assert len(retry_rows) == 3 and all(r["attempts"] == 1 for r in retry_rows)
        assert max(r["next_attempt_ns"] for r in retry_rows) >= 30 * 10**9  # Retry-After honoured
        clock.advance(31)
        asyncio.run(disp.run_once())
        assert box.counts() == {SENT: 5}
        assert rx.bad_signatures == 0 and len(rx.raw) == 5 and len(rx.unique) == 5
        assert {d["subject"] for d in rx.raw} == {f"Bought {i} AAPL" for i in range(5)}


def test_refused_and_expired_alerts_are_never_retried(ledger):
    box = Outbox(ledger, ttl_ns=10 * 10**9)
    box.enqueue(_alert(1), ["hook"], 0)
    box.enqueue(_alert(2), ["nowhere"], 0)
    box.enqueue(_alert(3), ["hook"], 0)
    clock = SimulatedClock(0)
    with WebhookReceiver(SECRET) as rx:
        rx.respond(400)
        disp = Dispatcher(box, {"hook": WebhookChannel("hook", rx.url, SECRET)}, clock)
        asyncio.run(disp.run_once())
        statuses = {r["key"]: r["status"] for r in box.rows()}
        assert statuses["fill:T1@hook"] == FAILED and statuses["fill:T2@nowhere"] == FAILED
        assert statuses["fill:T3@hook"] == SENT
        box.enqueue(_alert(4), ["hook"], 0)
        clock.advance(11)
        asyncio.run(disp.run_once())
        assert {r["key"]: r["status"] for r in box.rows()}["fill:T4@hook"] == EXPIRED


def test_a_slow_channel_does_not_hold_up_the_others(ledger):
    class Slow:
        name, max_length, rate_per_s, burst = "slow", 1000, 100.0, 100

        async def send(self, row):
            await asyncio.sleep(0.5)
            raise ChannelError("timed out")

    box = Outbox(ledger)
    for i in range(3):
        box.enqueue(_alert(i), ["slow", "hook"], time.time_ns())
    with WebhookReceiver(SECRET) as rx:
        disp = Dispatcher(box, {"slow": Slow(), "hook": WebhookChannel("hook", rx.url, SECRET)}, WallClock())

        async def main():
            task = asyncio.create_task(disp.run_once())
            t0 = time.perf_counter()
            while len(rx.raw) < 3 and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.01)
            fast = time.perf_counter() - t0
            await task
            return fast

        assert asyncio.run(main()) < 1.0  # the webhook rows went out while the slow ones waited
    assert len(rx.unique) == 3


def test_token_bucket_spaces_deliveries(ledger):
    box = Outbox(ledger)
    for i in range(6):
        box.enqueue(_alert(i), ["hook"], 0)
    clock = SimulatedClock(0)
    with WebhookReceiver(SECRET) as rx:
        ch = WebhookChannel("hook", rx.url, SECRET, rate_per_s=2.0, burst=2)
        asyncio.run(Dispatcher(box, {"hook": ch}, clock).run_once())
    assert len(rx.unique) == 6
    assert clock.now_ns() >= 2 * 10**9  # 2 at once, then 4 more at 2 a second


def test_messages_fit_each_channel():
    assert fit_message("x" * 5000, 2000) == "x" * 1999 + "…"
    assert fit_message("short", 10) == "short"
    from alphalab.alerts import AppriseChannel

    assert AppriseChannel("d", "discord://id/token").max_length == 2000
    assert "token" not in repr(AppriseChannel("d", "discord://id/token"))
    assert "secret" not in repr(WebhookChannel("h", "http://127.0.0.1/x", SECRET))


@pytest.mark.slow
def test_kill_9_of_the_dispatcher_mid_delivery_loses_and_repeats_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    led = Ledger(url)
    box = Outbox(led)
    n = 40
    for i in range(n):
        box.enqueue(_alert(i), ["hook"], time.time_ns())
    led.close()
    script = textwrap.dedent(f"""
        import asyncio, sys
        from alphalab.alerts import Dispatcher, Outbox, WebhookChannel
        from alphalab.live import WallClock
        from alphalab.live.ledger import Ledger
        box = Outbox(Ledger({url!r}))
        ch = WebhookChannel("hook", sys.argv[1], {SECRET!r}, rate_per_s=1000, burst=1000)
        disp = Dispatcher(box, {{"hook": ch}}, WallClock(), base_backoff_s=0.05)
        async def main():
            while True:
                await disp.run_once(limit=5)
                await asyncio.sleep(0.01)
        asyncio.run(main())
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with WebhookReceiver(SECRET) as rx:
        rx.respond(200, times=n * 3, delay_s=0.1)  # slow answers: kills land mid-delivery
        target = 0
        for kill in range(5):  # kill each dispatcher a few deliveries after it started delivering
            target = min(n - 5, target + 3 + kill)
            proc = subprocess.Popen([sys.executable, "-c", script, rx.url], env=env)
            deadline = time.monotonic() + 60
            while len(rx.raw) < target and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        # the last dispatcher runs to the end; leases of killed ones (30 s) are cut short by a fresh claim
        led = Ledger(url)
        box = Outbox(led)
        import sqlalchemy as sa

        from alphalab.live.schema import outbox

        delivered_before = len(rx.unique)
        with led.transaction() as c:  # a restarted dispatcher sees the dead one's leases expire
            cut = c.execute(sa.update(outbox).where(outbox.c.status == "delivering").values(lease_until_ns=0))
        # the kills really landed mid-work: some alerts were out, some leased by a dead dispatcher
        assert 0 < delivered_before < n and cut.rowcount > 0, (delivered_before, cut.rowcount)
        disp = Dispatcher(box, {"hook": WebhookChannel("hook", rx.url, SECRET)}, WallClock())
        for _ in range(20):
            if not asyncio.run(disp.run_once()) and box.counts().get("pending", 0) == 0:
                break
        assert box.counts() == {SENT: n}
        assert sorted(rx.unique) == sorted(f"fill:T{i}@hook" for i in range(n))
        assert rx.bad_signatures == 0
        led.close()
