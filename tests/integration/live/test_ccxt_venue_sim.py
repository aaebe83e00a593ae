"""The order manager and the CCXT adapter through ccxt's real binance client, against the loopback simulator."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

import aiohttp
import pytest

from alphalab.live import Intent, OrderStatus, SimulatedClock, client_order_id
from alphalab.live.ledger import Ledger
from alphalab.live.manager import OrderManager
from alphalab.live.venue import AmbiguousFailure, DefiniteFailure
from alphalab.live.venues import Credentials, CredentialsError
from alphalab.live.venues.ccxt_venue import CcxtVenue, DuplicateClientId
from alphalab.testing.venue import simulator_from_bars

KEY, SECRET = "test-key-5f1c9a7e2b4d8a61", "test-secret-9e8d7c6b5a43f210"
SYM = "AAPL/USDT"


def _sim():
    return simulator_from_bars(["sample:AAPL"], api_keys={KEY: SECRET}, bars=300)


def _venue(sim, timeout_s: float = 2.0, **kw) -> CcxtVenue:
    return CcxtVenue.binance([SYM], Credentials("binance", KEY, SECRET), base_url=sim.url, timeout_s=timeout_s, **kw)


def _intent(bar: int, side: str = "buy", qty: float = 1.0, **kw) -> Intent:
    cid = client_order_id("t", SYM, "1d", bar, 0)
    return Intent(cid, "t", SYM, "1d", bar, 0, side, kw.pop("order_type", "market"), qty, created_ns=bar, **kw)


def _session(body, *, timeout_s: float = 2.0, manager_timeout_s: float = 10.0, tmp_path=None):
    """Run ``body(sim, venue, manager)`` against a fresh simulator; close everything afterwards."""

    async def main():
        sim = _sim()
        await sim.start()
        venue = _venue(sim, timeout_s)
        ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") if tmp_path is not None else None
        om = OrderManager(ledger, venue, SimulatedClock(1), timeout_s=manager_timeout_s) if ledger else None
        try:
            if om is not None:
                await om.start()
            return await body(sim, venue, om)
        finally:
            await venue.close()
            await sim.stop()
            if ledger is not None:
                ledger.close()

    return asyncio.run(main())


def test_market_order_is_acked_then_filled_at_the_bar_close(tmp_path):
    async def body(sim, venue, om):
        assert all(u.startswith(f"{sim.url}/") for u in venue._ex.urls["api"].values())  # loopback only
        sim.set_bar(10)
        rec = await om.submit(_intent(10))
        assert rec.status is OrderStatus.ACKED and rec.venue_order_id == "1"
        assert await om.sync_fills() == 1 and await om.sync_fills() == 0
        rec = om.book.get(rec.intent.client_id)
        assert rec.status is OrderStatus.FILLED
        close = float(sim.exchange.markets["AAPLUSDT"].close[10])
        assert rec.avg_price == pytest.approx(round(close, 2), abs=1e-9)
        assert rec.fees == pytest.approx(round(close, 2) * 0.001, rel=1e-9)
        assert om.derived_positions() == await venue.positions() == {SYM: 1.0}

    _session(body, tmp_path=tmp_path)


def test_quantity_and_price_are_rounded_once_at_the_venue_boundary(tmp_path):
    async def body(sim, venue, om):
        rules = await venue.market_rules(SYM)
        assert (rules.tick_size, rules.lot_size, rules.min_notional) == (0.01, 0.001, 1.0)
        assert sim.exchange.price("AAPLUSDT") > 2.5  # the limit below rests
        vo = await venue.submit(_intent(1, qty=1.23456, order_type="limit", price=2.00567))
        (order,) = sim.exchange.orders.values()
        assert (order.qty, order.price) == (1.234, 2.01)  # amounts truncate to the lot, prices round to the tick
        assert vo.status is OrderStatus.ACKED and [o.client_id for o in await venue.open_orders()] == [vo.client_id]
        assert (await venue.cancel(vo.client_id)).status is OrderStatus.CANCELLED
        assert await venue.open_orders() == [] and sim.exchange.locked["USDT"] == pytest.approx(0.0, abs=1e-9)
        rec = await om.submit(_intent(2, qty=1.0, order_type="limit", price=2.0))
        assert await om.cancel(rec.intent.client_id) is OrderStatus.CANCELLED
        assert sim.exchange.find("AAPLUSDT", None, rec.intent.client_id).status == "CANCELED"

    _session(body, tmp_path=tmp_path)


def test_resting_limit_order_fills_when_a_later_bar_crosses_it(tmp_path):
    async def body(sim, venue, om):
        m = sim.exchange.markets["AAPLUSDT"]
        j = next(i for i in range(1, 300) if m.low[i] < m.close[0] * 0.9)
        limit = round(float(m.close[0]) * 0.9, 2)
        rec = await om.submit(_intent(0, qty=2.0, order_type="limit", price=limit))
        assert rec.status is OrderStatus.ACKED
        sim.set_bar(j - 1)
        assert await om.sync_fills() == 0
        sim.set_bar(j)
        assert await om.sync_fills() == 1
        rec = om.book.get(rec.intent.client_id)
        assert rec.status is OrderStatus.FILLED
        assert rec.avg_price == pytest.approx(min(limit, round(float(m.open[j]), 2)), abs=1e-9)

    _session(body, tmp_path=tmp_path)


def test_accepted_then_timed_out_order_is_unresolved_then_resolved_by_client_id(tmp_path):
    async def body(sim, venue, om):
        sim.faults.update({"hold_orders_next": 1, "hold_s": 1.5})
        rec = await om.submit(_intent(5))
        assert rec.status is OrderStatus.UNRESOLVED and "RequestTimeout" in rec.reason
        assert await om.resolve(rec.intent.client_id) is OrderStatus.ACKED
        await om.sync_fills()
        assert om.book.get(rec.intent.client_id).status is OrderStatus.FILLED
        assert [o.client_id for o in sim.exchange.orders.values()] == [rec.intent.client_id]
        assert sim.exchange.submits_seen == [rec.intent.client_id] and sim.stats["held"] == 1

    _session(body, timeout_s=0.5, tmp_path=tmp_path)


def test_execution_status_unknown_after_accept_is_ambiguous_not_a_rejection(tmp_path):
    async def body(sim, venue, om):
        sim.faults.update({"unknown_after_accept_next": 1})
        rec = await om.submit(_intent(4))
        assert rec.status is OrderStatus.UNRESOLVED and "OperationFailed" in rec.reason
        assert await om.resolve(rec.intent.client_id) is OrderStatus.ACKED
        assert [o.client_id for o in sim.exchange.orders.values()] == [rec.intent.client_id]

    _session(body, tmp_path=tmp_path)


def test_5xx_on_submit_is_ambiguous_and_resolves_to_never_received(tmp_path):
    async def body(sim, venue, om):
        sim.faults.update({"errors_5xx_next": 1})
        rec = await om.submit(_intent(6))
        assert rec.status is OrderStatus.UNRESOLVED
        assert await om.resolve(rec.intent.client_id) is OrderStatus.REJECTED
        assert sim.exchange.orders == {}
        sim.faults.update({"errors_5xx_next": 2, "disconnect_next": 1})
        assert await venue.open_orders() == []  # reads are retried through 5xx and resets
        assert sim.stats["5xx"] == 3 and sim.stats["disconnects"] == 1
        # two 5xx retried by the adapter; the reset by aiohttp itself on a reused connection, or by us
        assert venue.stats["read_retries"] in (2, 3)

    _session(body, tmp_path=tmp_path)


def test_duplicate_client_order_id_is_refused_by_the_venue(tmp_path):
    async def body(sim, venue, om):
        first = await venue.submit(_intent(7))
        with pytest.raises(DuplicateClientId, match="Duplicate order"):
            await venue.submit(_intent(7))
        # a bot whose ledger was lost re-derives the same decision: the venue refuses the copy
        other = OrderManager(Ledger(f"sqlite:///{tmp_path / 'other.sqlite'}"), venue, SimulatedClock(1))
        rec = await other.submit(_intent(7))
        assert rec.status is OrderStatus.REJECTED and "Duplicate" in rec.reason
        assert [o.client_id for o in sim.exchange.orders.values()] == [first.client_id]
        other.ledger.close()

    _session(body, tmp_path=tmp_path)


def test_client_ids_outside_binance_rules_are_refused(tmp_path):
    async def body(sim, venue, om):
        bad = Intent("x" * 37, "t", SYM, "1d", 0, 0, "buy", "market", 1.0)
        with pytest.raises(DefiniteFailure, match="Illegal characters"):
            await venue.submit(bad)
        assert sim.exchange.orders == {} and len(_intent(0).client_id) <= 36

    _session(body, tmp_path=tmp_path)


def test_429_storm_is_waited_out_without_a_ban(tmp_path):
    async def body(sim, venue, om):
        sim.faults.update({"rate_limit_next": 2, "retry_after_s": 1})
        t0 = time.monotonic()
        rec = await om.submit(_intent(8))
        elapsed = time.monotonic() - t0
        assert rec.status is OrderStatus.ACKED
        assert sim.stats["429"] == 2 and sim.stats["418"] == 0 and venue.stats["bans"] == 0
        assert venue.stats["rate_limited"] == 2 and elapsed >= 2.0
        assert sim.exchange.submits_seen == [rec.intent.client_id]

    _session(body, tmp_path=tmp_path)


def test_token_bucket_takes_the_venues_published_weight_limit():
    async def main():
        async with _sim() as sim:
            sim.weight_limit = 1234
            venue = _venue(sim)
            try:
                await venue.connect()
                await venue.balances()
                return venue.bucket.capacity, venue.bucket.rate, venue.bucket.tokens
            finally:
                await venue.close()

    capacity, rate, tokens = asyncio.run(main())
    assert (capacity, rate) == (1234.0, pytest.approx(1234 / 60))
    assert tokens <= 1234 - (20 + 1 + 20) + 5  # exchangeInfo + time + account, synced with X-MBX-USED-WEIGHT-1M


def test_client_that_ignores_retry_after_is_banned():
    """The simulator's ban is real, so the test above proves the adapter waited."""

    async def main():
        async with _sim() as sim, aiohttp.ClientSession() as http:
            sim.faults.update({"rate_limit_next": 1, "retry_after_s": 1})
            codes = [(await http.get(f"{sim.url}/api/v3/ping")).status for _ in range(2)]
            return codes, sim.stats["418"]

    assert asyncio.run(main()) == ([429, 418], 1)


