"""Compile a :class:`StrategySpec` into a :class:`StrategyPlan` that turns bars into signals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alphalab.core.bars import BarArrays
from alphalab.core.errors import ValidationError
from alphalab.core.timeframe import Timeframe
from alphalab.sdl import catalog
from alphalab.sdl.calendars import calendar_groups, scatter, take, take_labels
from alphalab.sdl.evaluate import signal
from alphalab.sdl.filters import regime_mask, session_mask
from alphalab.sdl.models import PRICE_COLUMNS, IndicatorSpec, StrategySpec
from alphalab.sdl.timeframes import HigherBars, align_values, higher_bars

Outputs = dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class Signals:
    """Entry and exit signals of a plan on some bars: bool (time, asset) arrays."""

    entry_long: np.ndarray
    exit_long: np.ndarray
    entry_short: np.ndarray
    exit_short: np.ndarray
    atr: np.ndarray | None = None
    indicators: dict[str, np.ndarray] = field(default_factory=dict)


def compute_indicators(specs: Mapping[str, IndicatorSpec], bars: BarArrays) -> Outputs:
    """Compute every named indicator on ``bars`` (higher-timeframe ones resampled and aligned)."""
    out: Outputs = {}
    cache: dict[str, list[HigherBars]] = {}
    for name, spec in specs.items():
        if spec.timeframe is not None and Timeframe.parse(spec.timeframe) != bars.timeframe:
            tf = spec.timeframe
            if tf not in cache:
                cache[tf] = higher_bars(bars, Timeframe.parse(tf))
            out[name] = _on_higher(spec, bars, cache[tf])
        else:
            out[name] = _compute_one(spec, bars)
    return out


def _compute_one(spec: IndicatorSpec, bars: BarArrays) -> dict[str, np.ndarray]:
    meta = catalog.info(spec.type)
    inputs_needed = meta.inputs if meta is not None and meta.inputs is not None else ("close",)
    inputs: dict[str, np.ndarray] = {}
    for col in inputs_needed:
        use = spec.input if spec.input is not None and (len(inputs_needed) == 1 or col == "close") else col
        inputs[col] = np.ascontiguousarray(bars.column(use), dtype=np.float64)
    params = dict(spec.params)
    if meta is not None and meta.params and "periods_per_year" in meta.params and "periods_per_year" not in params:
        from alphalab.analytics.metrics import periods_per_year_for  # annualise with the bars' own calendar

        params["periods_per_year"] = periods_per_year_for(bars.timeframe, bars.symbols)
    return catalog.compute(spec.type, inputs, params)


def _on_higher(spec: IndicatorSpec, bars: BarArrays, higher: list[HigherBars]) -> dict[str, np.ndarray]:
    columns: dict[str, list[np.ndarray]] = {}
    for hb in higher:
        outs = _compute_one(spec, hb.bars)
        for key, arr in outs.items():
            columns.setdefault(key, []).append(align_values(arr[:, 0], hb, bars))
    return {k: np.column_stack(v) for k, v in columns.items()}


class StrategyPlan:
    """An executable strategy: computes its indicators and evaluates its conditions on bars."""

    def __init__(self, spec: StrategySpec) -> None:
        self.spec = spec

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name

    def signals(self, bars: BarArrays, regimes: np.ndarray | None = None) -> Signals:
        """Return the entry and exit signals on ``bars`` (signal at bar t uses bars <= t only).

        Each asset is evaluated on its own bars (``alphalab.sdl.calendars``): a condition compares
        the asset's consecutive valid bars, a row the asset has no bar for has no signal, and the
        signals of a symbol do not depend on the other symbols of the run.

        Parameters
        ----------
        bars
            Time x asset bars.
        regimes
            Optional (time, asset) array of regime labels; entries are masked where the label is not
            in ``filters.regimes``.
        """
        groups = calendar_groups(bars)
        if len(groups) == 1 and groups[0][1].size == bars.n_bars:
            return self._signals_on(bars, regimes)
        parts = [(rows, cols, self._signals_on(take(bars, rows, cols), take_labels(regimes, rows, cols)))
                 for cols, rows in groups if rows.size]
        return _scatter_signals(parts, (bars.n_bars, bars.n_assets), self.atr_period is not None)

    def _signals_on(self, bars: BarArrays, regimes: np.ndarray | None) -> Signals:
        """Return the signals on bars where every asset has every row (one calendar)."""
        shape = (bars.n_bars, bars.n_assets)
        outputs = compute_indicators(self.spec.indicators, bars)
        get = _resolver(outputs, bars)
        s = self.spec
        entry_long = signal(s.entry.long, get, shape)
        entry_short = signal(s.entry.short, get, shape)
        exit_long = signal(s.exit.long, get, shape)
        exit_short = signal(s.exit.short, get, shape)
        report = _flatten(outputs)
        for i in range(len(s.confirmations)):
            ok_long, ok_short, conf_report = self._confirmation(i, bars)
            entry_long &= ok_long
            entry_short &= ok_short
            report.update(conf_report)
        mask = session_mask(s.filters.sessions, bars.time)[:, None]
        mask = mask & regime_mask(_labels(s.filters.regimes), regimes, shape)
        return Signals(entry_long & mask, exit_long, entry_short & mask, exit_short, self.atr(bars), report)

    def _confirmation(self, i: int, bars: BarArrays) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        conf = self.spec.confirmations[i]
        tf = Timeframe.parse(conf.timeframe)
        shape = (bars.n_bars, bars.n_assets)
        if tf == bars.timeframe:
            outputs = compute_indicators(conf.indicators, bars)
            get = _resolver(outputs, bars)
            ok_long = signal(conf.long, get, shape) if conf.long is not None else np.ones(shape, bool)
            ok_short = signal(conf.short, get, shape) if conf.short is not None else np.ones(shape, bool)
            return ok_long, ok_short, {f"{k}@{tf}": v for k, v in _flatten(outputs).items()}
        higher = higher_bars(bars, tf)
        cols: dict[str, list[np.ndarray]] = {"long": [], "short": []}
        report: dict[str, list[np.ndarray]] = {}
        for hb in higher:
            outputs = compute_indicators(conf.indicators, hb.bars)
            get = _resolver(outputs, hb.bars)
            one = (hb.bars.n_bars, 1)
            for side, cond in (("long", conf.long), ("short", conf.short)):
                flag = signal(cond, get, one)[:, 0].astype(np.float64) if cond is not None else None
                cols[side].append(np.ones(bars.n_bars) if flag is None else align_values(flag, hb, bars))
            for key, arr in _flatten(outputs).items():
                report.setdefault(f"{key}@{tf}", []).append(align_values(arr[:, 0], hb, bars))
        ok_long, ok_short = (np.nan_to_num(np.column_stack(cols[k]), nan=0.0) > 0.5 for k in ("long", "short"))
        return ok_long, ok_short, {k: np.column_stack(v) for k, v in report.items()}

    def atr(self, bars: BarArrays) -> np.ndarray | None:
        """Return the ATR array used by ATR-based exits or sizing, or None when none is used."""
        period = self.atr_period
        if period is None:
            return None
        inputs = {c: np.ascontiguousarray(bars.column(c), dtype=np.float64) for c in ("high", "low", "close")}
        return catalog.compute("atr", inputs, {catalog.period_param("atr"): period})["value"]

    @property
    def atr_period(self) -> int | None:
        """Period of the ATR the exits and sizing use (the stop's, else the trailing stop's)."""
        exits = self.spec.exits
        for stop in (exits.stop_loss, exits.trailing_stop):
            if stop is not None and stop.type == "atr":
                return stop.period
        if self.spec.costs.slippage.type == "atr_fraction":
            return 14
        return None


def _resolver(outputs: Outputs, bars: BarArrays):  # type: ignore[no-untyped-def]
    shape = (bars.n_bars, bars.n_assets)

    def get(operand: str | float) -> np.ndarray:
        if not isinstance(operand, str):
            return np.full(shape, float(operand))
        if operand in PRICE_COLUMNS:
            return np.asarray(bars.column(operand), dtype=np.float64)
        base, _, out = operand.partition(".")
        outs = outputs[base]
        return outs[out] if out else outs.get("value", next(iter(outs.values())))

    return get


def _scatter_signals(parts: list[tuple[np.ndarray, np.ndarray, Signals]], shape: tuple[int, int],
                     with_atr: bool) -> Signals:
    """Return the signals of each calendar group's part put back on the full (time, asset) grid."""
    def field_of(get) -> np.ndarray:  # type: ignore[no-untyped-def]
        if not parts:
            return np.zeros(shape, dtype=bool)
        return scatter([(rows, cols, get(sig)) for rows, cols, sig in parts], shape)

    sides = {k: field_of(lambda s, k=k: getattr(s, k)) for k in ("entry_long", "exit_long", "entry_short", "exit_short")}
    atr = field_of(lambda s: s.atr).astype(np.float64) if with_atr and parts else None
    names = list(parts[0][2].indicators) if parts else []
    report = {k: field_of(lambda s, k=k: s.indicators[k]) for k in names}
    return Signals(sides["entry_long"], sides["exit_long"], sides["entry_short"], sides["exit_short"],
                   atr=atr, indicators=report)


def _labels(regimes: list[Any] | None) -> list[str] | None:
    return None if regimes is None else [str(r) for r in regimes]


def _flatten(outputs: Outputs) -> dict[str, np.ndarray]:
    flat: dict[str, np.ndarray] = {}
    for name, outs in outputs.items():
        for key, arr in outs.items():
            flat[name if key == "value" and len(outs) == 1 else f"{name}.{key}"] = arr
    return flat


def compile(spec: StrategySpec) -> StrategyPlan:
    """Return the executable plan of ``spec``.

    Raises
    ------
    ValidationError
        When an indicator the spec uses is not in the indicator registry.
    """
    missing = [f"indicators.{n}" for n, i in spec.indicators.items() if catalog.info(i.type) is None]
    if missing:
        raise ValidationError(f"strategy {spec.id} uses unknown indicators: {', '.join(missing)}")
    return StrategyPlan(spec)
