"""Loading: parameters, extends, migration of schema 1.0, search space and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.cli.main import main
from alphalab.core.errors import NotFoundError, ValidationError
from alphalab.sdl import load
from alphalab.sdl.loader import deep_merge
from alphalab.sdl.migrate import migrate
from alphalab.sdl.models import CONDITION_KINDS
from alphalab.sdl.schema import json_schema

V1 = Path(__file__).resolve().parents[2] / "data" / "sdl" / "v1_0"


def _doc(**extra: Any) -> dict[str, Any]:
    base = {"id": "p", "name": "P",
            "parameters": {"fast": {"type": "int", "default": 20, "min": 5, "max": 50, "step": 5},
                           "kind": {"type": "choice", "default": "ema", "choices": ["ema", "sma"]}},
            "indicators": {"ma": {"type": "$kind", "params": {"period": "$fast"}}},
            "entry": {"long": {"gt": {"left": "close", "right": "ma"}}}}
    base.update(extra)
    return base


def test_params_override_defaults_everywhere_they_are_referenced() -> None:
    spec = load(_doc(), params={"fast": 35, "kind": "sma"})
    assert spec.indicators["ma"].type == "sma" and spec.indicators["ma"].params["period"] == 35
    assert spec.param_values == {"fast": 35, "kind": "sma"}


def test_params_out_of_range_or_unknown_are_all_reported() -> None:
    with pytest.raises(ValidationError) as info:
        load(_doc(), params={"fast": 80, "kind": "wma", "fsat": 1})
    rendered = [p.render() for p in info.value.problems]
    assert any(r.startswith("params.fast: 80 is above the maximum 50") for r in rendered)
    assert any(r.startswith("params.kind: 'wma' is not one of") for r in rendered)
    assert any("did you mean 'fast'" in r for r in rendered)


def test_search_space_lists_declared_grid() -> None:
    space = load(_doc()).search_space()
    assert space["fast"].values() == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert space["kind"].values() == ["ema", "sma"]
    assert space["fast"].default == 20


def test_with_params_revalidates_and_substitutes() -> None:
    spec = load(_doc())
    assert spec.with_params({"fast": 10}).indicators["ma"].params["period"] == 10
    with pytest.raises(ValidationError):
        spec.with_params({"fast": 3})


@settings(max_examples=25, deadline=None)
@given(fast=st.integers(min_value=5, max_value=50))
def test_any_in_range_int_param_loads(fast: int) -> None:
    assert load(_doc(), params={"fast": fast}).indicators["ma"].params["period"] == fast


def test_extends_deep_merges_over_the_parent_file(tmp_path: Path) -> None:
    (tmp_path / "parent.json").write_text(json.dumps(_doc(tags=["a", "b"], exits={"time_stop_bars": 5})))
    child = {"extends": "parent.json", "id": "child", "name": "Child", "tags": ["c"],
             "parameters": {"fast": {"default": 30}}, "exits": {"stop_loss": {"type": "percent", "value": 0.02}}}
    (tmp_path / "child.json").write_text(json.dumps(child))
    spec = load(tmp_path / "child.json")
    assert spec.id == "child" and spec.tags == ["c"]
    assert spec.param_values["fast"] == 30 and spec.parameters["fast"].max == 50
    assert spec.exits.time_stop_bars == 5 and spec.exits.stop_loss is not None
    assert spec.indicators["ma"].params["period"] == 30


def test_extends_by_builtin_id_inherits_conditions() -> None:
    spec = load({"extends": "sma_cross", "id": "mine", "name": "Mine", "parameters": {"fast": {"default": 10}}})
    assert spec.entry.long is not None and spec.indicators["sma_fast"].params["period"] == 10


def test_deep_merge_replaces_lists_and_scalars_and_merges_objects() -> None:
    out = deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 1}, {"a": {"y": [3]}, "c": 2})
    assert out == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


@pytest.mark.parametrize("path", sorted(V1.glob("*.json")), ids=lambda p: p.stem)
def test_schema_1_0_documents_keep_loading(path: Path) -> None:
    spec = load(path)
    assert spec.schema_version == "1.1"
    assert spec.entry.long is not None


def test_schema_1_0_risk_fields_migrate_to_fractions() -> None:
    spec = load(V1 / "sma_cross_v1.json")
    assert spec.exits.stop_loss is not None and spec.exits.stop_loss.value == pytest.approx(0.025)
    assert spec.exits.take_profit is not None and spec.exits.take_profit.value == pytest.approx(0.10)
    assert spec.sizing.fraction == 0.5
    assert type(spec.entry.long).__name__ == "CrossAbove"
    trail = load(V1 / "rsi_trailing_v1.json").exits.trailing_stop
    assert trail is not None and trail.value == pytest.approx(0.05)


def test_migrate_leaves_current_documents_unchanged_and_rejects_unknown_versions() -> None:
    doc = {"schema_version": "1.1", "id": "x", "stop_loss_pct": 3}
    assert migrate(doc) == (doc, [])
    _, problems = migrate({"schema_version": "0.3"})
    assert problems[0].where == "schema_version"


def test_load_unknown_id_says_not_found() -> None:
    with pytest.raises(NotFoundError):
        load("no_such_strategy_anywhere")


def test_json_schema_covers_every_condition_and_forbids_extra_fields() -> None:
    schema = json_schema()
    defs = schema["$defs"]
    for cls in CONDITION_KINDS.values():
        assert cls.__name__ in defs
    assert defs["StopSpec"]["additionalProperties"] is False
    assert schema["additionalProperties"] is False and "entry" in schema["properties"]


def test_sdl_schema_command_writes_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert main(["sdl", "schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["title"].startswith("AlphaLab strategy")
