"""Turn a file's time column (epoch numbers, text dates, timestamps) into a UTC DatetimeIndex.

Unreadable cells become NaT (validation names their rows). What cannot be a bar time is an error
that names the column and the first row: years outside 1800..2200, Excel serial day numbers, a
column that mixes zoned and zone-less timestamps. Slashed dates whose day and month cannot be told
apart from the values alone (``01/02/2024``) are read in the order that gives the regular steps,
and a warning says which order was chosen.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from alphalab.core.errors import DataError, Problem

EARLIEST = pd.Timestamp("1800-01-01", tz="UTC")
LATEST = pd.Timestamp("2200-01-01", tz="UTC")
_SCALE = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")

_TIME_FORMATS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}:\d{2}\.\d+$"), "%d.%m.%Y %H:%M:%S.%f"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}(:\d{2})?$"), None),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "%d.%m.%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%m/%d/%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$"), None),
)


def _error(where: str, row: int, message: str, hint: str) -> DataError:
    return DataError(f"{where}, row {row}: {message}", hint=hint)


def _parse_numeric_time(values: np.ndarray, unit: str | None, where: str) -> pd.DatetimeIndex:
    """Epoch numbers: the unit is guessed from their size unless given (s, ms, us, ns)."""
    ok = np.isfinite(values)
    finite = values[ok]
    if unit is None:
        big = float(np.max(np.abs(finite))) if finite.size else 0.0
        if finite.size and float(np.min(finite)) > 0 and big < 200_000:
            row = int(np.flatnonzero(ok)[0]) + 1
            raise _error(
                where,
                row,
                f"{finite[0]:g} looks like an Excel serial day number, not a timestamp",
                "format the date column as text (e.g. 2024-01-31) before saving the CSV",
            )
        unit = "s" if big < 1e11 else "ms" if big < 1e14 else "us" if big < 1e17 else "ns"
    scale = _SCALE[unit]
    with np.errstate(invalid="ignore"):
        outside = ok & ((values * scale < EARLIEST.value) | (values * scale >= LATEST.value))
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise _error(
            where,
            row + 1,
            f"epoch value {values[row]:.15g} ({unit}) is outside the years 1800..2200",
            "check the time unit of the column",
        )
    ns = np.where(ok, values, 0).astype("int64") * scale
    out = pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")
    return out.where(ok)


def _check_range(idx: pd.DatetimeIndex, text: pd.Series, where: str) -> None:
    """Raise naming the first row whose time is outside 1800..2200."""
    low, high = (
        (EARLIEST, LATEST) if idx.tz is not None else (EARLIEST.tz_localize(None), LATEST.tz_localize(None))
    )
    bad = np.asarray((idx < low) | (idx >= high))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _error(
            where, row + 1, f"{text.iloc[row]!r} is outside the years 1800..2200", "fix or remove this row"
        )


def _check_zone_mix(text: pd.Series, where: str) -> None:
    zoned = text.str.contains(_ZONED, na=False).to_numpy()
    present = text.notna().to_numpy()
    if zoned.any() and (present & ~zoned).any():
        row = int(np.flatnonzero(present & (zoned != zoned[np.flatnonzero(present)[0]]))[0])
        raise _error(
            where,
            row + 1,
            f"{text.iloc[row]!r} mixes timestamps with and without a time zone",
            "give every timestamp a zone (e.g. +00:00) or none",
        )


def _slashed_order(text: pd.Series, fmt: str, warnings: list[Problem], where: str) -> str:
    """Choose month-first or day-first for slashed dates; warn when the values alone cannot tell."""
    parts = text.str.split("/")
    first = pd.to_numeric(parts.str[0], errors="coerce")
    second = pd.to_numeric(parts.str[1], errors="coerce")
    day_first = fmt.replace("%m/%d", "%d/%m")
    if (first > 12).any():
        return day_first
    if (second > 12).any():
        return fmt

    def spread(f: str) -> float:
        t = pd.DatetimeIndex(pd.to_datetime(text, errors="coerce", format=f)).dropna().sort_values().asi8
        steps = np.diff(t)
        return float(np.std(steps) / np.mean(steps)) if steps.size > 1 and steps.mean() > 0 else np.inf

    chosen = day_first if spread(day_first) < spread(fmt) else fmt
    order = "day-first (dd/mm/yyyy)" if chosen == day_first else "month-first (mm/dd/yyyy)"
    warnings.append(
        Problem(
            where,
            f"dates such as {text.dropna().iloc[0]!r} could be day-first or month-first; read {order} "
            "because that gives the more regular steps",
            hint="pass an explicit time format to be sure",
            column="time",
        )
    )
    return chosen


def _guess_format(text: pd.Series, warnings: list[Problem], where: str) -> str | None:
    sample = str(text.dropna().iloc[0]) if text.notna().any() else ""
    for pattern, candidate in _TIME_FORMATS:
        if pattern.match(sample):
            if candidate == "%m/%d/%Y":
                return _slashed_order(text, candidate, warnings, where)
            return candidate or ("mixed" if "." not in sample else None)
    return None


def _to_datetime(text: pd.Series, fmt: str | None, utc: bool) -> pd.DatetimeIndex:
    if fmt is None:
        if text.str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}").any():
            return pd.DatetimeIndex(
                pd.to_datetime(text, dayfirst=True, errors="coerce", format="mixed", utc=utc)
            )
        return pd.DatetimeIndex(pd.to_datetime(text, errors="coerce", format="ISO8601", utc=utc))
    return pd.DatetimeIndex(pd.to_datetime(text, errors="coerce", format=fmt, utc=utc))


def _parse_text_time(
    values: pd.Series, fmt: str | None, tz: str, where: str, warnings: list[Problem]
) -> pd.DatetimeIndex:
    text = values.astype("string").str.strip()
    if fmt is None:
        fmt = _guess_format(text, warnings, where)
    try:
        try:
            idx = _to_datetime(text, fmt, utc=False)
        except ValueError as exc:
            if "Mixed timezones" not in str(exc):
                raise
            _check_zone_mix(text, where)  # zoned and zone-less rows: an error naming the first odd row
            idx = _to_datetime(text, fmt, utc=True)  # every row zoned, offsets differ (summer time)
    except (ValueError, OverflowError) as exc:
        raise DataError(
            f"{where}: cannot read the timestamps ({str(exc).splitlines()[0][:120]})",
            hint="write times as ISO 8601 text, e.g. 2024-01-31T09:30:00Z",
        ) from None
    _check_range(idx, text, where)
    if idx.tz is None:
        return idx.tz_localize(tz).tz_convert("UTC")
    return idx.tz_convert("UTC")


def parse_time(
    values: pd.Series,
    *,
    unit: str | None = None,
    fmt: str | None = None,
    tz: str = "UTC",
    where: str = "time column",
    warnings: list[Problem] | None = None,
) -> pd.DatetimeIndex:
    """Turn a column of epoch numbers, text dates or timestamps into a UTC DatetimeIndex (NaT if unreadable).

    ``where`` names the column in errors; notes about guesses are appended to ``warnings``.
    """
    notes: list[Problem] = [] if warnings is None else warnings
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(values).tz_convert("UTC")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.DatetimeIndex(values).tz_localize(tz).tz_convert("UTC")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _parse_numeric_time(values.to_numpy(dtype="float64"), unit, where)
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().mean() > 0.99:
        return _parse_numeric_time(numeric.to_numpy(dtype="float64"), unit, where)
    if values.map(lambda v: isinstance(v, pd.Timestamp)).all():  # Parquet with mixed-zone objects
        values = values.astype("string")
    return _parse_text_time(values, fmt, tz, where, notes)
