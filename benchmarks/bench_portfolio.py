"""Portfolio benchmark: 20 sleeves x 50 assets of daily bars over 10 years (2,500 bars x 1,000 columns)
on one shared cash account with the risk gate on, beside vectorbt's ``from_signals`` with
``group_by`` (one group) and ``cash_sharing=True`` on the same signals, in the same run.

Like with like: the signals (sleeve s trades an SMA (5 + s) / (30 + 2 s) cross on each asset) are
computed once in the setup; both sides buy a fixed 1,000 of notional at the next bar's open with a
0.1% fee and sell on the exit signal. alphalab times ``simulate_gated`` (input checks, the compiled
portfolio loop with the gate's heat / position / drawdown / daily-loss rules on every entry, records
and curves); vectorbt times ``from_signals`` plus ``final_value``. Peak memory is each row's ``peak_mb``.
``quick``: 5 sleeves x 20 assets x 1,000 bars.
"""

from __future__ import annotations

from typing import Any

import _harness as h
import numpy as np
import pandas as pd

FEE = 0.001
NOTIONAL = 1_000.0


def _setup(n_bars: int, n_sleeves: int, n_assets: int) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    rets = rng.normal(0.0003, 0.015, (n_bars, n_assets))
    close = 100 * np.exp(np.cumsum(rets, axis=0))
    open_ = np.vstack([close[:1], close[:-1]]) * np.exp(rng.normal(0, 0.002, (n_bars, n_assets)))
    high, low = np.maximum(open_, close) * 1.005, np.minimum(open_, close) * 0.995
    frame = pd.DataFrame(close)
    entries, exits = [], []
    for s in range(n_sleeves):
        fast, slow = frame.rolling(5 + s).mean(), frame.rolling(30 + 2 * s).mean()
        above = (fast > slow).to_numpy()
        prev = np.vstack([np.zeros((1, n_assets), bool), above[:-1]])
        entries.append(above & ~prev)
        exits.append(~above & prev)
    tile = lambda x: np.tile(x, (1, n_sleeves))  # noqa: E731 - column (s, a) = sleeve s on asset a
    return {"o": tile(open_), "h": tile(high), "l": tile(low), "c": tile(close), "v": np.full((n_bars, n_assets *
            n_sleeves), 1e9), "el": np.hstack(entries), "xl": np.hstack(exits), "n_sleeves": n_sleeves,
            "n_assets": n_assets, "index": pd.date_range("2010-01-01", periods=n_bars, freq="B", tz="UTC")}


def _ours(s: dict[str, Any]) -> float:
    from alphalab.engine.simulate import Costs, EntryRules, SimSettings
    from alphalab.portfolio.gate import RiskGate, day_numbers
    from alphalab.portfolio.kernel import ColumnMap, simulate_gated
    from alphalab.portfolio.spec import RiskLimits

    n_s, n_a = s["n_sleeves"], s["n_assets"]
    assets, sleeves = [f"A{i}" for i in range(n_a)], [f"S{i}" for i in range(n_s)]
    gate = RiskGate(RiskLimits(), assets=assets, sleeves=sleeves, fee_bps=FEE * 1e4)
    cmap = ColumnMap(asset=np.tile(np.arange(n_a), n_s), sleeve=np.repeat(np.arange(n_s), n_a),
                     regime=np.full((1, 1), -1, dtype=np.int64))
    n_cols = n_s * n_a
    out = simulate_gated((s["o"], s["h"], s["l"], s["c"], s["v"]), (s["el"], s["xl"], None, None),
                         rules=[EntryRules(size="fixed_notional", size_value=NOTIONAL)] * n_cols,
                         costs=Costs(fee_bps=FEE * 1e4), settings=SimSettings(allow_short=False), capital=1e6,
                         gate=gate, columns=cmap, day=day_numbers(s["index"]), atr=None,
                         lot_size=np.zeros(n_cols), min_notional=np.zeros(n_cols))
    return float(out.sim.equity[-1, 0])


def _vectorbt(s: dict[str, Any]) -> float:
    import vectorbt as vbt

    n = s["c"].shape[1]
    el = np.vstack([np.zeros((1, n), bool), s["el"][:-1]])  # decided at the close, filled at the next open
    xl = np.vstack([np.zeros((1, n), bool), s["xl"][:-1]])
    pf = vbt.Portfolio.from_signals(close=s["c"], entries=el, exits=xl, price=s["o"], size=NOTIONAL,
                                    size_type="value", fees=FEE, init_cash=1e6, group_by=np.zeros(n, dtype=int),
                                    cash_sharing=True, freq="1D")
    return float(np.asarray(pf.final_value()).ravel()[0])


def run(quick: bool) -> list[dict[str, Any]]:
    dims = (1_000, 5, 20) if quick else (2_500, 20, 50)
    setup = lambda: _setup(*dims)  # noqa: E731
    units = dims[0] * dims[1] * dims[2]
    ours = h.measure(setup, _ours, repeat=3)
    vbt = h.measure(setup, _vectorbt, repeat=3)
    name = f"portfolio {dims[1]} sleeves x {dims[2]} assets x {dims[0]} bars, shared cash"
    return [h.row(name, "alphalab portfolio loop (gate on)", ours, units=units, unit="bar_columns", peer=vbt,
                  peer_name="vectorbt from_signals (cash_sharing)"),
            h.row(name, "vectorbt from_signals (cash_sharing)", vbt, units=units, unit="bar_columns")]