@pytest.mark.parametrize("skew_ms", [-2000, 2000])
def test_a_2s_clock_skew_is_measured_and_corrected(tmp_path, skew_ms):
    async def body(sim, venue, om):
        sim.faults.update({"skew_ms": skew_ms})  # after connect: the adapter's offset is stale
        rec = await om.submit(_intent(9, qty=1.0))
        assert rec.status is OrderStatus.ACKED
        assert venue.clock_offset_ms == pytest.approx(skew_ms, abs=250)
        assert sim.stats["error-1021"] == 1 and venue.stats["clock_syncs"] == 2
        assert sim.exchange.submits_seen == [rec.intent.client_id]

    # recvWindow 1000 ms: a clock 2 s behind the server is refused as well as one 2 s ahead
    async def run(sim, venue, om):
        venue._ex.options["recvWindow"] = 1000
        return await body(sim, venue, om)

    _session(run, tmp_path=tmp_path)


def test_a_timestamp_error_that_a_new_measurement_does_not_fix_is_not_retried_blindly(tmp_path):
    async def body(sim, venue, om):
        async def stale_measurement() -> float:
            venue.stats["clock_syncs"] += 1
            return venue.clock_offset_ms

        venue.sync_clock = stale_measurement  # the clock cannot be corrected
        sim.faults.update({"skew_ms": -3000})
        rec = await om.submit(_intent(3))
        assert rec.status is OrderStatus.REJECTED and "InvalidNonce" in rec.reason
        assert sim.stats["error-1021"] == 2 and venue.stats["clock_syncs"] == 2  # one re-measure, one retry
        assert sim.exchange.orders == {}

    _session(body, tmp_path=tmp_path)


