"""JSON and CSV exports of a backtest's metrics, trades, equity curve and breakdowns."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FORMATS = ("json", "csv")


def _clean(value: Any) -> Any:
    """Return a JSON-safe value: NaN and infinities become None, NumPy scalars Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _frame_records(frame: pd.DataFrame, index_label: str | None) -> list[dict[str, Any]]:
    out = frame.reset_index(names=index_label) if index_label else frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(lambda t: None if pd.isna(t) else pd.Timestamp(t).isoformat())
    return [_clean(dict(zip(out.columns, row, strict=True))) for row in out.itertuples(index=False)]


def _write_json(path: Path, payload: Any) -> Path:
    path.write_text(json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8")
    return path


def _meta(result: Any) -> dict[str, Any]:
    return _clean({
        "strategy_id": getattr(result, "strategy_id", ""),
        "strategy_name": getattr(result, "strategy_name", ""),
        "symbols": list(getattr(result, "symbols", ())),
        "timeframe": str(getattr(result, "timeframe", "")),
        "fill_timing": str(getattr(getattr(result, "fill_timing", ""), "value", getattr(result, "fill_timing", ""))),
        "run_hash": str(getattr(result, "run_hash", "")),
        "data_hash": str(getattr(result, "data_hash", "")),
    })


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        from alphalab.core.errors import ConfigError

        raise ConfigError(f"unknown export format(s): {', '.join(unknown)}", hint="use json and/or csv")
    return chosen


def export(
    result: Any,
    directory: str | Path,
    formats: Iterable[str] = FORMATS,
    *,
    metrics: Mapping[str, float] | None = None,
) -> list[Path]:
    """Write a result's metrics, trades, equity curve and breakdowns as JSON and/or CSV files.

    Parameters
    ----------
    result : BacktestResult
        Read by attribute (``trades``, ``equity`` and what ``compute_metrics`` needs).
    directory : str or Path
        Output directory, created when missing.
    formats : iterable of str
        Any of ``"json"`` and ``"csv"``.
    metrics : mapping, optional
        Precomputed metrics (else ``compute_metrics(result)``).

    Returns
    -------
    list[Path]
        The written files, in this order. JSON: ``metrics.json`` (``{"meta": ..., "metrics":
        ...}``, NaN and infinities as null), ``trades.json`` and ``equity.json`` (lists of records,
        ISO-8601 UTC times). CSV: ``metrics.csv`` (metric, value), ``trades.csv``, ``equity.csv``
        and one ``breakdown_<name>.csv`` per breakdown.
    """
    from alphalab.analytics.breakdown import breakdowns
    from alphalab.analytics.metrics import compute_metrics

    chosen = _check_formats(formats)
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    values = dict(metrics) if metrics is not None else compute_metrics(result)
    trades, equity = result.trades, result.equity
    written: dict[str, Path] = {}
    if "json" in chosen:
        written["metrics.json"] = _write_json(out_dir / "metrics.json", {"meta": _meta(result), "metrics": _clean(values)})
        written["trades.json"] = _write_json(out_dir / "trades.json", _frame_records(trades, None))
        written["equity.json"] = _write_json(out_dir / "equity.json", _frame_records(equity, "time"))
    if "csv" in chosen:
        path = out_dir / "metrics.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["metric", "value"])
            writer.writerows([k, repr(float(v))] for k, v in values.items())
        written["metrics.csv"] = path
        trades.to_csv(out_dir / "trades.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
        written["trades.csv"] = out_dir / "trades.csv"
        equity.to_csv(out_dir / "equity.csv", index_label="time", date_format="%Y-%m-%dT%H:%M:%S%z")
        written["equity.csv"] = out_dir / "equity.csv"
        for name, frame in breakdowns(result).items():
            target = out_dir / f"breakdown_{name}.csv"
            frame.to_csv(target, index_label=name)
            written[target.name] = target
    return list(written.values())
