"""Trading calendars: the NYSE holiday rule set, the 24/5 FX week and the 24/7 crypto clock.

The NYSE rules are written out here (no calendar dependency): New Year's Day, Martin Luther King
Jr. Day (from 1998), Washington's Birthday, Good Friday, Memorial Day, Juneteenth (from 2022),
Independence Day, Labor Day, Thanksgiving and Christmas, with the Saturday-to-Friday and
Sunday-to-Monday observance shifts (New Year's Day on a Saturday is not observed), plus the
unscheduled closures since 1985 (storms, national days of mourning, 11 September 2001).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError

CALENDARS = ("XNYS", "24/5", "24/7")

_SPECIAL_CLOSURES = (
    date(1985, 9, 27),  # Hurricane Gloria
    date(1994, 4, 27),  # President Nixon's funeral
    date(2001, 9, 11),  # September 11 attacks
    date(2001, 9, 12),
    date(2001, 9, 13),
    date(2001, 9, 14),
    date(2004, 6, 11),  # President Reagan's funeral
    date(2007, 1, 2),  # President Ford's funeral
    date(2012, 10, 29),  # Hurricane Sandy
    date(2012, 10, 30),
    date(2018, 12, 5),  # President G. H. W. Bush's funeral
    date(2025, 1, 9),  # President Carter's funeral
)


def easter(year: int) -> date:
    """Return Easter Sunday of ``year`` (Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th (1-based; -1 = last) ``weekday`` (Mon=0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Shift a fixed-date holiday that falls on a weekend to Friday (Saturday) or Monday (Sunday)."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=256)
def nyse_holidays(year: int) -> frozenset[date]:
    """Return the weekdays of ``year`` on which the New York Stock Exchange is closed."""
    days: set[date] = set()
    new_year = date(year, 1, 1)
    if new_year.weekday() != 5:  # a Saturday New Year's Day is not moved to Friday
        days.add(_observed(new_year))
    if year >= 1998:
        days.add(_nth_weekday(year, 1, 0, 3))
    days.add(_nth_weekday(year, 2, 0, 3))
    days.add(easter(year) - timedelta(days=2))
    days.add(_nth_weekday(year, 5, 0, -1))
    if year >= 2022:
        days.add(_observed(date(year, 6, 19)))
    days.add(_observed(date(year, 7, 4)))
    days.add(_nth_weekday(year, 9, 0, 1))
    days.add(_nth_weekday(year, 11, 3, 4))
    days.add(_observed(date(year, 12, 25)))
    days.update(d for d in _SPECIAL_CLOSURES if d.year == year)
    return frozenset(d for d in days if d.year == year and d.weekday() < 5)


def nyse_sessions(start: date, end: date) -> pd.DatetimeIndex:
    """Return the NYSE trading days from ``start`` to ``end`` inclusive, as UTC midnights."""
    days = pd.bdate_range(start, end)
    closed = set().union(*(nyse_holidays(y) for y in range(start.year, end.year + 1)))
    keep = np.array([d.date() not in closed for d in days], dtype=bool)
    return days[keep].tz_localize("UTC").as_unit("ns").rename("time")


def check_calendar(name: str) -> str:
    """Return ``name`` when it is a known calendar, else raise ConfigError."""
    if name not in CALENDARS:
        raise ConfigError(f"unknown calendar {name!r}", hint=f"use one of {', '.join(CALENDARS)}")
    return name


def fx_closed(times: np.ndarray) -> np.ndarray:
    """Return True where an int64-ns UTC time lies in the FX weekend or on 25 December / 1 January.

    The FX week runs from Sunday about 21:00-22:00 UTC to Friday about 21:00-22:00 UTC (the hour
    moves with New York daylight saving time), so Friday from 20:00 to Sunday 23:00 counts as closed.
    """
    ts = pd.DatetimeIndex(times.astype("datetime64[ns]"))
    dow = ts.day_of_week.to_numpy()
    hour = ts.hour.to_numpy()
    weekend = (dow == 5) | ((dow == 4) & (hour >= 20)) | ((dow == 6) & (hour < 23))
    month, day = ts.month.to_numpy(), ts.day.to_numpy()
    holiday = ((month == 12) & (day == 25)) | ((month == 1) & (day == 1))
    return np.asarray(weekend | holiday)
