"""Self-contained HTML pages for research runs: a summary table and plotly figures."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _section(title: str, value: Any) -> str:
    """One part of a page: a key/value table, a table of records, or a nested section."""
    head = f"<h2>{html.escape(title)}</h2>" if title else ""
    if isinstance(value, Mapping):
        flat = [(k, v) for k, v in value.items() if not isinstance(v, Mapping | list | tuple)]
        nested = [(k, v) for k, v in value.items() if isinstance(v, Mapping | list | tuple)]
        return head + (_kv_table(flat) if flat else "") + "".join(_section(str(k), v) for k, v in nested)
    if isinstance(value, list | tuple) and value and all(isinstance(r, Mapping) for r in value):
        cols = list(dict.fromkeys(k for r in value for k in r))
        header = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{_cell(c, _flat(r.get(c)))}</td>" for c in cols) + "</tr>"
                       for r in value[:500])
        return f"{head}<table><tr>{header}</tr>{body}</table>"
    if isinstance(value, list | tuple):
        shown = f"[{len(value)} values]" if len(value) > 20 else json.dumps(list(value), default=str)
        return head + f"<p>{html.escape(shown)}</p>"
    return head + f"<p>{_cell(title, value)}</p>"


def _flat(v: Any) -> Any:
    return json.dumps(v, default=str) if isinstance(v, Mapping | list | tuple) else v


def write_html(path: str | Path, title: str, summary: Mapping[str, Any], figures: Sequence[Any] = ()) -> Path:
    """Write a page with ``summary`` as readable tables (records as rows) and ``figures`` (plotly) below."""
    parts = [f"<h1>{html.escape(title)}</h1>", _section("", summary)]
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(include_plotlyjs=i == 0, full_html=False))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>",
        encoding="utf-8",
    )
    return target


_PCT = ("total_return", "cagr", "annual_volatility", "max_drawdown", "win_rate", "exposure", "probability_of_ruin",
        "is_annual_return", "oos_annual_return", "mean_max_drawdown", "ruin_drawdown")
_SHOWN = ("sharpe", "total_return", "cagr", "max_drawdown", "win_rate", "profit_factor", "trades", "sortino")
_CSS = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .7em;"
        "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
        ".note{color:#555;font-size:.92em;max-width:60em}")


def _cell(name: str, v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return html.escape("-" if v is None else str(v))
    if v != v:
        return "-"
    if name in _PCT:
        return f"{v * 100:.2f}%"
    if name in ("trades", "fold", "paths", "trials", "entries", "runs", "ok") or isinstance(v, int):
        return f"{round(v):d}"
    return f"{v:.4g}"


def _kv_table(rows: Sequence[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_cell(k, v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _choice_table(res: Any) -> str:
    picks = [("best trial", res.best, False), ("stable-region centre", res.stable, True)]
    picks = [(label, i, s) for label, i, s in picks if i >= 0]
    if not picks:
        return "<p><b>No trial was feasible</b> (every trial failed or broke a constraint).</p>"
    head = "<tr><th></th>" + "".join(f"<th>{html.escape(p)}</th>" for p in res.params)
    head += "".join(f"<th>{m}</th>" for m in _SHOWN) + "</tr>"
    body = ""
    for label, i, stable in picks:
        params = res.best_params(stable=stable)
        metrics = res.metrics_of(i)
        body += f"<tr><td>{label}</td>" + "".join(f"<td>{_cell(p, params.get(p))}</td>" for p in res.params)
        body += "".join(f"<td>{_cell(m, metrics.get(m))}</td>" for m in _SHOWN) + "</tr>"
    return f"<table>{head}{body}</table>"


def _heatmap(res: Any, space: Any) -> Any:
    import pandas as pd
    import plotly.graph_objects as go

    names = [n for n in res.params if len(space.params[n].grid_values()) > 1] if space is not None else []
    if len(names) < 2 or not len(res.trials):
        return None
    metric = f"m_{res.objectives[0].metric}"
    data = res.trials.assign(**{metric: pd.to_numeric(res.trials[metric], errors="coerce")})
    pivot = data.pivot_table(index=f"p_{names[1]}", columns=f"p_{names[0]}", values=metric, aggfunc="mean")
    fig = go.Figure(go.Heatmap(z=pivot.to_numpy(), x=[str(c) for c in pivot.columns],
                               y=[str(i) for i in pivot.index], colorscale="RdYlGn",
                               colorbar={"title": res.objectives[0].metric}))
    fig.update_layout(title=f"{res.objectives[0].metric} over {names[0]} x {names[1]} (other parameters averaged)",
                      xaxis_title=names[0], yaxis_title=names[1], height=520)
    return fig


def write_optimization_report(path: str | Path, strategy: str, symbol: str, timeframe: str, res: Any,
                              space: Any = None) -> Path:
    """Write the optimisation page: chosen parameters, heatmap, overfitting statistics explained."""
    over = dict(res.overfitting)
    ok = int((res.trials["status"] == "ok").sum()) if "status" in res.trials else len(res.trials)
    dsr, pbo = over.get("dsr"), over.get("pbo")
    title = f"Optimisation of {strategy} on {symbol} ({timeframe})"
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(res.trials)} trials ({ok} succeeded, {res.n_evaluated} evaluated in this run, {res.n_cached} "
        f"found in the store) in {res.seconds:.1f} s; objective "
        f"{html.escape(', '.join(f'{o.metric} ({o.direction})' for o in res.objectives))}"
        + (f"; constraints {html.escape(', '.join(str(c) for c in res.constraints))}" if res.constraints else "")
        + ".</p>",
        "<h2>Chosen parameters</h2>", _choice_table(res),
        "<p class='note'><b>Stable region.</b> The best trial can be a lucky spike. Each trial is also scored "
        "by the mean objective of its grid neighbours; the stable-region centre is the trial with the best "
        "neighbourhood score, which is what walk-forward and the fitness matrix use. When the two rows "
        "above differ a lot, the optimum is fragile.</p>",
    ]
    fig = _heatmap(res, space)
    if fig is not None:
        parts += ["<h2>Objective over the two main parameters</h2>",
                  fig.to_html(include_plotlyjs=True, full_html=False)]
    parts += [
        "<h2>Overfitting statistics</h2>",
        _kv_table([("Deflated Sharpe Ratio (DSR)", dsr), ("SR0 (expected best Sharpe of noise, per bar)",
                                                          over.get("sr0")),
                   ("Probability of backtest overfitting (PBO)", pbo), ("distinct trials", over.get("n_trials"))]),
        "<p class='note'><b>DSR</b> (Bailey &amp; López de Prado, 2014) is the probability that the best "
        "trial's true Sharpe ratio is above zero after accounting for how many trials were tried and for the "
        "skew and fat tails of its returns: above 0.95 is convincing, below 0.5 means the best Sharpe is what "
        "the search would find in noise. <b>PBO</b> (Bailey et al., 2015, CSCV over 16 blocks) is the share of "
        "in-sample / out-of-sample splits where the in-sample winner ranks in the bottom half out of sample: "
        "near 0 is good, 0.5 or more means the selection is no better than chance.</p>",
    ]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                      f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>", encoding="utf-8")
    return target
