"""Analytics on real engine results from the bundled data (sma_cross on AAPL and MSFT, daily)."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
import pytest

from alphalab.analytics import METRIC_KEYS, breakdowns, compute_metrics, export, report_from_saved
from alphalab.analytics.metrics import buy_and_hold_equity


@pytest.fixture(scope="module")
def engine_result():
    from alphalab.data import load_arrays
    from alphalab.engine import BacktestConfig, run_backtest

    bars = load_arrays(["sample:AAPL", "sample:MSFT"], "1d", start="2005-01-01", end="2012-12-31")
    return run_backtest("sma_cross", bars, BacktestConfig(fee_bps=5.0))


def test_engine_metrics_agree_with_empyrical_on_the_result_equity(engine_result) -> None:
    m = compute_metrics(engine_result)
    assert tuple(m) == METRIC_KEYS
    eq = engine_result.equity["equity"]
    r = eq.pct_change().to_numpy()[1:]
    ppy = engine_result.periods_per_year
    assert ppy == 252
    assert m["sharpe"] == pytest.approx(empyrical.sharpe_ratio(r, annualization=252), rel=1e-9)
    assert m["max_drawdown"] == pytest.approx(-empyrical.max_drawdown(r), rel=1e-9)
    assert m["cagr"] == pytest.approx(empyrical.annual_return(r, annualization=252), rel=1e-9)
    b = buy_and_hold_equity(engine_result.bars, float(eq.iloc[0])).pct_change().to_numpy()[1:]
    alpha, beta = empyrical.alpha_beta(r, b, annualization=252)
    assert m["alpha"] == pytest.approx(alpha, rel=1e-9) and m["beta"] == pytest.approx(beta, rel=1e-9)
    trades = engine_result.trades
    assert m["trades"] == len(trades) > 0
    assert m["total_fees"] == pytest.approx(trades["fees"].sum()) and m["total_fees"] > 0
    assert m["expectancy"] == pytest.approx(trades["pnl"].mean())
    assert 0 < m["exposure"] < 1 and m["turnover"] > 0


def test_engine_breakdowns_partition_the_pnl(engine_result) -> None:
    out = breakdowns(engine_result)
    total = engine_result.trades["pnl"].sum()
    assert set(out["symbol"].index) <= {"sample:AAPL", "sample:MSFT"}
    for name in ("symbol", "year", "side", "exit_reason"):
        assert out[name]["pnl"].sum() == pytest.approx(total), name
    yearly = out["year"]["return"].dropna()
    eq = engine_result.equity["equity"]
    assert np.prod(1 + yearly.to_numpy()) - 1 == pytest.approx(eq.iloc[-1] / eq.iloc[0] - 1)


def test_saved_result_rebuilds_report_and_exports(engine_result, tmp_path) -> None:
    saved = engine_result.save(tmp_path / "result")
    report = report_from_saved(saved, tmp_path / "rebuilt.html")
    text = report.read_text()
    assert text.count('class="plotly-graph-div"') == 2 + 4
    assert engine_result.run_hash in text and "sample:AAPL, sample:MSFT" in text
    files = {p.name: p for p in export(engine_result, tmp_path / "export")}
    trades = pd.read_csv(files["trades.csv"])
    assert len(trades) == len(engine_result.trades)
    m = compute_metrics(engine_result)
    import json

    doc = json.loads(files["metrics.json"].read_text())["metrics"]
    assert all((doc[k] is None) == (not math.isfinite(v)) for k, v in m.items())
