"""What the public API accepts as data: symbols, the user's own DataFrames, or BarArrays.

A DataFrame is checked before anything runs: its price columns (any capitalisation, ``Adj Close``
too) must be there and numeric, its index (or a ``time``/``date``/``datetime``/``timestamp``
column) must be times, and its bars must pass :func:`alphalab.data.validate` (finite prices,
high >= low, sorted unique times...). Missing sessions are allowed: the engine skips them. With an
``adj_close`` column, prices are adjusted for splits and dividends as stored symbols are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV, BarArrays
from alphalab.core.errors import ConfigError, DataError

_TIME_COLUMNS = ("time", "date", "datetime", "timestamp")
_DEFAULT_NAME = "DATA"


def _canonical(name: Any) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _with_time_index(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    if isinstance(frame.index, pd.DatetimeIndex):
        return frame
    for col in frame.columns:
        if col in _TIME_COLUMNS:
            try:
                times = pd.to_datetime(frame[col], utc=True)
            except (ValueError, TypeError) as exc:
                raise DataError(f"{source}: column {col!r} does not hold times ({exc})", source=source) from None
            return frame.drop(columns=[col]).set_index(pd.DatetimeIndex(times, name="time"))
    raise DataError(
        f"{source}: the index is not a DatetimeIndex and there is no time column",
        hint="index the frame by bar open time, or add a 'time' or 'date' column", source=source,
    )


def _numeric(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    out = frame.copy()
    for col in (*OHLCV, "adj_close"):
        if col not in out:
            continue
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() & out[col].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise DataError(
                f"{source}, row {row}, column {col}: {out[col].iloc[row - 1]!r} is not a number",
                hint=f"column {col!r} must hold numbers", source=source,
            )
        out[col] = values.astype("float64")
    return out


def frame_to_barframe(frame: Any, source: str = "<frame>", timeframe: str | None = None) -> tuple[pd.DataFrame, str]:
    """Return ``frame`` checked and normalised as a BarFrame, and its timeframe.

    Raises
    ------
    DataError
        Naming the missing, duplicated or non-numeric column, or the first bad row.
    """
    from alphalab.data.validation import validate

    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(frame).__name__}", source=source)
    names = [_canonical(c) for c in frame.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(f"{source}: column {dupes[0]!r} appears more than once", source=source,
                        hint="keep one column of each name")
    work = _with_time_index(frame.set_axis(names, axis=1), source)
    if "volume" not in work:
        raise DataError(f"{source}: missing column 'volume'", source=source,
                        hint="add a volume column (zeros are fine when you have none)")
    missing = [c for c in OHLCV if c not in work]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}", source=source,
                        hint=f"a bar table needs open, high, low, close and volume; found {list(frame.columns)}")
    work = _numeric(work, source)
    report = validate(work, timeframe, mode="report", source=source)
    errors = [p for p in report.errors if not p.message.startswith("gap")]
    if errors:
        raise DataError(f"{source}: {len(errors)} problem(s) in the bar data, first: {errors[0].render()}",
                        hint="fix the rows named", source=source, problems=errors)
    from alphalab.data.resampling import adjust

    cleaned = adjust(work.sort_index())  # splits and dividends from adj_close, as for stored symbols
    idx = cleaned.index
    cleaned.index = (idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")).rename("time")
    return cleaned, report.timeframe


def to_bars(data: Any, timeframe: str | None = None, start: Any = None, end: Any = None) -> BarArrays:
    """Return BarArrays from a symbol, a list of symbols, a DataFrame, a dict of DataFrames or BarArrays.

    ``timeframe`` defaults to ``1d`` for symbols and to the frames' own bar length for DataFrames.
    """
    if isinstance(data, BarArrays):
        return data if start is None and end is None else _window(data, start, end)
    if isinstance(data, pd.DataFrame):
        name = str(data.attrs.get("symbol") or _DEFAULT_NAME)
        return to_bars({name: data}, timeframe, start, end)
    if isinstance(data, Mapping):
        return _frames_to_bars(data, timeframe, start, end)
    if isinstance(data, str):
        data = [data]
    if isinstance(data, Sequence) and data and all(isinstance(s, str) for s in data):
        from alphalab.data import load_arrays

        return load_arrays(list(data), timeframe or "1d", start=start, end=end)
    raise ConfigError(
        f"cannot use a {type(data).__name__} as data",
        hint="pass a symbol like 'sample:AAPL', a list of symbols, a DataFrame or a dict of DataFrames",
    )


def _frames_to_bars(frames: Mapping[Any, Any], timeframe: str | None, start: Any, end: Any) -> BarArrays:
    if not frames:
        raise ConfigError("no data given", hint="the dict of DataFrames is empty")
    clean: dict[str, pd.DataFrame] = {}
    found: set[str] = set()
    for name, frame in frames.items():
        clean[str(name)], tf = frame_to_barframe(frame, str(name), timeframe)
        found.add(tf)
    if timeframe is None and len(found) > 1:
        raise DataError(f"the frames have different bar lengths ({', '.join(sorted(found))})",
                        hint="resample them to one timeframe, or pass timeframe=")
    bars = BarArrays.from_frames(clean, timeframe or found.pop())
    return bars if start is None and end is None else _window(bars, start, end)


def _window(bars: BarArrays, start: Any, end: Any) -> BarArrays:
    index = bars.index
    lo = 0 if start is None else int(index.searchsorted(_utc(start)))
    hi = bars.n_bars if end is None else int(index.searchsorted(_utc(end)))
    if hi <= lo:
        raise ConfigError(f"no bars between {start} and {end}", hint="widen start/end")
    return bars.slice(lo, hi)


def _utc(value: Any) -> pd.Timestamp:
    t = pd.Timestamp(value)
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")

