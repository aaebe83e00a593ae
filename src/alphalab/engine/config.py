"""``BacktestConfig``: the run settings a user gives (CLI options, notebooks), validated by pydantic."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from alphalab.core.enums import FillTiming


class BacktestConfig(BaseModel):
    """Settings of one backtest; unknown fields are rejected.

    Cost fields left at None are taken from the strategy's ``costs``; a value given here overrides
    the spec (``--fee-bps``, ``--slippage-bps``). ``fill`` = ``close`` fills market orders at the
    signal bar's close (an explicit, reported option; the default is the next bar's open).
    ``lot_size`` / ``min_notional`` override the instrument's constraints for every symbol.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    capital: float = Field(100_000.0, gt=0)
    fee_bps: float | None = Field(None, ge=0)
    fee_fixed: float | None = Field(None, ge=0)
    maker_fee_bps: float | None = Field(None, ge=0)
    slippage_bps: float | None = Field(None, ge=0)
    fill: FillTiming = FillTiming.NEXT_OPEN
    allow_short: bool = True
    leverage: float = Field(1.0, gt=0, le=100)
    pyramiding: int = Field(1, ge=1, le=100)
    stop_priority: Literal["stop", "target"] = "stop"
    periods_per_year: float | None = Field(None, gt=0)
    seed: int = 0
    lot_size: float | None = Field(None, ge=0)
    min_notional: float | None = Field(None, ge=0)
    kelly_min_trades: int = Field(20, ge=1)
    kelly_fallback: float = Field(0.02, gt=0, le=1)
