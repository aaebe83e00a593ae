"""A self-contained plotly chart of a regime series: price over shaded regime backgrounds.

The HTML embeds plotly.js (no CDN, so it opens offline). With filtered HMM probabilities the
chart gains a lower pane of stacked probabilities, one band per regime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.regimes.config import REGIME_LABELS, UNKNOWN

REGIME_COLOURS: dict[str, str] = {
    "bull": "#2ca02c",
    "bear": "#d62728",
    "high_vol_chop": "#ff7f0e",
    "low_vol_chop": "#1f77b4",
}


def regime_segments(labels: pd.Series) -> list[tuple[str, int, int]]:
    """Return the runs of one label as ``(label, first_bar, stop_bar)``; unknown bars are skipped."""
    lab = labels.to_numpy(dtype=object)
    if lab.size == 0:
        return []
    change = np.flatnonzero(lab[1:] != lab[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [lab.size]])
    return [(str(lab[a]), int(a), int(b)) for a, b in zip(starts, stops, strict=True) if lab[a] != UNKNOWN]


def _edges(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Return bar edges: each bar's time, then one bar length after the last bar."""
    step = index[-1] - index[-2] if len(index) > 1 else pd.Timedelta(days=1)
    return index.append(pd.DatetimeIndex([index[-1] + step]))


def _shapes(index: pd.DatetimeIndex, labels: pd.Series) -> list[dict[str, Any]]:
    edges = _edges(index)
    return [
        {"type": "rect", "xref": "x", "yref": "y domain", "x0": edges[a], "x1": edges[b], "y0": 0, "y1": 1,
         "fillcolor": REGIME_COLOURS.get(lab, "#7f7f7f"), "opacity": 0.18, "line": {"width": 0},
         "layer": "below"}
        for lab, a, b in regime_segments(labels)
    ]


def regime_figure(
    frame: pd.DataFrame, labels: pd.Series, *, proba: pd.DataFrame | None = None, title: str = "Regimes"
) -> Any:
    """Return a plotly Figure: close price over shaded regimes, probabilities below when given."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    index = pd.DatetimeIndex(frame.index)
    labels = labels.reindex(index).fillna(UNKNOWN)
    rows = 2 if proba is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.7, 0.3] if rows == 2 else [1.0])
    fig.add_trace(go.Scatter(x=index, y=frame["close"], mode="lines", name="close",
                             line={"color": "#222222", "width": 1.2}), row=1, col=1)
    for lab in REGIME_LABELS:  # legend entries for the shaded backgrounds
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=lab, legendgroup=lab,
                                 marker={"symbol": "square", "size": 12, "color": REGIME_COLOURS[lab]}),
                      row=1, col=1)
    if proba is not None:
        p = proba.reindex(index)
        for lab in REGIME_LABELS:
            fig.add_trace(go.Scatter(x=index, y=p[lab], mode="lines", stackgroup="proba", name=f"P({lab})",
                                     legendgroup=lab, showlegend=False, line={"width": 0.5},
                                     fillcolor=REGIME_COLOURS[lab], marker={"color": REGIME_COLOURS[lab]}),
                          row=2, col=1)
        fig.update_yaxes(title_text="filtered probability", range=[0, 1], row=2, col=1)
    fig.update_yaxes(title_text="close", row=1, col=1)
    fig.update_layout(title=title, shapes=_shapes(index, labels), template="plotly_white",
                      hovermode="x unified", height=650 if rows == 2 else 480)
    return fig


def write_regime_chart(
    path: Path, frame: pd.DataFrame, labels: pd.Series, *, proba: pd.DataFrame | None = None,
    title: str = "Regimes",
) -> Path:
    """Write the chart as one self-contained HTML file (plotly.js embedded); return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = regime_figure(frame, labels, proba=proba, title=title)
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
