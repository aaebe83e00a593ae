"""What a portfolio run reports: metrics, attribution, risk events; CSV/JSON exports of the tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alphalab.portfolio.backtest import PortfolioResult


def portfolio_summary(result: PortfolioResult) -> dict[str, Any]:
    """Return a JSON-ready summary: portfolio metrics, attribution by sleeve and symbol, risk events."""
    from alphalab.analytics.metrics import compute_metrics

    by_sleeve = result.attribution("sleeve")
    by_symbol = result.attribution("symbol")
    return {
        "name": result.spec.name,
        "capital": result.spec.capital,
        "currency": result.spec.currency,
        "sleeves": list(result.columns["sleeve"].unique()),
        "weights": result.weights,
        "final_equity": result.run.final_equity,
        "trades": len(result.trades),
        "metrics": compute_metrics(result.run),
        "by_sleeve": {str(k): {c: _plain(v) for c, v in row.items()} for k, row in by_sleeve.iterrows()},
        "by_symbol": {str(k): {c: _plain(v) for c, v in row.items()} for k, row in by_symbol.iterrows()},
        "risk_events": result.risk_event_counts(),
        "max_heat": float(result.heat.max()) if len(result.heat) else None,
        "bars_halted": int((result.halted > 0).sum()),
        "notes": list(result.notes),
        "correlation_warnings": _warnings(result),
    }


def _warnings(result: PortfolioResult) -> list[dict[str, Any]]:
    """Sleeve pairs whose rolling correlation (of their mark-to-market contributions) crossed the threshold."""
    from alphalab.portfolio.allocate import correlation_warnings
    from alphalab.portfolio.risk_inputs import portfolio_inputs

    if len(result.spec.sleeves) < 2:
        return []
    _ret, contrib, _w = portfolio_inputs(result)
    spec = result.spec.allocation
    table = correlation_warnings(contrib, spec.correlation_window, spec.correlation_warning)
    return [{"time": str(r.time), "a": r.a, "b": r.b, "correlation": r.correlation} for r in table.itertuples()]


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def export_portfolio(result: PortfolioResult, out_dir: str | Path) -> list[Path]:
    """Write summary.json and the equity, trades, books, net positions, risk events and attribution CSVs."""
    from alphalab.cli._common import to_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    equity = result.equity.assign(heat=result.heat, halted=result.halted)
    tables = {"equity": equity, "trades": result.trades, "books": result.books, "net_positions": result.net_positions,
              "risk_events": result.risk_events, "by_sleeve": result.attribution("sleeve"),
              "by_symbol": result.attribution("symbol")}
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=name not in ("trades", "risk_events"))
        paths.append(path)
    summary = out / "summary.json"
    summary.write_text(to_json(portfolio_summary(result)) + "\n", encoding="utf-8")
    (out / "portfolio.json").write_text(json.dumps(result.spec.model_dump(mode="json"), indent=2) + "\n",
                                        encoding="utf-8")
    return [summary, *paths]
