"""End-to-end rows: what a user waits for, measured the way users call each product, in the same run.

Every row names what each side includes:

- ``python backtest``: AlphaLab ``BarArrays.from_frame`` + ``run_backtest("ema_cross")`` (SDL: EMA 20/50,
  long and short, 5% stop) + ``compute_metrics`` (34 metrics) + the trade log DataFrame; vectorbt
  ``MA.run`` x2 (EWM 20/50) + crossings + ``Portfolio.from_signals`` (long only, no stop) + 8 metrics
  (total return, annual volatility, Sharpe, Sortino, Calmar, max drawdown, win rate, profit factor)
  + ``trades.records_readable``. 1M bars (and 10M in full mode); bars given as a DataFrame to both.
  The 10M row's ``peak_mb`` is what the run added above its input frame (target <= 1 GB).
- ``alphalab backtest CLI``: wall time of ``alphalab backtest`` on ``synthetic:gbm`` 1-minute bars in a
  child process (imports, data, backtest, metrics, saved result, HTML report), warm numba cache, best
  of 2; beside it a vectorbt script doing the python-backtest work above plus ``pf.stats()`` and the
  trade log written to CSV (no HTML chart: vectorbt has no report page).
- ``sweep with all metrics``: 100 EMA-cross combinations on 100k bars through
  ``EngineEvaluator.evaluate_many`` (every AlphaLab metric plus the return statistics of the
  overfitting tests, per combination) vs vectorbt's broadcast ``MA.run`` + ``from_signals`` + the 8
  metrics above over all columns.
- ``cold first run``: a child process with an empty numba cache running a 10,000-bar backtest with
  metrics (AlphaLab) or MA + ``from_signals`` + the 8 metrics (vectorbt); includes imports and compilation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _harness as h
import pandas as pd

SRC = Path(__file__).resolve().parents[1] / "src"


def _frame(n: int) -> pd.DataFrame:
    from alphalab.data.synthetic import gbm

    return gbm(n, seed=7, timeframe="1m")


def _ours(frame: pd.DataFrame) -> None:
    from alphalab.analytics import compute_metrics
    from alphalab.core.bars import BarArrays
    from alphalab.engine import run_backtest

    result = run_backtest("ema_cross", BarArrays.from_frame(frame, "SYN", "1m"))
    compute_metrics(result)
    len(result.trades)


def _vbt_metrics(pf: Any) -> None:
    pf.total_return(), pf.annualized_volatility(), pf.sharpe_ratio(), pf.sortino_ratio()
    pf.calmar_ratio(), pf.max_drawdown(), pf.trades.win_rate(), pf.trades.profit_factor()


def _naive_close(frame: pd.DataFrame) -> pd.Series:
    # vectorbt is given naive UTC times, as its users do: with a tz-aware index its date arithmetic
    # falls back to a slow path (100x slower on pandas 3), which would not be a fair comparison
    return pd.Series(frame["close"].to_numpy(), index=frame.index.tz_localize(None))


def _vbt(frame: pd.DataFrame) -> None:
    import vectorbt as vbt

    close = _naive_close(frame)
    fast = vbt.MA.run(close, 20, ewm=True, short_name="f")
    slow = vbt.MA.run(close, 50, ewm=True, short_name="s")
    pf = vbt.Portfolio.from_signals(close, fast.ma_crossed_above(slow), fast.ma_crossed_below(slow),
                                    fees=0.0, freq="1min")
    _vbt_metrics(pf)
    len(pf.trades.records_readable)


def _python_rows(n: int) -> list[dict[str, Any]]:
    setup = lambda: _frame(n)  # noqa: E731
    repeat = 5 if n <= 1_000_000 else 1
    ours = h.measure(setup, _ours, repeat=repeat)
    peer = h.measure(setup, _vbt, repeat=repeat)
    name = f"python backtest + metrics + trade log, {n:,} bars"
    mine = h.row(name, "alphalab", ours, units=n, peer=peer, peer_name="vectorbt MA + from_signals + 8 metrics")
    mine["bytes_per_bar_added"] = ours.peak_mb * 2**20 / n
    if n >= 10_000_000:
        mine["within_1gb"] = ours.peak_mb <= 1024
    return [mine, h.row(name, "vectorbt MA + from_signals + 8 metrics", peer, units=n)]


def _child_env(cache: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    return env


_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
         "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _timed(cmd: list[str], env: dict[str, str], repeat: int) -> h.Measurement:
    """Return the best wall time of ``cmd`` (a wrapper process reports the command's own peak RSS)."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PEAK, *cmd], env=env, check=True, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, float(done.stdout.split()[-1]) / 1024.0)
    return h.Measurement(best, peak)


_VBT_SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
import bench_e2e as b
import vectorbt as vbt
f = b._frame({n})
close = b._naive_close(f)
fast = vbt.MA.run(close, 20, ewm=True, short_name="f")
slow = vbt.MA.run(close, 50, ewm=True, short_name="s")
pf = vbt.Portfolio.from_signals(close, fast.ma_crossed_above(slow), fast.ma_crossed_below(slow), freq="1min")
pf.stats()
pf.trades.records_readable.to_csv({out!r})
"""


def _cli_rows(n: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as home:
        env = _child_env()
        env["ALPHALAB_HOME"] = home
        cmd = [sys.executable, "-m", "alphalab.cli.main", "backtest", "--strategy", "ema_cross", "--symbol",
               f"synthetic:gbm?n={n}&seed=1", "--timeframe", "1m", "--out", str(Path(home) / "run")]
        _timed(cmd, env, 1)  # warm: the numba cache and the data source
        ours = _timed(cmd, env, 2)
        script = _VBT_SCRIPT.format(bench=str(Path(__file__).parent), n=n, out=str(Path(home) / "trades.csv"))
        peer = _timed([sys.executable, "-c", script], env, 2)
        report = Path(home) / "run" / "report.html"
        size_mb = report.stat().st_size / 1e6 if report.exists() else float("nan")
    name = f"alphalab backtest CLI incl. report, {n:,} bars (wall, warm)"
    mine = h.row(name, "alphalab backtest", ours, units=n, peer=peer, peer_name="vectorbt script")
    mine["report_mb"] = size_mb
    return [mine, h.row(name, "vectorbt script (stats + trade log csv)", peer, units=n)]


def _sweep_state() -> Any:
    import bench_research as br

    from alphalab.core.bars import BarArrays
    from alphalab.research.engine_eval import EngineEvaluator

    bars, pairs = br._bars(100_000), br._pairs(100)
    arrays = BarArrays.from_frame(br._frame(bars), "SYN", "1m")
    return EngineEvaluator(data={("SYN", "1m"): arrays}), [{"fast": f, "slow": s} for f, s in pairs], bars, pairs


def _sweep_ours(state: Any) -> None:
    ev, params, _, _ = state
    ev.evaluate_many("ema_cross", params, "SYN", "1m", None)


def _sweep_vbt(state: Any) -> None:
    import vectorbt as vbt

    _, _, bars, pairs = state
    close = pd.Series(bars[3], index=pd.date_range("2000-01-01", periods=len(bars[3]), freq="min"))
    fast = vbt.MA.run(close, [p[0] for p in pairs], ewm=True, short_name="f")
    slow = vbt.MA.run(close, [p[1] for p in pairs], ewm=True, short_name="s")
    pf = vbt.Portfolio.from_signals(close, fast.ma_crossed_above(slow), fast.ma_crossed_below(slow), freq="1min")
    _vbt_metrics(pf)


def _sweep_rows() -> list[dict[str, Any]]:
    ours = h.measure(_sweep_state, _sweep_ours, repeat=2)
    peer = h.measure(_sweep_state, _sweep_vbt, repeat=2)
    name = "sweep with all metrics, 100 combos x 100k bars"
    return [h.row(name, "alphalab evaluate_many (all metrics)", ours, units=100, unit="combos", peer=peer,
                  peer_name="vectorbt broadcast + 8 metrics"),
            h.row(name, "vectorbt broadcast + 8 metrics", peer, units=100, unit="combos")]


_COLD_OURS = """
import sys
sys.path.insert(0, {bench!r})
import bench_e2e as b
b._ours(b._frame(10_000))
"""
_COLD_VBT = """
import sys
sys.path.insert(0, {bench!r})
import bench_e2e as b
b._vbt(b._frame(10_000))
"""


def _cold_rows() -> list[dict[str, Any]]:
    bench = str(Path(__file__).parent)
    out = {}
    for side, script in (("ours", _COLD_OURS), ("vbt", _COLD_VBT)):
        with tempfile.TemporaryDirectory() as cache:
            out[side] = _timed([sys.executable, "-c", script.format(bench=bench)], _child_env(cache), 1)
    name = "cold first run, empty numba cache, 10k bars (child process)"
    return [h.row(name, "alphalab backtest + metrics", out["ours"], units=10_000, peer=out["vbt"],
                  peer_name="vectorbt MA + from_signals + 8 metrics"),
            h.row(name, "vectorbt MA + from_signals + 8 metrics", out["vbt"], units=10_000)]


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure the end-to-end rows (quick: 1M bars only, the CLI at 1M, one cold run each)."""
    rows = _python_rows(1_000_000)
    if not quick:
        rows += _python_rows(10_000_000)
    rows += _cli_rows(1_000_000)
    rows += _sweep_rows()
    rows += _cold_rows()
    return rows
