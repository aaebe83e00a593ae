"""Validation: one located message per problem, safe repairs, calendars."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from alphalab.core.errors import DataError
from alphalab.data.calendars import easter, nyse_holidays, nyse_sessions
from alphalab.data.readers import read_file
from alphalab.data.validation import validate
from alphalab.testing.bars import bars, from_closes

BAD_CSV = """Date,Open,High,Low,Close,Volume
2024-01-02,10,11,9,10.5,100
2024-01-03,10.5,11,10,10.8,100
2024-01-03,10.5,11.2,10,10.9,100
2024-01-04,10.8,10,11,10.9,100
2024-01-05,10.9,11.5,10.5,,100
2024-01-10,11,12,10.5,11.5,100
2024-01-11,11.5,12,11,11.8,100
"""


@pytest.fixture
def bad_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    return path


def test_each_problem_yields_one_message_with_its_row(bad_file):
    report = validate(read_file(bad_file), mode="report")
    assert [(p.row, p.column) for p in report.errors] == [(3, "time"), (4, "high"), (5, "close"), (6, "time")]
    messages = [p.render() for p in report.errors]
    assert "duplicate timestamp (same as row 2)" in messages[0]
    assert "high 10 < low 11" in messages[1]
    assert "close is missing" in messages[2]
    assert "gap: 2 missing session(s)" in messages[3]  # 8 and 9 January 2024 were NYSE sessions
    assert all(m.startswith(f"{bad_file}, row ") for m in messages)
    assert report.frame is None and not report.ok


def test_strict_mode_raises_with_every_problem(bad_file):
    with pytest.raises(DataError) as info:
        validate(read_file(bad_file))
    assert len(info.value.problems) == 4
    assert "row 5, column close" in str(info.value)


def test_gap_on_a_24_7_calendar_counts_missing_bars(bad_file):
    report = validate(read_file(bad_file), "1d", calendar="24/7", mode="report")
    gap = report.errors[-1]
    assert gap.row == 6 and gap.value == 4  # 6, 7, 8 and 9 January


def test_repair_sorts_and_drops_exact_duplicates_and_reports_each_change():
    frame = bars([(1, 2, 0.5, 1.5), (1.5, 2, 1, 1.8), (1.8, 2.2, 1.7, 2.0)], timeframe="1h")
    shuffled = pd.concat([frame.iloc[[2]], frame.iloc[[0]], frame.iloc[[1]], frame.iloc[[1]]])
    report = validate(shuffled, "1h", calendar="24/7", mode="repair")
    assert report.ok
    assert report.frame is not None
    pd.testing.assert_frame_equal(report.frame, frame, check_freq=False)
    assert len(report.repairs) == 2
    assert "sorted" in report.repairs[0]
    assert "dropped row 4, an exact duplicate of row 3" in report.repairs[1]


def test_repair_keeps_conflicting_duplicates_as_errors():
    frame = bars([(1, 2, 0.5, 1.5), (1.5, 2, 1, 1.8)], timeframe="1h")
    twin = frame.iloc[[1]].copy()
    twin["close"] = 1.9
    with pytest.raises(DataError, match="1 problem"):
        validate(pd.concat([frame, twin]), "1h", calendar="24/7", mode="repair")


def test_out_of_order_rows_are_errors_in_strict_mode():
    frame = bars([(1, 2, 0.5, 1.5), (1.5, 2, 1, 1.8)], timeframe="1h")
    report = validate(frame.iloc[::-1], "1h", calendar="24/7", mode="report")
    assert [(p.row, "earlier" in p.message) for p in report.errors] == [(2, True)]


def test_negative_volume_and_infinity_are_named():
    frame = bars([(1, 2, 0.5, 1.5, -3), (1.5, 2, 1, 1.8, 1)], timeframe="1h")
    frame.iloc[1, 1] = np.inf
    report = validate(frame, "1h", calendar="24/7", mode="report")
    assert {(p.row, p.column) for p in report.errors} == {(1, "volume"), (2, "high")}


def test_fx_weekend_is_not_a_gap_but_a_weekday_hole_is():
    times = pd.date_range("2024-01-05T18:00Z", "2024-01-08T03:00Z", freq="1h")
    open_hours = times[
        (times < pd.Timestamp("2024-01-05T22:00Z")) | (times >= pd.Timestamp("2024-01-07T22:00Z"))
    ]
    frame = from_closes(np.linspace(1.1, 1.2, len(open_hours)), timeframe="1h")
    frame.index = open_hours.as_unit("ns").rename("time")
    assert validate(frame, "1h", mode="report").calendar == "24/5"
    assert validate(frame, "1h", calendar="24/5", mode="report").ok
    holed = frame.drop(frame.index[-2])
    report = validate(holed, "1h", calendar="24/5", mode="report")
    assert [p.value for p in report.errors] == [1]


def test_split_jump_is_a_warning_explained_by_adj_close():
    frame = from_closes([100.0, 101.0, 50.5, 51.0])
    frame["adj_close"] = [50.0, 50.5, 50.5, 51.0]
    report = validate(frame, "1d", calendar="24/7", mode="report")
    assert report.ok
    (warning,) = report.warnings
    assert warning.row == 3 and "explained by adj_close" in warning.message
    report = validate(frame.drop(columns="adj_close"), "1d", calendar="24/7", mode="report")
    assert "unadjusted split?" in report.warnings[0].message


def test_nyse_holidays_match_the_published_2024_and_2022_schedules():
    assert sorted(nyse_holidays(2024)) == [
        date(2024, 1, 1),
        date(2024, 1, 15),
        date(2024, 2, 19),
        date(2024, 3, 29),
        date(2024, 5, 27),
        date(2024, 6, 19),
        date(2024, 7, 4),
        date(2024, 9, 2),
        date(2024, 11, 28),
        date(2024, 12, 25),
    ]
    # 2022: New Year's Day on a Saturday is not observed; Juneteenth and Christmas move to Monday
    assert sorted(nyse_holidays(2022)) == [
        date(2022, 1, 17),
        date(2022, 2, 21),
        date(2022, 4, 15),
        date(2022, 5, 30),
        date(2022, 6, 20),
        date(2022, 7, 4),
        date(2022, 9, 5),
        date(2022, 11, 24),
        date(2022, 12, 26),
    ]
    assert date(2001, 9, 11) in nyse_holidays(2001) and date(2012, 10, 30) in nyse_holidays(2012)
    assert easter(2024) == date(2024, 3, 31) and easter(2025) == date(2025, 4, 20)
    assert len(nyse_sessions(date(2024, 1, 1), date(2024, 12, 31))) == 252
