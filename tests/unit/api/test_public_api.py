"""The notebook API (alphalab.backtest / optimize / walk_forward / monte_carlo / load)."""

from __future__ import annotations

import subprocess
import sys
from typing import ClassVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import alphalab as al
from alphalab.core.errors import ConfigError, DataError, ValidationError
from alphalab.data import load_arrays, load_bars
from alphalab.engine import BacktestConfig, run_backtest, run_strategy

WINDOW = {"start": "2005-01-01", "end": "2009-01-01"}


class SmaTrend(al.Strategy):
    """Long while the fast mean of closes is above the slow one."""

    id = "sma_trend_test"
    parameters: ClassVar[dict[str, al.Param]] = {
        "fast": al.Param("int", 10, min=5, max=15, step=5),
        "slow": al.Param("int", 40, min=30, max=50, step=20),
    }

    def on_bar(self, ctx):
        close = ctx.data["close"][:, 0]
        fast, slow = self.params["fast"], self.params["slow"]
        if len(close) < slow:
            return
        sym = ctx.symbols[0]
        up = close[-fast:].mean() > close[-slow:].mean()
        if up and ctx.position(sym) == 0:
            ctx.enter(sym, 1)
        elif not up and ctx.position(sym) > 0:
            ctx.close(sym)


def test_acceptance_line_prints_the_sharpe_of_fast_10():
    code = "import alphalab as al; r = al.backtest('ema_cross', 'sample:AAPL', fast=10); print(r.metrics['sharpe'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    bars = load_arrays(["sample:AAPL"], "1d")
    from alphalab.analytics import compute_metrics

    expected = compute_metrics(run_backtest("ema_cross", bars, params={"fast": 10}))["sharpe"]
    default = compute_metrics(run_backtest("ema_cross", bars))["sharpe"]
    assert float(out.stdout.strip()) == pytest.approx(expected, rel=1e-12)
    assert expected != pytest.approx(default)


def test_import_alphalab_loads_no_heavy_module():
    code = "import sys, alphalab; print(any(m in sys.modules for m in ('pandas', 'numpy', 'numba')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert {"backtest", "optimize", "walk_forward", "monte_carlo", "load"} <= set(dir(al))


def test_backtest_returns_pandas_and_the_engine_result():
    r = al.backtest("ema_cross", "sample:AAPL", fast=10, fee_bps=5, **WINDOW)
    bars = load_arrays(["sample:AAPL"], "1d", **WINDOW)
    direct = run_backtest("ema_cross", bars, BacktestConfig(fee_bps=5), params={"fast": 10})
    assert isinstance(r.metrics, pd.Series) and isinstance(r.equity, pd.Series)
    assert r.trades.equals(direct.trades)
    assert r.equity.equals(direct.equity["equity"])
    assert r.params == {"fast": 10, "slow": 50, "stop": 0.05}
    assert r.metrics["trades"] == len(r.trades)


def test_reprs_plot_and_report(tmp_path):
    r = al.backtest("ema_cross", "sample:AAPL", **WINDOW)
    assert "sharpe" in repr(r) and "ema_cross" in repr(r)
    assert "<table>" in r._repr_html_()
    assert isinstance(r.plot(), go.Figure) and isinstance(r.plot_equity(), go.Figure)
    page = r.report(tmp_path / "r.html")
    assert page.stat().st_size > 10_000


def test_user_dataframe_equals_the_same_symbol():
    frame = load_bars("sample:AAPL", "1d", **WINDOW)
    theirs = frame[["open", "high", "low", "close", "volume"]].rename(columns=str.title)
    theirs = theirs.reset_index().rename(columns={"time": "Date"})
    theirs["Date"] = theirs["Date"].dt.tz_localize(None)
    theirs.attrs.clear()  # a frame of the user's own carries no symbol name
    by_frame = al.backtest("ema_cross", theirs)
    by_symbol = al.backtest("ema_cross", "sample:AAPL", **WINDOW)
    assert np.array_equal(by_frame.equity.to_numpy(), by_symbol.equity.to_numpy())
    assert by_frame.raw.symbols == ("DATA",)


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        (lambda f: f.drop(columns=["close"]), "'close'"),
        (lambda f: f.assign(close=f["close"].astype(object).where(f.index != f.index[3], "n/a")), "row 4, column close"),
        (lambda f: f.assign(high=f["low"] - 1.0), "column high"),
        (lambda f: f.reset_index(drop=True), "DatetimeIndex"),
    ],
)
def test_bad_dataframe_names_the_culprit(change, culprit):
    frame = load_bars("sample:AAPL", "1d", **WINDOW)[["open", "high", "low", "close", "volume"]]
    with pytest.raises(DataError) as err:
        al.backtest("ema_cross", change(frame))
    assert culprit in str(err.value)


def test_dict_of_frames_shares_cash_like_symbols():
    frames = {s: load_bars(s, "1d", **WINDOW) for s in ("sample:AAPL", "sample:MSFT")}
    by_frames = al.backtest("sma_cross", frames)
    by_symbols = al.backtest("sma_cross", ["sample:AAPL", "sample:MSFT"], **WINDOW)
    assert by_frames.raw.symbols == by_symbols.raw.symbols
    assert np.array_equal(by_frames.equity.to_numpy(), by_symbols.equity.to_numpy())


