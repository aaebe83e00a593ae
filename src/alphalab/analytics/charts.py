"""Plotly figures of a backtest report: candles with trades, equity, drawdown, heatmap, distributions.

Each function returns a ``plotly.graph_objects.Figure``; page assembly lives in ``report.py``.
Times are shown in UTC (the figures receive naive UTC timestamps, or milliseconds since the epoch
on date axes, so the browser never shifts them). Charts scale with the screen, not the data:
candles are merged to at most ``max_candles``, lines keep their min/max envelope in at most
``LINE_POINTS`` points, and every trade is drawn exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

LINE_POINTS = 4000
GREEN, RED, BLUE, GREY = "#1a9850", "#d73027", "#2c7fb8", "#7f7f7f"
REGIME_COLOURS = ("#4daf4a", "#e41a1c", "#ff7f00", "#377eb8", "#984ea3", "#a65628", "#f781bf", "#999999")
_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
}


def _naive(index: pd.Index) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(index)
    return idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx


def _epoch_ms(index: pd.Index) -> np.ndarray:
    """Return UTC times as float milliseconds since the epoch (plotly's numeric dates, sent as binary)."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return idx.as_unit("ns").asi8 / 1e6  # type: ignore[no-any-return]


def envelope(times_ms: np.ndarray, values: np.ndarray, max_points: int = LINE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Return a line thinned to its min/max envelope (see ``analytics.nb.envelope_nb``): (x, y)."""
    from alphalab.analytics.nb import envelope_nb

    y = np.ascontiguousarray(values, dtype=np.float64)
    pos = envelope_nb(y, max_points)
    return times_ms[pos], y[pos]


def decimate_bins(n: int, max_points: int) -> np.ndarray:
    """Return the start position of each bin when ``n`` bars are merged into at most ``max_points`` bins."""
    step = max(1, math.ceil(n / max(1, max_points)))
    return np.arange(0, n, step)


def decimate_ohlc(frame: pd.DataFrame, max_points: int) -> pd.DataFrame:
    """Merge consecutive bars so that at most ``max_points`` candles remain.

    Each merged candle takes the first open, the highest high, the lowest low and the last
    close of its bars and is labelled with its first bar's time; the high and low envelope of
    the series is kept exactly.
    """
    n = len(frame)
    starts = decimate_bins(n, max_points)
    if len(starts) == n:
        return frame
    out = pd.DataFrame(
        {
            "open": frame["open"].to_numpy()[starts],
            "high": np.fmax.reduceat(frame["high"].to_numpy(), starts),
            "low": np.fmin.reduceat(frame["low"].to_numpy(), starts),
            "close": frame["close"].to_numpy()[np.r_[starts[1:] - 1, n - 1]],
        },
        index=frame.index[starts],
    )
    return out


# Indicators by these name prefixes are oscillators or volumes, drawn in their own pane even when
# their values happen to sit near the price (an RSI of 50 on a stock trading at 50).
_PANE_PREFIXES = ("rsi", "stoch", "macd", "adx", "cci", "willr", "mfi", "roc", "mom", "atr", "obv", "zscore",
                  "cmo", "aroon", "natr", "volume", "trix", "ppo", "ultosc", "dx", "plus_di", "minus_di")


def is_price_overlay(name: str, values: np.ndarray, close: np.ndarray) -> bool:
    """Return True when an indicator lives on the price scale (moving averages, bands, stops).

    Known oscillators are never overlays; any other series is one when, bar by bar, it stays
    within 30% of the close (median relative distance).
    """
    if name.lower().startswith(_PANE_PREFIXES):
        return False
    ok = np.isfinite(values) & np.isfinite(close) & (close != 0)
    if not ok.any():
        return False
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.abs(values[ok] / close[ok] - 1.0)
    return bool(np.median(distance) < 0.3)


def _indicator_column(values: Any, j: int, n: int) -> np.ndarray | None:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[0] == n and j < arr.shape[1]:
        return arr[:, j]  # type: ignore[no-any-return]
    if arr.ndim == 1 and arr.shape[0] == n and j == 0:
        return arr
    return None


def _regime_shapes(regimes: pd.Series | None, start: pd.Timestamp, end: pd.Timestamp) -> list[dict[str, Any]]:
    if regimes is None or len(regimes) == 0:
        return []
    series = regimes.copy()
    series.index = _naive(series.index)
    series = series[(series.index >= start) & (series.index <= end)].astype(str)
    if series.empty:
        return []
    labels = sorted(set(series))
    colour = {lab: REGIME_COLOURS[i % len(REGIME_COLOURS)] for i, lab in enumerate(labels)}
    change = np.r_[True, series.to_numpy()[1:] != series.to_numpy()[:-1]]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], len(series)]
    shapes = []
    for a, b in zip(starts, ends, strict=True):
        x1 = series.index[b] if b < len(series) else end
        shapes.append(
            {
                "type": "rect", "xref": "x", "yref": "paper", "x0": series.index[a], "x1": x1,
                "y0": 0, "y1": 1, "fillcolor": colour[series.iloc[a]], "opacity": 0.10,
                "line": {"width": 0}, "layer": "below",
            }
        )
    return shapes


def _trade_markers(fig: go.Figure, trades: pd.DataFrame) -> None:
    if trades is None or len(trades) == 0:
        return
    entry_t = _epoch_ms(pd.to_datetime(trades["entry_time"], utc=True))
    exit_t = _epoch_ms(pd.to_datetime(trades["exit_time"], utc=True))
    sides = trades["side"].astype(str).to_numpy()
    ids = pd.to_numeric(trades["id"], errors="coerce").to_numpy(np.float64)  # numbers travel as binary
    for side, symbol, colour in (("long", "triangle-up", GREEN), ("short", "triangle-down", RED)):
        mask = sides == side
        if mask.any():
            fig.add_trace(
                go.Scatter(x=entry_t[mask], y=trades["entry_price"].to_numpy(np.float64)[mask], mode="markers",
                           name=f"{side} entry", customdata=ids[mask],
                           hovertemplate=f"#%{{customdata}} {side} entry<br>%{{x}}<br>%{{y}}<extra></extra>",
                           marker={"symbol": symbol, "size": 10, "color": colour,
                                   "line": {"width": 1, "color": "#222"}}),
                row=1, col=1,
            )
    custom = np.column_stack([ids, trades["pnl"].to_numpy(np.float64)])
    fig.add_trace(
        go.Scatter(x=exit_t, y=trades["exit_price"].to_numpy(np.float64), mode="markers", name="exit",
                   customdata=custom, text=trades["exit_reason"].astype(str).to_numpy(),
                   hovertemplate="#%{customdata[0]} exit: %{text}, pnl %{customdata[1]:,.2f}<br>%{x}<br>%{y}"
                   "<extra></extra>",
                   marker={"symbol": "x", "size": 8, "color": "#333", "line": {"width": 1}}),
        row=1, col=1,
    )


def candles_figure(
    bars: Any,
    symbol: str,
    indicators: Mapping[str, Any] | None = None,
    trades: pd.DataFrame | None = None,
    regimes: pd.Series | None = None,
    max_candles: int = 1500,
) -> go.Figure:
    """Return a candlestick chart of one symbol with indicators, trade markers and regime shading.

    Parameters
    ----------
    bars : BarArrays
        All bars of the result.
    symbol : str
        Which symbol to draw.
    indicators : mapping, optional
        Name -> (T, A) array. Series on the price scale are drawn over the candles, the others
        in a pane below.
    trades : DataFrame, optional
        This symbol's trades: entries as triangles (up long, down short), exits as crosses.
    regimes : Series, optional
        Regime label per time; contiguous runs shade the chart background.
    max_candles : int
        Longer series are merged into this many candles (see ``decimate_ohlc``).
    """
    j = bars.symbols.index(symbol)
    n = bars.n_bars
    frame = pd.DataFrame({c: getattr(bars, c)[:, j] for c in ("open", "high", "low", "close")},
                         index=_naive(bars.index))
    valid = np.isfinite(frame["close"].to_numpy())
    shown = decimate_ohlc(frame[valid], max_candles)
    overlay: dict[str, np.ndarray] = {}
    pane: dict[str, np.ndarray] = {}
    for name, values in (indicators or {}).items():
        col = _indicator_column(values, j, n)
        if col is None:
            continue
        (overlay if is_price_overlay(name, col, frame["close"].to_numpy()) else pane)[name] = col[valid]
    rows = 2 if pane else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        row_heights=[0.75, 0.25] if rows == 2 else [1.0])
    x = _epoch_ms(shown.index)
    fig.add_trace(go.Candlestick(x=x, open=shown["open"].to_numpy(), high=shown["high"].to_numpy(),
                                 low=shown["low"].to_numpy(), close=shown["close"].to_numpy(), name=symbol, increasing_line_color=GREEN,
                                 decreasing_line_color=RED), row=1, col=1)
    pos = decimate_bins(int(valid.sum()), max_candles)
    pos = np.r_[pos[1:] - 1, int(valid.sum()) - 1] if len(pos) < valid.sum() else pos
    for target, group in ((1, overlay), (2, pane)):
        for name, col in group.items():
            fig.add_trace(go.Scatter(x=x, y=col[pos], mode="lines", name=name,
                                     line={"width": 1.3}), row=target, col=1)
    _trade_markers(fig, trades if trades is not None else pd.DataFrame())
    if len(shown):
        fig.update_layout(shapes=_regime_shapes(regimes, shown.index[0], shown.index[-1]))
    fig.update_layout(**_LAYOUT, height=560 if rows == 2 else 460)
    fig.update_xaxes(rangeslider_visible=False, type="date")
    return fig


def equity_figure(equity: pd.Series, benchmark: pd.Series | None = None) -> go.Figure:
    """Return the equity curve (with the buy-and-hold benchmark) above its drawdown in percent.

    Each line keeps its min/max envelope in at most ``LINE_POINTS`` points, so the deepest
    drawdown and the highest high are drawn exactly however long the curve is.
    """
    from alphalab.analytics._returns import drawdown_series

    t = _epoch_ms(equity.index)
    values = equity.to_numpy(dtype=np.float64, na_value=np.nan)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=[0.7, 0.3])
    x, y = envelope(t, values)
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name="strategy",
                             line={"color": BLUE, "width": 1.8}), row=1, col=1)
    if benchmark is not None and len(benchmark):
        bx, by = envelope(_epoch_ms(benchmark.index), benchmark.to_numpy(dtype=np.float64, na_value=np.nan))
        fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", name="buy & hold",
                                 line={"color": GREY, "width": 1.2, "dash": "dot"}), row=1, col=1)
    dx, dd = envelope(t, -100.0 * drawdown_series(values))
    fig.add_trace(go.Scatter(x=dx, y=dd, mode="lines", name="drawdown %", fill="tozeroy",
                             line={"color": RED, "width": 1}), row=2, col=1)
    fig.update_layout(**_LAYOUT, height=480)
    fig.update_xaxes(type="date")
    fig.update_yaxes(title_text="equity", row=1, col=1)
    fig.update_yaxes(title_text="drawdown %", row=2, col=1)
    return fig


def monthly_heatmap_figure(table: pd.DataFrame) -> go.Figure:
    """Return a year x month heatmap of monthly returns in percent (green gains, red losses)."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    z = 100.0 * table.to_numpy(dtype=np.float64)
    text = [["" if not np.isfinite(v) else f"{v:.1f}%" for v in row] for row in z]
    finite = z[np.isfinite(z)]
    bound = float(np.max(np.abs(finite))) if finite.size else 1.0
    fig = go.Figure(go.Heatmap(z=z, x=months, y=[str(y) for y in table.index], text=text,
                               texttemplate="%{text}", colorscale="RdYlGn", zmid=0.0,
                               zmin=-bound, zmax=bound, hoverongaps=False,
                               colorbar={"title": {"text": "%"}}))
    fig.update_layout(**_LAYOUT, height=max(220, 60 + 34 * len(table)))
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def trade_distribution_figure(trades: pd.DataFrame) -> go.Figure:
    """Return histograms of trade pnl (quote currency) and of the R multiple side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Trade PnL", "Trade R multiple"))
    pnl = pd.to_numeric(trades.get("pnl", pd.Series(dtype=float)), errors="coerce").dropna()
    r_mult = pd.to_numeric(trades.get("pnl_r", pd.Series(dtype=float)), errors="coerce").dropna()
    fig.add_trace(go.Histogram(x=pnl.to_numpy(), name="pnl", marker_color=BLUE, nbinsx=40), row=1, col=1)
    fig.add_trace(go.Histogram(x=r_mult.to_numpy(), name="R", marker_color="#fdae61", nbinsx=40), row=1, col=2)
    fig.add_vline(x=0, line_dash="dash", line_color="#444", row=1, col=1)  # type: ignore[arg-type]
    fig.add_vline(x=0, line_dash="dash", line_color="#444", row=1, col=2)  # type: ignore[arg-type]
    fig.update_layout(**_LAYOUT, height=360, showlegend=False)
    return fig


def mae_mfe_figure(trades: pd.DataFrame) -> go.Figure:
    """Return a scatter of each trade's MAE (x) against its MFE (y), in percent, winners vs losers."""
    fig = go.Figure()
    if len(trades):
        pnl = pd.to_numeric(trades["pnl"], errors="coerce").to_numpy()
        labels = np.char.add("#", trades["id"].to_numpy().astype(str))
        for col in ("side", "symbol"):
            labels = np.char.add(np.char.add(labels, " "), trades[col].to_numpy().astype(str))
        for label, mask, colour in (("winners", pnl > 0, GREEN), ("losers", ~(pnl > 0), RED)):
            sub = trades[mask]
            fig.add_trace(go.Scatter(
                x=100.0 * pd.to_numeric(sub["mae"], errors="coerce").to_numpy(np.float64),
                y=100.0 * pd.to_numeric(sub["mfe"], errors="coerce").to_numpy(np.float64),
                mode="markers", name=label, marker={"color": colour, "size": 8, "opacity": 0.75},
                text=labels[mask],
                hovertemplate="%{text}<br>MAE %{x:.2f}%<br>MFE %{y:.2f}%<extra></extra>",
            ))
    fig.update_layout(**_LAYOUT, height=400,
                      xaxis_title="MAE % (adverse)", yaxis_title="MFE % (favourable)")
    return fig
