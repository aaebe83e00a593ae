"""Regimes end to end: fitness cells per regime -> mapping with regimes -> router run == configs by hand.

The by-hand side does not use the router or the research runners: for every routed configuration it
compiles the strategy's signals, keeps its entries on the bars where that configuration is routed,
and calls ``engine.simulate`` with ``force_exit`` on every switch bar (the router's
``on_switch="close"`` rule). One more rule of a single position per column is reproduced exactly:
at a switch bar, an entry of the new configuration on the same side as the outgoing configuration's
still-open position is no entry (the kernel allows no add while an exit is pending); the by-hand runs
are repeated until these blocked entries no longer change (they depend on each other's positions).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from alphalab.cli.main import app
from alphalab.core.bars import BarArrays
from alphalab.data import load_arrays
from alphalab.engine import BacktestConfig
from alphalab.engine.backtest import costs_from_spec, resolve_spec, rules_from_spec, settings_from_config
from alphalab.engine.layout import (
    TR_ENTRY_BAR,
    TR_ENTRY_PRICE,
    TR_EXIT_BAR,
    TR_EXIT_PRICE,
    TR_REASON,
    TR_SIDE,
)
from alphalab.engine.simulate import simulate
from alphalab.regimes import detect
from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.executors import LocalExecutor
from alphalab.research.fitness import fitness_matrix
from alphalab.research.mapping import DataRange, SelectionRules, export_mapping, load_mapping
from alphalab.research.routing import mapping_to_routing_table, run_mapping_routed
from alphalab.research.space import SearchSpace, parse_override
from alphalab.sdl import compile as compile_plan

SYMBOL, TF = "sample:MSFT", "1d"
CONFIG = BacktestConfig(fee_bps=1.0, slippage_bps=2.0)


def _space(*items: str) -> SearchSpace:
    return SearchSpace({i.split("=")[0]: parse_override(i) for i in items})


def _block_labels(n: int, seed: int = 11) -> np.ndarray:
    """Random regime blocks of 3 to 20 bars: many switches while positions are open."""
    rng = np.random.default_rng(seed)
    names = np.array(["bull", "bear", "high_vol_chop", "low_vol_chop"], dtype=object)
    out = np.concatenate([[names[rng.integers(4)]] * int(rng.integers(3, 21)) for _ in range(n // 3 + 1)])
    return out[:n]


def _export(tmp_path: Path, regimes: object) -> Path:
    ev = EngineEvaluator(config=CONFIG.model_dump(exclude_unset=True))
    spaces = {"ema_cross": _space("fast=10,20", "slow=50"), "rsi_reversion": _space("upper=70,75"),
              "bollinger_breakout": _space("period=20"), "sma_cross": _space("fast=10", "slow=50,100")}
    table = fitness_matrix(ev, list(spaces), [SYMBOL], [TF], spaces, regimes=regimes, executor=LocalExecutor(1),
                           timeout=None)
    assert (table["status"] != "skipped").all()
    assert sorted(table["regime"].unique()) == ["bear", "bull", "high_vol_chop", "low_vol_chop"]
    bars = ev.bars(SYMBOL, TF)
    rng = DataRange(start=bars.index[0].to_pydatetime(), end=bars.index[-1].to_pydatetime(), bars=bars.n_bars)
    mapping = export_mapping(table, SelectionRules(top_k=1), data_range=lambda s, t: rng)
    return mapping.save(tmp_path / "mapping.json")


def _routed(labels: np.ndarray, table: object) -> tuple[np.ndarray, list[tuple[str, dict]]]:
    routes: list[tuple[str, dict]] = []
    active = np.full(labels.shape, -1, dtype=np.int64)
    for t, lab in enumerate(labels):
        route = table.entries.get(lab)  # type: ignore[attr-defined]
        if route is None:
            continue
        key = (route.strategy, dict(route.params))
        if key not in routes:
            routes.append(key)
        active[t] = routes.index(key)
    return active, routes


def _by_hand(bars: BarArrays, labels: np.ndarray, active: np.ndarray, routes: list) -> tuple[list[tuple], int]:
    switch = np.zeros(len(active), dtype=bool)
    switch[1:] = active[1:] != active[:-1]
    sigs, specs = [], []
    for strategy, params in routes:
        spec = resolve_spec(strategy, params)
        specs.append(spec)
        sigs.append(compile_plan(spec).signals(bars, labels.reshape(-1, 1).astype(object)))
    blocked = [np.zeros((len(active), 2), dtype=bool) for _ in routes]
    for _ in range(20):
        outs = []
        for c, (spec, sig) in enumerate(zip(specs, sigs, strict=True)):
            mine = (active == c).reshape(-1, 1)
            el = sig.entry_long & mine & ~blocked[c][:, :1]
            es = sig.entry_short & mine & ~blocked[c][:, 1:]
            outs.append(simulate(
                bars.open, bars.high, bars.low, bars.close, bars.volume, el, sig.exit_long, es, sig.exit_short,
                rules=rules_from_spec(spec), costs=costs_from_spec(spec, CONFIG), settings=settings_from_config(CONFIG),
                capital=CONFIG.capital, atr=sig.atr, force_exit=switch.reshape(-1, 1),
            ))
        new = [np.zeros((len(active), 2), dtype=bool) for _ in routes]
        for t in np.flatnonzero(switch):
            prev, cur = active[t - 1], active[t]
            if prev >= 0 and cur >= 0:
                q = outs[prev].positions[t, 0]
                new[cur][t] = (q > 0, q < 0)
        if all((a == b).all() for a, b in zip(new, blocked, strict=True)):
            break
        blocked = new
    else:
        raise AssertionError("the blocked entries did not settle")
    rows = [tuple(r) for out in outs for r in out.trades[:, [TR_ENTRY_BAR, TR_EXIT_BAR, TR_SIDE, TR_ENTRY_PRICE,
                                                             TR_EXIT_PRICE, TR_REASON]]]
    n_blocked = sum(int((s.entry_long[:, 0] & b[:, 0] & (active == c)).sum()
                        + (s.entry_short[:, 0] & b[:, 1] & (active == c)).sum())
                    for c, (s, b) in enumerate(zip(sigs, blocked, strict=True)))
    return sorted(rows), n_blocked


@pytest.mark.parametrize("source", ["rule", "blocks"])
def test_mapping_with_regimes_routed_equals_each_config_by_hand_on_its_regime(tmp_path: Path, source: str) -> None:
    bars = load_arrays([SYMBOL], TF)
    if source == "rule":  # the detector travels in the mapping; the router labels the bars itself
        regimes: object = "rule"
        given = None
        labels = detect(bars.frame(SYMBOL), "rule").reindex(bars.index).fillna("").to_numpy(dtype=object)
    else:  # precomputed label series, passed to the fitness run and to the router run
        labels = _block_labels(bars.n_bars)
        given = {SYMBOL: pd.Series(labels, index=bars.index)}
        regimes = given
    mapping = load_mapping(_export(tmp_path, regimes))
    assert (mapping.detector is not None) == (source == "rule")
    assert {e.regime for e in mapping.entries} == {"bear", "bull", "high_vol_chop", "low_vol_chop"}
    table = mapping_to_routing_table(mapping, SYMBOL, TF, on_switch="close")
    rows, results = run_mapping_routed(mapping, config=CONFIG, regimes=given)
    assert rows["status"].tolist() == ["ok"]
    result = results[(SYMBOL, TF)]

    active, routes = _routed(labels, table)
    assert len(routes) >= 2  # the regimes really route to different configurations
    expected, _blocked = _by_hand(bars, labels, active, routes)  # on bundled MSFT: 1 blocked entry each

    tr = result.trades
    pos = {t: i for i, t in enumerate(bars.index)}
    assert (tr["exit_reason"] == "regime_switch").any()
    assert set(tr["regime"]) <= set(table.entries)  # every trade was signalled on a routed regime's bar
    from alphalab.core.enums import ExitReason

    code = {r.label: int(r) for r in ExitReason}
    got = sorted(
        (float(pos[r.entry_time]), float(pos[r.exit_time]), 1.0 if r.side == "long" else -1.0, r.entry_price,
         r.exit_price, float(code[r.exit_reason]))
        for r in tr.itertuples()
    )
    assert len(got) == len(expected) > 10
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=0, atol=1e-9)


def test_cli_fitness_regimes_export_and_router_run(tmp_path: Path) -> None:
    runner = CliRunner()
    fit = tmp_path / "fit"
    res = runner.invoke(app, ["fitness", "--strategy", "sma_cross", "-s", SYMBOL, "--space", "fast=10,20",
                              "--space", "slow=50", "--regimes", "rule", "--regime-label", "bull",
                              "--regime-label", "bear", "--workers", "1", "--out", str(fit), "--json"])
    assert res.exit_code == 0, res.output
    cells = json.loads(res.stdout)["cells"]
    assert sorted(c["regime"] for c in cells) == ["bear", "bull"]
    mfile = tmp_path / "m.json"
    res = runner.invoke(app, ["mapping", "export", str(fit / "fitness.csv"), "--out", str(mfile), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(mfile.read_text())
    assert sorted(e["regime"] for e in doc["entries"]) == ["bear", "bull"] and doc["detector"]["method"] == "rule"
    res = runner.invoke(app, ["mapping", "run", str(mfile), "--router", "--out", str(tmp_path / "r"), "--json"])
    assert res.exit_code == 0, res.output
    run = json.loads(res.stdout)
    assert run["entries"][0]["status"] == "ok" and run["entries"][0]["trades"] > 0
    # the plain run re-scores each regime entry on its regime's bars, as the fitness cell did
    res = runner.invoke(app, ["mapping", "run", str(mfile), "--out", str(tmp_path / "p"), "--json"])
    assert res.exit_code == 0, res.output
    fit_table = pd.read_csv(fit / "fitness.csv").set_index("regime")
    for row in json.loads(res.stdout)["entries"]:
        for k in ("total_return", "trades", "max_drawdown"):
            assert row[k] == fit_table.loc[row["regime"], k]
