from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphalab.core.bars import BarArrays, ensure_barframe
from alphalab.core.enums import AssetClass
from alphalab.core.errors import DataError
from alphalab.core.instrument import Instrument


def _frame(start: str, n: int, base: float) -> pd.DataFrame:
    idx = pd.date_range(start, periods=n, freq="D", tz="UTC", name="time")
    c = base + np.arange(n, dtype=float)
    return pd.DataFrame({"open": c, "high": c + 1, "low": c - 1, "close": c, "volume": 100.0}, index=idx)


def test_from_frames_aligns_on_union_and_marks_missing_bars_nan() -> None:
    bars = BarArrays.from_frames({"A": _frame("2024-01-01", 3, 10), "B": _frame("2024-01-02", 3, 20)}, "1d")
    assert bars.n_bars == 4 and bars.symbols == ("A", "B")
    assert np.isnan(bars.close[0, 1]) and np.isnan(bars.close[3, 0])
    assert bars.close[1, 1] == 20.0
    expected = _frame("2024-01-01", 3, 10)
    expected.index = expected.index.as_unit("ns")
    pd.testing.assert_frame_equal(bars.frame("A"), expected, check_freq=False)


def test_digest_changes_when_any_value_changes() -> None:
    a = BarArrays.from_frame(_frame("2024-01-01", 5, 10), "A", "1d")
    f = _frame("2024-01-01", 5, 10)
    f.iloc[4, 3] += 1e-9
    b = BarArrays.from_frame(f, "A", "1d")
    assert a.digest() == BarArrays.from_frame(_frame("2024-01-01", 5, 10), "A", "1d").digest()
    assert a.digest() != b.digest()


def test_slice_keeps_symbols_and_timeframe() -> None:
    bars = BarArrays.from_frame(_frame("2024-01-01", 10, 1), "A", "1d")
    part = bars.slice(2, 5)
    assert part.n_bars == 3 and part.close[0, 0] == 3.0 and part.timeframe == "1d"


def test_ensure_barframe_names_missing_columns() -> None:
    f = _frame("2024-01-01", 2, 1).drop(columns=["volume", "low"])
    with pytest.raises(DataError, match="low, volume"):
        ensure_barframe(f, source="x.csv")


def test_ensure_barframe_converts_naive_index_to_utc() -> None:
    f = _frame("2024-01-01", 2, 1)
    f.index = f.index.tz_localize(None)
    out = ensure_barframe(f)
    assert str(out.index.tz) == "UTC" and out.index.name == "time"


def test_instrument_rounds_to_tick_and_lot() -> None:
    inst = Instrument("BTC/USDT", AssetClass.CRYPTO, "USDT", tick_size=0.01, lot_size=0.001, calendar="24/7")
    assert inst.round_price(100.006) == pytest.approx(100.01)
    assert inst.round_quantity(1.23456) == pytest.approx(1.234)
    assert inst.round_quantity(-1.23456) == pytest.approx(-1.234)
    assert inst.periods_per_year_daily == 365


def test_instrument_guess_classifies_symbols() -> None:
    assert Instrument.guess("binance:BTC/USDT").asset_class is AssetClass.CRYPTO
    assert Instrument.guess("sample:EURUSD").asset_class is AssetClass.FX
    assert Instrument.guess("sample:AAPL").asset_class is AssetClass.STOCK
    assert Instrument.guess("sample:AAPL").periods_per_year_daily == 252
