"""Versioned record schemas shared by every path: the canonical trade log.

The trade log is a contract that outlives a release (see ARCHITECTURE.md). Its columns, in
order, with their meaning:

- ``id``: 1-based trade number within a result
- ``strategy_id``, ``strategy_name``: the SDL id and the display name
- ``symbol``, ``timeframe``
- ``side``: ``"long"`` or ``"short"``
- ``entry_time``, ``exit_time``: UTC timestamps of the fills
- ``entry_price``, ``exit_price``: fill prices after slippage
- ``quantity``: positive number of units
- ``fees``: total fees of entry and exit, in quote currency (never negative)
- ``slippage``: total cost of slippage of entry and exit, in quote currency
- ``pnl``: net profit after fees, in quote currency
- ``return_pct``: pnl / entry notional
- ``pnl_r``: pnl divided by the initial risk (entry to initial stop x quantity); NaN without a stop
- ``mae``, ``mfe``: maximum adverse / favourable excursion as a fraction of the entry price
  (MAE <= 0 <= MFE), measured on bar highs and lows while the trade was open
- ``bars_held``: bars from the entry bar to the exit bar
- ``exit_reason``: lower-case ``ExitReason`` name
- ``regime``: regime label at entry, or empty when unknown
"""

from __future__ import annotations

TRADE_LOG_SCHEMA_VERSION = "1.0"

TRADE_COLUMNS: tuple[str, ...] = (
    "id",
    "strategy_id",
    "strategy_name",
    "symbol",
    "timeframe",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "fees",
    "slippage",
    "pnl",
    "return_pct",
    "pnl_r",
    "mae",
    "mfe",
    "bars_held",
    "exit_reason",
    "regime",
)
