"""Deterministic client order ids: the same decision can never become two orders.

The id is a hash of what identifies a decision: strategy, symbol, timeframe, the bar's open time
and the intent's sequence number within that bar. A restarted bot that re-derives the same
decision gets the same id, and the venue (or the ledger) refuses the second copy.
"""

from __future__ import annotations

import hashlib

PREFIX = "al"
# Binance allows 36 characters from [.A-Z:/a-z0-9_-], Coinbase 128, Alpaca 128, MEXC 32:
# "al" + "-" + 26 hex characters (104 bits) fits every venue we target.
HASH_CHARS = 26


def client_order_id(strategy: str, symbol: str, timeframe: str, bar_time_ns: int, seq: int = 0) -> str:
    """Return the client order id of intent ``seq`` taken at the close of bar ``bar_time_ns``.

    Parameters
    ----------
    strategy, symbol, timeframe
        What took the decision, on which market and clock (e.g. ``"ema_cross"``, ``"BTC/USDT"``, ``"1h"``).
    bar_time_ns
        Open time of the bar whose close produced the decision, in ns since the epoch (UTC).
    seq
        Sequence number of the intent among those of the same bar (0 for the first).
    """
    if seq < 0:
        raise ValueError("an intent sequence number cannot be negative")
    key = "\x1f".join((strategy, symbol, timeframe, str(int(bar_time_ns)), str(int(seq))))
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    return f"{PREFIX}-{digest[:HASH_CHARS]}"
