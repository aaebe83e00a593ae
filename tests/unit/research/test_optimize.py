"""Optimisation with the fake evaluator: persistence, resume after interruption, selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from alphalab.research.executors import LocalExecutor
from alphalab.research.optimize import optimize
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.store import TrialStore
from alphalab.testing.evaluators import SyntheticEvaluator


def _space() -> SearchSpace:
    return SearchSpace({"fast": parse_override("fast=5:40:5"), "slow": parse_override("slow=30:90:15")})


@dataclass(frozen=True)
class Interrupting(SyntheticEvaluator):
    """Raises KeyboardInterrupt on its k-th call (counts calls in a shared list)."""

    calls: list[Any] = field(default_factory=list, compare=False, hash=False)
    stop_after: int = 10**9

    def fingerprint(self, strategy: Any, symbol: str, timeframe: str, window: Any) -> str:
        return "interrupting-fake"

    def __call__(self, strategy: Any, params: Any, symbol: str, timeframe: str, window: Any) -> dict[str, float]:
        if len(self.calls) >= self.stop_after:
            raise KeyboardInterrupt
        self.calls.append(dict(params))
        return super().__call__(strategy, params, symbol, timeframe, window)


def _run(ev: Any, **kw: Any) -> Any:
    return optimize(ev, "fake", "SYM", "1d", space=_space(), executor=LocalExecutor(1), chunk_size=4, **kw)


def test_grid_optimize_finds_the_hill_and_reports_overfitting_stats() -> None:
    res = _run(SyntheticEvaluator(), constraints=["max_drawdown<0.9"])
    assert len(res.trials) == 8 * 5
    assert res.n_evaluated == 40
    best = res.best_params(stable=False)
    assert abs(best["fast"] - 20) <= 10 and abs(best["slow"] - 60) <= 30
    over = res.summary()["overfitting"]
    assert 0.0 <= over["dsr"] <= 1.0 and 0.0 <= over["pbo"] <= 1.0
    assert over["n_trials"] == 40


def test_interrupted_sweep_resumes_only_missing_trials_with_same_table(tmp_path: Any) -> None:
    full = optimize(
        Interrupting(calls=[]), "fake", "SYM", "1d", space=_space(), executor=LocalExecutor(1), chunk_size=4,
        store=TrialStore(tmp_path / "reference"),
    ).trials
    ev = Interrupting(calls=[], stop_after=13)
    with pytest.raises(KeyboardInterrupt):
        _run(ev)
    assert len(ev.calls) == 13
    stored = TrialStore.for_study("interrupting-fake|SYM|1d|all").load()
    assert len(stored) == 12  # three whole chunks of 4 were persisted before the interrupt
    again = Interrupting(calls=[])
    res = _run(again)
    assert len(again.calls) == 40 - 12
    assert res.n_cached == 12 and res.n_evaluated == 28
    cols = [c for c in full.columns if c != "elapsed_s"]
    pd.testing.assert_frame_equal(res.trials[cols], full[cols])


def test_rerun_of_finished_sweep_evaluates_nothing() -> None:
    _run(Interrupting(calls=[]))
    ev = Interrupting(calls=[])
    res = _run(ev)
    assert ev.calls == [] and res.n_cached == 40


def test_failing_trial_is_recorded_not_fatal() -> None:
    res = _run(SyntheticEvaluator(fail_params=(("fast", 5),)))
    errors = res.trials[res.trials["status"] == "error"]
    assert len(errors) == 5 and errors["error"].str.contains("not allowed").all()
    assert not res.trials.loc[errors.index, "feasible"].any()


def test_stable_selection_prefers_plateau_over_spike() -> None:
    # a lone spike at fast=5 next to a broad plateau around fast=30
    @dataclass(frozen=True)
    class Spiky(SyntheticEvaluator):
        def __call__(self, strategy: Any, params: Any, symbol: str, timeframe: str, window: Any) -> dict[str, float]:
            f = params["fast"]
            s = 3.0 if f == 5 else (2.0 if 20 <= f <= 40 else -1.0)
            return {"sharpe": s + params["slow"] * 1e-4}

    res = _run(Spiky())
    assert res.best_params(stable=False)["fast"] == 5
    assert res.best_params()["fast"] in (25, 30, 35)


def test_tpe_and_nsga2_run_and_resume_deterministically() -> None:
    first = _run(SyntheticEvaluator(), sampler="tpe", n_trials=12, seed=5)
    second = _run(SyntheticEvaluator(), sampler="tpe", n_trials=12, seed=5)
    assert second.n_evaluated == 0
    assert first.trials["trial_key"].tolist() == second.trials["trial_key"].tolist()
    multi = _run(SyntheticEvaluator(), sampler="nsga2", n_trials=10, objectives="sharpe,max_drawdown:min")
    assert len(multi.trials) == 10 and multi.best >= 0


def test_two_process_workers_match_in_process_table() -> None:
    ev = SyntheticEvaluator()
    one = optimize(ev, "a", "S", "1d", space=_space(), executor=LocalExecutor(1), chunk_size=3).trials
    from alphalab import paths

    paths.set_home(paths.home() / "other")
    two = optimize(ev, "a", "S", "1d", space=_space(), executor=LocalExecutor(2), chunk_size=3).trials
    cols = [c for c in one.columns if c != "elapsed_s"]
    pd.testing.assert_frame_equal(one[cols], two[cols])


def test_all_trials_failing_raises_and_failures_are_retried() -> None:
    from alphalab.core.errors import ResearchError

    space = SearchSpace({"fast": parse_override("fast=5"), "slow": parse_override("slow=30,45")})
    broken = SyntheticEvaluator(fail_params=(("fast", 5),))
    with pytest.raises(ResearchError, match="every trial failed"):
        optimize(broken, "x", "S", "1d", space=space, executor=LocalExecutor(1))
    fixed = Interrupting(calls=[])
    store = TrialStore.for_study("interrupting-fake|S|1d|all")
    store.append([{"trial_key": "k", "status": "error", "error": "boom"}])
    res = optimize(fixed, "x", "S", "1d", space=space, executor=LocalExecutor(1), store=store)
    assert res.n_evaluated == 2 and (res.trials["status"] == "ok").all()
