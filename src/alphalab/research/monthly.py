"""Monthly reports: refresh the backtest of each chosen strategy, one report each plus an index page."""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from alphalab.research.mapping import BestConfigMapping, load_mapping


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One strategy configuration to report on."""

    strategy: str
    symbol: str
    timeframe: str
    params: dict[str, Any]


def _items(source: Any, symbols: Sequence[str], timeframe: str) -> list[ReportItem]:
    if isinstance(source, str | Path) and str(source).endswith(".json") and Path(source).exists():
        try:
            source = load_mapping(source)
        except Exception:
            source = [str(source)]  # an SDL file rather than a mapping
    if isinstance(source, BestConfigMapping):
        return [ReportItem(e.strategy_id, e.asset, e.timeframe, dict(e.parameters)) for e in source.entries]
    strategies = [source] if isinstance(source, str | Path) else list(source)
    return [ReportItem(str(s), sym, timeframe, {}) for s in strategies for sym in symbols]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Return a year x month table of compounded monthly returns of an equity curve."""
    eq = equity.dropna()
    month_end = eq.groupby([eq.index.year, eq.index.month]).last()
    first = eq.iloc[0] if len(eq) else float("nan")
    prev = month_end.shift(1)
    prev.iloc[0] = first
    rets = month_end / prev - 1.0
    rets.index = rets.index.set_names(["year", "month"])
    table = rets.unstack("month").reindex(columns=range(1, 13))
    table.columns = [calendar.month_abbr[m] for m in table.columns]
    yearly = eq.groupby(eq.index.year).last()
    table["Year"] = (yearly / yearly.shift(1).fillna(first) - 1.0).to_numpy()
    return table


def _monthly_table_html(equity: pd.Series) -> str:
    pct = monthly_returns(equity).map(lambda v: "" if v != v else f"{v * 100:.2f}%")
    return "<h2 id='monthly'>Month by month</h2>" + pct.to_html(classes="monthly", border=0)


def monthly_report(
    mapping_or_strategies: Any,
    out_dir: str | Path,
    *,
    symbols: Sequence[str] = ("sample:AAPL",),
    timeframe: str = "1d",
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Refresh each chosen strategy's backtest and write its report and an index page.

    Parameters
    ----------
    mapping_or_strategies
        A best-config mapping (object or file path), or strategy ids / SDL paths.
    out_dir
        Directory for ``index.html`` and one sub-directory per strategy configuration.
    symbols, timeframe
        Data for plain strategy ids (a mapping names its own).
    config
        BacktestConfig fields.

    Returns
    -------
    dict
        ``{"index": path, "reports": [{strategy, symbol, timeframe, path, win_rate, ...}]}``.
    """
    from alphalab.analytics import write_report
    from alphalab.analytics.metrics import compute_metrics
    from alphalab.research.engine_eval import EngineEvaluator

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ev = EngineEvaluator(config=dict(config or {}))
    rows = []
    for item in _items(mapping_or_strategies, symbols, timeframe):
        name = _slug(f"{Path(item.strategy).stem}_{item.symbol}_{item.timeframe}")
        row: dict[str, Any] = {"strategy": item.strategy, "symbol": item.symbol, "timeframe": item.timeframe}
        try:
            result = ev.run(item.strategy, item.params, item.symbol, item.timeframe, None)
            metrics = compute_metrics(result)
            path = write_report(result, out / name / "report.html", metrics=metrics)
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("</body>", _monthly_table_html(result.equity["equity"]) + "</body>", 1),
                            encoding="utf-8")
            row.update(status="ok", path=str(path), **{k: metrics[k] for k in
                       ("win_rate", "profit_factor", "max_drawdown", "sharpe", "total_return", "trades")})
        except Exception as exc:
            row.update(status="error", reason=f"{type(exc).__name__}: {exc}")
        rows.append(row)
    index = out / "index.html"
    index.write_text(_index_html(rows), encoding="utf-8")
    return {"index": str(index), "reports": rows}


def _index_html(rows: list[dict[str, Any]]) -> str:
    def cell(r: dict[str, Any], k: str, pct: bool) -> str:
        v = r.get(k)
        if not isinstance(v, int | float) or v != v:
            return "-"
        return f"{v * 100:.1f}%" if pct else f"{v:.2f}"

    body = []
    for r in rows:
        link = (f"<a href='{html.escape(str(Path(r['path']).parent.name))}/report.html'>report</a>"
                if r.get("status") == "ok" else html.escape(r.get("reason", "")))
        body.append(
            f"<tr><td>{html.escape(r['strategy'])}</td><td>{html.escape(r['symbol'])}</td><td>{r['timeframe']}</td>"
            f"<td>{cell(r, 'win_rate', True)}</td><td>{cell(r, 'profit_factor', False)}</td>"
            f"<td>{cell(r, 'max_drawdown', True)}</td><td>{cell(r, 'sharpe', False)}</td><td>{link}</td></tr>"
        )
    head = ("<tr><th>Strategy</th><th>Symbol</th><th>Timeframe</th><th>Win rate</th><th>Profit factor</th>"
            "<th>Max drawdown</th><th>Sharpe</th><th></th></tr>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Monthly report</title></head><body>"
            f"<h1>Monthly report</h1><table border='1'>{head}{''.join(body)}</table></body></html>")
