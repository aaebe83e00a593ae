"""Impossible prices, ambiguous columns and unreadable files are refused, naming the row and column."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from alphalab.core.errors import DataError
from alphalab.data.readers import read_file
from alphalab.data.validation import validate

HEADER = "time,open,high,low,close,volume\n"
GOOD = "2024-01-02,10,11,9,10.5,100\n2024-01-03,10.5,11,10,10.8,100\n2024-01-04,10.8,11.5,10.5,11,100\n"


def _file(tmp_path, text: str, name: str = "bars.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        (2, "close", "2024-01-03,10.5,11,10,-1,100\n"),
        (2, "open", "2024-01-03,0,11,0,10.8,100\n"),
        (2, "high", "2024-01-03,10.5,1e308,10,10.8,100\n"),
    ],
)
def test_impossible_price_names_row_and_column(tmp_path, row, column, text):
    lines = GOOD.splitlines(keepends=True)
    lines[1] = text
    frame = read_file(_file(tmp_path, HEADER + "".join(lines)))
    with pytest.raises(DataError) as info:
        validate(frame, "1d", calendar="24/7")
    assert any(p.row == row and p.column == column for p in info.value.problems), str(info.value)


def test_nonpositive_prices_are_allowed_when_asked():
    idx = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC", name="time")
    frame = pd.DataFrame(
        {
            "open": [-1.0, 0.0, 1.0],
            "high": [1.0, 1.0, 2.0],
            "low": [-2.0, -1.0, 0.5],
            "close": [0.0, 1.0, 1.5],
            "volume": [1.0, 1.0, 1.0],
        },
        index=idx,
    )
    assert validate(frame, "1d", calendar="24/7", allow_nonpositive=True).ok
    assert not validate(frame, "1d", calendar="24/7", mode="report").ok


def test_duplicated_close_column_is_ambiguous(tmp_path):
    path = _file(tmp_path, "time,open,high,low,close,close,volume\n2024-01-02,1,2,0.5,1.5,1.6,3\n")
    with pytest.raises(DataError, match="'close' appears twice"):
        read_file(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        (b"PK\x03\x04rest", "xlsx"),
        ("time,open\n".encode("utf-16"), "UTF-16"),
        (b"time,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,\xff\n", "not UTF-8"),
    ],
)
def test_binary_or_foreign_file_is_a_data_error(tmp_path, content, expected):
    path = tmp_path / "bars.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        read_file(path)


def test_truncated_gzip_and_fake_gzip_are_data_errors(tmp_path):
    full = gzip.compress((HEADER + GOOD * 200).encode())
    (tmp_path / "cut.csv.gz").write_bytes(full[: len(full) // 2])
    (tmp_path / "fake.csv.gz").write_text(HEADER + GOOD)
    with pytest.raises(DataError, match="truncated or corrupt"):
        read_file(tmp_path / "cut.csv.gz")
    with pytest.raises(DataError, match="not gzip-compressed"):
        read_file(tmp_path / "fake.csv.gz")


def test_directory_header_only_and_garbage_parquet_are_data_errors(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match="is a directory"):
        read_file(tmp_path / "dir.csv")
    with pytest.raises(DataError, match="no data rows"):
        read_file(_file(tmp_path, HEADER, "head.csv"))
    (tmp_path / "bad.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_file(tmp_path / "bad.parquet")


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        (["1600-01-03", "1600-01-04"], "outside the years 1800..2200"),
        (["2300-01-03", "2300-01-04"], "outside the years 1800..2200"),
        (["32503680000", "32503766400"], "outside the years 1800..2200"),
        (["45293", "45294"], "Excel serial day number"),
        (["2024-01-02T00:00:00", "2024-01-03T00:00:00+02:00"], "with and without a time zone"),
    ],
)
def test_impossible_timestamps_name_the_row(tmp_path, times, expected):
    body = "".join(f"{t},1,2,0.5,1.5,3\n" for t in times)
    with pytest.raises(DataError, match=expected) as info:
        read_file(_file(tmp_path, HEADER + body))
    assert "row " in str(info.value)


def test_ambiguous_slashed_dates_pick_the_regular_order_and_warn(tmp_path):
    body = "".join(f"{d:02d}/01/2024,1,2,0.5,1.5,3\n" for d in range(2, 9))
    frame = read_file(_file(tmp_path, HEADER + body))
    assert frame.index[0] == pd.Timestamp("2024-01-02", tz="UTC")  # day-first gives daily steps
    (note,) = frame.attrs["warnings"]
    assert "day-first" in note.message


def test_zoned_times_across_a_summer_time_change_are_read(tmp_path):
    body = "2024-03-30T10:00:00+01:00,1,2,0.5,1.5,3\n2024-04-01T10:00:00+02:00,1,2,0.5,1.5,3\n"
    frame = read_file(_file(tmp_path, HEADER + body))
    assert list(frame.index) == [pd.Timestamp("2024-03-30T09:00Z"), pd.Timestamp("2024-04-01T08:00Z")]


def test_a_year_pandas_can_hold_but_no_market_has_is_refused(tmp_path):
    body = "2024-01-02,1,2,0.5,1.5,3\n1750-01-03,1,2,0.5,1.5,3\n"
    with pytest.raises(DataError, match=r"row 2: '1750-01-03' is outside the years 1800\.\.2200"):
        read_file(_file(tmp_path, HEADER + body))


class _BadExchange:
    """An exchange whose klines include a zero close and a 1e308 high (seen from real, broken feeds)."""

    id = "badex"
    HOUR = 3_600_000
    START = 1_704_067_200_000  # 2024-01-01T00:00Z

    def milliseconds(self) -> int:
        return self.START + 10 * self.HOUR

    def fetch_ohlcv(self, symbol, timeframe, since=None, limit=None):
        rows = [[self.START + i * self.HOUR, 10.0, 11.0, 9.0, 10.5, 1.0] for i in range(6)]
        rows[2][4] = 0.0
        rows[4][2] = 1e308
        return [r for r in rows if since is None or r[0] >= since]


def test_download_drops_bars_with_impossible_values_and_says_so(tmp_path):
    from alphalab.data.catalog import Catalog
    from alphalab.data.downloader import download

    cat = Catalog(tmp_path)
    result = download(_BadExchange(), "X/USDT", "1h", since="2024-01-01", until="2024-01-01T06:00",
                      catalog=cat, sleep=lambda s: None)
    stored = cat.read("badex", "X/USDT", "1h")
    assert len(stored) == 4 and (stored["close"] > 0).all() and (stored["high"] < 1e12).all()
    assert any("dropped 2 bar(s) with impossible values" in w for w in result.warnings)
