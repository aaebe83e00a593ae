"""The regime router: one backtest that switches strategy configurations by regime.

A routing table (JSON, :class:`RoutingTable`) maps each regime label to a strategy id (+ params).
The router composes the configurations into one set of arrays for the engine's kernel:

- entry signals at bar t come from the configuration routed for the regime at t (none when the
  regime is unmapped and ``default`` is ``"flat"``, or while the regime is unknown);
- exit signals are stacked per configuration, and a position uses the exit signals of the
  configuration that opened it (``config_index``); its stop/target/sizing rules are those of the
  entry bar (per-bar rule arrays);
- ``on_switch`` decides what happens to an open position when the routed configuration changes:
  ``"keep"`` lets it run until its own exit under the rules of the configuration that opened it;
  ``"close"`` closes it at the close of the switch bar (the exit fills like any signal exit, at the
  next open by default) with exit reason ``regime_switch``.

A switch is a change of the routed configuration between bar t-1 and bar t (two regimes routed to
the same configuration are not a switch). Costs are run-wide: the run config's overrides, else the
costs of the first routed configuration.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ConfigError, NotFoundError, Problem, ValidationError
from alphalab.core.textfile import read_user_text
from alphalab.regimes.config import REGIME_LABELS, DetectorConfig

ROUTING_SCHEMA_VERSION = "1.0"
FLAT = "flat"


class Route(BaseModel):
    """One routed configuration: a strategy id (or SDL path) and its parameter overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy: str
    params: dict[str, float | int | str | bool] = Field(default_factory=dict)

    def key(self) -> str:
        return json.dumps({"s": self.strategy, "p": self.params}, sort_keys=True)


class RoutingTable(BaseModel):
    """Regime -> configuration routing, loaded from JSON by ``load_table``."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = ROUTING_SCHEMA_VERSION
    name: str = "regime_router"
    symbol: str | None = Field(None, description="scope: the symbol this table was made for (None: any)")
    timeframe: str | None = Field(None, description="scope: the timeframe this table was made for")
    on_switch: Literal["keep", "close"] = "keep"
    default: Route | Literal["flat"] = "flat"
    entries: dict[str, Route]
    detector: DetectorConfig | None = Field(None, description="how to label regimes when none are given")

    def route_for(self, label: str) -> Route | None:
        """Return the configuration routed for ``label`` (None = flat)."""
        if label in self.entries:
            return self.entries[label]
        if not label or self.default == FLAT:
            return None
        return self.default  # type: ignore[return-value]


def load_table(source: RoutingTable | Path | str | Mapping[str, Any]) -> RoutingTable:
    """Return a validated routing table from a model, a JSON file path or a dict.

    Unknown fields and unknown regime labels are errors that name their JSON path.
    """
    if isinstance(source, RoutingTable):
        return source
    if isinstance(source, Mapping):
        doc: Any = dict(source)
    else:
        path = Path(source)
        if not path.exists():
            raise NotFoundError(f"routing table {path} does not exist")
        try:
            doc = json.loads(read_user_text(path))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        table = RoutingTable.model_validate(doc)
    except pydantic.ValidationError as exc:
        problems = [Problem("$." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ValidationError("invalid routing table", problems=problems) from None
    bad = [lab for lab in table.entries if lab not in REGIME_LABELS]
    if bad:
        raise ValidationError(
            "invalid routing table",
            problems=[Problem(f"$.entries.{b}", "unknown regime label", hint=", ".join(REGIME_LABELS)) for b in bad],
        )
    return table


def _label_array(bars: BarArrays, regimes: Mapping[str, pd.Series]) -> np.ndarray:
    from alphalab.engine.backtest import regimes_array

    arr = regimes_array(regimes, bars)
    if arr is None:
        raise ConfigError("the router needs regime labels", hint="pass regimes= or set detector in the table")
    return np.where(pd.isna(arr), "", arr).astype(object)


def routed_index(table: RoutingTable, labels: np.ndarray) -> tuple[np.ndarray, list[Route]]:
    """Return the (T, A) index of the routed configuration at each bar (-1 = flat) and the routes."""
    routes: list[Route] = []
    keys: dict[str, int] = {}
    lookup: dict[str, int] = {}
    for lab in sorted(set(labels.ravel().tolist())):
        route = table.route_for(lab)
        if route is None:
            lookup[lab] = -1
            continue
        if route.key() not in keys:
            keys[route.key()] = len(routes)
            routes.append(route)
        lookup[lab] = keys[route.key()]
    active = np.vectorize(lookup.__getitem__, otypes=[np.int64])(labels) if labels.size else labels
    return np.asarray(active, dtype=np.int64), routes


def switch_bars(active: np.ndarray) -> np.ndarray:
    """Return (T, A) booleans: True where the routed configuration differs from the previous bar's."""
    out = np.zeros(active.shape, dtype=np.bool_)
    out[1:] = active[1:] != active[:-1]
    return out


