"""Fitness matrix (skips, ranks, resume) and best-config mappings (schema, selection, re-run)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from alphalab.core.errors import ValidationError
from alphalab.research.executors import LocalExecutor
from alphalab.research.fitness import fitness_matrix, write_fitness
from alphalab.research.mapping import (
    DataRange,
    SelectionRules,
    export_mapping,
    load_mapping,
    run_mapping,
    select_rows,
    validate_mapping_file,
)
from alphalab.research.space import SearchSpace, parse_override
from alphalab.sdl.models import CostsSpec, ExitsSpec, SizingSpec
from alphalab.testing.evaluators import SyntheticEvaluator

SPACE = SearchSpace({"fast": parse_override("fast=10:30:10"), "slow": parse_override("slow=40,60,80")})


def _matrix(ev: Any, **kw: Any) -> pd.DataFrame:
    return fitness_matrix(ev, ["a", "b"], ["X", "Y", "BAD"], ["1d"], {"a": SPACE, "b": SPACE},
                          executor=LocalExecutor(1), timeout=None, **kw)


def test_fitness_skips_bad_symbol_with_reason_and_ranks_the_rest() -> None:
    table = _matrix(SyntheticEvaluator(bad_symbols=("BAD",)))
    assert len(table) == 6
    bad = table[table["symbol"] == "BAD"]
    assert (bad["status"] == "skipped").all() and bad["reason"].str.contains("no data for BAD").all()
    ok = table[table["status"] == "ok"]
    assert len(ok) == 4 and (ok["regime"] == "all").all()
    for _, grp in ok.groupby("symbol"):
        assert sorted(grp["rank"].tolist()) == [1.0, 2.0]
        assert grp.loc[grp["rank"] == 1, "sharpe"].iloc[0] == grp["sharpe"].max()
    assert ok["stability"].between(0, 1).all()


def test_fitness_resumes_recomputing_only_skipped_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    ev = SyntheticEvaluator(bad_symbols=("BAD",))
    first = _matrix(ev)
    import alphalab.research.fitness as fit

    recomputed: list[str] = []
    real = fit.run_cell

    def spy(job: Any, cell: Any) -> Any:
        recomputed.append(cell.symbol)
        return real(job, cell)

    monkeypatch.setattr(fit, "run_cell", spy)
    second = _matrix(ev)
    assert recomputed == ["BAD", "BAD"]  # finished cells come from the store; skipped ones are retried
    pd.testing.assert_frame_equal(first, second, check_dtype=False)


def test_fitness_regime_hook_adds_cells() -> None:
    table = fitness_matrix(SyntheticEvaluator(), ["a"], ["X"], ["1d"], {"a": SPACE}, regimes=["bull", "bear"],
                           executor=LocalExecutor(1), timeout=None)
    assert table["regime"].tolist() == ["bull", "bear"]


def test_write_fitness_outputs(tmp_path: Path) -> None:
    table = _matrix(SyntheticEvaluator(bad_symbols=("BAD",)))
    paths = write_fitness(table, tmp_path)
    assert len(pd.read_csv(paths["csv"])) == 6
    assert len(json.loads(paths["json"].read_text())) == 6
    html = paths["html"].read_text()
    assert "plotly" in html and "Skipped cells" in html and "no data for BAD" in html


def _resolve(strategy: str, params: Any) -> Any:
    return SimpleNamespace(id=strategy, name=strategy.upper(), sizing=SizingSpec(type="fixed_fraction"),
                           exits=ExitsSpec(), costs=CostsSpec())


def _range(symbol: str, tf: str) -> DataRange:
    return DataRange(start=datetime(2020, 1, 1, tzinfo=UTC), end=datetime(2021, 1, 1, tzinfo=UTC), bars=600)


def test_export_selection_rules_and_roundtrip(tmp_path: Path) -> None:
    table = _matrix(SyntheticEvaluator(bad_symbols=("BAD",)))
    rules = SelectionRules(min_trades=10, top_k=1)
    mapping = export_mapping(table, rules, data_range=_range, resolve=_resolve)
    assert [e.asset for e in mapping.entries] == ["X", "Y"]
    best_x = table[(table["symbol"] == "X") & (table["rank"] == 1)].iloc[0]
    assert mapping.entries[0].strategy_id == best_x["strategy"]
    assert mapping.entries[0].parameters == json.loads(best_x["params"])
    path = mapping.save(tmp_path / "m.json")
    again = load_mapping(path)
    assert again == mapping and again.schema_version == "1.0"
    assert validate_mapping_file(path) == []
    rows, agg = run_mapping(again, SyntheticEvaluator())
    assert rows["status"].tolist() == ["ok", "ok"]
    assert rows["sharpe"].tolist() == pytest.approx([e.expected_performance.sharpe for e in again.entries])
    assert agg["mean_sharpe"] == pytest.approx(rows["sharpe"].mean())


def test_selection_rules_filter() -> None:
    t = pd.DataFrame({"status": ["ok"] * 4, "symbol": ["X", "X", "X", "Y"], "timeframe": "1d", "regime": "all",
                      "trades": [50, 5, 60, 40], "max_drawdown": [0.1, 0.1, 0.5, 0.2],
                      "stability": [0.9, 0.9, 0.9, 0.2], "sharpe": [1.0, 3.0, 2.0, 1.5]})
    picked = select_rows(t, SelectionRules(min_trades=30, max_drawdown=0.3, min_stability=0.5, top_k=2))
    assert picked["sharpe"].tolist() == [1.0]


def test_validate_gives_path_precise_errors(tmp_path: Path) -> None:
    doc = {"schema_version": "1.0", "created_at": "2024-01-01T00:00:00Z", "entries": [
        {"asset": "X", "timeframe": "1d", "strategy_id": "a", "strategy_name": "A", "parameters": {"fast": 1},
         "risk_model": {"sizing": {"type": "nope"}, "exits": {}}, "expected_performance": {"sharpe": 1.0},
         "data_range": {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z", "bars": -3},
         "created_at": "2024-01-01T00:00:00Z", "colour": "red"}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    wheres = {p.where for p in validate_mapping_file(path)}
    assert {"$.entries[0].risk_model.sizing.type", "$.entries[0].data_range.bars", "$.entries[0].colour"} <= wheres
    with pytest.raises(ValidationError):
        load_mapping(path)
    doc["schema_version"] = "9.9"
    path.write_text(json.dumps(doc))
    assert "$.schema_version" in {p.where for p in validate_mapping_file(path)}


def test_monthly_returns_table_compounds_by_hand() -> None:
    from alphalab.research.monthly import monthly_returns

    idx = pd.to_datetime(["2020-01-02", "2020-01-31", "2020-02-03", "2020-02-28", "2021-01-04"], utc=True)
    eq = pd.Series([100.0, 110.0, 99.0, 121.0, 133.1], index=idx)
    t = monthly_returns(eq)
    assert t.loc[2020, "Jan"] == pytest.approx(0.10)
    assert t.loc[2020, "Feb"] == pytest.approx(0.10)
    assert t.loc[2021, "Jan"] == pytest.approx(0.10)
    assert t.loc[2020, "Year"] == pytest.approx(0.21) and t.loc[2021, "Year"] == pytest.approx(0.10)
    assert pd.isna(t.loc[2020, "Mar"])
