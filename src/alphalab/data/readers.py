"""Read bar files (CSV, Parquet) whatever their layout, into an unvalidated bar table.

Recognised without help: Yahoo-style ``Date,Open,High,Low,Close,Adj Close,Volume``; exchange kline
exports (Binance and similar: epoch seconds or milliseconds in the first column, with or without a
header); ISO timestamps with or without a zone; day-first dotted (``31.12.2017 22:00:00.000``) and
month-first slashed (``1/4/1999``) dates; comma, semicolon or tab separators. An explicit
``columns`` mapping overrides the guesses. Rows keep their file order so that validation can name
the row of every problem (row 1 is the first data row, the header is not counted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from alphalab.core.errors import DataError, Problem

FIELDS = ("time", "open", "high", "low", "close", "volume", "adj_close")

_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "date", "datetime", "timestamp", "opentime", "gmttime", "localtime", "ts", "t", "unix"),
    "open": ("open", "o", "openprice"),
    "high": ("high", "h", "highprice"),
    "low": ("low", "l", "lowprice"),
    "close": ("close", "c", "closeprice", "last", "price"),
    "volume": ("volume", "vol", "v", "basevolume", "volumefrom"),
    "adj_close": ("adjclose", "adjustedclose", "adjclose*", "adjcloseprice"),
}
# Columns of a header-less kline export: open time, o, h, l, c, v, then exchange extras.
_HEADERLESS = ("time", "open", "high", "low", "close", "volume")

_TIME_FORMATS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}:\d{2}\.\d+$"), "%d.%m.%Y %H:%M:%S.%f"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}(:\d{2})?$"), None),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "%d.%m.%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%m/%d/%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$"), None),
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9*]", "", str(name).lower())


def _guess_columns(names: list[str]) -> dict[str, str]:
    """Map our field names to the file's column names by their usual spellings."""
    normalised = {_norm(n): n for n in names}
    found: dict[str, str] = {}
    for field, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in normalised and normalised[alias] not in found.values():
                found[field] = normalised[alias]
                break
    if "volume" not in found:  # e.g. "Volume BTC" in exchange exports
        vol = [n for k, n in normalised.items() if k.startswith("volume")]
        if vol:
            found["volume"] = vol[0]
    return found


def _sniff(path: Path) -> tuple[str, bool]:
    """Return (separator, has_header) from the first two lines of a text file."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:  # type: ignore[operator]
        first = fh.readline()
        second = fh.readline()
    if not first.strip():
        raise DataError(
            f"{path}: the file is empty", hint="export the bars with a header row", source=str(path)
        )
    sample = first + second
    counts = {sep: sample.count(sep) for sep in (";", "\t", ",")}
    sep = max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","
    tokens = [t.strip().strip('"') for t in first.split(sep)]
    has_header = any(t and not re.fullmatch(r"[-+0-9.eE:/ TZ]+", t) for t in tokens)
    return sep, has_header


def _parse_numeric_time(values: np.ndarray, unit: str | None) -> pd.DatetimeIndex:
    """Epoch numbers: the unit is guessed from their size unless given (s, ms, us, ns)."""
    finite = values[np.isfinite(values)]
    if unit is None:
        big = float(np.nanmax(np.abs(finite))) if finite.size else 0.0
        unit = "s" if big < 1e11 else "ms" if big < 1e14 else "us" if big < 1e17 else "ns"
    scale = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}[unit]
    ns = np.where(np.isfinite(values), values, 0).astype("int64") * scale
    out = pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")
    return out.where(np.isfinite(values))


def _parse_text_time(values: pd.Series, fmt: str | None, tz: str) -> pd.DatetimeIndex:
    text = values.astype("string").str.strip()
    if fmt is None:
        sample = str(text.dropna().iloc[0]) if text.notna().any() else ""
        for pattern, candidate in _TIME_FORMATS:
            if pattern.match(sample):
                fmt = candidate or ("mixed" if "." not in sample else None)
                if candidate == "%m/%d/%Y" and (text.str.split("/").str[0].astype("float") > 12).any():
                    fmt = "%d/%m/%Y"
                break
    if fmt is None:
        if text.str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}").any():
            parsed = pd.to_datetime(text, dayfirst=True, errors="coerce", format="mixed")
        else:
            parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=False)
    else:
        parsed = pd.to_datetime(text, errors="coerce", format=fmt)
    idx = pd.DatetimeIndex(parsed)
    if idx.tz is None:
        return idx.tz_localize(tz).tz_convert("UTC")
    return idx.tz_convert("UTC")


def parse_time(
    values: pd.Series, *, unit: str | None = None, fmt: str | None = None, tz: str = "UTC"
) -> pd.DatetimeIndex:
    """Turn a column of epoch numbers, text dates or timestamps into a UTC DatetimeIndex (NaT if unreadable)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(values).tz_convert("UTC")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.DatetimeIndex(values).tz_localize(tz).tz_convert("UTC")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _parse_numeric_time(values.to_numpy(dtype="float64"), unit)
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() > 0.99:
        return _parse_numeric_time(numeric.to_numpy(dtype="float64"), unit)
    return _parse_text_time(values, fmt, tz)


