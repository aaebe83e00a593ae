"""The Ray executor against a real local Ray instance gives the local executor's trial table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from alphalab.research.executors import LocalExecutor, RayExecutor
from alphalab.research.optimize import optimize
from alphalab.research.space import SearchSpace, parse_override
from alphalab.research.store import TrialStore
from alphalab.testing.evaluators import SyntheticEvaluator

pytestmark = [pytest.mark.ray, pytest.mark.xdist_group("ray")]  # Ray tests share one worker


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_and_local_executors_give_identical_trial_tables(ray_instance: None, tmp_path: Path) -> None:
    space = SearchSpace({"fast": parse_override("fast=5:40:5"), "slow": parse_override("slow=30:90:30")})
    ev = SyntheticEvaluator(fail_params=(("fast", 35),))
    kw = {"space": space, "chunk_size": 5, "constraints": ["max_drawdown<0.9"]}
    local = optimize(ev, "s", "X", "1d", executor=LocalExecutor(1), store=TrialStore(tmp_path / "l"), **kw)
    remote = optimize(ev, "s", "X", "1d", executor=RayExecutor(), store=TrialStore(tmp_path / "r"), **kw)
    cols = [c for c in local.trials.columns if c != "elapsed_s"]
    pd.testing.assert_frame_equal(local.trials[cols], remote.trials[cols])
    assert (remote.trials["status"] == "error").sum() == 3
    assert local.summary()["overfitting"] == remote.summary()["overfitting"]
