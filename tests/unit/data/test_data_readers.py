"""Reader auto-detection on the common real-world layouts (fixture files written to tmp_path)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphalab.core.errors import DataError
from alphalab.data.readers import read_file

DAY1 = pd.Timestamp("2024-01-02T00:00:00Z")


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yahoo_layout_reads_dates_and_adj_close(tmp_path):
    path = _write(
        tmp_path,
        "AAPL.csv",
        "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,187.15,188.44,183.89,185.64,184.29,82488700\n2024-01-03,184.22,185.88,183.43,184.25,182.91,58414500\n",
    )
    f = read_file(path)
    assert list(f.index) == [DAY1, DAY1 + pd.Timedelta(days=1)]
    assert f["adj_close"].tolist() == [184.29, 182.91]
    assert f["volume"].tolist() == [82488700.0, 58414500.0]
    assert f["high"].iloc[0] == 188.44


def test_binance_kline_export_without_header_reads_milliseconds(tmp_path):
    rows = "1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68108,1704070799999,53957248.97,47134,682.57581,28957416.82,0\n1704070800000,42475.23,42775.00,42431.65,42613.56,1196.37856,1704074399999,51009720.81,44636,581.89412,24816973.42,0\n"
    f = read_file(_write(tmp_path, "BTCUSDT-1h-2024-01.csv", rows))
    assert list(f.index) == [pd.Timestamp("2024-01-01T00:00Z"), pd.Timestamp("2024-01-01T01:00Z")]
    assert f["close"].tolist() == [42475.23, 42613.56]
    assert f["volume"].iloc[0] == 1271.68108


def test_epoch_seconds_with_header_and_semicolons(tmp_path):
    f = read_file(
        _write(
            tmp_path,
            "k.csv",
            "timestamp;open;high;low;close;volume\n1704067200;1.5;1.7;1.4;1.6;10\n1704153600;1.6;1.8;1.5;1.7;11\n",
        )
    )
    assert list(f.index) == [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="UTC")]
    assert f["open"].tolist() == [1.5, 1.6]


def test_iso_with_zone_is_converted_to_utc(tmp_path):
    f = read_file(
        _write(
            tmp_path,
            "z.csv",
            "time,open,high,low,close,volume\n2024-03-01T09:30:00-05:00,10,11,9,10,5\n2024-03-01T09:31:00-05:00,10,11,9,10,5\n",
        )
    )
    assert f.index[0] == pd.Timestamp("2024-03-01T14:30:00Z")
    assert str(f.index.tz) == "UTC"


def test_iso_without_zone_is_read_as_utc_or_given_zone(tmp_path):
    path = _write(
        tmp_path, "n.csv", "datetime,open,high,low,close,volume\n2024-03-01 09:30:00,10,11,9,10,5\n"
    )
    assert read_file(path).index[0] == pd.Timestamp("2024-03-01T09:30:00Z")
    assert read_file(path, tz="America/New_York").index[0] == pd.Timestamp("2024-03-01T14:30:00Z")


def test_dotted_day_first_fx_export(tmp_path):
    f = read_file(
        _write(
            tmp_path,
            "fx.csv",
            "Time,Open,High,Low,Close,Volume\n01.02.2017 22:00:00.000,1.05236,1.05253,1.05221,1.05227,143539993.3\n",
        )
    )
    assert f.index[0] == pd.Timestamp("2017-02-01T22:00:00Z")


def test_month_first_slashes_like_the_arch_index_files(tmp_path):
    f = read_file(
        _write(
            tmp_path,
            "sp.csv",
            "Date,Open,High,Low,Close,Adj Close,Volume\n1/4/1999,1229.2,1248.8,1219.1,1228.1,1228.1,877000000\n1/5/1999,1228.1,1246.1,1228.1,1244.8,1244.8,775000000\n",
        )
    )
    assert list(f.index.date) == [pd.Timestamp("1999-01-04").date(), pd.Timestamp("1999-01-05").date()]


def test_parquet_with_timestamp_column(tmp_path):
    frame = pd.DataFrame(
        {
            "ts": pd.date_range("2024-01-01", periods=3, freq="1min", tz="UTC"),
            "o": [1.0, 2, 3],
            "h": [1.5, 2.5, 3.5],
            "l": [0.5, 1.5, 2.5],
            "c": [1.2, 2.2, 3.2],
            "v": [1.0, 1, 1],
        }
    )
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    f = read_file(path)
    assert f["close"].tolist() == [1.2, 2.2, 3.2]
    assert f.index[2] == pd.Timestamp("2024-01-01T00:02Z")


def test_explicit_mapping_overrides_the_guess(tmp_path):
    path = _write(tmp_path, "odd.csv", "when,first,top,bottom,last_price,qty\n2024-01-02,1,2,0.5,1.5,3\n")
    f = read_file(
        path,
        columns={
            "time": "when",
            "open": "first",
            "high": "top",
            "low": "bottom",
            "close": "last_price",
            "volume": "qty",
        },
    )
    assert f.iloc[0].tolist() == [1.0, 2.0, 0.5, 1.5, 3.0]


def test_missing_columns_name_what_the_file_has(tmp_path):
    path = _write(tmp_path, "odd.csv", "when,first,top,bottom,last_price\n2024-01-02,1,2,0.5,1.5\n")
    with pytest.raises(DataError, match="cannot find column") as info:
        read_file(path)
    assert "--map" in (info.value.hint or "")


def test_text_in_a_price_cell_names_row_and_column(tmp_path):
    path = _write(
        tmp_path,
        "bad.csv",
        "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,3\n2024-01-03,1,oops,0.5,1.5,3\n",
    )
    with pytest.raises(DataError) as info:
        read_file(path)
    (problem,) = info.value.problems
    assert problem.row == 2 and problem.column == "high" and "oops" in problem.render()


def test_unreadable_timestamp_becomes_nat(tmp_path):
    f = read_file(
        _write(
            tmp_path,
            "t.csv",
            "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,3\nnot-a-date,1,2,0.5,1.5,3\n",
        )
    )
    assert f.index[0] == DAY1 and pd.isna(f.index[1])
    assert np.isfinite(f["close"]).all()