def compose(table: RoutingTable, bars: BarArrays, labels: np.ndarray, config: Any) -> dict[str, Any]:
    """Compose the routed configurations into the engine kernel's arrays (see module docstring)."""
    from alphalab.engine.backtest import costs_from_spec, resolve_spec, rules_from_spec
    from alphalab.engine.simulate import build_params
    from alphalab.sdl import compile as compile_plan

    active, routes = routed_index(table, labels)
    if not routes:
        raise ConfigError("the routing table routes no regime present in the data to a strategy")
    shape = (bars.n_bars, bars.n_assets)
    entry_long = np.zeros(shape, dtype=np.bool_)
    entry_short = np.zeros(shape, dtype=np.bool_)
    exit_long = np.zeros((len(routes), *shape), dtype=np.bool_)
    exit_short = np.zeros((len(routes), *shape), dtype=np.bool_)
    params = np.zeros((build_params(rules_from_spec(resolve_spec(routes[0].strategy, routes[0].params)),
                                    shape).shape[0], *shape))
    atr = np.full(shape, np.nan)
    specs = []
    for c, route in enumerate(routes):
        spec = resolve_spec(route.strategy, route.params or None)
        specs.append(spec)
        sig = compile_plan(spec).signals(bars, labels)
        mine = active == c
        entry_long |= sig.entry_long & mine
        entry_short |= sig.entry_short & mine
        exit_long[c] = sig.exit_long
        exit_short[c] = sig.exit_short
        params[:, mine] = rules_from_spec(spec).vector()[:, None]
        if sig.atr is not None:
            atr = np.where(mine | np.isnan(atr), sig.atr, atr)
    force = switch_bars(active) if table.on_switch == "close" else None
    return {
        "entry_long": entry_long, "entry_short": entry_short, "exit_long": exit_long,
        "exit_short": exit_short, "rules": params, "atr": atr, "force_exit": force,
        "config_index": np.maximum(active, 0), "costs": costs_from_spec(specs[0], config),
        "active": active, "routes": routes,
    }


def run_router_backtest(
    table_path_or_model: RoutingTable | Path | str | Mapping[str, Any],
    data: BarArrays,
    config: Any = None,
    *,
    regimes: Mapping[str, pd.Series] | None = None,
) -> Any:
    """Backtest a routing table: switch strategy configurations by regime in one run.

    Parameters
    ----------
    table_path_or_model
        A :class:`RoutingTable`, a path to its JSON file, or its dict.
    data
        Bars (time x asset).
    config
        ``alphalab.engine.BacktestConfig`` (default settings when None).
    regimes
        Regime labels per symbol; when None, the table's ``detector`` labels each symbol's bars.

    Returns
    -------
    BacktestResult
        Its trades carry the regime at entry; ``strategy_id`` is ``router:<table name>``.
    """
    from alphalab.engine.assemble import build_result
    from alphalab.engine.backtest import instrument_limits, settings_from_config
    from alphalab.engine.config import BacktestConfig
    from alphalab.engine.simulate import simulate

    table = load_table(table_path_or_model)
    cfg = config or BacktestConfig()
    if regimes is None:
        regimes = _detect_all(table, data)
    labels = _label_array(data, regimes)
    arrays = compose(table, data, labels, cfg)
    lot, min_notional = instrument_limits(data.symbols, cfg)
    out = simulate(
        data.open, data.high, data.low, data.close, data.volume,
        arrays["entry_long"], arrays["exit_long"], arrays["entry_short"], arrays["exit_short"],
        rules=arrays["rules"], costs=arrays["costs"], settings=settings_from_config(cfg),
        capital=cfg.capital, atr=arrays["atr"], force_exit=arrays["force_exit"],
        config_index=arrays["config_index"], lot_size=lot, min_notional=min_notional,
    )
    return build_result(
        out, data, strategy_id=f"router:{table.name}", strategy_name=table.name,
        config=cfg.model_dump(mode="json"), strategy_doc=table.model_dump(mode="json"),
        fill_timing=cfg.fill, seed=cfg.seed, ppy=cfg.periods_per_year, indicators={}, regimes=labels,
    )


def _detect_all(table: RoutingTable, data: BarArrays) -> dict[str, pd.Series]:
    if table.detector is None:
        raise ConfigError(
            "no regimes given and the routing table has no detector",
            hint='add "detector": {"method": "rule"} to the table or pass regimes',
        )
    from alphalab.regimes.detection import detect_with

    return {s: detect_with(data.frame(s), table.detector) for s in data.symbols}
