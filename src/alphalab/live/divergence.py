"""Divergence of a paper bot from the backtest: the same bars through the backtest engine, fill by fill.

For each sleeve the ledger describes (its strategy document and run config, stored when the bot
started), :func:`divergence` loads the bars of the period the bot traded, runs ``run_backtest`` on
them, and matches every paper fill with the backtest model's expected fill on the same bar
(symbol, side): price and quantity differences, and the fills one side has and the other lacks
(missed and extra trades). The backtest's own closing of every position on its last bar is left
out unless the bot closed out too. Decision latency is the time from a bar's close to its intent.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.errors import NotFoundError
from alphalab.core.timeframe import Timeframe
from alphalab.live.ledger import Ledger
from alphalab.live.runtime import LAST_KEY, SLEEVES_KEY, START_KEY


@dataclass
class FillDiff:
    """One fill of either side: ``kind`` is ``matched``, ``missed`` (backtest only) or ``extra`` (paper only)."""

    sleeve: str
    kind: str
    t_ns: int
    symbol: str
    side: str
    expected_price: float = float("nan")
    actual_price: float = float("nan")
    expected_qty: float = float("nan")
    actual_qty: float = float("nan")


@dataclass
class Divergence:
    """Fill-by-fill comparison and its summary."""

    fills: list[FillDiff] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "fills": [asdict(f) for f in self.fills]}


def _window(data: BarArrays, start: int, last: int) -> BarArrays:
    i0 = int(np.searchsorted(data.time, start))
    i1 = int(np.searchsorted(data.time, last, side="right"))
    return data.slice(i0, i1)


def _paper_fills(ledger: Ledger, sleeve: str) -> list[tuple[int, str, str, float, float]]:
    intents = {i.client_id: i for i in ledger.intents() if i.strategy.split("/")[0] == sleeve}
    out = []
    for e in ledger.events():
        if e.kind == "fill" and e.client_id in intents:
            i = intents[e.client_id]
            out.append((e.t_ns, i.symbol, i.side, float(e.price), float(e.quantity)))
    return sorted(out)


def _backtest_fills(spec: Any, bars: BarArrays, config: Any, keep_end: bool) -> list[tuple[int, str, str, float, float]]:
    from alphalab.engine.backtest import run_backtest

    res = run_backtest(spec, bars, config)
    f = res.fills
    times = np.asarray(f["time"], dtype="datetime64[ns]").astype(np.int64)
    out = []
    for t, sym, side, px, q, purpose in zip(times, f["symbol"], f["side"], f["price"], f["quantity"], f["purpose"],
                                            strict=True):
        if not keep_end and int(t) == int(bars.time[-1]) and "end" in str(purpose):
            continue
        out.append((int(t), str(sym), str(side), float(px), abs(float(q))))
    return sorted(out)


def _match(sleeve: str, paper: list[tuple[int, str, str, float, float]],
           expected: list[tuple[int, str, str, float, float]]) -> list[FillDiff]:
    pool: dict[tuple[int, str, str], list[tuple[float, float]]] = {}
    for t, sym, side, px, q in paper:
        pool.setdefault((t, sym, side), []).append((px, q))
    out = []
    for t, sym, side, px, q in expected:
        got = pool.get((t, sym, side))
        if got:
            apx, aq = got.pop(0)
            out.append(FillDiff(sleeve, "matched", t, sym, side, px, apx, q, aq))
        else:
            out.append(FillDiff(sleeve, "missed", t, sym, side, px, expected_qty=q))
    for (t, sym, side), rest in pool.items():
        out += [FillDiff(sleeve, "extra", t, sym, side, actual_price=apx, actual_qty=aq) for apx, aq in rest]
    return sorted(out, key=lambda d: (d.t_ns, d.symbol, d.kind))


def divergence(ledger: Ledger, *, data: BarArrays | None = None, closed_out: bool = False) -> Divergence:
    """Compare the bot's paper fills with the backtest's on the bars of the period it traded."""
    from alphalab.engine.config import BacktestConfig
    from alphalab.sdl import load

    sleeves = ledger.get_state(SLEEVES_KEY)
    start, last = ledger.get_state(START_KEY), ledger.get_state(LAST_KEY)
    if not sleeves or start is None or last is None:
        raise NotFoundError("this ledger holds no paper run", hint="run `alphalab paper run FILE` first")
    out = Divergence()
    for sid, desc in sorted(sleeves.items()):
        if data is None:
            from alphalab.data.loader import load_arrays

            bars = load_arrays(desc["symbols"], desc["timeframe"])
        else:
            idx = [data.symbols.index(s) for s in desc["symbols"]]
            bars = BarArrays(data.time, data.open[:, idx], data.high[:, idx], data.low[:, idx], data.close[:, idx],
                             data.volume[:, idx], symbols=tuple(desc["symbols"]), timeframe=data.timeframe)
        window = _window(bars, int(start), int(last))
        spec = load(desc["spec"])
        cfg = BacktestConfig.model_validate({**desc["config"], "capital": desc["capital"]})
        out.fills += _match(sid, _paper_fills(ledger, sid), _backtest_fills(spec, window, cfg, closed_out))
    out.summary = _summary(ledger, out.fills, sleeves)
    return out


def _summary(ledger: Ledger, fills: list[FillDiff], sleeves: dict[str, Any]) -> dict[str, Any]:
    matched = [f for f in fills if f.kind == "matched"]
    dpx = [abs(f.actual_price - f.expected_price) / f.expected_price for f in matched if f.expected_price]
    dq = [abs(f.actual_qty - f.expected_qty) / max(abs(f.actual_qty), abs(f.expected_qty)) for f in matched
          if max(abs(f.actual_qty), abs(f.expected_qty)) > 0]
    lat = []
    for i in ledger.intents():
        desc = sleeves.get(i.strategy.split("/")[0])
        if desc is not None and i.verdict != "engine":
            lat.append((i.created_ns - i.bar_time_ns - Timeframe.parse(desc["timeframe"]).nanos) / 1e6)
    return {"matched": len(matched), "missed": sum(f.kind == "missed" for f in fills),
            "extra": sum(f.kind == "extra" for f in fills),
            "max_price_diff": max(dpx, default=0.0), "max_quantity_diff": max(dq, default=0.0),
            "decision_latency_ms_median": statistics.median(lat) if lat else None,
            "decision_latency_ms_max": max(lat, default=None)}
