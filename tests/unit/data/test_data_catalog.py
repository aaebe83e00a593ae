"""The Parquet lake: append + dedupe, windows, listing, deletion and atomic writes."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from alphalab.core.errors import NotFoundError
from alphalab.data.catalog import Catalog
from alphalab.testing.bars import from_closes


def test_write_then_read_round_trips_exactly(tmp_path):
    cat = Catalog(tmp_path)
    frame = from_closes([1.0, 2.0, 3.0, 4.0], timeframe="1h")
    result = cat.write(frame, "binance", "BTC/USDT", "1h")
    assert (result.rows_before, result.rows_added, result.rows_after) == (0, 4, 4)
    pd.testing.assert_frame_equal(cat.read("binance", "BTC/USDT", "1h"), frame, check_freq=False)
    assert result.path.parent.name == "BTC%2FUSDT"


def test_append_dedupes_and_new_bars_replace_old_ones(tmp_path):
    cat = Catalog(tmp_path)
    cat.write(from_closes([1.0, 2.0, 3.0], timeframe="1h"), "local", "X", "1h")
    newer = from_closes([30.0, 40.0, 50.0], timeframe="1h", start="2024-01-01T02:00")
    result = cat.write(newer, "local", "X", "1h")
    assert (result.rows_before, result.rows_added, result.rows_after) == (3, 2, 5)
    assert cat.read("local", "X", "1h")["close"].tolist() == [1.0, 2.0, 30.0, 40.0, 50.0]


def test_read_window_is_start_inclusive_end_exclusive(tmp_path):
    cat = Catalog(tmp_path)
    cat.write(from_closes([1.0, 2.0, 3.0, 4.0], timeframe="1d"), "local", "X", "1d")
    part = cat.read("local", "X", "1d", start="2024-01-02", end="2024-01-04")
    assert part["close"].tolist() == [2.0, 3.0]


def test_list_find_last_time_and_delete(tmp_path):
    cat = Catalog(tmp_path)
    cat.write(from_closes([1.0, 2.0], timeframe="1d"), "local", "AAA", "1d")
    cat.write(from_closes([1.0, 2.0, 3.0], timeframe="1h"), "binance", "ETH/USDT", "1h")
    listing = {(d.source, d.symbol, d.timeframe): d for d in cat.list()}
    assert set(listing) == {("local", "AAA", "1d"), ("binance", "ETH/USDT", "1h")}
    eth = listing[("binance", "ETH/USDT", "1h")]
    assert eth.rows == 3 and eth.end == pd.Timestamp("2024-01-01T02:00Z")
    assert cat.last_time("binance", "ETH/USDT", "1h") == pd.Timestamp("2024-01-01T02:00Z")
    assert [d.source for d in cat.find("AAA")] == ["local"]
    cat.delete("local", "AAA")
    assert [d.symbol for d in cat.list()] == ["ETH/USDT"]
    with pytest.raises(NotFoundError):
        cat.read("local", "AAA", "1d")


def test_failed_write_half_way_keeps_old_data_and_leaves_no_temp_file(tmp_path, monkeypatch):
    cat = Catalog(tmp_path)
    old = from_closes([1.0, 2.0, 3.0], timeframe="1h")
    cat.write(old, "local", "X", "1h")
    real_write = pq.write_table

    def write_half_then_fail(table, where, **kwargs):
        real_write(table, where, **kwargs)  # the bytes reach the temporary file ...
        where.write(b"partial garbage")
        raise OSError("disk full")  # ... and then the writer dies before the rename

    monkeypatch.setattr(pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        cat.write(
            from_closes([7.0, 8.0, 9.0, 10.0], timeframe="1h", start="2024-01-01T02:00"), "local", "X", "1h"
        )
    monkeypatch.undo()
    pd.testing.assert_frame_equal(cat.read("local", "X", "1h"), old, check_freq=False)
    leftovers = [p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".lock"]
    assert leftovers == ["1h.parquet"]
