"""Tradable instruments and their venue constraints."""

from __future__ import annotations

import math
from dataclasses import dataclass

from alphalab.core.enums import AssetClass


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable symbol with the constraints its venue imposes.

    ``calendar`` is ``"24/7"`` for crypto or an exchange calendar name such as ``"XNYS"``.
    A tick or lot size of 0 means "no rounding".
    """

    symbol: str
    asset_class: AssetClass = AssetClass.STOCK
    quote_currency: str = "USD"
    tick_size: float = 0.0
    lot_size: float = 0.0
    min_notional: float = 0.0
    calendar: str = "XNYS"

    @property
    def is_24_7(self) -> bool:
        return self.calendar == "24/7"

    @property
    def periods_per_year_daily(self) -> int:
        """Trading days per year: 365 on a 24/7 calendar, 260 on 24/5 (FX), 252 on an exchange calendar.

        The same days as ``alphalab.analytics.metrics.periods_per_year_for`` uses for daily bars.
        """
        return {"24/7": 365, "24/5": 260}.get(self.calendar, 252)

    def round_price(self, price: float) -> float:
        """Round a price to the nearest tick."""
        if self.tick_size <= 0:
            return price
        return round(price / self.tick_size) * self.tick_size

    def round_quantity(self, quantity: float) -> float:
        """Round a quantity down (towards zero) to a whole number of lots."""
        if self.lot_size <= 0:
            return quantity
        return math.copysign(math.floor(abs(quantity) / self.lot_size + 1e-9) * self.lot_size, quantity)

    @classmethod
    def guess(cls, symbol: str) -> Instrument:
        """Build a plausible instrument from a symbol alone (``BTC/USDT`` is crypto, ``EURUSD`` FX)."""
        bare = symbol.split(":", 1)[-1].upper()
        if "/" in bare:
            _base, quote = bare.split("/", 1)
            return cls(symbol, AssetClass.CRYPTO, quote, calendar="24/7")
        if len(bare) == 6 and bare.isalpha() and bare[3:] in {"USD", "EUR", "JPY", "GBP", "CHF"}:
            return cls(symbol, AssetClass.FX, bare[3:], calendar="24/5")
        if bare.startswith("^") or bare in {"SP500", "NASDAQ", "SPX", "NDX"}:
            return cls(symbol, AssetClass.INDEX, "USD", calendar="XNYS")
        if bare.startswith("SYN"):
            return cls(symbol, AssetClass.SYNTHETIC, "USD", calendar="24/7")
        return cls(symbol, AssetClass.STOCK, "USD", calendar="XNYS")
