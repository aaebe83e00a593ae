"""Resumed optimisation on the real engine: the same table (all-NaN metric columns included) and counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.executors import LocalExecutor
from alphalab.research.optimize import optimize
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.store import TrialStore


def _space(slow: str = "slow=50,60") -> SearchSpace:
    return SearchSpace({"fast": parse_override("fast=10,20"), "slow": parse_override(slow)})


def _run(store: Path, space: SearchSpace | None = None):  # type: ignore[no-untyped-def]
    return optimize(EngineEvaluator(), "sma_cross", "sample:AAPL", "1d", space=space or _space(),
                    executor=LocalExecutor(1), store=TrialStore(store))


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["elapsed_s"]).reset_index(drop=True)


def test_resumed_optimisation_keeps_every_column_and_reports_its_trials(tmp_path: Path) -> None:
    first = _run(tmp_path / "a")
    undefined = [c for c in first.trials.columns if c.startswith("m_") and first.trials[c].isna().all()]
    assert "m_alpha" in undefined and "m_beta" in undefined  # no benchmark: undefined for every trial
    again = _run(tmp_path / "a")
    assert again.n_evaluated == 0 and again.n_cached == 4
    pd.testing.assert_frame_equal(_comparable(again.trials), _comparable(first.trials))
    assert again.summary()["evaluated"] == first.summary()["evaluated"] == 4
    assert again.summary()["new"] == 0 and again.summary()["cached"] == 4
    assert again.best_params() == first.best_params()


def test_interrupted_optimisation_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    whole = _run(tmp_path / "whole")
    _run(tmp_path / "resumed", _space("slow=50"))  # the run "stopped" after half of the grid
    resumed = _run(tmp_path / "resumed")
    assert resumed.n_cached == 2 and resumed.n_evaluated == 2
    pd.testing.assert_frame_equal(_comparable(resumed.trials), _comparable(whole.trials))
    assert resumed.summary()["evaluated"] == 4
