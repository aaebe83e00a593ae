"""The venue simulator's HTTP and WebSocket server: a Binance-spot-shaped API on loopback.

REST under ``/api/v3`` (ping, time, exchangeInfo, ticker/price, klines, order, openOrders,
myTrades, account, userDataStream) with HMAC-SHA256 signatures and the timestamp/recvWindow check
(``-1021``), request weights per minute with ``X-MBX-USED-WEIGHT-1M`` headers, 429 with
``Retry-After`` when exceeded and 418 (a ban) for a client that does not wait. Streams under
``/ws/<name>``: ``<symbol>@kline_<interval>`` on every bar and ``<listenKey>`` for the account's
``executionReport`` events. Test controls under ``/_sim`` (no auth, loopback only): ``faults``,
``bar``, ``state``, ``ws_disconnect``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from alphalab.testing.venue import formats as fmt
from alphalab.testing.venue.exchange import Exchange, SimError, SimOrder, SimTrade
from alphalab.testing.venue.faults import Faults

_PUBLIC = {"/api/v3/ping", "/api/v3/time", "/api/v3/exchangeInfo", "/api/v3/ticker/price", "/api/v3/klines"}
_KEY_ONLY = {"/api/v3/userDataStream"}
_CLIENT_ID = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")  # Binance's rule for newClientOrderId


def _error(code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)


class VenueSimulator:
    """A simulated Binance spot venue serving one account on ``127.0.0.1``.

    >>> sim = VenueSimulator(exchange, api_keys={"key": "secret"})
    >>> await sim.start(); sim.url  # 'http://127.0.0.1:PORT'
    """

    def __init__(self, exchange: Exchange, *, api_keys: dict[str, str], port: int = 0,
                 weight_limit: int = 6000, interval: str = "1d", interval_ms: int = 86_400_000,
                 ban_s: float = 2.0) -> None:
        self.exchange = exchange
        self.api_keys = dict(api_keys)
        self.port = port
        self.weight_limit = weight_limit
        self.interval, self.interval_ms = interval, interval_ms
        self.ban_s = ban_s
        self.faults = Faults()
        self.stats: Counter[str] = Counter()
        self._minute = -1
        self._used = 0
        self._blocked_until = 0.0
        self._banned_until = 0.0
        self._client_ids = itertools.count(1)
        self._listen_keys: set[str] = set()
        self._streams: dict[str, set[asyncio.Queue[str | None]]] = {}
        self._runner: web.AppRunner | None = None
        exchange.clock_ms = self.now_ms
        exchange.on_change = self._on_order_change

    # -- lifecycle ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        r = app.router
        r.add_get("/api/v3/ping", self._ping)
        r.add_get("/api/v3/time", self._time)
        r.add_get("/api/v3/exchangeInfo", self._exchange_info)
        r.add_get("/api/v3/ticker/price", self._ticker)
        r.add_get("/api/v3/klines", self._klines)
        r.add_post("/api/v3/order", self._new_order)
        r.add_get("/api/v3/order", self._get_order)
        r.add_delete("/api/v3/order", self._cancel_order)
        r.add_get("/api/v3/openOrders", self._open_orders)
        r.add_get("/api/v3/myTrades", self._my_trades)
        r.add_get("/api/v3/account", self._account)
        r.add_route("*", "/api/v3/userDataStream", self._user_stream)
        r.add_get("/ws/{stream}", self._ws)
        r.add_post("/_sim/faults", self._ctl_faults)
        r.add_post("/_sim/bar", self._ctl_bar)
        r.add_get("/_sim/state", self._ctl_state)
        r.add_post("/_sim/ws_disconnect", self._ctl_ws_disconnect)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        self.disconnect_streams()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> VenueSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + int(self.faults.skew_ms)

    # -- in-process controls ------------------------------------------------------------------
    def set_bar(self, index: int) -> int:
        before = self.exchange.bar
        bar = self.exchange.set_bar(index)
        for i in range(before + 1, bar + 1):
            for m in self.exchange.markets.values():
                k = fmt.kline(m, i, self.interval_ms)
                self._publish(f"{m.symbol.lower()}@kline_{self.interval}", {
                    "e": "kline", "E": self.now_ms(), "s": m.symbol,
                    "k": {"t": k[0], "T": k[6], "s": m.symbol, "i": self.interval, "o": k[1], "h": k[2],
                          "l": k[3], "c": k[4], "v": k[5], "x": True}})
        return bar

    def state(self) -> dict[str, Any]:
        ex = self.exchange
        return {
            "bar": ex.bar, "balances": dict(ex.balances), "locked": dict(ex.locked),
            "orders": [fmt.order(o) for o in ex.orders.values()],
            "trades": [fmt.trade(t) for t in ex.trades],
            "submits_seen": list(ex.submits_seen), "duplicate_client_ids": ex.duplicate_client_ids,
            "stats": dict(self.stats), "faults": self.faults.as_dict(),
        }

    def disconnect_streams(self) -> None:
        for queues in self._streams.values():
            for q in queues:
                q.put_nowait(None)

    # -- gate: faults, bans, weights ----------------------------------------------------------
    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/api/"):
            return await handler(request)
        self.stats["requests"] += 1
        early = self._limits(request)
        if early is not None:
            return early
        f = self.faults
        if f.take("errors_5xx_next"):
            self.stats["5xx"] += 1
            return web.Response(status=503, text="Service Unavailable")
        if f.take("disconnect_next"):
            self.stats["disconnects"] += 1
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # nothing is written: the client sees the connection drop
        try:
            resp = await handler(request)
        except SimError as e:
            self.stats[f"error{e.code}"] += 1
            resp = _error(e.code, e.msg, e.status)
        resp.headers["X-MBX-USED-WEIGHT"] = str(self._used)
        resp.headers["X-MBX-USED-WEIGHT-1M"] = str(self._used)
        return resp

    def _limits(self, request: web.Request) -> web.Response | None:
        now = time.monotonic()
        if now < self._banned_until or now < self._blocked_until:
            self._banned_until = max(self._banned_until, now + self.ban_s)
            self.stats["418"] += 1
            until = int(self._banned_until - now) + 1
            return _error(-1003, "Way too much request weight used; IP banned.", 418, {"Retry-After": str(until)})
        minute = int(time.time() // 60)
        if minute != self._minute:
            self._minute, self._used = minute, 0
        self._used += fmt.WEIGHTS.get((request.method, request.path), 1)
        if self.faults.take("rate_limit_next") or self._used > self.weight_limit:
            wait = int(self.faults.retry_after_s) if self._used <= self.weight_limit else 60 - int(time.time() % 60)
            self._blocked_until = now + wait
            self.stats["429"] += 1
            return _error(-1003, "Too much request weight used; current limit exceeded.", 429,
                          {"Retry-After": str(wait), "X-MBX-USED-WEIGHT-1M": str(self._used)})
        return None

    async def _signed(self, request: web.Request) -> dict[str, str]:
        """Return the request's parameters after checking API key, signature and timestamp."""
        query = request.query_string
        body = await request.text() if request.can_read_body else ""
        params = dict(parse_qsl(query, keep_blank_values=True)) | dict(parse_qsl(body, keep_blank_values=True))
        key = request.headers.get("X-MBX-APIKEY", "")
        secret = self.api_keys.get(key)
        if secret is None:
            raise SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if request.path in _KEY_ONLY:
            return params
        signature = params.pop("signature", "")
        payload = "".join("&".join(p for p in part.split("&") if p and not p.startswith("signature="))
                          for part in (query, body))
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise SimError(-1022, "Signature for this request is not valid.")
        try:
            ts = int(params["timestamp"])
            recv = min(60_000, int(params.get("recvWindow", 5000)))
        except (KeyError, ValueError):
            raise SimError(-1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.") from None
        server = self.now_ms()
        if ts >= server + 1000:
            raise SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if server - ts > recv:
            raise SimError(-1021, "Timestamp for this request is outside of the recvWindow.")
        return params

    # -- public -------------------------------------------------------------------------------
    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": self.now_ms()})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return web.json_response(fmt.exchange_info(self.exchange, self.now_ms(), self.weight_limit))

    async def _ticker(self, request: web.Request) -> web.Response:
        sym = request.query.get("symbol")
        if sym is not None:
            return web.json_response({"symbol": sym, "price": fmt.num(self.exchange.price(sym))})
        return web.json_response([{"symbol": s, "price": fmt.num(self.exchange.price(s))}
                                  for s in self.exchange.markets])

    async def _klines(self, request: web.Request) -> web.Response:
        q = request.query
        m = self.exchange.market(q.get("symbol", ""))
        if q.get("interval") != self.interval:
            raise SimError(-1120, "Invalid interval.")
        idx = list(range(self.exchange.bar + 1))
        if "startTime" in q:
            idx = [i for i in idx if int(m.times_ms[i]) >= int(q["startTime"])]
        if "endTime" in q:
            idx = [i for i in idx if int(m.times_ms[i]) <= int(q["endTime"])]
        limit = min(1000, int(q.get("limit", 500)))
        idx = idx[:limit] if "startTime" in q else idx[-limit:]
        return web.json_response([fmt.kline(m, i, self.interval_ms) for i in idx])

    # -- private ------------------------------------------------------------------------------
    async def _new_order(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        cid = p.get("newClientOrderId") or f"sim-{next(self._client_ids)}"
        if not _CLIENT_ID.fullmatch(cid):
            raise SimError(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                                  "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
        try:
            qty = float(p["quantity"])
            price = float(p["price"]) if "price" in p else None
        except (KeyError, ValueError):
            raise SimError(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.") from None
        n_trades = len(self.exchange.trades)
        o = self.exchange.submit(p.get("symbol", ""), p.get("side", ""), p.get("type", ""), qty, price, cid,
                                 parts=self.faults.partial_parts, delayed=self.faults.delay_fills)
        body = fmt.order(o, full=True, trades=self.exchange.trades[n_trades:])
        if self.faults.take("unknown_after_accept_next"):
            self.stats["status_unknown"] += 1
            raise SimError(-1006, "An unexpected response was received from the message bus. Execution status unknown.",
                           500)
        if self.faults.take("hold_orders_next"):
            self.stats["held"] += 1
            await asyncio.sleep(float(self.faults.hold_s))  # accepted; the answer arrives too late
        return web.json_response(body)

    def _lookup(self, p: dict[str, str]) -> tuple[str, int | None, str | None]:
        oid = p.get("orderId")
        return p.get("symbol", ""), int(oid) if oid else None, p.get("origClientOrderId")

    async def _get_order(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        return web.json_response(fmt.order(self.exchange.find(*self._lookup(p))))

    async def _cancel_order(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        o = self.exchange.cancel(*self._lookup(p))
        body = fmt.order(o) | {"origClientOrderId": o.client_id, "transactTime": o.update_ms}
        return web.json_response(body)

    async def _open_orders(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        sym = p.get("symbol")
        if sym:
            self.exchange.market(sym)
        return web.json_response([fmt.order(o) for o in self.exchange.open_orders(sym or None)])

    async def _my_trades(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        ints = {k: int(p[k]) if k in p else None for k in ("fromId", "startTime", "endTime")}
        trades = self.exchange.my_trades(p.get("symbol", ""), ints["fromId"], ints["startTime"], ints["endTime"],
                                         int(p.get("limit", 500)))
        return web.json_response([fmt.trade(t) for t in trades])

    async def _account(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return web.json_response(fmt.account(self.exchange, self.now_ms()))

    async def _user_stream(self, request: web.Request) -> web.Response:
        p = await self._signed(request)
        if request.method == "POST":
            key = secrets.token_hex(16)
            self._listen_keys.add(key)
            return web.json_response({"listenKey": key})
        if p.get("listenKey") not in self._listen_keys:
            raise SimError(-1125, "This listenKey does not exist.")
        if request.method == "DELETE":
            self._listen_keys.discard(p["listenKey"])
        return web.json_response({})

    # -- streams ------------------------------------------------------------------------------
    def _on_order_change(self, o: SimOrder, t: SimTrade | None) -> None:
        event = fmt.execution_report(o, t, self.now_ms())
        for key in self._listen_keys:
            self._publish(key, event)

    def _publish(self, stream: str, event: dict[str, Any]) -> None:
        queues = self._streams.get(stream)
        if not queues:
            return
        if self.faults.take("ws_drop_next"):
            self.stats["ws_dropped"] += 1
            return
        copies = 2 if self.faults.take("ws_dup_next") else 1
        text = json.dumps(event)
        for q in queues:
            for _ in range(copies):
                q.put_nowait(text)

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        stream = request.match_info["stream"]
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._streams.setdefault(stream, set()).add(queue)
        reader = asyncio.ensure_future(self._drain(ws))
        try:
            while True:
                text = await queue.get()
                if text is None or ws.closed:
                    break
                await ws.send_str(text)
        finally:
            reader.cancel()
            self._streams[stream].discard(queue)
            await ws.close()
        return ws

    async def _drain(self, ws: web.WebSocketResponse) -> None:
        async for msg in ws:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break

    # -- control endpoint ---------------------------------------------------------------------
    async def _ctl_faults(self, request: web.Request) -> web.Response:
        try:
            self.faults.update(await request.json())
        except (KeyError, ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(self.faults.as_dict())

    async def _ctl_bar(self, request: web.Request) -> web.Response:
        body = await request.json()
        target = int(body["index"]) if "index" in body else self.exchange.bar + int(body.get("advance", 1))
        return web.json_response({"bar": self.set_bar(target)})

    async def _ctl_state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    async def _ctl_ws_disconnect(self, request: web.Request) -> web.Response:
        self.disconnect_streams()
        return web.json_response({"ok": True})
