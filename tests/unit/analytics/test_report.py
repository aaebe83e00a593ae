"""Report page assembly, charts and exports (the browser rendering is in tests/integration)."""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from alphalab.analytics import METRIC_KEYS, compute_metrics, export, write_report
from alphalab.analytics._format import format_metric
from alphalab.analytics.charts import candles_figure, decimate_ohlc
from alphalab.core.errors import ConfigError


def test_decimation_keeps_the_price_envelope() -> None:
    idx = pd.date_range("2020-01-01", periods=1003, freq="h", tz="UTC")
    rng = np.random.default_rng(0)
    close = 100 + np.cumsum(rng.normal(0, 1, 1003))
    frame = pd.DataFrame({"open": close + 0.1, "high": close + 1, "low": close - 1, "close": close}, index=idx)
    out = decimate_ohlc(frame, 100)
    assert len(out) <= 100
    assert out["high"].max() == frame["high"].max() and out["low"].min() == frame["low"].min()
    assert out["open"].iloc[0] == frame["open"].iloc[0] and out["close"].iloc[-1] == frame["close"].iloc[-1]
    assert out.index[1] == idx[11]  # ceil(1003 / 100) = 11 bars per candle
    assert out["close"].iloc[0] == frame["close"].iloc[10]
    assert decimate_ohlc(frame.head(50), 100) is not None and len(decimate_ohlc(frame.head(50), 100)) == 50


def test_candles_split_indicators_and_mark_every_trade(fake_result) -> None:
    trades = fake_result.trades[fake_result.trades["symbol"] == "AAA"]
    regimes = pd.Series(np.where(np.arange(fake_result.bars.n_bars) < 200, "bull", "bear"),
                        index=fake_result.bars.index)
    fig = candles_figure(fake_result.bars, "AAA", fake_result.indicators, trades, regimes, max_candles=150)
    by_name = {t.name: t for t in fig.data}
    assert len(by_name["AAA"].x) <= 150
    assert by_name["sma_20"].yaxis == "y" and by_name["rsi_14"].yaxis == "y2"  # oscillator in its own pane
    n_entries = sum(len(by_name[k].x) for k in ("long entry", "short entry") if k in by_name)
    assert n_entries == len(trades) and len(by_name["exit"].x) == len(trades)
    assert len(fig.layout.shapes) == 2  # two regime runs shade the background


def test_report_is_self_contained_with_header_banner_and_config(fake_result, tmp_path) -> None:
    fake_result.fill_timing = "close"
    fake_result.strategy_name = "SMA <b>Cross</b>"
    path = write_report(fake_result, tmp_path, plotlyjs="inline")
    assert path == tmp_path / "report.html"
    text = path.read_text()
    assert re.search(r"<script[^>]*\bsrc=", text) is None
    assert "Plotly" in text and len(text) > 3_000_000  # plotly.js is inlined
    assert "SMA &lt;b&gt;Cross&lt;/b&gt;" in text and "<b>Cross</b>" not in text
    assert 'id="fill-timing-warning"' in text
    assert "AAA, BBB" in text and "abc123def456" in text
    assert text.count('class="plotly-graph-div"') == 2 + 4
    assert "&quot;slow&quot;: 20" in text  # pretty JSON of the config
    m = compute_metrics(fake_result)
    assert format_metric("sharpe", m["sharpe"]) in text


def test_reports_of_one_results_folder_share_one_plotly_js(fake_result, tmp_path, monkeypatch) -> None:
    from alphalab.analytics.report import plotly_js_name

    monkeypatch.setenv("ALPHALAB_HOME", str(tmp_path / "home"))
    root = tmp_path / "home" / "results"
    a = write_report(fake_result, root / "run-a" / "report.html")
    b = write_report(fake_result, root / "run-b" / "report.html")
    js = root / plotly_js_name()
    assert js.stat().st_size > 3_000_000 and "Plotly" in js.read_text()[:100_000]
    assert sorted(p.name for p in root.rglob("*.js")) == [js.name]
    for page in (a, b):
        text = page.read_text()
        assert f'src="../{js.name}"' in text and len(text) < 1_000_000
        assert re.search(r"<script[^>]*\bsrc=\"https?:", text) is None  # never a CDN
    elsewhere = write_report(fake_result, tmp_path / "loose" / "r.html")
    assert f'src="{js.name}"' in elsewhere.read_text() and (tmp_path / "loose" / js.name).exists()