def test_partial_and_delayed_fills_are_applied_once_each(tmp_path):
    async def body(sim, venue, om):
        sim.faults.update({"partial_parts": 3, "delay_fills": True})
        rec = await om.submit(_intent(11, qty=3.0))
        assert rec.status is OrderStatus.ACKED and await om.sync_fills() == 0
        for bar, want in ((1, OrderStatus.PARTIALLY_FILLED), (2, OrderStatus.PARTIALLY_FILLED), (3, OrderStatus.FILLED)):
            sim.set_bar(bar)
            assert await om.sync_fills() == 1
            assert om.book.get(rec.intent.client_id).status is want
        assert om.book.get(rec.intent.client_id).filled_qty == pytest.approx(3.0)
        assert await om.sync_fills() == 0 and om.derived_positions() == await venue.positions() == {SYM: 3.0}

    _session(body, tmp_path=tmp_path)


def test_control_endpoint_drives_faults_and_bars_from_another_process():
    async def main():
        async with _sim() as sim, aiohttp.ClientSession() as http:
            bad = await http.post(f"{sim.url}/_sim/faults", json={"hold_order": 1})
            ok = await http.post(f"{sim.url}/_sim/faults", json={"skew_ms": 1500})
            bar = await (await http.post(f"{sim.url}/_sim/bar", json={"advance": 3})).json()
            state = await (await http.get(f"{sim.url}/_sim/state")).json()
            return bad.status, ok.status, bar, state["faults"]["skew_ms"], sim.faults.skew_ms

    assert asyncio.run(main()) == (400, 200, {"bar": 3}, 1500, 1500)


