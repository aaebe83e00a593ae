"""Session and regime filters mask entries; higher-timeframe values arrive only after their bar closed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.sdl import compile, load
from alphalab.sdl.filters import session_mask
from alphalab.sdl.models import SessionFilter

ALWAYS = {"gt": {"left": "close", "right": 0}}


def test_session_mask_uses_the_named_time_zone_and_weekdays() -> None:
    times = pd.DatetimeIndex(["2024-01-05 14:00", "2024-01-05 14:30", "2024-01-05 21:00", "2024-01-06 15:00"],
                             tz="UTC").as_unit("ns").asi8
    f = SessionFilter.model_validate({"timezone": "America/New_York", "days": ["mon", "tue", "wed", "thu", "fri"],
                                      "windows": [{"start": "09:30", "end": "16:00"}]})
    # 14:00 UTC = 09:00 NY (closed), 14:30 = 09:30 (open), 21:00 = 16:00 (closed), Saturday (closed)
    assert session_mask(f, times).tolist() == [False, True, False, False]


def test_session_window_wrapping_midnight() -> None:
    times = pd.DatetimeIndex(["2024-01-01 23:00", "2024-01-02 01:00", "2024-01-02 12:00"], tz="UTC").as_unit("ns").asi8
    f = SessionFilter.model_validate({"windows": [{"start": "22:00", "end": "02:00"}]})
    assert session_mask(f, times).tolist() == [True, True, False]


def test_regime_filter_masks_entries_not_exits(hourly_bars: BarArrays) -> None:
    spec = load({"id": "r", "name": "R", "entry": {"long": ALWAYS}, "exit": {"long": ALWAYS},
                 "filters": {"regimes": ["bull", "low_vol_chop"]}})
    labels = np.array(["bull", "bear", "high_vol_chop", "low_vol_chop"] * (hourly_bars.n_bars // 4), dtype=object)
    regimes = np.column_stack([labels, np.roll(labels, 1)])
    sig = compile(spec).signals(hourly_bars, regimes=regimes)
    assert np.array_equal(sig.entry_long, np.isin(regimes, ["bull", "low_vol_chop"]))
    assert sig.exit_long.all()


def test_higher_timeframe_indicator_is_visible_only_after_its_bar_closed(hourly_bars: BarArrays) -> None:
    spec = load({"id": "h", "name": "H", "indicators": {"sma4h": {"type": "sma", "params": {"period": 2},
                                                                   "timeframe": "4h"}},
                 "entry": {"long": {"gt": {"left": "close", "right": "sma4h"}}}})
    sig = compile(spec).signals(hourly_bars)
    close = hourly_bars.close[:, 0]
    closes_4h = close[3::4]  # the series starts at midnight: every 4th hourly close ends a 4h bar
    sma = (closes_4h[1:] + closes_4h[:-1]) / 2
    got = sig.indicators["sma4h"][:, 0]
    for t in range(hourly_bars.n_bars - 4):
        k = (t + 1) // 4 - 1  # last 4h bar closed at the close of hourly bar t
        want = sma[k - 1] if k >= 1 else np.nan
        np.testing.assert_allclose(got[t], want, rtol=1e-12, equal_nan=True)


def test_confirmation_masks_entries_with_the_aligned_higher_timeframe_condition(hourly_bars: BarArrays) -> None:
    base = {"id": "c", "name": "C", "entry": {"long": ALWAYS}}
    conf = {"timeframe": "4h", "long": {"gt": {"left": "close", "right": "open"}}}
    sig = compile(load({**base, "confirmations": [conf]})).signals(hourly_bars)
    o, c = hourly_bars.open[:, 0], hourly_bars.close[:, 0]
    up_4h = c[3::4] > o[0::4][: len(c[3::4])]
    for t in range(8, hourly_bars.n_bars):
        k = (t + 1) // 4 - 1
        assert sig.entry_long[t, 0] == up_4h[k], t
    assert not sig.entry_long[:3].any()  # no 4h bar has closed yet
