"""A venue simulator for tests and rehearsals: a Binance-spot-shaped exchange on loopback.

>>> from alphalab.testing.venue import simulator_from_bars
>>> sim = simulator_from_bars(["sample:AAPL"], api_keys={"k": "s"})
>>> url = await sim.start()   # http://127.0.0.1:PORT, ccxt's binance pointed at it by URL

or as its own process: ``python -m alphalab.testing.venue --port 0 --bars sample:AAPL``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alphalab.testing.venue.exchange import Exchange, Market, SimError, SimOrder, SimTrade
from alphalab.testing.venue.faults import Faults
from alphalab.testing.venue.server import VenueSimulator

__all__ = ["Exchange", "Faults", "Market", "SimError", "SimOrder", "SimTrade", "VenueSimulator",
           "market_from_bars", "simulator_from_bars"]


def market_from_bars(spec: str, *, quote: str = "USDT", timeframe: str = "1d", bars: int | None = None) -> Market:
    """Build a market ``<NAME><quote>`` (e.g. ``AAPLUSDT``) from the bars ``spec`` loads (``sample:AAPL``)."""
    from alphalab.data.loader import load_bars

    frame = load_bars(spec, timeframe)
    if bars is not None:
        frame = frame.iloc[:bars]
    base = spec.rsplit(":", 1)[-1].split("?")[0].upper().replace("/", "")
    times_ms = (frame.index.asi8 // 1_000_000).astype(np.int64)
    cols = {c: frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close", "volume")}
    return Market(f"{base}{quote}", base, quote, times_ms, **cols)


def simulator_from_bars(specs: Sequence[str], *, api_keys: dict[str, str], cash: float = 1_000_000.0,
                        quote: str = "USDT", timeframe: str = "1d", bars: int | None = None, port: int = 0,
                        fee: float = 0.001, weight_limit: int = 6000) -> VenueSimulator:
    """Return a (not yet started) simulator whose account holds ``cash`` of ``quote`` and nothing else."""
    markets = {m.symbol: m for m in (market_from_bars(s, quote=quote, timeframe=timeframe, bars=bars) for s in specs)}
    exchange = Exchange(markets, {quote: float(cash)}, taker_fee=fee, maker_fee=fee)
    from alphalab.core.timeframe import Timeframe

    return VenueSimulator(exchange, api_keys=api_keys, port=port, interval=timeframe, weight_limit=weight_limit,
                          interval_ms=Timeframe.parse(timeframe).nanos // 1_000_000)
