"""Hot-standby failover: the lease, its epoch fencing, and a takeover from a paused primary."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from alphalab.live import Intent, OrderStatus, SimulatedClock, client_order_id
from alphalab.live.lease import FencedError, Lease, LeaseLost
from alphalab.live.ledger import Ledger
from alphalab.live.manager import OrderManager
from alphalab.testing.memory_venue import MemoryVenue


def _intent(i: int) -> Intent:
    return Intent(client_order_id("s", "AAPL", "1d", i, 0), "s", "AAPL", "1d", i, 0, "buy", "market", 1.0,
                  created_ns=i)


def test_one_holder_at_a_time_and_a_takeover_fences_the_old_one(ledger_url):
    clock = SimulatedClock(10**18)
    a_led, b_led = Ledger(ledger_url), Ledger(ledger_url)
    a = Lease(a_led, clock, holder="a", ttl_s=10)
    b = Lease(b_led, clock, holder="b", ttl_s=10)
    assert a.try_acquire() and a.epoch == 1
    assert not b.try_acquire()
    clock.advance(5)
    a.renew()
    clock.advance(9)
    assert not b.try_acquire()  # renewed: still valid
    a_led.record_intent(_intent(1))
    clock.advance(2)  # a is paused past its expiry
    assert b.try_acquire() and b.epoch == 2
    with pytest.raises(FencedError, match="epoch 1"):
        a_led.record_intent(_intent(2))  # the old primary wakes up and is refused
    assert [i.client_id for i in b_led.intents()] == [_intent(1).client_id]
    with pytest.raises(LeaseLost):
        a.renew()
    b_led.record_intent(_intent(2))
    a_led.close(), b_led.close()


def test_release_hands_over_at_once(ledger_url):
    clock = SimulatedClock(10**18)
    a = Lease(Ledger(ledger_url), clock, holder="a")
    b = Lease(Ledger(ledger_url), clock, holder="b")
    assert a.try_acquire()
    a.release()
    assert b.try_acquire() and b.epoch == 2


def test_no_venue_call_on_a_lease_that_may_be_gone(ledger_url):
    clock = SimulatedClock(10**18)
    venue = MemoryVenue({"AAPL": 100.0})
    led = Ledger(ledger_url)
    lease = Lease(led, clock, holder="a", ttl_s=5)
    assert lease.try_acquire()
    om = OrderManager(led, venue, clock, timeout_s=1.0, lease=lease)
    asyncio.run(om.start())
    assert asyncio.run(om.submit(_intent(1))).status is OrderStatus.ACKED
    clock.advance(4.5)  # less than the call timeout left
    with pytest.raises(LeaseLost):
        asyncio.run(om.submit(_intent(2)))
    assert venue.submits_seen == [_intent(1).client_id]
    clock.advance(1)
    standby_led = Ledger(ledger_url)
    standby = Lease(standby_led, clock, holder="b", ttl_s=5)
    assert standby.try_acquire()
    om2 = OrderManager(standby_led, venue, clock, timeout_s=1.0, lease=standby)
    report = asyncio.run(om2.start())
    assert report.resolved == {_intent(2).client_id: "rejected"}  # never sent, settled by query
    assert venue.duplicate_client_ids == 0


BOT = textwrap.dedent("""
    import sys, time
    from alphalab.live import Intent, WallClock, client_order_id
    from alphalab.live.lease import Lease, LeaseLost
    from alphalab.live.ledger import Ledger
    url, holder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    led = Ledger(url)
    lease = Lease(led, WallClock(), holder=holder, ttl_s=2.0)
    while not lease.try_acquire():
        time.sleep(0.1)
    print("ACTIVE", holder, lease.epoch, time.time(), flush=True)
    import sqlalchemy as sa
    try:
        while True:
            try:
                done = {i.bar_time_ns for i in led.intents()}
            except sa.exc.OperationalError:  # the server ended a session paused in a transaction
                continue
            nxt = next((k for k in range(n) if k not in done), None)
            if nxt is None:
                break
            cid = client_order_id("hb", "AAPL", "1d", nxt, 0)
            try:
                led.record_intent(Intent(cid, "hb", "AAPL", "1d", nxt, 0, "buy", "market", 1.0, created_ns=nxt))
            except sa.exc.OperationalError:
                continue  # retried on a fresh connection, where the fence decides
            lease.renew()
            time.sleep(0.05)
    except LeaseLost as exc:
        print("FENCED", holder, exc, flush=True)
        sys.exit(3)
    print("DONE", holder, flush=True)
""")


def _start(ledger_url: str, holder: str, n: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", BOT, ledger_url, holder, str(n)], env=env,
                            stdout=subprocess.PIPE, text=True)


def _reap(*procs: subprocess.Popen | None) -> None:
    """Never leave a bot process behind when an assertion fails."""
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            p.communicate()


def _failover(ledger_url: str, how: signal.Signals) -> tuple[float, subprocess.Popen, subprocess.Popen]:
    """Start a primary and a standby, hit the primary with ``how``; return the takeover time."""
    primary = _start(ledger_url, "primary", 120)
    assert primary.stdout.readline().startswith("ACTIVE primary 1")
    standby = _start(ledger_url, "standby", 120)
    time.sleep(1.0)
    primary.send_signal(how)
    hit_at = time.time()
    line = standby.stdout.readline().split()
    assert line[:3] == ["ACTIVE", "standby", "2"]
    return float(line[3]) - hit_at, primary, standby


@pytest.mark.slow
@pytest.mark.parametrize("ledger_url", ["postgresql"], indirect=True)
def test_standby_takes_over_a_paused_primary_which_is_then_fenced(ledger_url):
    # PostgreSQL only: a SQLite writer paused inside a transaction holds the file's write lock
    # (docs: failover across a pause needs PostgreSQL; on SQLite only a dead primary is taken over).
    Ledger(ledger_url).close()
    primary = standby = None
    try:
        takeover_s, primary, standby = _failover(ledger_url, signal.SIGSTOP)
        assert takeover_s < 30.0
        time.sleep(0.5)
        primary.send_signal(signal.SIGCONT)
        out, _ = primary.communicate(timeout=60)
        assert primary.returncode == 3 and "FENCED primary" in out
        standby_out, _ = standby.communicate(timeout=120)
        assert standby.returncode == 0 and "DONE standby" in standby_out
    finally:
        _reap(primary, standby)
    bars = sorted(i.bar_time_ns for i in Ledger(ledger_url).intents())
    assert bars == list(range(120))  # every decision once: none lost, none twice


@pytest.mark.slow
@pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
def test_standby_takes_over_a_killed_primary_on_sqlite(ledger_url):
    Ledger(ledger_url).close()
    primary = standby = None
    try:
        takeover_s, primary, standby = _failover(ledger_url, signal.SIGKILL)
        assert takeover_s < 30.0
        primary.communicate(timeout=10)
        standby_out, _ = standby.communicate(timeout=120)
        assert standby.returncode == 0 and "DONE standby" in standby_out
    finally:
        _reap(primary, standby)
    bars = sorted(i.bar_time_ns for i in Ledger(ledger_url).intents())
    assert bars == list(range(120))
