"""Each detector against a hand-made planted case, edges and cooldowns, and a no-look-ahead property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphalab.core.errors import ConfigError
from alphalab.scanner import detectors
from alphalab.scanner.config import StateConfig
from alphalab.scanner.scanner import DetectorSpec, Event, Scanner, ScannerConfig
from alphalab.scanner.state import Batch, Liquidations

SMALL = StateConfig(vol_window=10, atr_period=5, band_window=8, pct_window=20, breakout_window=10, moment_window=20,
                    ma_period=10, slope_bars=3, rv_window=5, rv_pct_window=20, book_levels=5)
SYMS = ["A", "B", "C"]


def _panel(T: int = 80, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, (T, len(SYMS))), axis=0))
    return {"open": c.copy(), "high": c * 1.001, "low": c * 0.999, "close": c,
            "volume": 1000 * rng.uniform(0.95, 1.05, (T, len(SYMS)))}


def _scan(p: dict[str, np.ndarray], names: list[str], extra=None, **params: dict[str, float]) -> list[Event]:  # type: ignore[no-untyped-def]
    cfg = ScannerConfig(state=SMALL, detectors=[DetectorSpec(name=n, params=params.get(n, {}), cooldown=3)
                                                 for n in names])
    sc = Scanner(SYMS, cfg)
    out: list[Event] = []
    for t in range(p["close"].shape[0]):
        kw = extra(t) if extra else {}
        out += sc.step(Batch(t, p["open"][t], p["high"][t], p["low"][t], p["close"][t], p["volume"][t], **kw))
    return out


def _hits(events: list[Event]) -> list[tuple[str, str, int]]:
    return [(e.symbol, e.detector, e.time_ns) for e in events]


def test_planted_volume_spike_fires_once_on_its_bar() -> None:
    p = _panel()
    p["volume"][50, 1] *= 10
    ev = _scan(p, ["volume_spike"])
    assert _hits(ev) == [("B", "volume_spike", 50)]
    assert ev[0].values["vol_z"] > 4 and ev[0].level == "critical"


def test_planted_breakout_up_and_down_are_signed() -> None:
    p = _panel()
    for k in p:
        if k != "volume":
            p[k][60:, 0] *= 1.05
            p[k][60:, 2] *= 0.95
    ev = _scan(p, ["breakout"], breakout={"margin": 0.02})
    assert [(e.symbol, e.time_ns, e.direction) for e in ev] == [("A", 60, 1), ("C", 60, -1)]


def test_planted_volatility_expansion_fires_when_ranges_widen() -> None:
    T = 80
    c = np.full((T, 3), 100.0)
    p = {"open": c.copy(), "high": c + 1.0, "low": c - 1.0, "close": c, "volume": np.full((T, 3), 1e3)}
    rng = np.random.default_rng(1)
    p["close"][60:, 2] = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, 20)))
    p["high"][60:, 2], p["low"][60:, 2] = p["close"][60:, 2] * 1.03, p["close"][60:, 2] * 0.97
    ev = _scan(p, ["vol_expansion"])  # a flat range ranks 0: nothing fires before the planted widening
    assert [(e.symbol, e.time_ns) for e in ev][:1] == [("C", 60)]
    assert {e.symbol for e in ev} == {"C"} and ev[0].values["atr_pct"] >= 0.95


def test_planted_outlier_return_raises_kurtosis_and_shock() -> None:
    p = _panel()
    for k in ("open", "high", "low", "close"):
        p[k][55:, 0] *= 1.04
    ev = _scan(p, ["moment_anomaly", "return_shock"])
    assert ("A", "moment_anomaly", 55) in _hits(ev) and ("A", "return_shock", 55) in _hits(ev)
    assert all(e.symbol == "A" for e in ev)


def test_planted_book_imbalance_is_signed_and_needs_the_threshold() -> None:
    p = _panel()

    def books(t: int) -> dict[str, np.ndarray]:
        bid, ask = np.ones((3, 5)), np.ones((3, 5))
        if t == 30:
            bid[1] = 9.0  # (45 - 5) / 50 = 0.8 >= 0.6
            ask[2] = 3.0  # (5 - 15) / 20 = -0.5, under the threshold
        return {"bid": bid, "ask": ask}

    ev = _scan(p, ["book_imbalance"], books)
    assert [(e.symbol, e.time_ns, e.direction) for e in ev] == [("B", 30, 1)]
    assert ev[0].value == pytest.approx(0.8)


def test_planted_liquidation_cascade_needs_burst_and_drop() -> None:
    p = _panel()
    for k in ("open", "high", "low", "close"):
        p[k][40:, 0] *= 0.97  # A drops 3 % with the burst
    burst = {40: [(0, -1, 1e4)] * 6 + [(1, -1, 1e4)] * 6 + [(2, -1, 1e4)] * 2}

    def liq(t: int) -> dict[str, Liquidations]:
        rows = burst.get(t, [])
        if not rows:
            return {}
        s, side, n = zip(*rows, strict=True)
        return {"liquidations": Liquidations(np.array(s), np.array(side), np.array(n, float))}

    ev = _scan(p, ["liquidation_cascade"], liq)
    assert _hits(ev) == [("A", "liquidation_cascade", 40)]  # B: no drop; C: too few events
    assert ev[0].value == pytest.approx(6e4)


def test_planted_implied_vol_jump_fires_iv_expansion() -> None:
    p = _panel()
    iv = np.repeat((0.5 - 0.001 * np.arange(80))[:, None], 3, axis=1)  # drifting down: ranks 0
    iv[60, 0] = 0.8
    iv[:, 2] = np.nan  # a symbol without an IV feed never fires

    ev = _scan(p, ["iv_expansion"], lambda t: {"iv": iv[t]})
    assert [(e.symbol, e.time_ns) for e in ev] == [("A", 60)]
    assert ev[0].value == pytest.approx(0.8)


def test_planted_regime_change_fires_regime_shift() -> None:
    T = 120
    trend = np.r_[np.linspace(0, 0.3, 60), np.linspace(0.3, 0.0, 60)]
    rng = np.random.default_rng(3)
    c = 100 * np.exp(trend[:, None] + rng.normal(0, 0.002, (T, 3)))
    p = {"open": c, "high": c * 1.001, "low": c * 0.999, "close": c, "volume": np.full((T, 3), 1e3)}
    ev = _scan(p, ["regime_shift"])
    assert any(60 <= e.time_ns <= 75 and e.regime == "bear" for e in ev if e.symbol == "A")


def test_condition_held_fires_once_and_cooldown_blocks_refire() -> None:
    from alphalab.scanner.detectors_nb import edges_nb

    conds = [1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1]  # on at bar 1, held, off, on at 5 (within 3 bars), on at 10
    on, last, fired = np.zeros(1, np.bool_), np.full(1, -(2**62), np.int64), np.zeros(1, np.bool_)
    got = []
    for bar, c in enumerate(conds, start=1):
        edges_nb(np.array([bool(c)]), np.ones(1, np.bool_), np.array([bar]), 2, on, last, 3, fired)
        got.append(int(fired[0]))
    assert got == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]  # bar 1 is warm-up (needs 2 bars)
    edges_nb(np.array([True]), np.zeros(1, np.bool_), np.array([12]), 2, on, last, 3, fired)
    assert not fired[0] and last[0] == 10  # a symbol without a bar keeps its state


def test_unknown_detector_or_parameter_names_it() -> None:
    with pytest.raises(ConfigError, match="volume_spik"):
        detectors.get("volume_spik")
    with pytest.raises(ConfigError, match="no parameter zz"):
        detectors.get("volume_spike").resolve({"zz": 1})


@settings(max_examples=12, deadline=None)
@given(cut=st.integers(20, 70), seed=st.integers(0, 10**6))
def test_changing_later_batches_never_changes_earlier_events(cut: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = _panel(seed=seed % 7)
    p["volume"] *= rng.lognormal(0, 0.8, p["volume"].shape)
    q = {k: v.copy() for k, v in p.items()}
    q["close"][cut:] *= rng.lognormal(0, 0.05, q["close"][cut:].shape)
    q["high"][cut:], q["low"][cut:] = q["close"][cut:] * 1.02, q["close"][cut:] * 0.98
    q["volume"][cut:] *= 30

    def liq(t: int) -> dict[str, object]:
        r = np.random.default_rng(seed + t)
        return {"bid": r.uniform(0, 1, (3, 5)), "ask": r.uniform(0, 1, (3, 5)), "iv": r.uniform(0.1, 1, 3),
                "liquidations": Liquidations(r.integers(0, 3, 8), -np.ones(8, np.int64), r.uniform(0, 1, 8))}

    names = detectors.names()
    a, b = _scan(p, names, liq), _scan(q, names, liq)
    assert [e for e in a if e.time_ns < cut] == [e for e in b if e.time_ns < cut]
