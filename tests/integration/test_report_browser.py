"""Open an HTML report in headless Chromium: every chart renders, no JavaScript error, works offline."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import plotly
import pytest

from alphalab.core.bars import BarArrays
from alphalab.core.records import TRADE_COLUMNS
from alphalab.testing.browser import chromium_or_skip

pytestmark = pytest.mark.browser


def _chromium() -> str:
    return chromium_or_skip()


def _bars(n: int) -> BarArrays:
    frames = {}
    for j, sym in enumerate(("AAA", "BBB")):
        rng = np.random.default_rng(10 + j)
        close = 50 * np.exp(np.cumsum(rng.normal(0.0005, 0.012, n)))
        open_ = np.r_[50.0, close[:-1]]
        idx = pd.date_range("2019-01-01", periods=n, freq="B", tz="UTC", name="time")
        frames[sym] = pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.004,
                                    "low": np.minimum(open_, close) * 0.996, "close": close,
                                    "volume": 1e5}, index=idx)
    return BarArrays.from_frames(frames, "1d")


def _trades(bars: BarArrays) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    idx = bars.index
    for j, sym in enumerate(bars.symbols):
        for i in range(10 + j, bars.n_bars - 12, 25):
            side = "long" if (i // 25) % 2 else "short"
            sign = 1 if side == "long" else -1
            e, x = bars.open[i, j], bars.open[i + 10, j]
            pnl = sign * (x - e) * 100 - 1.0
            rows.append({"strategy_id": "demo", "strategy_name": "Demo <Cross>", "symbol": sym, "timeframe": "1d",
                         "side": side, "entry_time": idx[i], "exit_time": idx[i + 10], "entry_price": e,
                         "exit_price": x, "quantity": 100.0, "fees": 1.0, "slippage": 0.0, "pnl": pnl,
                         "return_pct": pnl / (100 * e), "pnl_r": pnl / (2 * e), "mae": -0.01 - 0.001 * (i % 7),
                         "mfe": 0.02 + 0.001 * (i % 5), "bars_held": 10, "exit_reason": "signal",
                         "regime": "bull" if i % 2 else "bear"})
    trades = pd.DataFrame(rows).sort_values("exit_time").reset_index(drop=True)
    trades.insert(0, "id", np.arange(1, len(trades) + 1))
    return trades.loc[:, list(TRADE_COLUMNS)]


def _result(n: int = 700) -> SimpleNamespace:
    bars = _bars(n)
    trades = _trades(bars)
    realised = pd.Series(trades["pnl"].to_numpy(), index=pd.DatetimeIndex(trades["exit_time"]))
    cum = realised.groupby(level=0).sum().reindex(bars.index, fill_value=0.0).cumsum()
    equity = pd.DataFrame({"equity": 100_000 + cum.to_numpy(), "cash": 100_000 + cum.to_numpy(),
                           "exposure": 0.0}, index=bars.index)
    sma = pd.DataFrame(bars.close).rolling(20).mean().to_numpy()
    return SimpleNamespace(
        strategy_id="demo", strategy_name="Demo <Cross>", symbols=bars.symbols, timeframe=bars.timeframe,
        trades=trades, equity=equity, bars=bars, indicators={"sma_20": sma, "zscore": (bars.close - sma) / 5},
        config={"strategy": "demo", "params": {"fast": 10, "slow": 20}}, fill_timing="close",
        periods_per_year=252.0, run_hash="0123456789abcdef", data_hash="cafe", version="0.1.0",
    )


def _render(path: Path, shot: Path) -> dict[str, Any]:
    """Open a report offline in headless Chromium; return what rendered and every JavaScript error."""
    from playwright.sync_api import sync_playwright

    exe = _chromium()
    n_charts = path.read_text().count('class="plotly-graph-div"')
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
            page.route("http*://**", lambda route: route.abort())  # offline: any network request fails
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_charts}", timeout=60_000
            )
            rendered = page.evaluate(
                "Array.from(document.querySelectorAll('.plotly-graph-div')).map("
                "d => d.querySelectorAll('.main-svg').length > 0 && "
                "d.querySelectorAll('g.trace path, g.trace image, g.hm image').length > 0)"
            )
            out = {
                "n_charts": n_charts,
                "errors": errors,
                "rendered": rendered,
                "candles": page.evaluate("document.querySelectorAll('#chart-price-0 g.trace path').length"),
                "banner": page.locator("#fill-timing-warning").count() == 1
                and page.locator("#fill-timing-warning").is_visible(),
                "title": page.locator("header h1").inner_text(),
                "metric_cells": page.locator("td[data-key]").count(),
            }
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()
    return out


def test_report_renders_every_chart_without_javascript_errors(tmp_path: Path) -> None:
    from alphalab.analytics.report import write_report

    _chromium()
    result = _result()
    regimes = {"AAA": pd.Series(np.where(np.arange(700) // 90 % 2, "bull", "bear"), index=result.bars.index)}
    path = write_report(result, tmp_path / "report.html", regimes=regimes)
    text = path.read_text()
    # plotly.js is the folder's shared local copy, loaded by a relative path: never a CDN link
    assert re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", text) == [f"plotly-{plotly.__version__}.min.js"]
    assert re.search(r"<link[^>]*\bhref=", text) is None
    seen = _render(path, tmp_path / "report.png")
    assert seen["n_charts"] == 2 + 4  # one price chart per symbol, equity, monthly, distribution, MAE/MFE
    assert seen["errors"] == []
    assert seen["rendered"] == [True] * seen["n_charts"]
    assert seen["candles"] > 500  # 700 bars: one path per candle plus the lines and markers
    assert seen["banner"]
    assert seen["title"] == "Demo <Cross>"  # escaped in the HTML, shown verbatim
    assert seen["metric_cells"] == 34
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_engine_report_on_bundled_data_renders(tmp_path: Path) -> None:
    from alphalab.analytics import write_report
    from alphalab.data import load_arrays
    from alphalab.engine import run_backtest

    _chromium()
    bars = load_arrays(["sample:AAPL", "sample:MSFT"], "1d")
    result = run_backtest("sma_cross", bars)
    path = write_report(result, tmp_path / "engine.html")
    seen = _render(path, tmp_path / "engine.png")
    assert seen["errors"] == []
    assert seen["n_charts"] == 6 and seen["rendered"] == [True] * 6
    assert not seen["banner"]  # next_open fills: no warning
    assert seen["title"] == result.strategy_name
    assert seen["candles"] > 1000  # 3270 bars decimated to at most 1500 candles
