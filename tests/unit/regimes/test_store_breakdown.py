"""Stored regime series (atomic, cached by bar digest) and metrics by regime."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alphalab.analytics.metrics import metrics_from_series
from alphalab.core.bars import BarArrays
from alphalab.engine import run_backtest
from alphalab.regimes import RegimeStore, RuleConfig, detect_with, regime_breakdown
from alphalab.testing.regimes import markov_switching_bars


def test_store_round_trips_and_reuses_cache_until_bars_change(tmp_path, monkeypatch) -> None:
    frame, _ = markov_switching_bars(300, 1)
    cfg = RuleConfig(percentile_window=50)
    store = RegimeStore(tmp_path)
    labels = store.cached(frame, "synthetic", "SYN", "1d", cfg)
    pd.testing.assert_series_equal(labels, detect_with(frame, cfg), check_index_type=False)
    pd.testing.assert_series_equal(store.read("synthetic", "SYN", "1d", cfg), labels, check_names=False)
    calls = []
    monkeypatch.setattr("alphalab.regimes.detection.detect_with", lambda *a: calls.append(1) or labels)
    store.cached(frame, "synthetic", "SYN", "1d", cfg)
    assert calls == []
    store.cached(frame.iloc[:250], "synthetic", "SYN", "1d", cfg)
    assert calls == [1]
    assert not list(store.path("synthetic", "SYN", "1d", cfg).parent.glob(".tmp-*"))


def test_breakdown_rows_partition_bars_and_trades() -> None:
    frame, truth = markov_switching_bars(400, 2)
    bars = BarArrays.from_frame(frame, "SYN", "1d")
    result = run_backtest("sma_cross", bars, regimes={"SYN": truth})
    table = regime_breakdown(result, {"SYN": truth})
    assert table["bars"].sum() == len(frame) - 1
    assert table["trades"].sum() == len(result.trades)
    # the bull row equals the metrics of the bull bars' growth factors chained by hand
    eq = result.equity["equity"].to_numpy()
    prev = truth.to_numpy()[:-1]
    growth = eq[1:] / eq[:-1]
    bull = np.concatenate([[eq[0]], eq[0] * np.cumprod(growth[prev == "bull"])])
    idx = pd.DatetimeIndex(np.concatenate([frame.index[:1], frame.index[1:][prev == "bull"]]))
    ref = metrics_from_series(pd.Series(bull, index=idx), result.trades[result.trades["regime"] == "bull"],
                              None, result.periods_per_year or 365.0)
    assert table.loc["bull", "total_return"] == pytest.approx(ref["total_return"], rel=1e-12)


def test_breakdown_regime_returns_compound_to_the_run_return() -> None:
    # independent reference: each regime's growth is the product of eq[t] / eq[t-1] over the bars
    # decided in it (label at t-1), and the regimes' growths multiply to the whole run's growth
    frame, truth = markov_switching_bars(500, 4)
    bars = BarArrays.from_frame(frame, "SYN", "1d")
    result = run_backtest("sma_cross", bars, regimes={"SYN": truth})
    table = regime_breakdown(result, {"SYN": truth})
    eq = result.equity["equity"].to_numpy()
    prev = truth.to_numpy()[:-1]
    growth = eq[1:] / eq[:-1]
    for regime, row in table.iterrows():
        expected = math.prod(growth[prev == regime].tolist()) - 1.0
        assert row["total_return"] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert row["total_return"] > -1.0
    assert math.prod((1.0 + table["total_return"]).tolist()) == pytest.approx(eq[-1] / eq[0], rel=1e-9)
    by_trades = result.trades.groupby("regime").size().reindex(table.index, fill_value=0)
    assert table["trades"].tolist() == by_trades.tolist()


def test_regimes_summary_is_strict_json_with_the_breakdown_numbers() -> None:
    import json
    import math

    from alphalab.regimes import regimes_summary

    frame, truth = markov_switching_bars(300, 3)
    labels = truth.copy()
    labels.iloc[:40] = ""  # a warm-up the detector could not label yet
    bars = BarArrays.from_frame(frame, "SYN", "1d")
    result = run_backtest("sma_cross", bars, regimes={"SYN": labels})
    table = regime_breakdown(result, {"SYN": labels})
    summary = regimes_summary(result, {"SYN": labels})
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert list(summary) == list(table.index)
    assert "unknown" in summary and set(summary) - {"unknown"} <= {"bull", "bear", "high_vol_chop", "low_vol_chop"}
    for regime, row in table.iterrows():
        assert list(summary[regime]) == list(table.columns)
        for key, value in row.items():
            got = summary[regime][key]
            if isinstance(value, float) and not math.isfinite(value):
                assert got is None
            else:
                assert got == value and type(got) in (int, float, str, bool)
    assert sum(r["bars"] for r in summary.values()) == len(frame) - 1
