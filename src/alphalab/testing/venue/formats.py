"""Binance spot response shapes (from Binance's documented REST formats) for the simulator's objects."""

from __future__ import annotations

from typing import Any

from alphalab.testing.venue.exchange import Exchange, Market, SimOrder, SimTrade

# Request weights from Binance's spot API documentation (per request, REQUEST_WEIGHT per minute).
WEIGHTS = {
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/api/v3/time"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/ticker/price"): 2,
    ("GET", "/api/v3/klines"): 2,
    ("POST", "/api/v3/order"): 1,
    ("GET", "/api/v3/order"): 4,
    ("DELETE", "/api/v3/order"): 1,
    ("GET", "/api/v3/openOrders"): 6,
    ("GET", "/api/v3/myTrades"): 20,
    ("GET", "/api/v3/account"): 20,
    ("POST", "/api/v3/userDataStream"): 2,
}


def num(x: float) -> str:
    return f"{x:.8f}"


def exchange_info(ex: Exchange, now_ms: int, weight_limit: int) -> dict[str, Any]:
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": weight_limit},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
        ],
        "exchangeFilters": [],
        "symbols": [_symbol(m) for m in ex.markets.values()],
    }


def _symbol(m: Market) -> dict[str, Any]:
    return {
        "symbol": m.symbol, "status": "TRADING", "baseAsset": m.base, "baseAssetPrecision": 8,
        "quoteAsset": m.quote, "quotePrecision": 8, "quoteAssetPrecision": 8, "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8, "orderTypes": ["LIMIT", "MARKET"], "icebergAllowed": False,
        "ocoAllowed": False, "otoAllowed": False, "quoteOrderQtyMarketAllowed": False,
        "allowTrailingStop": False, "cancelReplaceAllowed": False, "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False, "permissions": [], "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE", "allowedSelfTradePreventionModes": ["NONE"],
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": num(m.tick), "maxPrice": "1000000.00000000",
             "tickSize": num(m.tick)},
            {"filterType": "LOT_SIZE", "minQty": num(m.step), "maxQty": "9000000.00000000", "stepSize": num(m.step)},
            {"filterType": "NOTIONAL", "minNotional": num(m.min_notional), "applyMinToMarket": True,
             "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
        ],
    }


def order(o: SimOrder, *, full: bool = False, trades: list[SimTrade] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "symbol": o.symbol, "orderId": o.order_id, "orderListId": -1, "clientOrderId": o.client_id,
        "price": num(o.price), "origQty": num(o.qty), "executedQty": num(o.executed),
        "cummulativeQuoteQty": num(o.quote), "status": o.status, "timeInForce": "GTC",
        "type": o.type, "side": o.side, "stopPrice": num(0.0), "icebergQty": num(0.0), "time": o.time_ms,
        "updateTime": o.update_ms, "isWorking": True, "workingTime": o.time_ms,
        "origQuoteOrderQty": num(0.0), "selfTradePreventionMode": "NONE",
    }
    if full:
        out["transactTime"] = o.time_ms
        out["fills"] = [{"price": num(t.price), "qty": num(t.qty), "commission": num(t.commission),
                         "commissionAsset": t.commission_asset, "tradeId": t.id} for t in trades or []]
    return out


def trade(t: SimTrade) -> dict[str, Any]:
    return {
        "symbol": t.symbol, "id": t.id, "orderId": t.order_id, "orderListId": -1, "price": num(t.price),
        "qty": num(t.qty), "quoteQty": num(t.qty * t.price), "commission": num(t.commission),
        "commissionAsset": t.commission_asset, "time": t.time_ms, "isBuyer": t.is_buyer,
        "isMaker": t.is_maker, "isBestMatch": True,
    }


def kline(m: Market, i: int, interval_ms: int) -> list[Any]:
    t = int(m.times_ms[i])
    return [t, num(m.open[i]), num(m.high[i]), num(m.low[i]), num(m.close[i]), num(m.volume[i]),
            t + interval_ms - 1, num(m.volume[i] * m.close[i]), 1, num(0.0), num(0.0), "0"]


def account(ex: Exchange, now_ms: int) -> dict[str, Any]:
    assets = sorted(set(ex.balances) | set(ex.locked))
    fee = round(ex.taker_fee * 10_000)
    return {
        "makerCommission": fee, "takerCommission": fee, "buyerCommission": 0, "sellerCommission": 0,
        "commissionRates": {"maker": num(ex.maker_fee), "taker": num(ex.taker_fee), "buyer": num(0), "seller": num(0)},
        "canTrade": True, "canWithdraw": False, "canDeposit": False, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now_ms, "accountType": "SPOT",
        "balances": [{"asset": a, "free": num(ex.free(a)), "locked": num(ex.locked.get(a, 0.0))} for a in assets],
        "permissions": ["SPOT"], "uid": 1,
    }


def execution_report(o: SimOrder, t: SimTrade | None, now_ms: int) -> dict[str, Any]:
    """The user-data stream's ``executionReport`` event for an order (and the trade that moved it)."""
    return {
        "e": "executionReport", "E": now_ms, "s": o.symbol, "c": o.client_id, "S": o.side, "o": o.type,
        "f": "GTC", "q": num(o.qty), "p": num(o.price), "x": "TRADE" if t else ("CANCELED" if o.status == "CANCELED" else "NEW"),
        "X": o.status, "i": o.order_id, "l": num(t.qty if t else 0.0), "z": num(o.executed),
        "L": num(t.price if t else 0.0), "n": num(t.commission if t else 0.0),
        "N": t.commission_asset if t else None, "T": t.time_ms if t else now_ms, "t": t.id if t else -1,
        "m": bool(t and t.is_maker), "O": o.time_ms, "Z": num(o.quote),
    }


__all__ = ["WEIGHTS", "account", "exchange_info", "execution_report", "kline", "num", "order", "trade"]
