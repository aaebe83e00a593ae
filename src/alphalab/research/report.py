"""Self-contained HTML pages for research runs: a summary table and plotly figures."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _rows(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.extend(_rows(v, key + "."))
        elif isinstance(v, float):
            out.append((key, f"{v:.6g}"))
        elif isinstance(v, list | tuple) and len(v) > 20:
            out.append((key, f"[{len(v)} items]"))
        else:
            out.append((key, json.dumps(v, default=str) if not isinstance(v, str) else v))
    return out


def write_html(path: str | Path, title: str, summary: Mapping[str, Any], figures: Sequence[Any] = ()) -> Path:
    """Write a page with ``summary`` flattened into a table and ``figures`` (plotly) below it."""
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _rows(summary))
    parts = [f"<h1>{html.escape(title)}</h1><table border='1'>{rows}</table>"]
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(include_plotlyjs=i == 0, full_html=False))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body>{''.join(parts)}</body></html>",
        encoding="utf-8",
    )
    return target
