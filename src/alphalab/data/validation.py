"""Validate bar tables: order, duplicates, missing values, prices, OHLC consistency, volume, gaps, jumps.

Prices must be finite, positive (unless ``allow_nonpositive``: spreads, some futures) and below
``MAX_PRICE``; volume finite, >= 0 and below ``MAX_VOLUME``.

Three modes: ``strict`` raises a DataError that names the file, row and column of every problem;
``repair`` first fixes what is safe to fix (sorts the rows, drops exact duplicate rows), records
every change, and then raises on whatever problems remain; ``report`` never raises. Row numbers
count data rows from 1 in file order (the header is not counted), also after a repair.

Gaps are measured against the calendar of the data: ``24/7`` (crypto: every step is a bar),
``24/5`` (FX: the weekend and 25 December / 1 January are closed) or ``XNYS`` (NYSE sessions;
for intraday data only whole missing sessions count as gaps). Split-like jumps (a close-to-close
move beyond ``jump_ratio`` either way) are warnings; when an ``adj_close`` column shows a normal
adjusted move the warning says the jump is explained by the adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV
from alphalab.core.errors import DataError, Problem
from alphalab.core.timeframe import Timeframe
from alphalab.data import calendars

Mode = Literal["strict", "repair", "report"]
_NS_DAY = 86_400_000_000_000
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")
# No traded instrument is quoted beyond this; a larger value is a unit or parsing error (1e308, 1e20).
MAX_PRICE = 1e12
MAX_VOLUME = 1e18
_MAX_REPORTED = 50  # per check: the first rows are enough to see what is wrong


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: errors, warnings, the repairs made, and the resulting frame."""

    source: str
    timeframe: str
    calendar: str
    rows: int
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise a DataError listing every error, if there is any."""
        if self.errors:
            raise DataError(
                f"{self.source}: {len(self.errors)} problem(s) in the bar data",
                hint="fix the rows named above, or import with --repair to sort, drop exact duplicates and keep gaps",
                source=self.source,
                problems=self.errors,
            )

    def to_dict(self) -> dict[str, Any]:
        def one(p: Problem) -> dict[str, Any]:
            return {"row": p.row, "column": p.column, "message": p.render()}

        return {
            "source": self.source,
            "timeframe": self.timeframe,
            "calendar": self.calendar,
            "rows": self.rows,
            "ok": self.ok,
            "errors": [one(p) for p in self.errors],
            "warnings": [one(p) for p in self.warnings],
            "repairs": list(self.repairs),
        }


def _where(source: str, row: int, column: str | None = None) -> str:
    return f"{source}, row {row}" + (f", column {column}" if column else "")


def infer_timeframe(times: np.ndarray) -> Timeframe:
    """Guess the bar length as the most common positive step between timestamps (first 100k steps)."""
    head = np.sort(times[:100_001])
    steps = np.diff(head)
    steps = np.sort(steps[steps > 0])
    if steps.size == 0:
        return Timeframe(1, "d")
    bounds = np.flatnonzero(np.diff(steps)) + 1
    starts = np.concatenate([[0], bounds])
    runs = np.diff(np.concatenate([starts, [steps.size]]))
    seconds = int(steps[starts[np.argmax(runs)]] // 1_000_000_000)
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return Timeframe(seconds // size, unit)
    return Timeframe(max(seconds, 1), "s")


def infer_calendar(times: np.ndarray, timeframe: Timeframe) -> str:
    """Guess the calendar: Saturday bars mean 24/7; otherwise daily data is NYSE and intraday is 24/5."""
    if times.size > 20_000:  # an even sample is enough to see whether weekends trade
        times = times[:: times.size // 10_000]
    dow = ((times // _NS_DAY) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    saturdays = (dow == 5) if timeframe.is_intraday else np.isin(dow, (5, 6))
    if saturdays.sum() > max(1, len(times) // 100):
        return "24/7"
    return "XNYS" if not timeframe.is_intraday else "24/5"


def _order_problems(source: str, times: np.ndarray, rows: np.ndarray) -> list[Problem]:
    problems = []
    back = np.flatnonzero(np.diff(times) < 0) + 1
    for i in back:
        problems.append(
            Problem(
                _where(source, int(rows[i]), "time"),
                "timestamp is earlier than the row before it",
                row=int(rows[i]),
                column="time",
                hint="sort the rows or use --repair",
            )
        )
    order = np.argsort(times, kind="stable")
    sorted_t = times[order]
    dup = np.flatnonzero(np.diff(sorted_t) == 0) + 1
    for i in dup:
        row, first = int(rows[order[i]]), int(rows[order[i - 1]])
        problems.append(
            Problem(
                _where(source, row, "time"),
                f"duplicate timestamp (same as row {first})",
                row=row,
                column="time",
                value=str(pd.Timestamp(sorted_t[i], tz="UTC")),
            )
        )
    return problems


def _finite_problems(
    source: str, values: dict[str, np.ndarray], rows: np.ndarray
) -> list[tuple[int, Problem]]:
    out = []
    for c, v in values.items():
        for i in np.flatnonzero(~np.isfinite(v))[:_MAX_REPORTED]:
            kind = "missing (NaN)" if np.isnan(v[i]) else "infinite"
            out.append(
                (
                    int(i),
                    Problem(_where(source, int(rows[i]), c), f"{c} is {kind}", row=int(rows[i]), column=c),
                )
            )
    return out


def _cell_problems(
    source: str, c: str, v: np.ndarray, rows: np.ndarray, mask: np.ndarray, text: str, hint: str
) -> list[tuple[int, Problem]]:
    """One problem for each of the first rows where ``mask`` holds; ``{v}`` in ``text`` is the value."""
    return [
        (
            int(i),
            Problem(
                _where(source, int(rows[i]), c),
                text.format(v=f"{v[i]:g}"),
                hint=hint,
                row=int(rows[i]),
                column=c,
                value=float(v[i]),
            ),
        )
        for i in np.flatnonzero(mask)[:_MAX_REPORTED]
    ]


def _magnitude_problems(
    source: str, values: dict[str, np.ndarray], rows: np.ndarray, allow_nonpositive: bool
) -> list[tuple[int, Problem]]:
    """Prices must be positive (unless the asset class allows otherwise) and below MAX_PRICE; volume below MAX_VOLUME."""
    out = []
    for c, v in values.items():
        limit = MAX_VOLUME if c == "volume" else MAX_PRICE
        kind = "volume" if c == "volume" else "price"
        with np.errstate(invalid="ignore"):
            huge = np.abs(v) > limit
            nonpos = (v <= 0) if (c in PRICE_COLUMNS and not allow_nonpositive) else np.zeros(v.size, bool)
        out += _cell_problems(
            source,
            c,
            v,
            rows,
            huge,
            f"{c} {{v}} is beyond any real {kind} (limit {limit:g})",
            "check the units and the column mapping",
        )
        out += _cell_problems(
            source,
            c,
            v,
            rows,
            nonpos & ~huge,
            f"{c} {{v}} is not a positive price",
            "prices of stocks, FX and crypto are > 0; import with --allow-nonpositive for spreads",
        )
    return out


def _ohlc_problems(source: str, values: dict[str, np.ndarray], rows: np.ndarray) -> list[tuple[int, Problem]]:
    problems: list[tuple[int, Problem]] = []
    o, h, lo, c_ = values["open"], values["high"], values["low"], values["close"]
    with np.errstate(invalid="ignore"):
        bad_high = h < np.maximum(o, c_)
        bad_low = lo > np.minimum(o, c_)
        bad_range = h < lo
        neg_vol = values["volume"] < 0
    for i in np.flatnonzero(bad_high | bad_low | bad_range)[:_MAX_REPORTED]:
        parts = []
        if bad_range[i]:
            parts.append(f"high {h[i]:g} < low {lo[i]:g}")
        if bad_high[i]:
            parts.append(f"high {h[i]:g} < max(open, close) {max(o[i], c_[i]):g}")
        if bad_low[i]:
            parts.append(f"low {lo[i]:g} > min(open, close) {min(o[i], c_[i]):g}")
        column = "high" if (bad_high[i] or bad_range[i]) else "low"
        problems.append(
            (
                int(i),
                Problem(
                    _where(source, int(rows[i]), column),
                    "inconsistent bar: " + "; ".join(parts),
                    row=int(rows[i]),
                    column=column,
                ),
            )
        )
    for i in np.flatnonzero(neg_vol)[:_MAX_REPORTED]:
        problems.append(
            (
                int(i),
                Problem(
                    _where(source, int(rows[i]), "volume"),
                    f"negative volume {values['volume'][i]:g}",
                    row=int(rows[i]),
                    column="volume",
                ),
            )
        )
    return problems


def _value_problems(
    source: str, frame: pd.DataFrame, rows: np.ndarray, allow_nonpositive: bool = False
) -> list[Problem]:
    cols = [c for c in (*OHLCV, "adj_close") if c in frame.columns]
    values = {c: frame[c].to_numpy(dtype="float64") for c in cols}
    problems = _finite_problems(source, values, rows)
    problems += _magnitude_problems(source, values, rows, allow_nonpositive)
    problems += _ohlc_problems(source, values, rows)
    problems.sort(key=lambda t: t[0])
    return [p for _, p in problems]


def _gap_pairs(times: np.ndarray, tf: Timeframe, calendar: str) -> list[tuple[int, int]]:
    """Return (index after the gap, number of missing bars or sessions) for each gap in sorted unique times."""
    if times.size < 2:
        return []
    step = tf.nanos
    if calendar == "XNYS" and tf.seconds <= 86400:
        days = times // _NS_DAY
        first = pd.Timestamp(int(days[0]) * _NS_DAY).date()
        last = pd.Timestamp(int(days[-1]) * _NS_DAY).date()
        sessions = calendars.nyse_sessions(first, last).asi8 // _NS_DAY
        pos = np.searchsorted(sessions, days)
        is_session = sessions[np.minimum(pos, sessions.size - 1)] == days if sessions.size else days < 0
        between = np.where(np.diff(days) > 0, np.diff(pos) - is_session[:-1], 0)
        return [(int(i) + 1, int(between[i])) for i in np.flatnonzero(between > 0)]
    diffs = np.diff(times)
    candidates = np.flatnonzero(diffs > step)
    if calendar != "24/5":
        return [(int(i) + 1, int(diffs[i] // step) - 1) for i in candidates]
    out = []
    for i in candidates:
        missing = np.arange(times[i] + step, times[i + 1], step, dtype="int64")
        open_missing = int((~calendars.fx_closed(missing)).sum())
        if open_missing:
            out.append((int(i) + 1, open_missing))
    return out


def _gap_problems(
    source: str, times: np.ndarray, rows: np.ndarray, tf: Timeframe, calendar: str
) -> list[Problem]:
    unit = "session(s)" if calendar == "XNYS" else "bar(s)"
    out = []
    for i, n in _gap_pairs(times, tf, calendar):
        a, b = pd.Timestamp(times[i - 1], tz="UTC"), pd.Timestamp(times[i], tz="UTC")
        out.append(
            Problem(
                _where(source, int(rows[i]), "time"),
                f"gap: {n} missing {unit} between {a} and {b} ({tf}, {calendar})",
                row=int(rows[i]),
                column="time",
                value=n,
            )
        )
    return out


def _jump_warnings(source: str, frame: pd.DataFrame, rows: np.ndarray, jump_ratio: float) -> list[Problem]:
    close = frame["close"].to_numpy(dtype="float64")
    if close.size < 2:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = close[1:] / close[:-1]
        jump = np.abs(np.log(ratio)) > np.log(jump_ratio)
        adj = frame["adj_close"].to_numpy(dtype="float64") if "adj_close" in frame.columns else None
        adj_ratio = adj[1:] / adj[:-1] if adj is not None else None
    out = []
    for i in np.flatnonzero(jump):
        row = int(rows[i + 1])
        text = f"suspicious jump: close moved by a factor {ratio[i]:.4g} from the bar before"
        if adj_ratio is not None and abs(np.log(adj_ratio[i])) <= np.log(jump_ratio):
            text += f"; explained by adj_close (adjusted move {adj_ratio[i]:.4g}, a split or dividend)"
        else:
            text += "; an unadjusted split? (no adjusted close explains it)"
        out.append(
            Problem(_where(source, row, "close"), text, row=row, column="close", value=float(ratio[i]))
        )
    return out


def _repair(frame: pd.DataFrame, rows: np.ndarray, source: str) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    repairs: list[str] = []
    times = frame.index.asi8
    if np.any(np.diff(times) < 0):
        order = np.argsort(times, kind="stable")
        moved = int((order != np.arange(order.size)).sum())
        frame, rows = frame.iloc[order], rows[order]
        repairs.append(f"{source}: sorted the rows by time ({moved} row(s) moved)")
    cols = [c for c in frame.columns]
    key = frame.reset_index()
    exact = key.duplicated(subset=["time", *cols], keep="first").to_numpy()
    if exact.any():
        prev = pd.Series(rows).groupby(frame.index.asi8).transform("first").to_numpy()
        for i in np.flatnonzero(exact):
            repairs.append(f"{source}: dropped row {int(rows[i])}, an exact duplicate of row {int(prev[i])}")
        frame, rows = frame[~exact], rows[~exact]
    return frame, rows, repairs


def validate(
    frame: pd.DataFrame,
    timeframe: str | Timeframe | None = None,
    *,
    calendar: str | None = None,
    mode: Mode = "strict",
    source: str | None = None,
    jump_ratio: float = 1.8,
    allow_nonpositive: bool = False,
) -> ValidationReport:
    """Check a bar table (as :func:`read_file` returns it) and return a report.

    Parameters
    ----------
    frame
        Bars with a DatetimeIndex (rows in file order) and ``open high low close volume`` columns.
    timeframe
        The bar length; inferred from the most common step when None.
    calendar
        ``"24/7"``, ``"24/5"`` or ``"XNYS"``; inferred from the data when None.
    mode
        ``"strict"`` raises on any error; ``"repair"`` sorts and drops exact duplicates first and
        raises on what remains; ``"report"`` never raises.
    source
        Name used in messages (a file path); defaults to ``frame.attrs["source"]``.
    jump_ratio
        A close-to-close move beyond this factor (up or down) is reported as a suspicious jump.
    allow_nonpositive
        Accept prices <= 0 (spreads, some futures); by default a price must be > 0.

    Returns
    -------
    ValidationReport
        Its ``frame`` is the sorted BarFrame without NaT rows when the data has no errors.
    """
    source = source or str(frame.attrs.get("source", "<frame>"))
    work, rows, problems = _drop_unreadable_times(frame, source)
    repairs: list[str] = []
    if mode == "repair":
        work, rows, repairs = _repair(work, rows, source)
    times = pd.DatetimeIndex(work.index).as_unit("ns").asi8
    problems += _order_problems(source, times, rows)
    problems += _value_problems(source, work, rows, allow_nonpositive)
    order, unique = _sort_order(times)
    sorted_times, sorted_rows = times[order], rows[order]
    tf, cal = _timeframe_and_calendar(sorted_times, timeframe, calendar)
    gaps = _gap_problems(source, sorted_times[unique], sorted_rows[unique], tf, cal)
    sorted_frame = work.iloc[order][unique]
    warnings = list(frame.attrs.get("warnings", []))
    warnings += _jump_warnings(source, sorted_frame, sorted_rows[unique], jump_ratio)
    if mode == "repair" and gaps:  # a gap cannot be filled honestly: keep it (missing bars stay missing)
        warnings, repairs = gaps + warnings, [*repairs, f"{source}: kept {len(gaps)} gap(s) as missing bars"]
    else:
        problems += gaps
    report = ValidationReport(source, str(tf), cal, len(frame), problems, warnings, repairs)
    return _finish(report, sorted_frame, mode)


def _drop_unreadable_times(
    frame: pd.DataFrame, source: str
) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Return the rows with a timestamp, their file row numbers, and a problem for each row without one."""
    rows = np.arange(1, len(frame) + 1)
    idx = pd.DatetimeIndex(frame.index)
    problems = [
        Problem(
            _where(source, int(r), "time"), "timestamp is missing or unreadable", row=int(r), column="time"
        )
        for r in rows[np.asarray(idx.isna())]
    ]
    keep = ~np.asarray(idx.isna())
    return frame[keep], rows[keep], problems


def _sort_order(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the stable sort order of ``times`` and, in that order, a mask of first occurrences."""
    order = np.argsort(times, kind="stable")
    sorted_times = times[order]
    unique = np.concatenate([[True], np.diff(sorted_times) != 0]) if times.size else np.zeros(0, bool)
    return order, unique


def _timeframe_and_calendar(
    sorted_times: np.ndarray, timeframe: str | Timeframe | None, calendar: str | None
) -> tuple[Timeframe, str]:
    """Parse the given timeframe and calendar, or infer them from the sorted times."""
    tf = Timeframe.parse(timeframe) if timeframe is not None else infer_timeframe(sorted_times)
    cal = calendars.check_calendar(calendar) if calendar else infer_calendar(sorted_times, tf)
    return tf, cal


def _finish(report: ValidationReport, sorted_frame: pd.DataFrame, mode: Mode) -> ValidationReport:
    """Attach the BarFrame when there is no error, and raise on errors unless in report mode."""
    if not report.errors:
        from alphalab.core.bars import ensure_barframe

        report.frame = ensure_barframe(sorted_frame, source=report.source)
    if mode != "report":
        report.raise_for_errors()
    return report
