"""Read bar files (CSV, Parquet) whatever their layout, into an unvalidated bar table.

Recognised without help: Yahoo-style ``Date,Open,High,Low,Close,Adj Close,Volume``; exchange kline
exports (Binance and similar: epoch seconds or milliseconds in the first column, with or without a
header); ISO timestamps with or without a zone; day-first dotted (``31.12.2017 22:00:00.000``) and
month-first slashed (``1/4/1999``) dates; comma, semicolon or tab separators. An explicit
``columns`` mapping overrides the guesses. Rows keep their file order so that validation can name
the row of every problem (row 1 is the first data row, the header is not counted).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from alphalab.core.errors import DataError, Problem
from alphalab.core.textfile import not_utf8
from alphalab.data.timeparse import parse_time

__all__ = ["FIELDS", "parse_time", "read_file"]

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


def _sniff(path: Path, compressed: bool) -> tuple[str, bool]:
    """Return (separator, has_header) from the first two lines of a text file."""
    import gzip

    opener = gzip.open if compressed else open
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


_AS_CSV = "save it as CSV in UTF-8"
_NOT_BARS = "name a CSV or Parquet file of bars"
_MAGIC = (  # first bytes, what the file is, what to do
    (b"\x89PNG", "a PNG image", _NOT_BARS),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)", _AS_CSV),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document", _AS_CSV),
    (b"%PDF", "a PDF document", _NOT_BARS),
    (b"\xff\xfe", "UTF-16 text", _AS_CSV),
    (b"\xfe\xff", "UTF-16 text", _AS_CSV),
)


def _kind(path: Path) -> str:
    """Return ``parquet``, ``gzip`` or ``text`` from the file's first bytes; raise on anything else."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except IsADirectoryError:
        raise DataError(
            f"{path}: is a directory, not a bar file", hint="name a .csv or .parquet file", source=str(path)
        ) from None
    except OSError as exc:
        raise DataError(
            f"{path}: cannot be read ({exc.strerror})", hint="check the path and its permissions"
        ) from None
    name = path.name.lower()
    if head.startswith(b"PAR1") or name.endswith((".parquet", ".pq")):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if name.endswith(".gz"):
        raise DataError(
            f"{path}: ends in .gz but is not gzip-compressed", hint="rename it or compress it with gzip"
        )
    for magic, what, hint in _MAGIC:
        if head.startswith(magic):
            raise DataError(
                f"{path}: is {what}, not a CSV or Parquet file of bars", hint=hint, source=str(path)
            )
    if b"\x00" in head:
        raise DataError(f"{path}: is a binary file, not CSV text", hint=_NOT_BARS, source=str(path))
    return "text"


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(
            f"{path}: is not a readable Parquet file ({str(exc).splitlines()[0][:120]})",
            hint="the file may be truncated or not Parquet at all; export it again",
            source=str(path),
        ) from None
    _check_unique_columns(path, [str(c) for c in table.column_names])
    if table.schema.pandas_metadata and "time" not in table.column_names:
        return table.to_pandas().reset_index()
    return table.to_pandas()


def _header_names(path: Path, compressed: bool, sep: str) -> list[str]:
    import gzip

    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
        return [str(c).strip() for c in next(csv.reader(fh, delimiter=sep), [])]


def _check_unique_columns(path: Path, names: list[str]) -> None:
    """Raise when two columns would both be read as one field (``close`` twice, ``Close`` and ``close``)."""
    seen: dict[str, str] = {}
    for name in names:
        key = _norm(name)
        field = next((f for f, aliases in _ALIASES.items() if key in aliases), None)
        if field is None:
            continue
        if key in seen:
            raise DataError(
                f"{path}: column {name!r} appears twice (also {seen[key]!r}), so {field} is ambiguous",
                hint=f"remove one of them, or pick one with --map {field}=COLUMN",
                source=str(path),
            )
        seen[key] = name


def _load_raw(path: Path, separator: str | None) -> pd.DataFrame:
    kind = _kind(path)
    if kind == "parquet":
        return _read_parquet(path)
    compressed = kind == "gzip"
    try:
        sep, has_header = _sniff(path, compressed)
        sep = separator or sep
        if has_header:
            _check_unique_columns(path, _header_names(path, compressed, sep))
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if has_header else None,
            engine="c",
            encoding="utf-8-sig",
            compression="gzip" if compressed else None,
        )
    except UnicodeDecodeError as exc:
        raise DataError(not_utf8(path, exc), hint="save the file as UTF-8 (in Excel: CSV UTF-8)") from None
    except (EOFError, OSError) as exc:  # gzip.BadGzipFile is an OSError
        raise DataError(
            f"{path}: the compressed file is truncated or corrupt ({exc})",
            hint="download or compress it again",
            source=str(path),
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise DataError(
            f"{path}: cannot be parsed as CSV ({str(exc).strip().splitlines()[0][:160]})",
            hint="check the separator and that every row has the same number of fields",
            source=str(path),
        ) from None
    if frame.empty:
        raise DataError(
            f"{path}: has a header but no data rows",
            hint="export the bars themselves, not only the header",
            source=str(path),
        )
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
    if not path.exists() and not path.is_symlink():
        from alphalab.core.errors import NotFoundError

        raise NotFoundError(f"{path}: no such file", hint="check the path")
    raw = _load_raw(path, separator)
    mapping = _resolve_columns(path, raw, columns)
    notes: list[Problem] = []
    where = f"{path}, column {mapping['time']}"
    index = parse_time(
        raw[mapping["time"]], unit=time_unit, fmt=time_format, tz=tz, where=where, warnings=notes
    ).as_unit("ns")
    out = _price_columns(path, raw, mapping, index)
    out.attrs["source"] = str(path)
    out.attrs["warnings"] = notes
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
