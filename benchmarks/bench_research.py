"""Research sweeps: EMA-cross parameter grids through the engine vs vectorbt's broadcast sweep.

- 100 EMA-cross combinations on 100k bars: AlphaLab column sweep (one compiled engine call) vs
  ``vbt.MA.run`` broadcast + ``Portfolio.from_signals`` over all columns;
- a large grid (quick: 1,000 combinations on 100k bars; full: 10,000 on 1M bars) within the
  memory bound of ``alphalab.research.sweep`` (chunked);
- the speed-up from 1 to 2 local workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import measure, row


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
    ema_cross_sweep(*bars, pairs)


def _vbt(state: Any) -> None:
    import pandas as pd
    import vectorbt as vbt

    bars, pairs = state
    close = pd.Series(bars[3])
    fast = vbt.MA.run(close, [p[0] for p in pairs], ewm=True, short_name="f")
    slow = vbt.MA.run(close, [p[1] for p in pairs], ewm=True, short_name="s")
    pf = vbt.Portfolio.from_signals(close, fast.ma_crossed_above(slow), fast.ma_crossed_below(slow))
    pf.total_return()


def _workers(n: int) -> Any:
    def fn(state: Any) -> None:
        from alphalab.research.executors import LocalExecutor
        from alphalab.research.sweep import parallel_ema_cross_sweep

        bars, pairs = state
        parallel_ema_cross_sweep(bars, pairs, LocalExecutor(n), chunk=max(1, len(pairs) // 4))

    return fn


def run(quick: bool) -> list[dict[str, Any]]:
    n = 100_000
    rows = []
    setup = lambda: (_bars(n), _pairs(100))  # noqa: E731
    peer = measure(setup, _vbt, repeat=1)
    ours = measure(setup, _ours, repeat=1)
    rows.append(row("ema_cross_100x100k", "vectorbt broadcast", peer, units=100, unit="combos"))
    rows.append(row("ema_cross_100x100k", "alphalab column sweep", ours, units=100, unit="combos",
                    peer=peer, peer_name="vectorbt"))
    big_n, big_k = (100_000, 1_000) if quick else (1_000_000, 10_000)
    big = measure(lambda: (_bars(big_n), _pairs(big_k)), _ours, repeat=1, warmup=False)
    rows.append(row(f"ema_cross_{big_k}x{big_n}", "alphalab chunked sweep", big, units=big_k, unit="combos"))
    k = 40 if quick else 200
    one = measure(lambda: (_bars(n), _pairs(k)), _workers(1), repeat=1)
    two = measure(lambda: (_bars(n), _pairs(k)), _workers(2), repeat=1)
    rows.append(row(f"workers_{k}x100k", "local x1", one, units=k, unit="combos"))
    rows.append(row(f"workers_{k}x100k", "local x2", two, units=k, unit="combos", peer=one, peer_name="local x1"))
    return rows
