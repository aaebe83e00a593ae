"""Research sweeps: EMA-cross parameter grids through the engine vs vectorbt's broadcast sweep.

- 100 EMA-cross combinations on 100k bars: AlphaLab column sweep (one compiled engine call) vs
  ``vbt.MA.run`` broadcast + ``Portfolio.from_signals`` over all columns;
- the same 100 combinations through the generic SDL path (``ema_cross`` strategy: short side, 5% stop,
  95% sizing) as ``EngineEvaluator.evaluate_many`` runs them: ``research.regime_run.batch_curves``,
  cash groups of one kernel call with shared indicators;
- a large grid within the memory bound of ``alphalab.research.sweep`` (chunked): quick 1,000 x 100k;
  full: 10,000 x 100k and 10,000 x 1M, both run in full (the 1M one takes a few minutes); the row's
  ``peak_mb`` is the memory the run added, to compare with the bound documented in
  ``alphalab.research.sweep`` (``memory_bound_mb``; the row says ``within_bound``);
- the speed-up from 1 to 2 local workers (2,000 combinations on 100k bars in full mode, ~20 s of work).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import measure, row

PPY = 252.0 * 6.5 * 60  # the synthetic bars are 1m on an exchange calendar (periods_per_year_for("1m"))

def _bars(n: int) -> tuple[np.ndarray, ...]:
    from alphalab.data import synthetic

    f = synthetic.gbm(n, seed=7, timeframe="1m")
    return tuple(f[c].to_numpy() for c in ("open", "high", "low", "close", "volume"))


def _pairs(k: int) -> list[tuple[int, int]]:
    side = int(np.ceil(np.sqrt(k)))
    fast = list(range(5, 5 + 3 * side, 3))
    slow = list(range(60, 60 + 10 * side, 10))
    return [(f, s) for f in fast for s in slow][:k]


def _ours(state: Any) -> None:
    from alphalab.research.sweep import ema_cross_sweep

    bars, pairs = state
    ema_cross_sweep(*bars, pairs, periods_per_year=PPY)


def _ours_sdl(state: Any) -> None:
    from alphalab.core.bars import BarArrays
    from alphalab.research.regime_run import batch_curves

    bars, pairs = state
    frame = _frame(bars)
    arrays = BarArrays.from_frame(frame, "SYN", "1m")
    batch_curves("ema_cross", arrays, [{"fast": f, "slow": s} for f, s in pairs])


def _frame(bars: tuple[np.ndarray, ...]) -> Any:
    import pandas as pd

    idx = pd.date_range("2000-01-01", periods=len(bars[0]), freq="min", tz="UTC", name="time")
    return pd.DataFrame(dict(zip(("open", "high", "low", "close", "volume"), bars, strict=True)), index=idx)


def _vbt(state: Any) -> None:
    import pandas as pd
    import vectorbt as vbt

    bars, pairs = state
    close = pd.Series(bars[3])
    fast = vbt.MA.run(close, [p[0] for p in pairs], ewm=True, short_name="f")
    slow = vbt.MA.run(close, [p[1] for p in pairs], ewm=True, short_name="s")
    pf = vbt.Portfolio.from_signals(close, fast.ma_crossed_above(slow), fast.ma_crossed_below(slow))
    pf.total_return()


def _warm_setup(n: int, k: int) -> tuple[tuple[np.ndarray, ...], list[tuple[int, int]]]:
    """Setup of a one-shot run: load the compiled kernels first (a tiny sweep), so that the row's
    ``peak_mb`` is the sweep's working memory, not the JIT's code and the imports."""
    _ours((_bars(2_000), _pairs(4)))
    return _bars(n), _pairs(k)


def _workers(n: int) -> Any:
    def fn(state: Any) -> None:
        from alphalab.research.executors import LocalExecutor
        from alphalab.research.sweep import parallel_ema_cross_sweep

        bars, pairs = state
        parallel_ema_cross_sweep(bars, pairs, LocalExecutor(n), chunk=max(1, len(pairs) // 4), periods_per_year=PPY)

    return fn


def run(quick: bool) -> list[dict[str, Any]]:
    n = 100_000
    rows = []
    setup = lambda: (_bars(n), _pairs(100))  # noqa: E731
    peer = measure(setup, _vbt, repeat=1)
    ours = measure(setup, _ours, repeat=1)
    sdl = measure(setup, _ours_sdl, repeat=1)
    rows.append(row("ema_cross_100x100k", "vectorbt broadcast", peer, units=100, unit="combos"))
    rows.append(row("ema_cross_100x100k", "alphalab column sweep", ours, units=100, unit="combos",
                    peer=peer, peer_name="vectorbt"))
    rows.append(row("ema_cross_100x100k", "alphalab SDL batch (evaluate_many)", sdl, units=100, unit="combos",
                    peer=peer, peer_name="vectorbt"))
    sizes = [(100_000, 1_000)] if quick else [(100_000, 10_000), (1_000_000, 10_000)]
    for big_n, big_k in sizes:
        big = measure(lambda big_n=big_n, big_k=big_k: _warm_setup(big_n, big_k), _ours, repeat=1, warmup=False)
        from alphalab.research.sweep import memory_bound_mb

        r = row(f"ema_cross_{big_k}x{big_n}", "alphalab chunked sweep", big, units=big_k, unit="combos")
        r["bound_mb"] = memory_bound_mb(big_n)  # the documented working-memory bound (bars excluded)
        r["within_bound"] = big.peak_mb <= r["bound_mb"]
        rows.append(r)
    k = 40 if quick else 10_000  # enough work (~20 s with one worker) to amortise starting the worker processes
    one = measure(lambda: (_bars(n), _pairs(k)), _workers(1), repeat=1)
    two = measure(lambda: (_bars(n), _pairs(k)), _workers(2), repeat=1)
    rows.append(row(f"workers_{k}x100k", "local x1", one, units=k, unit="combos"))
    rows.append(row(f"workers_{k}x100k", "local x2", two, units=k, unit="combos", peer=one, peer_name="local x1"))
    return rows