def test_long_curves_are_drawn_with_their_envelope_and_every_trade(fake_result) -> None:
    from alphalab.analytics.charts import LINE_POINTS, equity_figure

    idx = pd.date_range("2020-01-01", periods=200_003, freq="min", tz="UTC")
    rng = np.random.default_rng(1)
    eq = pd.Series(1e5 * np.cumprod(1 + rng.normal(0, 1e-3, len(idx))), index=idx)
    fig = equity_figure(eq, eq * 0.9)
    strategy, bench, dd = fig.data
    assert len(bench.y) <= LINE_POINTS + 2 and max(bench.y) == pytest.approx(0.9 * eq.max(), rel=1e-15)
    assert len(strategy.y) <= LINE_POINTS + 2 and len(dd.y) <= LINE_POINTS + 2
    assert max(strategy.y) == eq.max() and min(strategy.y) == eq.min()
    assert strategy.y[0] == eq.iloc[0] and strategy.y[-1] == eq.iloc[-1]
    deepest = 100 * (1 - eq / eq.cummax()).max()
    assert min(dd.y) == pytest.approx(-deepest, rel=1e-12)
    assert list(strategy.x) == sorted(strategy.x)


def test_report_without_close_fills_has_no_banner(fake_result, tmp_path) -> None:
    text = write_report(fake_result, tmp_path / "sub" / "r.html", metrics=compute_metrics(fake_result)).read_text()
    assert 'id="fill-timing-warning"' not in text


def test_report_with_no_trades_still_renders_all_sections(fake_result, tmp_path) -> None:
    fake_result.trades = fake_result.trades.iloc[0:0]
    fake_result.equity = fake_result.equity.assign(equity=100_000.0, exposure=0.0)
    text = write_report(fake_result, tmp_path / "r.html").read_text()
    assert "No trades." in text and text.count('class="plotly-graph-div"') == 6


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [("sharpe", 1.234, "1.23"), ("max_drawdown", 0.25, "25.00%"), ("expectancy_r", 0.5, "+0.50 R"),
     ("profit_factor", math.inf, "∞"), ("cagr", math.nan, "—"), ("trades", 12.0, "12"),
     ("max_drawdown_duration_days", 40.0, "40 days")],
)
def test_metric_formatting(key: str, value: float, text: str) -> None:
    assert format_metric(key, value) == text


def test_export_round_trips_metrics_trades_and_equity(fake_result, tmp_path) -> None:
    paths = export(fake_result, tmp_path / "out")
    written = {p.name: p for p in paths}
    assert all(p.parent == tmp_path / "out" and p.exists() for p in paths)
    metrics = compute_metrics(fake_result)
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert doc["meta"]["run_hash"] == "abc123def456" and doc["meta"]["symbols"] == ["AAA", "BBB"]
    assert list(doc["metrics"]) == list(METRIC_KEYS)
    for k, v in metrics.items():
        assert (doc["metrics"][k] is None) if not math.isfinite(v) else doc["metrics"][k] == pytest.approx(v)
    with (tmp_path / "out" / "metrics.csv").open() as fh:
        rows = {r["metric"]: float(r["value"]) for r in csv.DictReader(fh)}
    assert rows["sharpe"] == metrics["sharpe"]
    trades = pd.read_csv(written["trades.csv"])
    assert len(trades) == len(fake_result.trades)
    assert trades["pnl"].to_numpy() == pytest.approx(fake_result.trades["pnl"].to_numpy())
    equity = pd.read_csv(written["equity.csv"], index_col="time", parse_dates=True)
    assert equity.index.equals(fake_result.equity.index)
    tj = json.loads(written["trades.json"].read_text())
    assert tj[0]["entry_time"] == fake_result.trades["entry_time"].iloc[0].isoformat()
    ej = json.loads(written["equity.json"].read_text())
    assert len(ej) == len(fake_result.equity) and set(ej[0]) == {"time", "equity", "cash", "exposure"}
    assert "breakdown_symbol.csv" in written


def test_export_single_format_and_unknown_format(fake_result, tmp_path) -> None:
    written = {p.name for p in export(fake_result, tmp_path, formats=("json",))}
    assert written == {"metrics.json", "trades.json", "equity.json"}
    with pytest.raises(ConfigError, match="xml"):
        export(fake_result, tmp_path, formats=("xml",))
