"""The venue simulator's matching core and request checks against hand-computed cases; the token bucket."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time

import aiohttp
import numpy as np
import pytest

from alphalab.live.venues import TokenBucket
from alphalab.testing.venue import Exchange, Market, SimError, VenueSimulator

# bar:        0      1      2      3
OPEN = [100.0, 101.0, 112.0, 100.0]
HIGH = [101.0, 111.0, 113.0, 101.0]
LOW = [99.0, 100.0, 111.0, 94.0]
CLOSE = [100.0, 105.0, 112.5, 96.0]


def _exchange(cash: float = 10_000.0, base: float = 0.0) -> Exchange:
    m = Market("XUSDT", "X", "USDT", np.array([0, 1, 2, 3]) * 86_400_000, np.array(OPEN), np.array(HIGH),
               np.array(LOW), np.array(CLOSE), np.full(4, 10.0), tick=0.01, step=0.001, min_notional=5.0)
    return Exchange({"XUSDT": m}, {"USDT": cash, "X": base}, taker_fee=0.001, maker_fee=0.0005, clock_ms=lambda: 7)


def test_market_buy_fills_at_the_close_and_pays_the_taker_fee_in_quote():
    ex = _exchange()
    o = ex.submit("XUSDT", "BUY", "MARKET", 2.0, None, "a")
    assert (o.status, o.executed, o.quote) == ("FILLED", 2.0, 200.0)
    assert ex.balances == {"USDT": 10_000.0 - 200.0 - 0.2, "X": 2.0}
    (t,) = ex.trades
    assert (t.price, t.qty, t.commission, t.commission_asset, t.is_maker) == (100.0, 2.0, pytest.approx(0.2), "USDT", False)
    assert ex.locked["USDT"] == pytest.approx(0.0, abs=1e-9)


def test_resting_sell_limit_fills_at_its_price_or_the_gap_open_with_the_maker_fee():
    ex = _exchange(base=3.0)
    a = ex.submit("XUSDT", "SELL", "LIMIT", 1.0, 110.0, "a")  # crossed inside bar 1 (high 111)
    b = ex.submit("XUSDT", "SELL", "LIMIT", 1.0, 111.5, "b")  # gapped through at bar 2's open (112)
    assert a.status == b.status == "NEW" and ex.free("X") == pytest.approx(1.0)
    ex.set_bar(1)
    assert (a.status, b.status) == ("FILLED", "NEW")
    ex.set_bar(2)
    assert [(t.price, t.is_maker) for t in ex.trades] == [(110.0, True), (112.0, True)]
    assert ex.balances["USDT"] == pytest.approx(10_000.0 + 110.0 * 0.9995 + 112.0 * 0.9995)
    assert ex.balances["X"] == pytest.approx(1.0) and ex.free("X") == pytest.approx(1.0)


def test_partial_parts_fill_one_piece_per_bar_and_the_last_takes_the_rest():
    ex = _exchange()
    o = ex.submit("XUSDT", "BUY", "MARKET", 1.0, None, "a", parts=3)
    ex.set_bar(2)
    assert [t.qty for t in ex.trades] == [0.333, 0.333, 0.334] and o.status == "FILLED"
    assert [t.price for t in ex.trades] == [100.0, 105.0, 112.5]


def test_delayed_market_order_fills_at_the_next_bar_and_cancel_releases_the_reserve():
    ex = _exchange()
    o = ex.submit("XUSDT", "BUY", "MARKET", 1.0, None, "a", delayed=True)
    assert o.status == "NEW" and ex.free("USDT") == pytest.approx(10_000.0 - 100.1)
    ex.set_bar(1)
    assert o.status == "FILLED" and ex.trades[0].price == 105.0
    r = ex.submit("XUSDT", "BUY", "LIMIT", 2.0, 90.0, "b")
    assert r.status == "NEW"
    ex.cancel("XUSDT", None, "b")
    assert r.status == "CANCELED" and ex.free("USDT") == pytest.approx(ex.balances["USDT"])


@pytest.mark.parametrize(("args", "code", "text"), [
    (("BUY", "MARKET", 1.0005, None), -1013, "LOT_SIZE"),
    (("BUY", "LIMIT", 1.0, 99.005), -1013, "PRICE_FILTER"),
    (("BUY", "MARKET", 0.01, None), -1013, "NOTIONAL"),
    (("BUY", "MARKET", 200.0, None), -2010, "insufficient balance"),
    (("SELL", "MARKET", 1.0, None), -2010, "insufficient balance"),
])
def test_orders_the_venue_refuses_carry_binance_codes(args, code, text):
    ex = _exchange()
    with pytest.raises(SimError, match=text) as err:
        ex.submit("XUSDT", *args, "a")
    assert err.value.code == code and ex.orders == {}


def test_unknown_orders_and_reused_client_ids_are_refused():
    ex = _exchange()
    ex.submit("XUSDT", "BUY", "MARKET", 1.0, None, "a")
    with pytest.raises(SimError, match="Duplicate order sent") as dup:
        ex.submit("XUSDT", "BUY", "MARKET", 1.0, None, "a")
    with pytest.raises(SimError, match="Order does not exist") as missing:
        ex.find("XUSDT", None, "zzz")
    assert (dup.value.code, missing.value.code) == (-2010, -2013)
    assert ex.submits_seen == ["a", "a"] and ex.duplicate_client_ids == 1 and len(ex.orders) == 1


def test_signature_and_api_key_are_checked():
    async def main():
        async with VenueSimulator(_exchange(), api_keys={"k": "s"}) as sim, aiohttp.ClientSession() as http:
            q = f"timestamp={sim.now_ms()}&recvWindow=5000"
            good = hmac.new(b"s", q.encode(), hashlib.sha256).hexdigest()
            out = []
            for key, sig in (("k", good), ("k", "0" * 64), ("nope", good)):
                r = await http.get(f"{sim.url}/api/v3/account?{q}&signature={sig}", headers={"X-MBX-APIKEY": key})
                out.append((r.status, (await r.json()).get("code"), "X-MBX-USED-WEIGHT-1M" in r.headers))
            return out

    assert asyncio.run(main()) == [(200, None, True), (400, -1022, True), (401, -2015, True)]


def test_token_bucket_spends_weights_and_waits_for_refill_and_retry_after():
    async def main():
        bucket = TokenBucket(10, period_s=1.0)  # 10 units per second
        t0 = time.monotonic()
        await bucket.acquire(10)
        immediate = time.monotonic() - t0
        await bucket.acquire(5)  # empty: 5 units take 0.5 s
        refill = time.monotonic() - t0
        bucket.observe_used(10)  # the venue says the window is spent
        assert bucket.tokens == 0.0
        bucket.block_for(0.3)
        t1 = time.monotonic()
        await bucket.acquire(1)
        return immediate, refill, time.monotonic() - t1

    immediate, refill, blocked = asyncio.run(main())
    assert immediate < 0.05 and 0.45 <= refill < 1.5 and blocked >= 0.3
