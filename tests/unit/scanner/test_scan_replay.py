"""Replay over a recorded panel gives the same events as the live path fed symbol by symbol."""

from __future__ import annotations

import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.scanner.config import StateConfig
from alphalab.scanner.feed import BarAssembler
from alphalab.scanner.scanner import Scanner, ScannerConfig, replay

CFG = ScannerConfig(state=StateConfig(vol_window=10, atr_period=5, band_window=8, pct_window=20, breakout_window=10,
                                      moment_window=20, ma_period=10, slope_bars=3, rv_window=5, rv_pct_window=20))
SYMS = [f"S{i}" for i in range(12)]
KEYS = ("open", "high", "low", "close", "volume")


def _panel(T: int = 150) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    c = 100 * np.exp(np.cumsum(rng.standard_t(3, (T, len(SYMS))) * 0.01, axis=0))
    p = {"open": c, "high": c * 1.005, "low": c * 0.995, "close": c,
         "volume": rng.lognormal(7, 0.7, (T, len(SYMS)))}
    p["close"] = p["close"].copy()
    p["close"][rng.uniform(size=(T, len(SYMS))) < 0.05] = np.nan  # symbols that miss a bar
    return p


def test_live_path_symbol_by_symbol_gives_replay_events() -> None:
    p = _panel()
    times = np.arange(150) * 60_000_000_000
    expected = replay(SYMS, times, p, CFG)
    assert len(expected) > 50 and len({e.detector for e in expected}) >= 4
    live = BarAssembler(Scanner(SYMS, CFG))
    rng = np.random.default_rng(0)
    got = []
    for t in range(150):
        for s in rng.permutation(len(SYMS)):  # bars of one time arrive in any order
            if np.isfinite(p["close"][t, s]):
                got += live.bar(SYMS[s], int(times[t]), *(float(p[k][t, s]) for k in KEYS))
    got += live.close()
    assert [e.to_dict() for e in got] == [e.to_dict() for e in expected]
    assert len({e.key for e in got}) == len(got)


def test_bars_backfilled_within_the_lag_land_in_their_batch() -> None:
    p = _panel()
    times = np.arange(150) * 60_000_000_000
    expected = replay(SYMS, times, p, CFG)
    live = BarAssembler(Scanner(SYMS, CFG), lag=2)
    got, held = [], []
    for t in range(150):
        for s in range(len(SYMS)):
            if not np.isfinite(p["close"][t, s]):
                continue
            msg = (SYMS[s], int(times[t]), *(float(p[k][t, s]) for k in KEYS))
            if s < 4 and 30 <= t < 33:  # connection of S0..S3 down for two bar times
                held.append(msg)
                continue
            got += live.bar(*msg)
        if t == 32:  # reconnected: the backfill arrives before bar time 33 opens
            for msg in held:
                got += live.bar(*msg)
    got += live.close()
    assert live.late == 0 and [e.to_dict() for e in got] == [e.to_dict() for e in expected]


def test_bar_for_a_closed_time_is_counted_late_and_ignored() -> None:
    live = BarAssembler(Scanner(SYMS, CFG))
    live.bar("S0", 2, 1, 1, 1, 1, 1)
    live.bar("S0", 3, 1, 1, 1, 1, 1)
    assert live.bar("S1", 2, 1, 1, 1, 1, 1) == [] and live.late == 1
    with pytest.raises(ConfigError, match="not in the scanner's universe"):
        live.bar("ZZ", 4, 1, 1, 1, 1, 1)
    live.implied_vol("S1", 3, 0.42)
    live.close()
    assert live.scanner.state.flow[1, 4] == 0.42 and np.isnan(live.scanner.state.flow[0, 4])


def test_restart_from_a_checkpoint_continues_with_the_same_events(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alphalab.scanner.state import Batch

    p = _panel()
    times = np.arange(150) * 60_000_000_000
    expected = replay(SYMS, times, p, CFG)
    first = Scanner(SYMS, CFG)
    got = []
    for t in range(90):
        got += first.step(Batch(int(times[t]), *(p[k][t] for k in KEYS)))
    np.savez(tmp_path / "scan.npz", **first.checkpoint())
    second = Scanner(SYMS, CFG)
    with np.load(tmp_path / "scan.npz") as saved:
        second.restore(dict(saved))
    for t in range(90, 150):
        got += second.step(Batch(int(times[t]), *(p[k][t] for k in KEYS)))
    assert [e.to_dict() for e in got] == [e.to_dict() for e in expected]
    with pytest.raises(ConfigError, match="symbols differ"):
        Scanner(SYMS[:-1], CFG).restore(first.checkpoint())
    with pytest.raises(ConfigError, match="does not fit"):
        Scanner(SYMS, ScannerConfig()).restore(first.checkpoint())


@pytest.mark.parametrize("clock_kind", ["simulated", "wall"])
def test_paced_replay_at_100x_loses_no_event(clock_kind: str) -> None:
    import asyncio

    from alphalab.live.clock import SimulatedClock, WallClock
    from alphalab.scanner.stream import paced_replay, panel_messages

    p = _panel(120)
    times = np.arange(120) * 1_000_000_000  # 1 s bars: 10 ms apart at 100x
    expected = replay(SYMS, times, p, CFG)
    clock = SimulatedClock(0) if clock_kind == "simulated" else WallClock()
    events, stats = asyncio.run(paced_replay(panel_messages(SYMS, times, p), BarAssembler(Scanner(SYMS, CFG)),
                                             clock, bar_s=1.0, speed=100.0, queue_size=64))
    assert stats.late == 0 and stats.messages == int(np.isfinite(p["close"]).sum()) and stats.max_queue <= 64
    assert [e.key for e in events] == [e.key for e in expected] and len(events) > 30