def _load_raw(path: Path, separator: str | None) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        if table.schema.pandas_metadata and "time" not in table.column_names:
            return table.to_pandas().reset_index()
        return table.to_pandas()
    sep, has_header = _sniff(path)
    frame = pd.read_csv(path, sep=separator or sep, header=0 if has_header else None, engine="c")
    if not has_header:
        frame.columns = [*_HEADERLESS, *[f"extra_{i}" for i in range(len(frame.columns) - 6)]][
            : len(frame.columns)
        ]
    return frame


def read_file(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    time_unit: str | None = None,
    time_format: str | None = None,
    tz: str = "UTC",
    separator: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or Parquet bar file into a bar table in file order (not yet validated).

    Parameters
    ----------
    path
        A ``.csv``, ``.csv.gz``, ``.txt`` or ``.parquet`` file.
    columns
        Explicit mapping from our field names (``time open high low close volume adj_close``) to the
        file's column names; fields left out are guessed.
    time_unit
        Unit of epoch numbers (``s``, ``ms``, ``us``, ``ns``); guessed from their size when None.
    time_format
        A ``strftime`` format for text timestamps; guessed when None.
    tz
        Zone of timestamps that carry none (default UTC).
    separator
        CSV separator; sniffed when None.

    Returns
    -------
    DataFrame
        UTC DatetimeIndex named ``time`` (NaT where unreadable) and float64 ``open high low close
        volume`` (plus ``adj_close`` when the file has one), rows in file order.
    """
    path = Path(path)
    if not path.exists():
        from alphalab.core.errors import NotFoundError

        raise NotFoundError(f"{path}: no such file", hint="check the path")
    raw = _load_raw(path, separator)
    mapping = _resolve_columns(path, raw, columns)
    index = parse_time(raw[mapping["time"]], unit=time_unit, fmt=time_format, tz=tz).as_unit("ns")
    out = _price_columns(path, raw, mapping, index)
    out.attrs["source"] = str(path)
    return out


def _resolve_columns(path: Path, raw: pd.DataFrame, columns: Mapping[str, str] | None) -> dict[str, str]:
    """Map our fields to the file's columns: guesses, overridden by ``columns``; the OHLC and time must exist."""
    mapping = _guess_columns([str(c) for c in raw.columns])
    for field, name in (columns or {}).items():
        if field not in FIELDS:
            raise DataError(
                f"{path}: unknown field {field!r} in the column mapping", hint=f"use {', '.join(FIELDS)}"
            )
        if name not in raw.columns:
            raise DataError(
                f"{path}: column {name!r} (mapped to {field}) is not in the file",
                hint=f"the file has: {', '.join(map(str, raw.columns))}",
            )
        mapping[field] = name
    missing = [f for f in ("time", "open", "high", "low", "close") if f not in mapping]
    if missing:
        raise DataError(
            f"{path}: cannot find column(s) {', '.join(missing)}",
            hint=f"the file has {', '.join(map(str, raw.columns))}; pass a mapping such as --map time=Date",
            source=str(path),
        )
    return mapping


def _price_columns(
    path: Path, raw: pd.DataFrame, mapping: dict[str, str], index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Return the float64 price and volume columns on ``index``; raise naming every unreadable value."""
    out = pd.DataFrame(index=index.rename("time"))
    problems: list[Problem] = []
    for field in ("open", "high", "low", "close", "volume", "adj_close"):
        if field not in mapping:
            if field == "volume":
                out[field] = np.zeros(len(raw))
            continue
        values = pd.to_numeric(raw[mapping[field]], errors="coerce").to_numpy(dtype="float64")
        problems.extend(_unreadable_values(path, raw[mapping[field]], field, values))
        out[field] = values
    if problems:
        raise DataError(
            f"{path}: {len(problems)} unreadable value(s)",
            problems=problems,
            source=str(path),
            hint="fix or remove these rows",
        )
    return out


def _unreadable_values(path: Path, column: pd.Series, field: str, values: np.ndarray) -> list[Problem]:
    """Name the first 20 cells of ``column`` that hold text which is not a number."""
    text_bad = np.isnan(values) & column.notna().to_numpy()
    problems: list[Problem] = []
    for row in np.flatnonzero(text_bad)[:20]:
        value = column.iloc[row]
        problems.append(
            Problem(
                f"{path}, row {row + 1}, column {column.name}",
                f"not a number: {value!r}",
                row=int(row) + 1,
                column=field,
                value=value,
            )
        )
    return problems
