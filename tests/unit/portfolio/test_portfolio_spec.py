"""Portfolio documents: validation with path-precise errors, the JSON Schema, mappings as portfolios."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alphalab.cli.main import main
from alphalab.core.errors import ValidationError
from alphalab.portfolio import json_schema, load_portfolio, parse_portfolio
from alphalab.research.mapping import (
    BestConfigMapping,
    DataRange,
    ExpectedPerformance,
    MappingEntry,
    RiskModel,
)
from alphalab.sdl.models import ExitsSpec, SizingSpec, StopSpec


def _doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.0", "name": "two", "capital": 50_000, "currency": "USD",
        "sleeves": [
            {"id": "trend", "strategy": "sma_cross", "params": {"fast": 10}, "symbols": ["AAPL", "MSFT"],
             "allocation": 0.6},
            {"id": "revert", "strategy": "rsi_reversion", "symbols": ["SPY"], "allocation": 0.4},
        ],
        "risk": {"max_heat": 0.08, "per_sleeve": {"trend": 0.5}},
    }
    doc.update(over)
    return doc


def _problems(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        parse_portfolio(doc)
    return {p.where: p.message + (f" | {p.hint}" if p.hint else "") for p in info.value.problems}


def test_valid_document_parses_with_plan_default_limits() -> None:
    spec = parse_portfolio(_doc())
    assert [s.id for s in spec.sleeves] == ["trend", "revert"]
    assert spec.weights() == {"trend": 0.6, "revert": 0.4}
    assert spec.risk.max_heat == 0.08
    assert spec.risk.max_position == 0.20  # plan defaults where the user expects one
    assert spec.risk.drawdown is not None and spec.risk.drawdown.halt == 0.15
    assert spec.risk.daily_loss is not None and spec.risk.daily_loss.limit == 0.05
    assert spec.risk.kelly is None and spec.risk.max_gross is None  # others off by default


def test_typo_in_nested_field_names_its_path_and_suggests_the_field() -> None:
    doc = _doc()
    doc["sleeves"][1]["symbls"] = ["SPY"]
    probs = _problems(doc)
    assert probs["sleeves[1].symbls"] == "unknown field 'symbls' | did you mean 'symbols'?"


def test_out_of_range_values_name_each_path() -> None:
    doc = _doc(capital=-5)
    doc["sleeves"][0]["allocation"] = 1.5
    doc["risk"]["max_position"] = 0
    probs = _problems(doc)
    assert set(probs) >= {"capital", "sleeves[0].allocation", "risk.max_position"}
    assert "must be > 0" in probs["capital"]


def test_static_allocations_over_one_are_rejected() -> None:
    doc = _doc()
    doc["sleeves"][1]["allocation"] = 0.5
    assert "sum to 1.1" in " ".join(_problems(doc).values())


def test_duplicate_sleeve_ids_are_rejected() -> None:
    doc = _doc()
    doc["sleeves"][1]["id"] = "trend"
    text = " ".join(_problems(doc).values())
    assert "sleeve id(s) used twice: trend" in text


def test_per_sleeve_cap_on_unknown_sleeve_is_rejected() -> None:
    doc = _doc()
    doc["risk"]["per_sleeve"] = {"nope": 0.2}
    assert "unknown sleeve(s) nope" in " ".join(_problems(doc).values())


def test_resume_level_must_be_below_halt() -> None:
    doc = _doc()
    doc["risk"]["drawdown"] = {"halt": 0.1, "resume_below": 0.2}
    assert "resume_below 0.2 must be below halt 0.1" in " ".join(_problems(doc).values())
    doc["risk"]["drawdown"] = {"halt": 0.1}
    spec = parse_portfolio(doc)
    assert spec.risk.drawdown is not None and spec.risk.drawdown.resume_level == pytest.approx(0.05)


def test_null_turns_a_default_rule_off() -> None:
    doc = _doc()
    doc["risk"] = {"max_heat": None, "max_position": None, "drawdown": None, "daily_loss": None}
    risk = parse_portfolio(doc).risk
    assert (risk.max_heat, risk.max_position, risk.drawdown, risk.daily_loss) == (None, None, None, None)


def test_json_schema_is_generated_and_forbids_extra_fields() -> None:
    schema = json_schema()
    assert schema["title"] == "AlphaLab portfolio (1.0)"
    assert schema["additionalProperties"] is False
    assert "sleeves" in schema["required"]
    assert schema["$defs"]["SleeveSpec"]["additionalProperties"] is False


def _entry(asset: str, regime: str, stop: float, rank: int) -> MappingEntry:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    risk = RiskModel(sizing=SizingSpec(type="fixed_fraction", fraction=0.5),
                     exits=ExitsSpec(stop_loss=StopSpec(type="percent", value=stop)))
    return MappingEntry(asset=asset, timeframe="1d", regime=regime, strategy_id="sma_cross",
                        strategy_name="SMA cross", parameters={"fast": 5 + rank}, risk_model=risk,
                        expected_performance=ExpectedPerformance(),
                        data_range=DataRange(start=now, end=now, bars=10), rank=rank, created_at=now)


def test_mapping_file_becomes_one_sleeve_per_asset_with_its_risk_model(tmp_path: Path) -> None:
    mapping = BestConfigMapping(created_at=datetime(2024, 1, 1, tzinfo=UTC), source="fit", entries=[
        _entry("AAPL", "all", 0.05, 1), _entry("AAPL", "bull", 0.02, 2), _entry("MSFT", "all", 0.08, 3)])
    path = mapping.save(tmp_path / "mapping.json")
    spec = load_portfolio(path)
    assert [s.id for s in spec.sleeves] == ["AAPL.1d", "MSFT.1d"]
    aapl, msft = spec.sleeves
    assert aapl.allocation == msft.allocation == 0.5
    assert aapl.risk_model is not None and aapl.risk_model.exits.stop_loss is not None
    assert aapl.risk_model.exits.stop_loss.value == 0.05
    assert aapl.routing is not None and aapl.routing["bull"].params == {"fast": 7}
    assert aapl.routing["bull"].risk_model is not None
    assert aapl.routing["bull"].risk_model.exits.stop_loss.value == 0.02  # type: ignore[union-attr]
    assert msft.routing is None and msft.params == {"fast": 8}


def test_cli_validate_reports_ok_and_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_doc()))
    bad_doc = _doc()
    bad_doc["risk"]["max_heet"] = 0.1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_doc))
    assert main(["portfolio", "validate", str(good)]) == 0
    assert "ok (two: 2 sleeve(s))" in capsys.readouterr().out
    assert main(["portfolio", "validate", str(good), str(bad), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False
    assert out["files"][1]["problems"][0]["where"] == "risk.max_heet"
    assert out["files"][1]["problems"][0]["hint"] == "did you mean 'max_heat'?"


def test_cli_validate_names_a_file_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{\"sleeves\": [")
    assert main(["portfolio", "validate", str(bad)]) == 1
    assert "not valid JSON" in capsys.readouterr().out
