"""Breakdowns by symbol, year, month, side, exit reason and regime, checked on hand tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alphalab.analytics import breakdowns
from alphalab.analytics.breakdown import BREAKDOWN_COLUMNS, monthly_returns_table, period_returns


def _trades() -> pd.DataFrame:
    t = pd.Timestamp
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "symbol": ["A", "B", "A", "A"],
            "side": ["long", "short", "long", "short"],
            "entry_time": [t("2021-12-20", tz="UTC"), t("2022-01-03", tz="UTC"),
                           t("2022-01-10", tz="UTC"), t("2022-02-01", tz="UTC")],
            "exit_time": [t("2021-12-28", tz="UTC"), t("2022-01-05", tz="UTC"),
                          t("2022-01-20", tz="UTC"), t("2022-02-10", tz="UTC")],
            "pnl": [100.0, -40.0, 60.0, -20.0],
            "pnl_r": [1.0, -0.4, np.nan, -0.2],
            "return_pct": [0.01, -0.004, 0.006, -0.002],
            "fees": [1.0, 2.0, 3.0, 4.0],
            "bars_held": [6, 2, 8, 7],
            "exit_reason": ["take_profit", "stop_loss", "signal", "stop_loss"],
            "regime": ["bull", "bear", "", "bear"],
        }
    )


def test_symbol_breakdown_matches_hand_computed_groups() -> None:
    out = breakdowns(_trades())
    sym = out["symbol"]
    assert list(sym.columns) == list(BREAKDOWN_COLUMNS)
    a = sym.loc["A"]
    assert a["trades"] == 3 and a["win_rate"] == pytest.approx(2 / 3)
    assert a["pnl"] == pytest.approx(140.0) and a["avg_pnl"] == pytest.approx(140 / 3)
    assert a["profit_factor"] == pytest.approx(160 / 20)
    assert a["expectancy_r"] == pytest.approx(0.4)  # NaN R is skipped
    assert a["fees"] == pytest.approx(8.0) and a["avg_bars_held"] == pytest.approx(7.0)
    b = sym.loc["B"]
    assert b["trades"] == 1 and b["win_rate"] == 0.0 and math.isnan(b["profit_factor"]) is False
    assert b["profit_factor"] == 0.0


def test_side_exit_reason_and_regime_tables_partition_the_trades() -> None:
    out = breakdowns(_trades())
    for name in ("side", "exit_reason", "regime"):
        assert name in out
    assert out["side"]["pnl"].to_dict() == pytest.approx({"long": 160.0, "short": -60.0})
    assert out["exit_reason"].loc["stop_loss", "trades"] == 2
    # the trade without a regime label is left out of the regime table
    assert out["regime"]["trades"].to_dict() == {"bear": 2.0, "bull": 1.0}


def test_year_and_month_use_exit_time_and_equity_returns() -> None:
    idx = pd.DatetimeIndex(["2021-12-01", "2021-12-31", "2022-01-15", "2022-01-31", "2022-02-28"], tz="UTC")
    equity = pd.Series([100.0, 110.0, 99.0, 121.0, 108.9], index=idx)
    out = breakdowns(_trades(), equity)
    year = out["year"]
    assert year.loc["2021", "trades"] == 1 and year.loc["2022", "trades"] == 3
    assert year.loc["2021", "return"] == pytest.approx(0.10)
    assert year.loc["2022", "return"] == pytest.approx(108.9 / 110 - 1)
    month = out["month"]
    assert list(month.index) == ["2021-12", "2022-01", "2022-02"]
    assert month["return"].to_numpy() == pytest.approx([0.10, 0.10, -0.10])
    assert month.loc["2022-01", "pnl"] == pytest.approx(20.0)


def test_monthly_table_places_returns_by_year_and_month() -> None:
    idx = pd.date_range("2021-11-15", "2022-02-10", freq="D", tz="UTC")
    equity = pd.Series(np.linspace(100, 130, len(idx)), index=idx)
    table = monthly_returns_table(equity)
    assert list(table.index) == [2021, 2022] and list(table.columns) == list(range(1, 13))
    monthly = period_returns(equity, "month")
    assert table.loc[2021, 12] == pytest.approx(monthly["2021-12"])
    assert table.loc[2022, 2] == pytest.approx(monthly["2022-02"])
    assert np.isnan(table.loc[2021, 1]) and np.isnan(table.loc[2022, 5])
    total = np.nanprod(1 + table.to_numpy()) - 1
    assert total == pytest.approx(equity.iloc[-1] / equity.iloc[0] - 1)


def test_result_without_trades_gives_empty_tables(fake_result) -> None:
    fake_result.trades = fake_result.trades.iloc[0:0]
    out = breakdowns(fake_result)
    assert set(out) == {"symbol", "year", "month", "side", "exit_reason"}
    assert len(out["symbol"]) == 0
    assert out["month"]["trades"].eq(0).all() and out["month"]["return"].notna().all()


def test_result_breakdown_totals_match_the_trade_log(fake_result) -> None:
    out = breakdowns(fake_result)
    total = fake_result.trades["pnl"].sum()
    for name in ("symbol", "year", "month", "side", "exit_reason", "regime"):
        assert out[name]["pnl"].sum() == pytest.approx(total), name


def _reference_group(trades: pd.DataFrame, labels: list[str]) -> dict[str, dict[str, float]]:
    """Per-label trade count, pnl, fees and win rate with plain Python loops (independent of pandas groupby)."""
    out: dict[str, dict[str, float]] = {}
    for label, pnl, fees in zip(labels, trades["pnl"].tolist(), trades["fees"].tolist(), strict=True):
        row = out.setdefault(label, {"trades": 0.0, "pnl": 0.0, "fees": 0.0, "wins": 0.0})
        row["trades"] += 1
        row["pnl"] += pnl
        row["fees"] += fees
        row["wins"] += pnl > 0
    return out


def _period_end_growth(equity: pd.Series, fmt: str) -> dict[str, float]:
    """Return each calendar period's return as last equity of the period over the last of the one before."""
    out: dict[str, float] = {}
    prev = float(equity.iloc[0])
    values = equity.tolist()
    labels = [ts.strftime(fmt) for ts in equity.index]
    for i, label in enumerate(labels):
        if i + 1 == len(labels) or labels[i + 1] != label:
            out[label] = values[i] / prev - 1.0
            prev = values[i]
    return out


