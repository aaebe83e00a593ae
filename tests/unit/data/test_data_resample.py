"""Resampling against hand-computed bars and pandas; alignment without look-ahead; adjustment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.data.resampling import adjust, align_to, resample
from alphalab.data.synthetic import gbm
from alphalab.testing.bars import bars

HOURS = bars(
    [
        (10, 12, 9, 11, 100),
        (11, 13, 10, 12, 200),
        (12, 12.5, 8, 9, 300),
        (9, 10, 7, 8, 400),
        (8, 11, 8, 10, 500),
        (10, 10.5, 9.5, 10.2, 600),
        (10.2, 14, 10, 13, 700),
    ],
    start="2024-01-01T00:00",
    timeframe="1h",
)


def test_three_hour_bars_match_the_hand_computed_table():
    out = resample(HOURS, "3h", calendar="24/7")
    expected = bars([(10, 13, 8, 9, 600), (9, 11, 7, 10.2, 1500)], start="2024-01-01T00:00", timeframe="3h")
    pd.testing.assert_frame_equal(out, expected, check_freq=False)


def test_incomplete_last_bar_only_when_asked():
    out = resample(HOURS, "3h", include_partial=True)
    assert len(out) == 3
    assert out.iloc[-1].tolist() == [10.2, 14.0, 10.0, 13.0, 700.0]
    assert out.index[-1] == pd.Timestamp("2024-01-01T06:00Z")


def test_buckets_align_to_midnight_not_to_the_first_bar():
    late = HOURS.iloc[1:]  # starts at 01:00
    out = resample(late, "2h", include_partial=True)
    assert list(out.index.hour) == [0, 2, 4, 6]
    assert out["open"].iloc[0] == 11 and out["volume"].iloc[0] == 200


def test_weekly_bars_are_labelled_by_monday_and_friday_closes_the_week():
    days = (
        pd.bdate_range("2024-01-01", "2024-01-12", tz="UTC").as_unit("ns").rename("time")
    )  # Mon 1st .. Fri 12th
    daily = pd.DataFrame(
        {
            "open": np.arange(10.0),
            "high": np.arange(10.0) + 1,
            "low": np.arange(10.0) - 1,
            "close": np.arange(10.0) + 0.5,
            "volume": np.ones(10),
        },
        index=days,
    )
    out = resample(daily, "1w", calendar="XNYS")
    assert list(out.index) == [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-08", tz="UTC")]
    assert out.iloc[1].tolist() == [5.0, 10.0, 4.0, 9.5, 5.0]
    assert len(resample(daily, "1w", calendar="24/7")) == 1  # on a 24/7 clock the weekend is still to come


def test_matches_pandas_resample_on_random_minutes():
    frame = gbm(5000, seed=3, timeframe="1m")
    ours = resample(frame, "1h", include_partial=True)
    ref = frame.resample("1h", label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy())
    assert (ours.index == ref.index).all()


def test_finer_target_is_refused():
    with pytest.raises(ConfigError):
        resample(HOURS, "30m")
    with pytest.raises(ConfigError):
        resample(HOURS, "90m")


def test_align_rule_shows_a_higher_bar_from_the_lower_bar_that_closes_with_it():
    higher = resample(HOURS, "3h", include_partial=True)
    seen = align_to(HOURS.index, higher, "3h")
    # the 00:00-03:00 bar closes at 03:00, i.e. with the lower bar opened at 02:00
    assert seen["close"].isna().tolist()[:2] == [True, True]
    assert seen["close"].tolist()[2:] == [9.0, 9.0, 9.0, 10.2, 10.2]


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(min_value=1, max_value=238), seed=st.integers(0, 10_000), shock=st.floats(0.5, 2.0))
def test_changing_the_future_never_changes_what_earlier_lower_bars_see(cut, seed, shock):
    lower = gbm(240, seed=seed, timeframe="15m")
    changed = lower.copy()
    changed.iloc[cut:, :4] *= shock  # rewrite everything after bar cut-1
    changed["high"] = changed[["open", "high", "close"]].max(axis=1)
    changed["low"] = changed[["open", "low", "close"]].min(axis=1)
    seen = align_to(lower.index, resample(lower, "4h", include_partial=True), "4h")
    seen_changed = align_to(changed.index, resample(changed, "4h", include_partial=True), "4h")
    pd.testing.assert_frame_equal(seen.iloc[:cut], seen_changed.iloc[:cut])


def test_adjust_scales_prices_and_volume_from_adj_close():
    frame = bars([(100, 102, 98, 100, 10), (50, 51, 49, 50.5, 20)])
    frame["adj_close"] = [50.0, 50.5]
    out = adjust(frame)
    assert out.iloc[0, :5].tolist() == [50.0, 51.0, 49.0, 50.0, 20.0]
    assert out.iloc[1, :5].tolist() == [50.0, 51.0, 49.0, 50.5, 20.0]
    assert (out["close"] * out["volume"]).tolist() == (frame["close"] * frame["volume"]).tolist()
