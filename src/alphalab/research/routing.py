"""Best-config mappings with regimes, run through the regime router.

A mapping whose entries carry regimes says, per asset and timeframe, which configuration trades
each regime. :func:`mapping_to_routing_table` turns the entries of one asset and timeframe into a
:class:`alphalab.regimes.router.RoutingTable`:

- each regime routes to its best-ranked entry (the first one in the file: exports are ordered by
  the selection metric within a regime);
- an entry with regime ``"all"`` becomes the table's ``default`` (unmapped regimes trade it); without
  one, unmapped regimes are flat;
- the detector is the argument, else the mapping's ``detector``; with neither, labels must be passed
  to the run (:func:`run_mapping_routed` then labels the bars with the ``rule`` detector).

:func:`run_mapping_routed` runs every asset and timeframe of a mapping through
``regimes.router.run_router_backtest`` and scores each run with ``analytics.compute_metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.research.mapping import BestConfigMapping, MappingEntry

DEFAULT_DETECTOR = "rule"


def _detector_dict(detector: Any) -> dict[str, Any] | None:
    if detector is None:
        return None
    if isinstance(detector, str):
        return {"method": detector}
    if hasattr(detector, "model_dump"):
        return dict(detector.model_dump(mode="json"))
    return dict(detector)


def _best_per_regime(entries: list[MappingEntry]) -> dict[str, MappingEntry]:
    best: dict[str, MappingEntry] = {}
    for i, e in enumerate(entries):
        cur = best.get(e.regime)
        rank = e.rank if e.rank is not None else i
        if cur is None or rank < (cur.rank if cur.rank is not None else entries.index(cur)):
            best[e.regime] = e
    return best


def mapping_to_routing_table(
    mapping: BestConfigMapping, symbol: str, timeframe: str, *,
    on_switch: Literal["keep", "close"] = "close", detector: Any = None, name: str | None = None,
) -> Any:
    """Return the routing table of one asset and timeframe of a mapping (see module docstring).

    Parameters
    ----------
    mapping
        A best-config mapping (entries with regimes).
    symbol, timeframe
        Which of the mapping's assets and timeframes to route.
    on_switch
        What the router does with an open position when the routed configuration changes.
    detector
        Detector method name, configuration or dict (default: the mapping's ``detector``).
    name
        Table name (default ``mapping:<symbol>:<timeframe>``).

    Returns
    -------
    alphalab.regimes.router.RoutingTable
    """
    from alphalab.regimes.router import load_table

    mine = [e for e in mapping.entries if e.asset == symbol and str(e.timeframe) == str(timeframe)]
    if not mine:
        raise ConfigError(f"the mapping has no entry for {symbol} {timeframe}",
                          hint="pick an asset and timeframe listed in the mapping")
    best = _best_per_regime(mine)
    route = lambda e: {"strategy": e.strategy_id, "params": dict(e.parameters)}  # noqa: E731
    doc: dict[str, Any] = {
        "name": name or f"mapping:{symbol}:{timeframe}", "symbol": symbol, "timeframe": str(timeframe),
        "on_switch": on_switch, "entries": {r: route(e) for r, e in best.items() if r != "all"},
        "default": route(best["all"]) if "all" in best else "flat",
    }
    det = _detector_dict(detector) or mapping.detector
    if det is not None:
        doc["detector"] = det
    return load_table(doc)


def run_mapping_routed(
    mapping: BestConfigMapping, *, config: Any = None, regimes: Mapping[str, pd.Series] | None = None,
    on_switch: Literal["keep", "close"] = "close", detector: Any = None, data: Any = None,
) -> tuple[pd.DataFrame, dict[tuple[str, str], Any]]:
    """Run each asset and timeframe of a mapping through the regime router.

    Parameters
    ----------
    mapping
        The mapping; every (asset, timeframe) pair becomes one router backtest.
    config
        ``BacktestConfig`` of the runs.
    regimes
        Label series per symbol (default: the detector labels the bars).
    on_switch, detector
        As in :func:`mapping_to_routing_table`.
    data
        ``(symbol, timeframe) -> BarArrays`` (default: ``alphalab.data.load_arrays``).

    Returns
    -------
    (pandas.DataFrame, dict)
        One row per pair (status, routed regimes, metrics) and the BacktestResults by pair.
    """
    from alphalab.analytics import compute_metrics
    from alphalab.data import load_arrays
    from alphalab.regimes.router import run_router_backtest

    load = data or (lambda s, t: load_arrays([s], t))
    if regimes is None and detector is None and mapping.detector is None:
        detector = DEFAULT_DETECTOR  # a mapping exported without regimes still needs bar labels to route
    pairs = list(dict.fromkeys((e.asset, str(e.timeframe)) for e in mapping.entries))
    rows: list[dict[str, Any]] = []
    results: dict[tuple[str, str], Any] = {}
    for symbol, tf in pairs:
        row: dict[str, Any] = {"asset": symbol, "timeframe": tf}
        try:
            table = mapping_to_routing_table(mapping, symbol, tf, on_switch=on_switch, detector=detector)
            res = run_router_backtest(table, load(symbol, tf), config, regimes=regimes)
        except Exception as exc:
            rows.append({**row, "status": "error", "reason": f"{type(exc).__name__}: {exc}"})
            continue
        results[(symbol, tf)] = res
        routed = {r: f"{e.strategy}{e.params}" for r, e in sorted(table.entries.items())}
        row.update(status="ok", reason="", routes=str(routed), default=str(table.default))
        row.update({k: float(v) for k, v in compute_metrics(res).items()})
        rows.append(row)
    return pd.DataFrame(rows), results