def test_engine_breakdowns_match_an_independent_computation_from_trades_and_equity() -> None:
    from alphalab.data import load_arrays
    from alphalab.engine import BacktestConfig, run_backtest

    result = run_backtest("sma_cross", load_arrays(["sample:AAPL", "sample:MSFT"], "1d"),
                          BacktestConfig(fee_bps=10.0, slippage_bps=5.0))
    trades, equity = result.trades, result.equity["equity"]
    assert len(trades) > 20 and trades["exit_time"].notna().all()
    # the trade log and the equity curve tell the same story: net pnl adds up to the equity change
    assert trades["pnl"].sum() == pytest.approx(equity.iloc[-1] - equity.iloc[0], rel=1e-9)
    out = breakdowns(result)
    exits = [ts.strftime("%Y") for ts in pd.to_datetime(trades["exit_time"], utc=True)]
    keyed = {"symbol": trades["symbol"].tolist(), "side": trades["side"].tolist(),
             "exit_reason": trades["exit_reason"].tolist(), "year": exits,
             "month": [ts.strftime("%Y-%m") for ts in pd.to_datetime(trades["exit_time"], utc=True)]}
    for name, labels in keyed.items():
        ref = _reference_group(trades, labels)
        table = out[name]
        for label, row in ref.items():
            got = table.loc[label]
            assert got["trades"] == row["trades"], (name, label)
            assert got["pnl"] == pytest.approx(row["pnl"], rel=1e-12, abs=1e-9), (name, label)
            assert got["fees"] == pytest.approx(row["fees"], rel=1e-12, abs=1e-9), (name, label)
            assert got["win_rate"] == pytest.approx(row["wins"] / row["trades"]), (name, label)
        # periods without a trade have no pnl and no fees (zero, not missing)
        rest = table.drop(index=list(ref))
        assert (rest["trades"] == 0).all() and (rest["pnl"] == 0).all() and (rest["fees"] == 0).all(), name
    for freq, fmt in (("year", "%Y"), ("month", "%Y-%m")):
        ref_ret = _period_end_growth(equity, fmt)
        assert out[freq]["return"].to_dict() == pytest.approx(ref_ret, rel=1e-12, abs=1e-15)
        growth = math.prod((1.0 + out[freq]["return"]).tolist())
        assert growth == pytest.approx(equity.iloc[-1] / equity.iloc[0], rel=1e-9)
