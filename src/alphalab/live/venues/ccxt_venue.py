"""A CCXT exchange behind the venue port (spot; Binance first), through ccxt's own async client.

- Markets (precision, limits) are loaded from the venue; quantities and prices are rounded once,
  here at the boundary (``amount_to_precision`` / ``price_to_precision``).
- The client order id goes out as the venue's client-id parameter; ``query`` looks orders up by it.
- Outcomes: the venue said no (``InvalidOrder``, ``InsufficientFunds``, ``BadRequest``, a duplicate
  client id, authentication) → :class:`DefiniteFailure`; timeouts, resets, 5xx
  (``RequestTimeout``, ``NetworkError``, ``ExchangeNotAvailable``) → :class:`AmbiguousFailure`
  (reads are retried with backoff first; an order is never re-sent after one).
- 429/418: every caller waits for ``Retry-After`` (a weighted token bucket with the venue's
  published weights, synced with ``X-MBX-USED-WEIGHT-1M``); a 429 is a refusal, so the request is
  sent again after the wait. A timestamp error (Binance ``-1021``) re-measures the clock offset
  to the venue's server time once and then retries; it is never retried blindly.
- ``fills_since(cursor)`` reads ``fetch_my_trades`` from trade id ``cursor + 1`` (the simulator and
  Binance number trades upward; on Binance the ids are per symbol, so one cursor serves one symbol).
- Credentials never reach logs, exceptions or ``repr`` (:class:`Credentials` scrubs them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from alphalab.live.orders import Intent, OrderStatus
from alphalab.live.venue import AmbiguousFailure, DefiniteFailure, MarketRules, VenueFill, VenueOrder
from alphalab.live.venues.credentials import Credentials
from alphalab.live.venues.ratelimit import TokenBucket

# Binance spot request weights per unified call (from Binance's API documentation).
BINANCE_WEIGHTS = {"fetch_time": 1, "load_markets": 20, "create_order": 1, "fetch_order": 4, "cancel_order": 1,
                   "fetch_open_orders": 6, "fetch_my_trades": 20, "fetch_balance": 20}
BINANCE_OPTIONS = {
    "defaultType": "spot",
    "fetchMarkets": {"types": ["spot"]},  # no futures/options exchangeInfo
    "fetchCurrencies": False,  # no sapi capital/config/getall
    "fetchMargins": False,  # no sapi margin pairs
    "recvWindow": 5000,
    "timeDifference": 0,
}
_STATUS = {"closed": OrderStatus.FILLED, "canceled": OrderStatus.CANCELLED, "rejected": OrderStatus.REJECTED,
           "expired": OrderStatus.EXPIRED}
_log = logging.getLogger(__name__)


class OrderNotFoundAtVenue(DefiniteFailure):
    """The venue has no order with this id."""


class DuplicateClientId(DefiniteFailure):
    """The venue already holds an order with this client order id."""


class _ScrubbingLogger:
    """What ccxt logs through: the text is formatted, then the credentials are cut out of it."""

    def __init__(self, logger: logging.Logger, creds: Credentials) -> None:
        self._logger, self._creds = logger, creds

    def _log(self, level: int, msg: object, *args: object) -> None:
        if self._logger.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self._logger.log(level, "%s", self._creds.scrub(text))

    def debug(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.DEBUG, msg, *args)

    def info(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.INFO, msg, *args)

    def warning(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.WARNING, msg, *args)

    def error(self, msg: object, *args: object, **_: object) -> None:
        self._log(logging.ERROR, msg, *args)

    def isEnabledFor(self, level: int) -> bool:
        return self._logger.isEnabledFor(level)


class CcxtVenue:
    """One account on one CCXT exchange, trading ``symbols`` (unified, e.g. ``"BTC/USDT"``)."""

    def __init__(self, exchange_id: str, symbols: Sequence[str], credentials: Credentials, *,
                 api_urls: dict[str, str] | None = None, options: dict[str, Any] | None = None,
                 timeout_s: float = 10.0, weights: dict[str, float] | None = None, weight_limit: float = 6000.0,
                 max_retries: int = 5, name: str | None = None) -> None:
        import ccxt.async_support as ccxt_async

        self.name = name or exchange_id
        self.symbols = list(symbols)
        self._creds = credentials
        self._ex = getattr(ccxt_async, exchange_id)({
            "apiKey": credentials.api_key, "secret": credentials.secret, "enableRateLimit": False,
            "timeout": int(timeout_s * 1000), "options": dict(options or {}),
        })
        self._ex.logger = _ScrubbingLogger(logging.getLogger(f"{__name__}.{exchange_id}"), credentials)
        if api_urls is not None:
            self._ex.urls["api"] = self._redirect(self._ex.urls["api"], api_urls)
        self.weights = dict(weights or (BINANCE_WEIGHTS if exchange_id == "binance" else {}))
        self.bucket = TokenBucket(weight_limit)
        self.max_retries = max_retries
        self.clock_offset_ms = 0.0
        self.stats: Counter[str] = Counter()
        self._connected = False
        self._symbol_of: dict[str, str] = {}  # client id -> symbol
        self._client_of: dict[tuple[str, str], str] = {}  # (symbol, venue order id) -> client id

    @classmethod
    def binance(cls, symbols: Sequence[str], credentials: Credentials, *, base_url: str | None = None,
                **kw: Any) -> CcxtVenue:
        """Binance spot through ccxt's ``binance`` class; ``base_url`` points it elsewhere (the simulator)."""
        urls = None if base_url is None else {"public": f"{base_url}/api/v3", "private": f"{base_url}/api/v3"}
        options = {**BINANCE_OPTIONS, **kw.pop("options", {})}
        return cls("binance", symbols, credentials, api_urls=urls, options=options, **kw)

    @staticmethod
    def _redirect(current: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
        """Point every API entry at the given base; the ones not given at a path that answers 404 there."""
        base = next(iter(given.values())).split("/api/")[0].rstrip("/")
        return {k: given.get(k, f"{base}/_unsupported/{k}") for k in current} | given

    def __repr__(self) -> str:
        return f"CcxtVenue({self.name}, symbols={self.symbols}, credentials={self._creds!r})"

    async def close(self) -> None:
        await self._ex.close()

    async def __aenter__(self) -> CcxtVenue:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- connection, clock, calls -------------------------------------------------------------
    async def connect(self) -> None:
        """Load markets and measure the clock offset; every port call does this first if needed."""
        if self._connected:
            return
        keep, self._ex.enableLastJsonResponse = self._ex.enableLastJsonResponse, True
        try:
            await self._call("load_markets", self._ex.load_markets, idempotent=True)
            self._limits_from(self._ex.last_json_response)  # the exchangeInfo answer
        finally:
            self._ex.enableLastJsonResponse = keep
        missing = [s for s in self.symbols if s not in self._ex.markets]
        if missing:
            raise DefiniteFailure(f"{self.name} has no market {', '.join(missing)}")
        await self.sync_clock()
        self._connected = True

    def _limits_from(self, info: Any) -> None:
        """Size the token bucket from the venue's own published limit (Binance ``rateLimits``)."""
        seconds = {"SECOND": 1.0, "MINUTE": 60.0, "HOUR": 3600.0, "DAY": 86400.0}
        for rl in (info.get("rateLimits") or []) if isinstance(info, dict) else []:
            if rl.get("rateLimitType") == "REQUEST_WEIGHT" and rl.get("interval") in seconds:
                period = seconds[rl["interval"]] * float(rl.get("intervalNum", 1))
                self.bucket = TokenBucket(float(rl["limit"]), period)
                return

    async def sync_clock(self) -> float:
        """Measure the venue's clock against ours (midpoint of the round trip) and sign with it."""
        t0 = self._ex.milliseconds()
        server = await self._call("fetch_time", self._ex.fetch_time, idempotent=True)
        t1 = self._ex.milliseconds()
        self.clock_offset_ms = float(server) - (t0 + t1) / 2.0
        self._ex.options["timeDifference"] = -round(self.clock_offset_ms)
        self.stats["clock_syncs"] += 1
        return self.clock_offset_ms

    async def _call(self, what: str, fn: Callable[..., Awaitable[Any]], *args: Any, idempotent: bool) -> Any:
        import ccxt

        attempt, resynced = 0, False
        while True:
            await self.bucket.acquire(self.weights.get(what, 1))
            try:
                result = await fn(*args)
            except ccxt.InvalidNonce as exc:  # -1021: our clock is off, re-measure once
                if resynced:
                    raise self._definite(what, exc) from None
                resynced = True
                await self.sync_clock()
                continue
            except ccxt.DDoSProtection as exc:  # 429 / 418: refused; wait as told, then ask again
                attempt += 1
                self._back_off(exc)
                if attempt > self.max_retries:
                    raise self._definite(what, exc) from None
                continue
            except ccxt.BaseError as exc:
                if self._refused(exc):
                    raise self._definite(what, exc) from None
                attempt += 1  # timeout, reset, 5xx, "execution status unknown": nobody knows
                if idempotent and attempt <= self.max_retries:
                    self.stats["read_retries"] += 1
                    await asyncio.sleep(min(2.0, 0.05 * 2**attempt))
                    continue
                raise AmbiguousFailure(self._message(what, exc)) from None
            self._observe_weight()
            return result

    @staticmethod
    def _refused(exc: Exception) -> bool:
        """Whether the venue answered no: an ``ExchangeError`` that carries the venue's answer.

        ccxt also raises ``ExchangeError`` for a broken transfer (an aiohttp error underneath), and
        ``OperationFailed`` / ``BadResponse`` for Binance's -1000/-1006 ("execution status unknown"):
        those are not refusals.
        """
        import aiohttp
        import ccxt

        return isinstance(exc, ccxt.ExchangeError) and not isinstance(exc.__cause__, aiohttp.ClientError)

    def _back_off(self, exc: Exception) -> None:
        headers = self._ex.last_response_headers or {}
        try:
            wait = float(headers.get("Retry-After", 1.0))
        except ValueError:
            wait = 1.0
        self.stats["bans" if " 418 " in str(exc) else "rate_limited"] += 1
        self.bucket.block_for(wait)
        _log.warning("%s asked us to wait %.1f s (%s)", self.name, wait, "418" if " 418 " in str(exc) else "429")

    def _observe_weight(self) -> None:
        used = (self._ex.last_response_headers or {}).get("X-MBX-USED-WEIGHT-1M")
        if used is not None:
            with contextlib.suppress(ValueError):
                self.bucket.observe_used(float(used))

    def _message(self, what: str, exc: Exception) -> str:
        return self._creds.scrub(f"{self.name} {what}: {type(exc).__name__}: {exc}")

    def _definite(self, what: str, exc: Exception) -> DefiniteFailure:
        import ccxt

        msg = self._message(what, exc)
        if isinstance(exc, ccxt.OrderNotFound):
            return OrderNotFoundAtVenue(msg)
        if isinstance(exc, ccxt.DuplicateOrderId) or "Duplicate order" in str(exc):
            return DuplicateClientId(msg)
        return DefiniteFailure(msg)

    # -- the port -----------------------------------------------------------------------------
    async def submit(self, intent: Intent) -> VenueOrder:
        await self.connect()
        sym = intent.symbol
        if intent.order_type not in ("market", "limit"):
            raise DefiniteFailure(f"{self.name}: order type {intent.order_type} is not supported on spot here")
        amount, price = self._rounded(intent)
        self._symbol_of[intent.client_id] = sym
        raw = await self._call("create_order", self._ex.create_order, sym, intent.order_type, intent.side, amount,
                               price, {"clientOrderId": intent.client_id}, idempotent=False)
        return self._order(raw, sym)

    def _rounded(self, intent: Intent) -> tuple[float, float | None]:
        import ccxt

        try:
            amount = float(self._ex.amount_to_precision(intent.symbol, intent.quantity))
            price = None if intent.price is None or intent.order_type == "market" else \
                float(self._ex.price_to_precision(intent.symbol, intent.price))
        except ccxt.BaseError as exc:
            raise self._definite("round", exc) from None
        if not amount > 0:
            raise DefiniteFailure(f"{self.name}: quantity {intent.quantity:g} of {intent.symbol} rounds to zero")
        return amount, price

    async def cancel(self, client_id: str) -> VenueOrder:
        vo = await self._by_client_id("cancel_order", self._ex.cancel_order, client_id, idempotent=False)
        if vo is None:
            raise OrderNotFoundAtVenue(f"{self.name} has no open order {client_id}")
        return vo

    async def query(self, client_id: str) -> VenueOrder | None:
        return await self._by_client_id("fetch_order", self._ex.fetch_order, client_id, idempotent=True)

    async def _by_client_id(self, what: str, fn: Callable[..., Awaitable[Any]], client_id: str, *,
                            idempotent: bool) -> VenueOrder | None:
        """Call ``fn`` on the order with this client id, on its symbol (or each symbol until one has it)."""
        await self.connect()
        for sym in self._candidates(client_id):
            try:
                raw = await self._call(what, fn, "", sym, {"clientOrderId": client_id}, idempotent=idempotent)
            except OrderNotFoundAtVenue:
                continue
            return self._order(raw, sym)
        return None

    def _candidates(self, client_id: str) -> list[str]:
        known = self._symbol_of.get(client_id)
        return [known] if known else list(self.symbols)

    async def open_orders(self) -> list[VenueOrder]:
        await self.connect()
        out: list[VenueOrder] = []
        for sym in self.symbols:
            raws = await self._call("fetch_open_orders", self._ex.fetch_open_orders, sym, idempotent=True)
            out += [self._order(r, sym) for r in raws]
        return out

    async def fills_since(self, cursor: int) -> tuple[list[VenueFill], int]:
        await self.connect()
        fills: list[VenueFill] = []
        for sym in self.symbols:
            start = int(cursor) + 1
            while True:
                trades = await self._call("fetch_my_trades", self._ex.fetch_my_trades, sym, None, 1000,
                                          {"fromId": start}, idempotent=True)
                for t in trades:
                    if int(t["id"]) > cursor:
                        fills.append(await self._fill(t, sym))
                if len(trades) < 1000:
                    break
                start = max(int(t["id"]) for t in trades) + 1
        fills.sort(key=lambda f: f.seq)
        return fills, max([cursor, *(f.seq for f in fills)])

    async def _fill(self, t: dict[str, Any], sym: str) -> VenueFill:
        oid = str(t["order"])
        cid = self._client_of.get((sym, oid))
        if cid is None:
            raw = await self._call("fetch_order", self._ex.fetch_order, oid, sym, idempotent=True)
            cid = self._order(raw, sym).client_id
        fee = t.get("fee") or {}
        cost = float(fee.get("cost") or 0.0)
        if fee.get("currency") and fee["currency"] != self._ex.markets[sym]["quote"]:
            cost *= float(t["price"])  # a fee charged in the base asset, valued in the quote
        return VenueFill(str(t["id"]), cid, sym, t["side"], float(t["amount"]), float(t["price"]), cost,
                         int(t["timestamp"]) * 1_000_000, int(t["id"]))

    async def balances(self) -> dict[str, float]:
        await self.connect()
        bal = await self._call("fetch_balance", self._ex.fetch_balance, idempotent=True)
        return {k: float(v) for k, v in (bal.get("total") or {}).items() if v}

    async def positions(self) -> dict[str, float]:
        """Spot: the balance of each traded symbol's base asset."""
        total = await self.balances()
        out = {s: total.get(self._ex.markets[s]["base"], 0.0) for s in self.symbols}
        return {k: v for k, v in out.items() if v != 0.0}

    async def market_rules(self, symbol: str) -> MarketRules:
        import ccxt

        await self.connect()
        m = self._ex.markets[symbol]
        tick, lot = m["precision"].get("price"), m["precision"].get("amount")
        if self._ex.precisionMode != ccxt.TICK_SIZE:  # decimal places
            tick = None if tick is None else 10.0 ** -float(tick)
            lot = None if lot is None else 10.0 ** -float(lot)
        min_cost = (m.get("limits") or {}).get("cost", {}).get("min")
        return MarketRules(symbol, float(tick or 0.0), float(lot or 0.0), float(min_cost or 0.0))

    def _order(self, raw: dict[str, Any], sym: str) -> VenueOrder:
        cid = str(raw.get("clientOrderId") or "")
        oid = str(raw.get("id") or "")
        if cid and oid:
            self._client_of[(sym, oid)] = cid
            self._symbol_of[cid] = sym
        filled = float(raw.get("filled") or 0.0)
        status = _STATUS.get(str(raw.get("status")))
        if status is None:
            status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACKED
        avg = raw.get("average")
        return VenueOrder(cid, oid, sym, str(raw.get("side")), float(raw.get("amount") or 0.0), status, filled,
                          float(avg) if avg else math.nan)
