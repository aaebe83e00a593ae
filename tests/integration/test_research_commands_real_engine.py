"""Research commands end to end on the real engine and bundled data, and what they do when nothing works.

Optimize, fitness and mapping export -> run are covered in test_research_engine.py; here: walk-forward,
Monte Carlo, the executor's timeout and pool restart inside fitness, a fitness run whose every cell
fails, a mapping whose entries cannot run, and a backtest that makes no trades.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from alphalab import paths
from alphalab.cli.main import main
from alphalab.data.catalog import Catalog


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def test_walkforward_on_the_engine_stitches_out_of_sample_folds(tmp_path: Path) -> None:
    code, out, err = _run(["walkforward", "sma_cross", "--symbol", "sample:AAPL", "--space", "fast=10,20",
                           "--space", "slow=50", "--train", "500", "--test", "250", "--workers", "1",
                           "--out", str(tmp_path), "--json"])
    assert code == 0, err
    doc = json.loads(out)
    folds = doc["folds"]
    assert len(folds) >= 5 and all(f["params"]["fast"] in (10, 20) for f in folds)
    assert (tmp_path / "report.html").exists()


def test_montecarlo_on_the_engine_reshuffles_the_real_trades(tmp_path: Path) -> None:
    args = ["montecarlo", "sma_cross", "--symbol", "sample:AAPL", "--sims", "200", "--seed", "3",
            "--out", str(tmp_path), "--json"]
    code, out, err = _run(args)
    assert code == 0, err
    doc = json.loads(out)
    # reshuffling trades changes their order, never their product: every path ends at the same equity
    lo, hi = doc["final_equity"]["ci_low"], doc["final_equity"]["ci_high"]
    assert np.isclose(lo, hi, rtol=1e-9)
    assert 0.0 <= doc["probability_of_ruin"] <= 1.0
    assert _run(args)[1] == out  # seeded: the same run twice gives the same document


def test_fitness_cells_past_the_timeout_are_skipped_and_the_pool_restarts(tmp_path: Path) -> None:
    base = ["fitness", "--strategy", "sma_cross", "-s", "sample:AAPL", "-s", "sample:IBM", "-s", "sample:MSFT",
            "--space", "fast=10,20", "--space", "slow=50", "--workers", "2", "--out", str(tmp_path), "--json"]
    code, _, err = _run([*base, "--timeout", "0.01"])
    assert code != 0 and "every one of the 3 fitness cells failed" in err and "timed out" in err
    table = pd.read_csv(tmp_path / "fitness.csv")
    assert (table["status"] == "skipped").all()
    code, out, err = _run([*base, "--timeout", "300"])  # the skipped cells are retried on a fresh pool
    assert code == 0, err
    assert [c["status"] for c in json.loads(out)["cells"]] == ["ok", "ok", "ok"]


def test_fitness_whose_every_cell_fails_exits_non_zero_with_the_reasons(tmp_path: Path) -> None:
    code, _, err = _run(["fitness", "--strategy", "sma_cross", "-s", "sample:NOPE", "--space", "fast=10",
                         "--space", "slow=50", "--workers", "1", "--out", str(tmp_path)])
    assert code != 0
    assert "every one of the 1 fitness cells failed" in err and "NOPE" in err
    assert (tmp_path / "fitness.csv").exists()  # the reasons stay readable


def test_mapping_whose_entries_cannot_run_fails_validate_and_run(tmp_path: Path) -> None:
    fit = tmp_path / "fit"
    code, _, err = _run(["fitness", "--strategy", "sma_cross", "-s", "sample:AAPL", "--space", "fast=10",
                         "--space", "slow=50", "--workers", "1", "--out", str(fit)])
    assert code == 0, err
    mfile = tmp_path / "mapping.json"
    assert _run(["mapping", "export", str(fit / "fitness.csv"), "--out", str(mfile)])[0] == 0
    assert _run(["mapping", "validate", str(mfile)])[0] == 0
    doc = json.loads(mfile.read_text())
    doc["entries"][0]["strategy_id"] = "no_such_strategy"
    mfile.write_text(json.dumps(doc))
    code, _, err = _run(["mapping", "validate", str(mfile)])
    assert code != 0 and "none of its 1 entries can run" in err and "no_such_strategy" in err
    code, _, err = _run(["mapping", "run", str(mfile), "--out", str(tmp_path / "run")])
    assert code != 0 and "every one of the 1 mapping entries failed" in err


def _flat_dataset() -> None:
    idx = pd.date_range("2024-01-01", periods=300, freq="D", tz="UTC", name="time")
    flat = pd.DataFrame({"open": 50.0, "high": 50.0, "low": 50.0, "close": 50.0, "volume": 1.0}, index=idx)
    Catalog(paths.home()).write(flat, "local", "FLAT", "1d")


def test_optimize_on_constant_prices_warns_that_no_trial_traded(tmp_path: Path) -> None:
    _flat_dataset()
    code, out, err = _run(["optimize", "sma_cross", "--symbol", "local:FLAT", "--space", "fast=5,10",
                           "--space", "slow=20", "--workers", "1", "--out", str(tmp_path), "--json"])
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert any("none of the 2 trials made a trade" in w for w in warnings)
    assert "warning: none of the 2 trials made a trade" in err


def test_backtest_without_trades_warns_on_stderr_and_in_json(tmp_path: Path) -> None:
    _flat_dataset()
    code, out, err = _run(["backtest", "-S", "sma_cross", "--symbol", "local:FLAT", "--out", str(tmp_path),
                           "--json"])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["trades"] == 0
    assert any("no trades" in w for w in doc["warnings"]) and "warning: the run made no trades" in err
