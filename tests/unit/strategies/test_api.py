"""The Python Strategy API: parameter declarations, validation and default hooks."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ValidationError
from alphalab.strategies.api import Context, Param, Strategy


class Demo(Strategy):
    id = "demo"
    name = "Demo Strategy"
    parameters: ClassVar[dict[str, Param]] = {
        "fast": Param("int", 10, min=2, max=50, step=1),
        "frac": Param("float", 0.5, min=0.0, max=1.0),
        "mode": Param("choice", "a", choices=("a", "b")),
        "short": Param("bool", False),
    }


def test_defaults_resolve_and_overrides_are_coerced() -> None:
    assert Demo().params == {"fast": 10, "frac": 0.5, "mode": "a", "short": False}
    p = Demo({"fast": 12.0, "frac": 1, "short": True}).params
    assert p["fast"] == 12 and isinstance(p["fast"], int) and isinstance(p["frac"], float) and p["short"] is True


def test_every_invalid_parameter_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        Demo({"fast": 1, "frac": "x", "mode": "c", "short": 1, "fsat": 3})
    wheres = {p.where: p for p in info.value.problems}
    assert set(wheres) == {"parameters.fast", "parameters.frac", "parameters.mode", "parameters.short",
                           "parameters.fsat"}
    assert wheres["parameters.fsat"].hint == "did you mean 'fast'?"
    assert "below the minimum" in wheres["parameters.fast"].message


@settings(max_examples=25, deadline=None)
@given(v=st.integers(min_value=-100, max_value=100))
def test_int_param_accepts_exactly_its_range(v: int) -> None:
    _value, problem = Demo.parameters["fast"].validate("fast", v)
    assert (problem is None) == (2 <= v <= 50)


def test_hooks_default_to_no_ops_and_names_fall_back() -> None:
    class Bare(Strategy):
        pass

    s = Bare()
    ctx: Any = object()
    assert s.on_start(ctx) is None and s.on_bar(ctx) is None and s.on_stop(ctx) is None
    assert Bare.strategy_id() == "bare" and Bare.display_name() == "Bare"
    assert Demo.display_name() == "Demo Strategy"


def test_context_protocol_declares_the_engine_surface() -> None:
    for member in ("buy", "sell", "close", "cancel", "position", "equity", "bar_index", "time", "data", "bars"):
        assert hasattr(Context, member), member
