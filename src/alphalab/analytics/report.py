"""Page assembly of the HTML report, and its rebuild from a saved result.

plotly's JavaScript comes from the installed plotly package (no CDN, works offline): by default
one copy, ``plotly-<version>.min.js``, is shared by every report of a results folder (the
AlphaLab results root when the report lives under it, else the report's own folder) and each
page loads it by a relative path; ``plotlyjs="inline"`` embeds it in the page instead (one
self-contained file of about 5 MB more). Then one ``<div>`` per chart, the metrics, the
breakdowns, the trades and the configuration.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from alphalab.analytics._format import metrics_html, table_html

_CSS = """
* { box-sizing: border-box; }
body { margin: 0; font-family: Helvetica, Arial, sans-serif; color: #1f2933; background: #f4f6f8; }
header { background: #102a43; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px 0; font-size: 24px; }
header .meta { display: flex; flex-wrap: wrap; gap: 8px 28px; font-size: 13px; color: #d9e2ec; }
header .meta b { color: #fff; font-weight: 600; }
nav { background: #243b53; padding: 6px 32px; position: sticky; top: 0; z-index: 10; }
nav a { color: #d9e2ec; margin-right: 18px; font-size: 13px; text-decoration: none; }
nav a:hover { color: #fff; text-decoration: underline; }
main { padding: 18px 32px 40px; max-width: 1500px; margin: 0 auto; }
section { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.08);
          padding: 14px 18px; margin-bottom: 18px; }
section h2 { margin: 0 0 10px 0; font-size: 18px; color: #102a43; }
.banner { background: #fff3cd; border: 1px solid #e0b84c; color: #7a5900; padding: 10px 14px;
          border-radius: 6px; margin-bottom: 16px; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; }
.card { border: 1px solid #e4e7eb; border-radius: 6px; padding: 8px 12px; }
.card h3 { margin: 4px 0 6px; font-size: 14px; color: #486581; text-transform: uppercase; letter-spacing: .04em; }
table.kv { width: 100%; border-collapse: collapse; font-size: 13px; }
table.kv th { text-align: left; font-weight: normal; color: #52606d; padding: 3px 0; }
table.kv td { text-align: right; font-variant-numeric: tabular-nums; padding: 3px 0; }
.scroll { overflow-x: auto; max-height: 520px; overflow-y: auto; }
table.grid { border-collapse: collapse; font-size: 12px; width: 100%; }
table.grid th, table.grid td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; text-align: right;
                               white-space: nowrap; font-variant-numeric: tabular-nums; }
table.grid thead th { background: #f0f4f8; position: sticky; top: 0; }
table.grid tbody th { text-align: left; }
.bd { display: grid; grid-template-columns: 1fr; gap: 10px; }
.bd h3 { font-size: 14px; color: #486581; margin: 6px 0; }
pre.config { background: #f0f4f8; padding: 12px; border-radius: 6px; overflow: auto; font-size: 12px; max-height: 520px; }
.note { font-size: 12px; color: #7b8794; }
footer { text-align: center; font-size: 12px; color: #7b8794; padding: 10px; }
"""

_PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def _fig_div(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    # the figure was validated as it was built; its JSON form is taken as it is (to_html would
    # deep-copy every trace first)
    spec = fig.to_plotly_json()
    return str(pio.to_html(spec, full_html=False, include_plotlyjs=False, div_id=div_id, config=_PLOT_CONFIG,
                           validate=False))


def _period(result: Any) -> str:
    idx = result.equity.index
    if len(idx) == 0:
        return "no bars"
    return f"{idx[0]:%Y-%m-%d %H:%M} → {idx[-1]:%Y-%m-%d %H:%M} UTC ({len(idx):,} bars)"


def _header(result: Any) -> str:
    name = getattr(result, "strategy_name", "") or getattr(result, "strategy_id", "strategy")
    meta = {
        "Strategy id": getattr(result, "strategy_id", ""),
        "Symbols": ", ".join(result.symbols),
        "Timeframe": str(result.timeframe),
        "Period": _period(result),
        "Fill timing": str(getattr(result, "fill_timing", "")),
        "Run hash": str(getattr(result, "run_hash", ""))[:16],
    }
    items = "".join(f"<span>{html.escape(k)}: <b>{html.escape(str(v))}</b></span>" for k, v in meta.items())
    return f'<header><h1>{html.escape(str(name))}</h1><div class="meta">{items}</div></header>'


def _banner(result: Any) -> str:
    timing = getattr(result, "fill_timing", "next_open")
    if str(getattr(timing, "value", timing)).lower() != "close":
        return ""
    return (
        '<div class="banner" id="fill-timing-warning">Warning: orders in this backtest fill at the CLOSE of '
        "the signal bar (fill_timing = close). A live system cannot trade at a price it only learns when "
        "the bar has closed, so these results are optimistic; rerun with next_open fills before trusting them."
        "</div>"
    )


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{body}</section>'


def _chart_sections(result: Any, regimes: Mapping[str, pd.Series] | None) -> list[str]:
    from alphalab.analytics import charts
    from alphalab.analytics.breakdown import monthly_returns_table
    from alphalab.analytics.metrics import result_benchmark

    equity = result.equity["equity"]
    trades = result.trades
    sections = []
    for k, symbol in enumerate(result.symbols):
        own = trades[trades["symbol"] == symbol] if len(trades) else trades
        fig = charts.candles_figure(result.bars, symbol, getattr(result, "indicators", None) or {}, own,
                                    (regimes or {}).get(symbol))
        sections.append(_section(f"price-{k}", f"Price and trades: {symbol}", _fig_div(fig, f"chart-price-{k}")))
    sections.append(_section("equity", "Equity and drawdown",
                             _fig_div(charts.equity_figure(equity, result_benchmark(result)), "chart-equity")))
    sections.append(_section("monthly", "Monthly returns", _fig_div(
        charts.monthly_heatmap_figure(monthly_returns_table(equity)), "chart-monthly")))
    dist = _fig_div(charts.trade_distribution_figure(trades), "chart-dist")
    scatter = _fig_div(charts.mae_mfe_figure(trades), "chart-mae-mfe")
    sections.append(_section("trade-charts", "Trade results", dist + scatter))
    return sections


def _breakdown_section(result: Any) -> str:
    from alphalab.analytics.breakdown import breakdowns

    parts = [f"<div><h3>By {html.escape(name.replace('_', ' '))}</h3>{table_html(frame)}</div>"
             for name, frame in breakdowns(result).items()]
    return _section("breakdowns", "Breakdowns", '<div class="bd">' + "".join(parts) + "</div>")


_TRADE_ROWS = 1000


def _trades_section(trades: pd.DataFrame) -> str:
    shown = trades.drop(columns=[c for c in ("strategy_id", "strategy_name") if c in trades.columns])
    total = len(shown)
    shown = shown.head(_TRADE_ROWS)  # only the rows the page shows are formatted
    for col in ("entry_time", "exit_time"):
        if col in shown.columns and len(shown):
            shown[col] = pd.to_datetime(shown[col], utc=True).dt.strftime("%Y-%m-%d %H:%M")
    if len(shown) == 0:
        return _section("trades", "Trades", '<p class="note">No trades.</p>')
    note = (f'<p class="note">Showing the first {_TRADE_ROWS} of {total} rows (all rows are in the CSV export).</p>'
            if total > _TRADE_ROWS else "")
    return _section("trades", f"Trades ({total:,})", table_html(shown, index=False) + note)


def _config_section(config: Any) -> str:
    text = json.dumps(config, indent=2, sort_keys=False, default=str)
    return _section("config", "Configuration", f'<pre class="config">{html.escape(text)}</pre>')


def plotly_js_name() -> str:
    """Return the file name of the shared plotly.js: ``plotly-<version>.min.js``."""
    import plotly

    return f"plotly-{plotly.__version__}.min.js"


def shared_plotly_js(report: Path) -> Path:
    """Return where the plotly.js shared by ``report`` lives, writing it there if it is missing.

    The AlphaLab results root when ``report`` lies under it (one copy for every run), else the
    report's folder.
    """
    from plotly.offline import get_plotlyjs

    from alphalab import paths

    folder = report.parent.resolve()
    try:
        root = paths.results_dir().resolve()
        if folder.is_relative_to(root):
            folder = root
    except OSError:  # an unusable home: keep the script beside the report
        pass
    target = folder / plotly_js_name()
    if not target.exists():
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(get_plotlyjs(), encoding="utf-8")
        tmp.replace(target)
    return target


def build_report_html(
    result: Any, *, metrics: Mapping[str, float] | None = None, regimes: Mapping[str, pd.Series] | None = None,
    plotlyjs_src: str | None = None,
) -> str:
    """Return the report of a result as one HTML document.

    Parameters
    ----------
    result : BacktestResult
        Read by attribute (see ``write_report``).
    metrics : mapping, optional
        Precomputed metrics; computed with ``compute_metrics`` when omitted.
    regimes : mapping, optional
        Symbol -> Series of regime labels indexed by time; shades the price charts.
    plotlyjs_src : str, optional
        Relative URL of a shared plotly.js; None embeds plotly.js in the page.
    """
    from plotly.offline import get_plotlyjs

    from alphalab.analytics.metrics import compute_metrics

    values = dict(metrics) if metrics is not None else compute_metrics(result)
    charts = _chart_sections(result, regimes)
    nav_items = [("metrics", "Metrics"), ("price-0", "Price"), ("equity", "Equity"), ("monthly", "Monthly"),
                 ("trade-charts", "Trade results"), ("breakdowns", "Breakdowns"), ("trades", "Trades"),
                 ("config", "Configuration")]
    nav = "<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in nav_items) + "</nav>"
    title = html.escape(f"{getattr(result, 'strategy_name', '') or result.strategy_id} — AlphaLab report")
    body = [
        _header(result), nav, "<main>", _banner(result),
        _section("metrics", "Metrics", metrics_html(values)),
        *charts, _breakdown_section(result), _trades_section(result.trades),
        _config_section(getattr(result, "config", {})),
        "</main>",
        f'<footer>AlphaLab {html.escape(str(getattr(result, "version", "")))} · run '
        f'{html.escape(str(getattr(result, "run_hash", "")))} · data {html.escape(str(getattr(result, "data_hash", ""))[:16])}'
        "</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style>"
        + (f'<script type="text/javascript" src="{html.escape(plotlyjs_src)}"></script>' if plotlyjs_src
           else f'<script type="text/javascript">{get_plotlyjs()}</script>')
        + "</head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def write_report(
    result: Any,
    path: str | Path,
    *,
    metrics: Mapping[str, float] | None = None,
    regimes: Mapping[str, pd.Series] | None = None,
    plotlyjs: Literal["shared", "inline"] = "shared",
) -> Path:
    """Write the interactive HTML report of a backtest result and return its path.

    Parameters
    ----------
    result : BacktestResult
        Any object with ``strategy_id``, ``strategy_name``, ``symbols``, ``timeframe``,
        ``trades``, ``equity``, ``bars``, ``indicators``, ``config``, ``fill_timing`` and
        ``run_hash`` attributes.
    path : str or Path
        Target file; an existing directory receives ``report.html``. Parents are created.
    metrics : mapping, optional
        Precomputed metrics (else computed).
    regimes : mapping, optional
        Symbol -> Series of regime labels, shading the background of that symbol's chart.
    plotlyjs : {"shared", "inline"}
        ``shared`` (default): load the results folder's one copy of plotly.js (see
        ``shared_plotly_js``); ``inline``: embed it, for a page that travels alone.

    Returns
    -------
    Path
        The written file. The page works offline either way.
    """
    from alphalab.core.errors import ConfigError

    if plotlyjs not in ("shared", "inline"):
        raise ConfigError(f"plotlyjs must be 'shared' or 'inline', got {plotlyjs!r}", hint="use shared or inline")
    target = Path(path)
    if target.is_dir():
        target = target / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    src = None
    if plotlyjs == "shared":
        js = shared_plotly_js(target)
        src = Path(os.path.relpath(js, target.parent.resolve())).as_posix()
    text = build_report_html(result, metrics=metrics, regimes=regimes, plotlyjs_src=src)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


def report_from_saved(directory: str | Path, out: str | Path | None = None) -> Path:
    """Rebuild the HTML report of a result saved with ``BacktestResult.save``.

    Parameters
    ----------
    directory : str or Path
        The saved result's directory.
    out : str or Path, optional
        Target file (default ``<directory>/report.html``).
    """
    from alphalab.engine.result import BacktestResult

    result = BacktestResult.load(Path(directory))
    return write_report(result, Path(out) if out is not None else Path(directory) / "report.html")
