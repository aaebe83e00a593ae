"""Point-in-time store joins as of availability; labels trade at the next open; triple barrier by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError, NotFoundError
from alphalab.ml.labels import forward_return_labels, triple_barrier_labels
from alphalab.ml.store import FeatureStore

DAY = pd.Timedelta("1D")


def _idx(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2024-01-01", periods=n, freq="1D", tz="UTC", name="time")


def _reference_asof(decision: pd.Timestamp, values: pd.DataFrame, avail: pd.DatetimeIndex) -> float:
    known = values["x"].to_numpy()[np.asarray(avail <= decision)]
    order = np.argsort(np.asarray(avail[avail <= decision]), kind="stable")
    return float(known[order][-1]) if known.shape[0] else np.nan


@settings(max_examples=20, deadline=None)
@given(
    delays=st.lists(st.integers(0, 5), min_size=3, max_size=15),
    offsets=st.lists(st.integers(-2, 20), min_size=1, max_size=10),
)
def test_training_set_uses_a_value_only_once_available(
    tmp_path_factory: pytest.TempPathFactory, delays: list[int], offsets: list[int]
) -> None:
    store = FeatureStore(tmp_path_factory.mktemp("pit"))
    idx = _idx(len(delays))
    values = pd.DataFrame({"x": np.arange(len(delays), dtype=float) * 10}, index=idx)
    avail = pd.DatetimeIndex([t + d * DAY + pd.Timedelta(f"{i}us") for i, (t, d) in enumerate(zip(idx, delays, strict=True))])
    store.write("g", "AAA", values, available=avail)
    times = [idx[0] + o * DAY for o in offsets]
    out = store.training_set(pd.DataFrame({"symbol": "AAA", "time": times}), ["g"])
    for t, got, when in zip(times, out["x"], out["g__available_time"], strict=True):
        ref = _reference_asof(t, values, avail)
        assert (np.isnan(got) and np.isnan(ref)) or got == ref
        assert pd.isna(when) or when <= t


def test_training_set_keeps_symbols_apart_and_rows_in_order(tmp_path_factory: pytest.TempPathFactory) -> None:
    store = FeatureStore(tmp_path_factory.mktemp("pit"))
    idx = _idx(4)
    store.write("bars", "AAA", pd.DataFrame({"rsi": [1.0, 2, 3, 4]}, index=idx), available=DAY)
    store.write("bars", "BBB", pd.DataFrame({"rsi": [10.0, 20, 30, 40]}, index=idx), available=DAY)
    dec = pd.DataFrame({"symbol": ["BBB", "AAA", "AAA"], "time": [idx[3], idx[0], idx[2] + DAY], "y": [1, 2, 3]})
    out = store.training_set(dec, ["bars"])
    assert out["y"].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(out["rsi"].to_numpy(), [30.0, np.nan, 3.0])


def test_store_rejects_values_available_before_their_event(tmp_path_factory: pytest.TempPathFactory) -> None:
    store = FeatureStore(tmp_path_factory.mktemp("pit"))
    idx = _idx(2)
    with pytest.raises(ConfigError, match="available time"):
        store.write("g", "A", pd.DataFrame({"x": [1.0, 2.0]}, index=idx), available=idx - DAY)
    with pytest.raises(NotFoundError):
        store.training_set(pd.DataFrame({"symbol": ["A"], "time": [idx[0]]}), ["missing"])


def _bars(opens: list[float], highs: list[float], lows: list[float], closes: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"open": opens, "high": highs, "low": lows, "close": closes}, index=_idx(len(opens)))


def test_forward_returns_enter_at_the_next_open() -> None:
    frame = _bars([10, 11, 12, 15, 9], [0] * 5, [0] * 5, [0] * 5)
    lab = forward_return_labels(frame, horizon=2)
    np.testing.assert_allclose(lab["ret"].to_numpy()[:2], [15 / 11 - 1, 9 / 12 - 1])
    assert lab["ret"].iloc[2:].isna().all()
    assert lab["start"].iloc[0] == frame.index[1] and lab["end"].iloc[0] == frame.index[3]


def test_forward_return_at_t_ignores_bars_after_its_end() -> None:
    rng = np.random.default_rng(0)
    o = list(100 + rng.normal(size=30).cumsum())
    lab = forward_return_labels(_bars(o, o, o, o), horizon=3)
    o2 = o[:20] + [x * 2 for x in o[20:]]
    lab2 = forward_return_labels(_bars(o2, o2, o2, o2), horizon=3)
    pd.testing.assert_series_equal(lab["ret"].iloc[:16], lab2["ret"].iloc[:16])


def test_triple_barrier_by_hand() -> None:
    #          t0    t1    t2     t3    t4    t5
    opens = [100, 100, 101, 103, 99, 100]
    highs = [100, 102, 106, 104, 100, 100]
    lows = [100, 99, 100, 96, 94, 100]
    closes = [100, 101, 103, 100, 95, 100]
    lab = triple_barrier_labels(_bars(opens, highs, lows, closes), np.full(6, 0.05), horizon=3)
    # t0: entry 100 at t1's open, barriers 105/95: t2 high 106 -> +1 at 105
    assert lab["label"].iloc[0] == 1 and lab["ret"].iloc[0] == pytest.approx(0.05)
    assert lab["end"].iloc[0] == lab.index[2] + DAY
    # t1: entry 101, barriers 106.05/95.95: t3 low 96 no, t4 opens 99 and low 94 -> -1 at 95.95
    assert lab["label"].iloc[1] == -1 and lab["ret"].iloc[1] == pytest.approx(95.95 / 101 - 1)
    # t2: entry 103, barriers 108.15/97.85: t4 gaps to 99 then low 94 -> stop, exit at min(open, lower)
    assert lab["label"].iloc[2] == -1 and lab["ret"].iloc[2] == pytest.approx(97.85 / 103 - 1)
    assert lab["label"].iloc[3:].isna().all()


def test_triple_barrier_vertical_barrier_and_gap() -> None:
    lab = triple_barrier_labels(_bars([100, 100, 90, 90], [100, 101, 91, 91], [100, 99, 89, 89], [100, 100, 90, 90]),
                                np.full(4, 0.05), horizon=2)
    assert lab["label"].iloc[0] == -1 and lab["ret"].iloc[0] == pytest.approx(-0.10)  # gap: fills at the open
    lab = triple_barrier_labels(_bars([100] * 4, [101] * 4, [99] * 4, [100.5] * 4), np.full(4, 0.05), horizon=2)
    assert lab["label"].iloc[0] == 0 and lab["ret"].iloc[0] == pytest.approx(0.005)
