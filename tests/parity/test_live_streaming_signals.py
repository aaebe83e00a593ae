"""Streaming SDL decisions (one bar at a time) equal the batch signals of the compiled plan."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.bars import BarArrays
from alphalab.data import load_arrays
from alphalab.engine.backtest import resolve_spec
from alphalab.live.strategy import Bar, StreamingStrategy
from alphalab.sdl import compile as compile_plan
from alphalab.sdl.sources import builtin_dir
from alphalab.strategies.registry import get as get_strategy

BUILTINS = sorted(p.stem for p in builtin_dir().glob("*.json"))


def stream_signals(spec, bars: BarArrays) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Run the streaming strategy on every asset's valid bars; return (time, asset) signal arrays."""
    shape = (bars.n_bars, bars.n_assets)
    out = {k: np.zeros(shape, dtype=bool) for k in ("entry_long", "exit_long", "entry_short", "exit_short")}
    out["atr"] = np.full(shape, np.nan)
    for j, sym in enumerate(bars.symbols):
        strat = StreamingStrategy(spec, sym, bars.timeframe)
        for t in np.flatnonzero(~np.isnan(bars.close[:, j])):
            d = strat.update(Bar(int(bars.time[t]), float(bars.open[t, j]), float(bars.high[t, j]),
                                 float(bars.low[t, j]), float(bars.close[t, j]), float(bars.volume[t, j])))
            for k in ("entry_long", "exit_long", "entry_short", "exit_short", "atr"):
                out[k][t, j] = getattr(d, k)
    return out


def _data(strategy_id: str) -> BarArrays:
    if strategy_id == "mtf_trend":  # a 4h confirmation needs intraday bars
        return load_arrays(["sample:EURUSD"], "1h")
    return load_arrays(["sample:AAPL", "sample:MSFT", "sample:GOOG"], "1d")  # GOOG starts later: two calendars


@pytest.mark.parametrize("strategy_id", BUILTINS)
def test_builtin_streaming_decisions_equal_batch_signals(strategy_id: str) -> None:
    bars = _data(strategy_id)
    spec = resolve_spec(strategy_id, None)
    batch = compile_plan(spec).signals(bars)
    live = stream_signals(spec, bars)
    for k in ("entry_long", "exit_long", "entry_short", "exit_short"):
        want = getattr(batch, k)
        bad = np.argwhere(want != live[k])
        assert bad.size == 0, f"{strategy_id} {k}: {len(bad)} bars differ, first at {bad[:3].tolist()}"
    assert int(batch.entry_long.sum() + batch.entry_short.sum()) > 0  # the comparison saw decisions
    if batch.atr is not None:
        np.testing.assert_allclose(live["atr"], batch.atr, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_builtins_are_all_covered() -> None:
    assert len(BUILTINS) >= 11
    assert all(get_strategy(i) is not None for i in BUILTINS)
