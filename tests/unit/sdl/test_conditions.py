"""Condition semantics on small hand-made arrays, through load -> compile -> signals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.sdl import compile, load


def _bars(close: list[float], open_: list[float] | None = None) -> BarArrays:
    c = np.asarray(close, dtype=float)[:, None]
    o = np.asarray(open_ if open_ is not None else close, dtype=float)[:, None]
    time = pd.date_range("2024-01-01", periods=len(close), freq="1D", tz="UTC").as_unit("ns").asi8
    return BarArrays(time, o, np.fmax(o, c), np.fmin(o, c), c, np.ones_like(c), symbols=("X",), timeframe=_tf())


def _tf() -> Any:
    from alphalab.core.timeframe import Timeframe

    return Timeframe.parse("1d")


def _long_entries(condition: dict[str, Any], close: list[float], open_: list[float] | None = None) -> list[bool]:
    spec = load({"id": "t", "name": "T", "entry": {"long": condition}})
    return compile(spec).signals(_bars(close, open_)).entry_long[:, 0].tolist()


def test_cross_above_fires_only_on_the_crossing_bar() -> None:
    cond = {"cross_above": {"left": "close", "right": 3}}
    assert _long_entries(cond, [1, 3, 3, 4, 5, 2, 4]) == [False, False, False, True, False, False, True]


def test_cross_below_between_two_series_fires_on_the_crossing_bar() -> None:
    cond = {"cross_below": {"left": "close", "right": "open"}}
    close = [5, 5, 2, 1, 4]
    open_ = [4, 4, 4, 4, 4]
    assert _long_entries(cond, close, open_) == [False, False, True, False, False]


def test_breakout_excludes_the_current_bar_from_the_lookback() -> None:
    cond = {"breakout": {"value": "close", "direction": "up", "bars": 2}}
    assert _long_entries(cond, [1, 2, 3, 2, 5, 5]) == [False, False, True, False, True, False]


def test_breakout_down_uses_the_lowest_of_previous_bars() -> None:
    cond = {"breakout": {"value": "close", "direction": "down", "bars": 3}}
    assert _long_entries(cond, [5, 4, 6, 3, 4, 2]) == [False, False, False, True, False, True]


def test_vote_needs_at_least_k_of_n() -> None:
    of = [{"gt": {"left": "close", "right": 1}}, {"gt": {"left": "close", "right": 2}},
          {"gt": {"left": "close", "right": 3}}]
    close = [0.5, 1.5, 2.5, 3.5]
    assert _long_entries({"vote": {"k": 2, "of": of}}, close) == [False, False, True, True]
    assert _long_entries({"vote": {"k": 1, "of": of}}, close) == [False, True, True, True]
    assert _long_entries({"vote": {"k": 3, "of": of}}, close) == [False, False, False, True]


def test_between_is_inclusive_at_both_ends() -> None:
    cond = {"between": {"value": "close", "lower": 30, "upper": 70}}
    assert _long_entries(cond, [29.9, 30, 50, 70, 70.1]) == [False, True, True, True, False]


def test_rising_requires_every_step_of_n_bars_to_rise() -> None:
    cond = {"rising": {"value": "close", "bars": 2}}
    assert _long_entries(cond, [1, 2, 3, 3, 4, 5]) == [False, False, True, False, False, True]


def test_falling_over_one_bar_compares_with_the_previous_bar() -> None:
    cond = {"falling": {"value": "close", "bars": 1}}
    assert _long_entries(cond, [3, 2, 2, 1]) == [False, True, False, True]


def test_comparisons_gt_ge_lt_le_follow_their_definitions() -> None:
    close = [1, 2, 3]
    assert _long_entries({"gt": {"left": "close", "right": 2}}, close) == [False, False, True]
    assert _long_entries({"ge": {"left": "close", "right": 2}}, close) == [False, True, True]
    assert _long_entries({"lt": {"left": "close", "right": 2}}, close) == [True, False, False]
    assert _long_entries({"le": {"left": "close", "right": 2}}, close) == [True, True, False]


def test_not_and_any_stay_false_where_an_operand_is_nan() -> None:
    close = [np.nan, 1, 5]
    assert _long_entries({"not": {"gt": {"left": "close", "right": 2}}}, close) == [False, True, False]
    cond = {"any": [{"gt": {"left": "close", "right": 2}}, {"lt": {"left": "close", "right": 2}}]}
    assert _long_entries(cond, close) == [False, True, True]


def test_all_combines_children_with_and() -> None:
    cond = {"all": [{"gt": {"left": "close", "right": 1}}, {"lt": {"left": "close", "right": 4}}]}
    assert _long_entries(cond, [1, 2, 3, 4]) == [False, True, True, False]


def test_parameter_constant_substitutes_into_conditions() -> None:
    spec = load({"id": "t", "name": "T", "parameters": {"lvl": {"type": "float", "default": 2, "min": 0, "max": 10}},
                 "entry": {"long": {"gt": {"left": "close", "right": "$lvl"}}}}, params={"lvl": 3})
    sig = compile(spec).signals(_bars([1, 2, 3, 4]))
    assert sig.entry_long[:, 0].tolist() == [False, False, False, True]
    assert not sig.exit_long.any() and not sig.entry_short.any()
