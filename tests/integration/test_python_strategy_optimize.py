"""``alphalab optimize`` on a Python strategy: typed Params give the grid, trials run on the event path."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from alphalab import paths
from alphalab.cli.main import app

STRATEGY = '''
from alphalab import Param, Strategy


class Breakout(Strategy):
    id = "py_breakout_cli"
    parameters = {"n": Param("int", 20, min=10, max=30, step=10)}

    def on_bar(self, ctx):
        close = ctx.data["close"][:, 0]
        n = self.params["n"]
        if len(close) <= n:
            return
        sym = ctx.symbols[0]
        if close[-1] > close[-n - 1:-1].max() and ctx.position(sym) == 0:
            ctx.enter(sym, 1)
        elif close[-1] < close[-n - 1:-1].min() and ctx.position(sym) > 0:
            ctx.close(sym)
'''


@pytest.mark.parametrize("by", ["file", "id"])
def test_cli_optimize_python_strategy_evaluates_each_param(tmp_path: Path, by: str) -> None:
    if by == "file":
        target = tmp_path / "breakout.py"
        name = str(target)
    else:
        target = paths.strategies_dir() / "breakout.py"
        name = "py_breakout_cli"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STRATEGY)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["optimize", name, "--symbol", "sample:AAPL", "--workers", "1",
                                   "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["trials"] == 3 and summary["evaluated"] == 3
    trials = pd.read_csv(out / "trials.csv")
    assert sorted(trials["p_n"]) == [10, 20, 30]
    assert trials["m_sharpe"].nunique() == 3  # each trial ran with its own parameter


def test_cli_backtest_and_montecarlo_take_a_python_file(tmp_path: Path) -> None:
    target = tmp_path / "breakout.py"
    target.write_text(STRATEGY)
    bt = CliRunner().invoke(app, ["backtest", "--strategy", str(target), "--symbol", "sample:AAPL",
                                  "--param", "n=10", "--out", str(tmp_path / "bt"), "--json"])
    assert bt.exit_code == 0, bt.output
    assert json.loads(bt.stdout)["strategy"] == "py_breakout_cli"
    mc = CliRunner().invoke(app, ["montecarlo", str(target), "--symbol", "sample:AAPL", "--sims", "200",
                                  "--out", str(tmp_path / "mc"), "--json"])
    assert mc.exit_code == 0, mc.output
    assert 0.0 <= json.loads(mc.stdout)["probability_of_ruin"] <= 1.0
