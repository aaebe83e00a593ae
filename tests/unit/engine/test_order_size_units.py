"""``ctx.buy`` / ``ctx.sell`` sizes name their unit (quantity, fraction of equity, notional); misuse raises."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.errors import EngineError
from alphalab.engine import BacktestConfig, run_strategy
from alphalab.strategies.api import Strategy


def _bars() -> BarArrays:
    rows = np.array([(100, 101, 99, 100), (100, 102, 99, 101), (101, 103, 100, 102), (102, 104, 101, 103),
                     (103, 105, 102, 104), (104, 106, 103, 105)], dtype=float)
    idx = pd.date_range("2024-01-01", periods=len(rows), freq="D", tz="UTC")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx).assign(volume=1e9)
    return BarArrays.from_frame(frame, "X", "1d")


def _once(call):  # type: ignore[no-untyped-def]
    class Once(Strategy):
        id = "once"

        def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
            if ctx.bar_index == 0:
                call(ctx)

    return Once


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ctx: ctx.buy("X", 10), "positional size 10 is ambiguous"),
        (lambda ctx: ctx.sell("X", 0.5), "positional size 0.5 is ambiguous"),
        (lambda ctx: ctx.buy("X"), "no size; give exactly one of quantity=, fraction= or notional="),
        (lambda ctx: ctx.buy("X", quantity=1, fraction=0.5), "quantity and fraction together"),
        (lambda ctx: ctx.buy("X", quantity=-3), "quantity=-3 must be a positive finite number"),
        (lambda ctx: ctx.buy("X", quantity=0), "quantity=0 must be a positive finite number"),
        (lambda ctx: ctx.buy("X", notional=math.nan), "notional=nan must be a positive finite number"),
        (lambda ctx: ctx.buy("X", quantity=True), "quantity=True must be a positive finite number"),
        (lambda ctx: ctx.buy("X", fraction=1.5), "fraction=1.5 exceeds the run's leverage 1"),
        (lambda ctx: ctx.enter("X", 2), "side must be 1 \\(long\\) or -1 \\(short\\)"),
    ],
)
def test_ambiguous_or_bad_size_raises_a_clear_error(call, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineError, match=message) as info:
        run_strategy(_once(call), _bars())
    if "ambiguous" in message:
        assert "quantity=" in (info.value.hint or "") and "fraction=" in (info.value.hint or "")


def test_quantity_buys_that_many_units() -> None:
    res = run_strategy(_once(lambda ctx: ctx.buy("X", quantity=7)), _bars())
    assert res.trades.quantity.tolist() == [7.0]


def test_fraction_commits_that_share_of_equity_at_the_fill() -> None:
    cfg = BacktestConfig(capital=10_000, fee_bps=10)
    res = run_strategy(_once(lambda ctx: ctx.buy("X", fraction=0.5)), _bars(), cfg)
    t = res.trades.iloc[0]
    # filled at the next open (100), half of equity with the fee inside the price
    assert t.entry_price == 100.0
    assert t.quantity == pytest.approx(10_000 * 0.5 / (100.0 * 1.001), rel=1e-12)


def test_fraction_above_one_is_allowed_up_to_the_leverage() -> None:
    cfg = BacktestConfig(capital=10_000, leverage=2.0)
    res = run_strategy(_once(lambda ctx: ctx.buy("X", fraction=1.5)), _bars(), cfg)
    assert res.trades.quantity.iloc[0] == pytest.approx(150.0, rel=1e-12)


def test_notional_commits_that_amount_of_quote_currency() -> None:
    res = run_strategy(_once(lambda ctx: ctx.buy("X", notional=2_500.0)), _bars())
    assert res.trades.quantity.iloc[0] == pytest.approx(25.0, rel=1e-12)


def test_limit_sell_by_fraction_reduces_a_long_by_the_units_at_its_fill() -> None:
    class Scale(Strategy):
        id = "scale"

        def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
            if ctx.bar_index == 0:
                ctx.buy("X", quantity=100)
            if ctx.bar_index == 1:
                ctx.sell("X", fraction=0.05, kind="limit", limit=103.0)

    res = run_strategy(Scale, _bars(), BacktestConfig(capital=100_000))
    first = res.trades.iloc[0]
    assert first.exit_price == 103.0 and first.exit_reason == "signal"
    # 5% of the equity at that fill (cash 90,000 + 100 units marked at the last close 101), in units at 103
    assert 0 < first.quantity < 100
    assert first.quantity == pytest.approx(0.05 * (100_000 + 100 * (101 - 100)) / 103.0, rel=1e-9)