def test_user_stream_reports_executions_with_duplicated_and_dropped_messages():
    async def main():
        async with _sim() as sim, aiohttp.ClientSession() as http:
            key = (await (await http.post(f"{sim.url}/api/v3/userDataStream",
                                          headers={"X-MBX-APIKEY": KEY})).json())["listenKey"]
            ws = await http.ws_connect(f"{sim.url}/ws/{key}")
            kl = await http.ws_connect(f"{sim.url}/ws/aaplusdt@kline_1d")
            await asyncio.sleep(0.05)
            sim.faults.update({"ws_dup_next": 1})
            sim.exchange.submit("AAPLUSDT", "BUY", "MARKET", 1.0, None, "c1")  # NEW (twice), then TRADE
            sim.faults.update({"ws_drop_next": 1})
            sim.exchange.submit("AAPLUSDT", "BUY", "MARKET", 1.0, None, "c2")  # NEW dropped, TRADE sent
            events = [json.loads((await ws.receive()).data) for _ in range(4)]
            sim.set_bar(1)
            kline = json.loads((await kl.receive()).data)
            sim.disconnect_streams()
            closed = (await ws.receive()).type
            await ws.close()
            await kl.close()
            return [(e["c"], e["x"]) for e in events], kline["k"]["t"], closed

    events, t, closed = asyncio.run(main())
    assert events == [("c1", "NEW"), ("c1", "NEW"), ("c1", "TRADE"), ("c2", "TRADE")]
    assert t > 0 and closed in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


def test_credentials_file_must_be_private(tmp_path):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps({"binance": {"api_key": KEY, "secret": SECRET}}))
    os.chmod(path, 0o644)
    with pytest.raises(CredentialsError, match="readable by others") as err:
        Credentials.from_file("binance", path)
    assert SECRET not in str(err.value) and KEY not in str(err.value)
    os.chmod(path, 0o600)
    assert Credentials.from_file("binance", path).secret == SECRET
    env = {"ALPHALAB_BINANCE_API_KEY": KEY, "ALPHALAB_BINANCE_API_SECRET": SECRET}
    assert Credentials.from_env("binance", env).api_key == KEY
    with pytest.raises(CredentialsError, match="ALPHALAB_BINANCE_API_SECRET"):
        Credentials.from_env("binance", {"ALPHALAB_BINANCE_API_KEY": KEY})


def test_keys_never_appear_in_logs_exceptions_repr_or_results(tmp_path, caplog):
    seen: list[str] = []

    async def body(sim, venue, om):
        seen.append(repr(venue))
        seen.append(repr(venue._creds) + str(venue._creds))
        rec = await om.submit(_intent(12))
        await om.sync_fills()
        seen.append(repr(om.book.get(rec.intent.client_id)))
        sim.faults.update({"hold_orders_next": 1, "hold_s": 1.0})
        seen.append((await om.submit(_intent(13))).reason)
        for fault in ({"errors_5xx_next": 1}, {"skew_ms": -5000}):
            sim.faults.update(fault)
            try:
                await venue.submit(_intent(14 + len(seen)))
            except (AmbiguousFailure, DefiniteFailure) as exc:
                seen.append(f"{exc!r} {exc}")
        seen.append(repr(await venue.fills_since(0)) + repr(await venue.balances()))

    with caplog.at_level(logging.DEBUG):
        _session(body, timeout_s=0.5, tmp_path=tmp_path)
    text = "\n".join(seen) + "\n".join(r.getMessage() for r in caplog.records)
    assert "X-MBX-APIKEY" in text  # ccxt's debug log of the request headers was captured ...
    assert KEY not in text and SECRET not in text  # ... with the key cut out
    db = (tmp_path / "ledger.sqlite").read_bytes()
    assert KEY.encode() not in db and SECRET.encode() not in db


def test_kill_switch_cancels_at_the_venue_and_flattens(tmp_path):
    async def body(sim, venue, om):
        await om.submit(_intent(20, qty=2.0))
        resting = await om.submit(_intent(21, qty=1.0, order_type="limit", price=2.0))
        await om.sync_fills()
        touched = await om.kill(reason="test", flatten=True)
        await om.sync_fills()
        assert resting.intent.client_id in touched and len(touched) == 2
        assert sim.exchange.find("AAPLUSDT", None, resting.intent.client_id).status == "CANCELED"
        assert await venue.positions() == {} and om.derived_positions() == {}
        assert await venue.open_orders() == [] and om.kill_state()["active"]

    _session(body, tmp_path=tmp_path)
