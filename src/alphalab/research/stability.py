"""Stable regions of a parameter grid: neighbourhood-averaged scores, heatmaps, robust selection.

A trial's *neighbourhood score* is the mean objective over its cell and the adjacent cells of the
grid (every parameter one grid step up or down, ``radius`` steps in general); missing or failed
cells are ignored. Choosing the best neighbourhood score picks the centre of the best stable
region instead of a lone spike. A trial's *stability* is its neighbourhood score divided by its own
score, clipped to [0, 1] (1 = its neighbours do as well as it does).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd


def _axes(table: pd.DataFrame, params: Sequence[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    axes, codes = [], []
    for p in params:
        col = table[p]
        try:
            values = np.array(sorted(col.dropna().unique()))
        except TypeError:  # mixed types: order by text
            values = np.array(sorted(col.dropna().unique(), key=str), dtype=object)
        axes.append(values)
        lookup = {v: i for i, v in enumerate(values.tolist())}
        codes.append(np.array([lookup.get(v, -1) for v in col.tolist()], dtype=np.int64))
    return axes, codes


def neighbourhood_scores(
    table: pd.DataFrame, params: Sequence[str], value: str, *, radius: int = 1, mask: np.ndarray | None = None
) -> np.ndarray:
    """Return, for every row, the mean of ``value`` over its grid neighbourhood.

    Parameters
    ----------
    table
        Trial table with one column per parameter and the ``value`` column.
    params
        The parameter columns that span the grid.
    value
        Column to average (larger is better; negate a minimised metric first).
    radius
        Neighbourhood half-width in grid steps along each parameter.
    mask
        Rows allowed to contribute (e.g. feasible trials); others count as missing.
    """
    if not params:
        return pd.to_numeric(table[value], errors="coerce").to_numpy(float)
    axes, codes = _axes(table, params)
    shape = tuple(len(a) for a in axes)
    vals = pd.to_numeric(table[value], errors="coerce").to_numpy(float)
    if mask is not None:
        vals = np.where(mask, vals, np.nan)
    grid_sum = np.zeros(shape)
    grid_cnt = np.zeros(shape)
    idx = tuple(codes)
    good = ~np.isnan(vals)
    np.add.at(grid_sum, tuple(c[good] for c in idx), vals[good])
    np.add.at(grid_cnt, tuple(c[good] for c in idx), 1.0)
    pad = [(radius, radius)] * len(shape)
    ps, pc = np.pad(grid_sum, pad), np.pad(grid_cnt, pad)
    tot_s, tot_c = np.zeros(shape), np.zeros(shape)
    for shift in itertools.product(range(2 * radius + 1), repeat=len(shape)):
        sl = tuple(slice(s, s + n) for s, n in zip(shift, shape, strict=True))
        tot_s += ps[sl]
        tot_c += pc[sl]
    with np.errstate(invalid="ignore", divide="ignore"):
        smooth = tot_s / tot_c
    return smooth[idx]  # type: ignore[no-any-return]


def stability(raw: np.ndarray, smooth: np.ndarray) -> np.ndarray:
    """Return neighbourhood score / own score clipped to [0, 1] (0 when the own score is not positive)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(raw > 0, smooth / raw, 0.0)
    return np.clip(np.nan_to_num(ratio), 0.0, 1.0)  # type: ignore[no-any-return]


def select_stable(
    table: pd.DataFrame,
    params: Sequence[str],
    value: str,
    *,
    direction: str = "max",
    radius: int = 1,
    mask: np.ndarray | None = None,
) -> int:
    """Return the row index of the centre of the best stable region (-1 when no row qualifies)."""
    sign = 1.0 if direction == "max" else -1.0
    signed = table.assign(__v=sign * pd.to_numeric(table[value], errors="coerce"))
    smooth = neighbourhood_scores(signed, params, "__v", radius=radius, mask=mask)
    if mask is not None:
        smooth = np.where(mask, smooth, np.nan)
    if np.all(np.isnan(smooth)):
        return -1
    # neighbourhoods that tie (on a small grid they may all cover the whole grid) go to the best trial
    own = signed["__v"].to_numpy(float)
    ties = np.flatnonzero(np.isclose(smooth, np.nanmax(smooth), rtol=1e-9, atol=0.0))
    return int(ties[np.argmax(np.where(np.isnan(own[ties]), -np.inf, own[ties]))])


def heatmap_html(
    table: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    path: Path,
    *,
    title: str | None = None,
    smooth: bool = False,
    params: Sequence[str] | None = None,
) -> Path:
    """Write a self-contained plotly heatmap of ``value`` over parameters ``x`` and ``y``.

    Other parameters are averaged out. With ``smooth`` the neighbourhood score over ``params``
    (default ``[x, y]``) is drawn instead of the raw value.
    """
    import plotly.graph_objects as go

    data = table.copy()
    if smooth:
        data[value] = neighbourhood_scores(data, list(params or [x, y]), value)
    data[value] = pd.to_numeric(data[value], errors="coerce")
    pivot = data.pivot_table(index=y, columns=x, values=value, aggfunc="mean")
    fig = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(),
            x=[str(c) for c in pivot.columns],
            y=[str(i) for i in pivot.index],
            colorscale="RdYlGn",
            colorbar={"title": value},
        )
    )
    fig.update_layout(title=title or f"{value} by {x} and {y}", xaxis_title=x, yaxis_title=y)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)
    return path
