"""Parameter constraints (`"constraints": ["fast < slow"]`): SDL validation and every sampler."""

from __future__ import annotations

import json

import pytest

from alphalab.core.errors import ValidationError
from alphalab.engine.backtest import resolve_spec
from alphalab.research.objectives import parse_objectives
from alphalab.research.samplers import OptunaSampler, plan
from alphalab.research.space import space_from_spec
from alphalab.sdl import load
from alphalab.sdl.params import parse_constraint


def _doc(constraints: list[str], fast: int = 10, slow: int = 30) -> dict:
    return {
        "schema_version": "1.1", "id": "c_test", "name": "C",
        "parameters": {"fast": {"type": "int", "default": fast, "min": 2, "max": 40, "step": 2},
                       "slow": {"type": "int", "default": slow, "min": 4, "max": 60, "step": 4}},
        "constraints": constraints,
        "indicators": {"f": {"type": "ema", "params": {"period": "$fast"}},
                       "s": {"type": "ema", "params": {"period": "$slow"}}},
        "entry": {"long": {"cross_above": {"left": "f", "right": "s"}}},
        "exit": {"long": {"cross_below": {"left": "f", "right": "s"}}},
    }


def test_constraint_parsing_and_evaluation() -> None:
    c = parse_constraint("fast < slow")
    assert c.holds({"fast": 5, "slow": 6}) and not c.holds({"fast": 6, "slow": 6})
    assert parse_constraint("stop <= 0.1").holds({"stop": 0.1})
    assert c.holds({"fast": 99})  # a parameter the space does not vary cannot break it
    with pytest.raises(ValueError, match="not 'name OP name'"):
        parse_constraint("fast <> slow")


def test_sdl_rejects_constraints_on_undeclared_names_or_broken_by_the_defaults() -> None:
    assert load(_doc(["fast < slow"])).constraints == ["fast < slow"]
    with pytest.raises(ValidationError, match="undeclared"):
        load(_doc(["fast < medium"]))
    with pytest.raises(ValidationError, match="does not hold for the defaults"):
        load(_doc(["fast < slow"], fast=30, slow=20))


def test_documents_without_constraints_still_load_and_the_schema_documents_them() -> None:
    doc = _doc([])
    del doc["constraints"]
    assert load(doc).constraints == []
    from alphalab.sdl.schema import json_schema

    schema = json.dumps(json_schema())
    assert "fast < slow" in schema


def test_grid_random_lhs_and_tpe_only_propose_allowed_sets() -> None:
    space = space_from_spec(load(_doc(["fast < slow"])))
    full = [{"fast": f, "slow": s} for f in range(2, 41, 2) for s in range(4, 61, 4)]
    assert space.grid() == [p for p in full if p["fast"] < p["slow"]]
    assert space.grid_size() == len(space.grid()) < len(full)
    for method in ("random", "lhs"):
        sets = plan(space, method, 50, seed=3)
        assert len(sets) == 50 and all(p["fast"] < p["slow"] for p in sets)
    sampler = OptunaSampler(space, "tpe", parse_objectives("sharpe"), seed=1)
    asked = sampler.ask(30)
    assert len(asked) == 30 and all(p["fast"] < p["slow"] for _, p in asked)


def test_builtins_declare_their_order_constraints() -> None:
    for sid, (a, b) in {"ema_cross": ("fast", "slow"), "sma_cross": ("fast", "slow"),
                        "rsi_reversion": ("lower", "upper")}.items():
        space = space_from_spec(resolve_spec(sid, None))
        assert all(p[a] < p[b] for p in space.grid()), sid


def test_coarsened_grid_fits_the_budget_and_keeps_ranges_and_constraints() -> None:
    space = space_from_spec(resolve_spec("ema_cross", None))
    small = space.coarsened(300)
    assert 0 < small.grid_size() <= 300 < space.grid_size()
    grid = small.grid()
    assert all(p["fast"] < p["slow"] for p in grid)
    assert min(p["fast"] for p in grid) == 5 and min(p["slow"] for p in grid) == 20
    assert small.params["fast"].kind == "int"
