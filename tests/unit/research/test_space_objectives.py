"""Search-space parsing, samplers, objectives and constraints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.research.objectives import (
    best_index,
    feasible_mask,
    pareto_front,
    parse_constraints,
    parse_objectives,
)
from alphalab.research.samplers import plan
from alphalab.research.space import SearchSpace, parse_override, space_from_spec


def test_range_override_gives_inclusive_integer_grid() -> None:
    p = parse_override("fast=5:50:5")
    assert p.kind == "int"
    assert p.grid_values() == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]


def test_choice_override_keeps_types() -> None:
    p = parse_override("slow=20,50,100")
    assert p.grid_values() == [20, 50, 100]
    assert parse_override("mode=a,b").grid_values() == ["a", "b"]


def test_bad_override_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        parse_override("fast")
    with pytest.raises(ConfigError):
        parse_override("fast=9:1")


def test_space_from_sdl_declaration_with_override() -> None:
    decl = {
        "fast": {"type": "int", "default": 10, "min": 5, "max": 15, "step": 5},
        "slow": {"type": "int", "default": 50, "min": 20, "max": 100, "step": 40},
        "mode": {"type": "str", "default": "a", "choices": ["a", "b"]},
    }
    space = space_from_spec({"parameters": decl}, ["slow=30,60"])
    assert space.names == ["fast", "slow", "mode"]
    assert space.grid_size() == 3 * 2 * 2
    assert {"fast": 15, "slow": 60, "mode": "b"} in space.grid()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(0, 1000))
def test_lhs_fills_each_stratum_once(n: int, seed: int) -> None:
    space = SearchSpace({"x": parse_override("x=0.0:1.0")})
    xs = np.array([p["x"] for p in plan(space, "lhs", n, seed)])
    strata = np.floor(xs * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))


def test_random_sampler_is_seeded_and_in_bounds() -> None:
    space = SearchSpace({"a": parse_override("a=1:9:2"), "b": parse_override("b=0.5:1.5")})
    one, two = plan(space, "random", 50, 3), plan(space, "random", 50, 3)
    assert one == two
    assert all(p["a"] in (1, 3, 5, 7, 9) and 0.5 <= p["b"] <= 1.5 for p in one)


def test_objectives_default_direction_by_metric() -> None:
    objs = parse_objectives("sharpe,max_drawdown,cagr:min")
    assert [(o.metric, o.direction) for o in objs] == [("sharpe", "max"), ("max_drawdown", "min"), ("cagr", "min")]


def test_constraints_filter_rows() -> None:
    t = pd.DataFrame(
        {"status": ["ok", "ok", "ok", "error"], "m_max_drawdown": [0.1, 0.3, 0.2, 0.1], "m_trades": [40, 50, 10, 99]}
    )
    mask = feasible_mask(t, parse_constraints(["max_drawdown<0.25", "trades>=30"]))
    assert mask.tolist() == [True, False, False, False]
    with pytest.raises(ConfigError):
        parse_constraints(["trades >> 3"])


def test_pareto_front_and_best_index() -> None:
    vals = np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 2.0], [0.4, 0.4]])
    assert pareto_front(vals).tolist() == [True, True, True, False]
    t = pd.DataFrame({"m_sharpe": [1.0, 2.0, 0.5, 3.0], "m_max_drawdown": [0.1, 0.2, 0.05, 0.5]})
    objs = parse_objectives("sharpe,max_drawdown:min")
    assert best_index(t, objs, np.array([True, True, True, False])) == 1
