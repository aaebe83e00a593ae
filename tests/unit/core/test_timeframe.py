from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.core.timeframe import Timeframe


@pytest.mark.parametrize(
    ("text", "seconds", "freq"),
    [
        ("1m", 60, "1min"),
        ("5m", 300, "5min"),
        ("15m", 900, "15min"),
        ("30m", 1800, "30min"),
        ("1h", 3600, "1h"),
        ("4h", 14400, "4h"),
        ("1d", 86400, "1D"),
        ("1w", 604800, "1W-MON"),
    ],
)
def test_parse_known_timeframes_gives_duration_and_pandas_alias(text: str, seconds: int, freq: str) -> None:
    tf = Timeframe.parse(text)
    assert tf.seconds == seconds
    assert tf.to_pandas_freq() == freq
    assert str(tf) == text
    assert pd.Timedelta(tf.delta) == pd.Timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "h", "0m", "1y", "one hour", "-1h"])
def test_parse_garbage_raises_config_error_with_hint(bad: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Timeframe.parse(bad)
    assert exc.value.hint or "unit" in exc.value.message


def test_timeframes_compare_by_duration_across_units() -> None:
    assert Timeframe.parse("60m") == Timeframe.parse("1h")
    assert Timeframe.parse("4h") > Timeframe.parse("1h")
    assert Timeframe.parse("1d") < "1w"
    assert sorted(Timeframe.parse(x) for x in ["1d", "1m", "4h"]) == ["1m", "4h", "1d"]


def test_arithmetic_multiplies_divides_and_adds_to_timestamps() -> None:
    assert Timeframe.parse("15m") * 4 == Timeframe.parse("1h")
    assert Timeframe.parse("4h") / Timeframe.parse("1h") == 4.0
    assert Timeframe.parse("1h").divides(Timeframe.parse("4h"))
    assert not Timeframe.parse("1h").divides(Timeframe.parse("90m"))
    ts = pd.Timestamp("2024-01-01", tz="UTC")
    assert ts + Timeframe.parse("1h") == pd.Timestamp("2024-01-01 01:00", tz="UTC")


@given(st.integers(1, 500), st.sampled_from(["m", "h", "d", "w"]))
def test_parse_of_str_round_trips(count: int, unit: str) -> None:
    tf = Timeframe(count, unit)
    assert Timeframe.parse(str(tf)) == tf
    assert hash(Timeframe.parse(str(tf))) == hash(tf)
