"""Formatting of metrics and tables for the HTML report (no plotly, no I/O)."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

PERCENT = frozenset({
    "total_return", "cagr", "annual_volatility", "max_drawdown", "ulcer_index", "win_rate", "exposure",
    "best_trade", "worst_trade", "var_95", "cvar_95", "alpha",
})
R_MULTIPLE = frozenset({"expectancy_r", "avg_win_r", "avg_loss_r"})
CURRENCY = frozenset({"expectancy", "total_fees"})
COUNT = frozenset({"trades", "max_consecutive_wins", "max_consecutive_losses"})

METRIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Returns", ("total_return", "cagr", "annual_volatility", "sharpe", "sortino", "calmar", "mar")),
    ("Risk", ("max_drawdown", "max_drawdown_duration_days", "ulcer_index", "var_95", "cvar_95",
              "tail_ratio", "skew", "kurtosis")),
    ("Trades", ("trades", "win_rate", "profit_factor", "expectancy", "expectancy_r", "avg_win_r",
                "avg_loss_r", "payoff_ratio", "best_trade", "worst_trade", "max_consecutive_wins",
                "max_consecutive_losses", "avg_bars_held", "total_fees")),
    ("Activity and benchmark", ("exposure", "turnover", "alpha", "beta", "information_ratio")),
)

LABELS = {
    "cagr": "CAGR", "mar": "MAR", "var_95": "VaR 95%", "cvar_95": "CVaR 95%",
    "max_drawdown_duration_days": "Max drawdown duration", "expectancy_r": "Expectancy (R)",
    "avg_win_r": "Avg win (R)", "avg_loss_r": "Avg loss (R)", "information_ratio": "Information ratio",
}


def label(key: str) -> str:
    """Return the display name of a metric key."""
    return LABELS.get(key, key.replace("_", " ").capitalize())


def format_metric(key: str, value: float | None) -> str:
    """Return a metric as text: percentages, R multiples, currency, counts, days; NaN as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if key in PERCENT:
        return f"{100 * v:.2f}%"
    if key in R_MULTIPLE:
        return f"{v:+.2f} R"
    if key in CURRENCY:
        return f"{v:,.2f}"
    if key in COUNT:
        return f"{v:,.0f}"
    if key == "max_drawdown_duration_days":
        return f"{v:,.0f} days"
    if key == "avg_bars_held":
        return f"{v:,.1f} bars"
    if key == "turnover":
        return f"{v:.2f}x / yr"
    return f"{v:.2f}"


def metrics_html(metrics: dict[str, float]) -> str:
    """Return the metrics as grouped HTML tables (one card per group)."""
    cards = []
    for title, keys in METRIC_GROUPS:
        rows = "".join(
            f'<tr><th>{html.escape(label(k))}</th><td class="num" data-key="{k}">'
            f"{html.escape(format_metric(k, metrics.get(k)))}</td></tr>"
            for k in keys
            if k in metrics
        )
        cards.append(f'<div class="card"><h3>{html.escape(title)}</h3><table class="kv">{rows}</table></div>')
    return '<div class="cards">' + "".join(cards) + "</div>"


def _number(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _cells(col: pd.Series) -> list[str]:
    """Return one column as escaped cell texts: floats with 4 significant decimals, missing as an em dash."""
    if pd.api.types.is_float_dtype(col.dtype):
        values = col.to_numpy(np.float64, na_value=np.nan)
        return ["—" if v != v else _number(v) for v in values.tolist()]
    missing = col.isna().to_numpy()
    texts = col.astype(str).tolist()
    return ["—" if m else html.escape(t) for t, m in zip(texts, missing.tolist(), strict=True)]


def table_html(frame: pd.DataFrame, *, max_rows: int | None = None, index: bool = True) -> str:
    """Return a DataFrame as an escaped HTML table, floats with 4 significant decimals.

    Written column by column (one formatting pass per column, no per-cell pandas machinery).
    """
    note = ""
    if max_rows is not None and len(frame) > max_rows:
        note = f'<p class="note">Showing the first {max_rows} of {len(frame)} rows (all rows are in the CSV export).</p>'
        frame = frame.head(max_rows)
    head = [f"<th>{html.escape(str(c))}</th>" for c in frame.columns]
    columns = [_cells(frame[c]) for c in frame.columns] if len(frame.columns) else []
    rows = [""] * len(frame)
    if index:
        name = "" if frame.index.name is None else html.escape(str(frame.index.name))
        head.insert(0, f"<th>{name}</th>")
        rows = [f"<th>{html.escape(str(v))}</th>" for v in frame.index]
    for col in columns:
        rows = [f"{r}<td>{c}</td>" for r, c in zip(rows, col, strict=True)]
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    table = f'<table class="grid"><thead><tr>{"".join(head)}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>{note}'