def test_unknown_parameter_raises_with_suggestion():
    with pytest.raises(ValidationError) as err:
        al.backtest("ema_cross", "sample:AAPL", fsat=10)
    assert "fast" in str(err.value.problems[0].hint)
    with pytest.raises(ValidationError):
        al.backtest(SmaTrend, "sample:AAPL", slwo=10)
    with pytest.raises(ConfigError, match="slwo") as err:
        al.optimize("ema_cross", "sample:AAPL", slwo=100, progress=False)
    assert "did you mean 'slow'" in str(err.value.hint)


def test_python_strategy_backtest_is_the_event_path():
    r = al.backtest(SmaTrend, "sample:AAPL", fast=5, **WINDOW)
    direct = run_strategy(SmaTrend, load_arrays(["sample:AAPL"], "1d", **WINDOW), params={"fast": 5})
    assert r.trades.equals(direct.trades) and len(r.trades) > 3
    assert r.params == {"fast": 5, "slow": 40}


def test_python_strategy_optimise_runs_each_declared_combination():
    opt = al.optimize(SmaTrend, "sample:AAPL", progress=False, **WINDOW)
    trials = opt.trials
    assert sorted(zip(trials.p_fast, trials.p_slow, strict=True)) == [(f, s) for f in (5, 10, 15) for s in (30, 50)]
    assert trials["m_sharpe"].nunique() > 1  # the parameters took effect
    row = trials.iloc[4]
    alone = al.backtest(SmaTrend, "sample:AAPL", fast=int(row.p_fast), slow=int(row.p_slow), **WINDOW)
    assert row.m_sharpe == pytest.approx(alone.metrics["sharpe"], rel=1e-9)
    assert set(opt.best_params) == {"fast", "slow"} and "pbo" in opt.overfitting
    assert opt.backtest().params == opt.best_params


def test_sdl_optimise_with_spec_applies_every_trial():
    spec = al.load("ema_cross")
    opt = al.optimize(spec, "sample:AAPL", space={"fast": (5, 15, 5), "slow": [40, 60]}, stop=0.1,
                      progress=False, **WINDOW)
    assert len(opt.trials) == 6 and opt.trials["m_sharpe"].nunique() == 6
    row = opt.trials.iloc[2]
    alone = al.backtest("ema_cross", "sample:AAPL", fast=int(row.p_fast), slow=int(row.p_slow), stop=0.1, **WINDOW)
    assert row.m_sharpe == pytest.approx(alone.metrics["sharpe"], rel=1e-9)


def test_walk_forward_and_monte_carlo():
    wf = al.walk_forward("ema_cross", "sample:AAPL", train=400, test=200, space={"fast": [10, 20]}, slow=50,
                         stop=0.05, progress=False, **WINDOW)
    assert len(wf.folds) >= 2 and np.isfinite(wf.efficiency)
    assert "folds" in repr(wf)
    r = al.backtest("ema_cross", "sample:AAPL")
    mc = al.monte_carlo(r, n_sims=200, seed=1)
    again = al.monte_carlo("ema_cross", "sample:AAPL", n_sims=200, seed=1)
    assert 0.0 <= mc.probability_of_ruin <= 1.0
    assert mc.table.equals(again.table)
    assert set(mc.table.index) == {"final_equity", "max_drawdown", "sharpe"}


def test_load_data_and_strategies(tmp_path):
    assert isinstance(al.load("sample:AAPL"), pd.DataFrame)
    assert isinstance(al.load("ema_cross"), al.StrategySpec)
    path = tmp_path / "mine.py"
    path.write_text(
        "from alphalab import Param, Strategy\n\n"
        "class Mine(Strategy):\n    parameters = {'n': Param('int', 3, min=1, max=5)}\n"
    )
    cls = al.load(str(path))
    assert issubclass(cls, al.Strategy) and cls.__name__ == "Mine"
    assert al.backtest(str(path), "sample:AAPL", n=2, **WINDOW).params == {"n": 2}


def test_monte_carlo_of_a_finished_backtest_refuses_run_settings():
    r = al.backtest("ema_cross", "sample:AAPL", **WINDOW)
    with pytest.raises(ConfigError, match="fee_bps"):
        al.monte_carlo(r, fee_bps=5)
    with pytest.raises(ConfigError, match="needs data"):
        al.monte_carlo("ema_cross")


def test_dataframe_with_adj_close_is_adjusted_like_a_stored_symbol():
    from alphalab._inputs import frame_to_barframe

    raw = load_bars("sample:AAPL", "1d", adjust=False, **WINDOW)
    theirs = raw.rename(columns={"adj_close": "Adj Close"})
    frame, tf = frame_to_barframe(theirs, "mine")
    stored = load_bars("sample:AAPL", "1d", **WINDOW)
    assert tf == "1d"
    assert np.allclose(frame["close"].to_numpy(), stored["close"].to_numpy(), rtol=1e-12)
    assert not np.allclose(frame["close"].to_numpy(), raw["close"].to_numpy())


def test_bad_run_settings_raise_a_user_error_naming_the_field():
    with pytest.raises(ValidationError) as err:
        al.backtest("ema_cross", "sample:AAPL", config={"alow_short": False})
    assert err.value.problems[0].where == "alow_short"
    assert "allow_short" in str(err.value.problems[0].hint)
    with pytest.raises(ValidationError) as err:
        al.backtest("ema_cross", "sample:AAPL", capital=0)
    assert err.value.problems[0].where == "capital"
