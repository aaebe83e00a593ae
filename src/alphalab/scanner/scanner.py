"""The scanner: state arrays, detectors and edge-triggered events, one closed-bar batch at a time.

The same :meth:`Scanner.step` serves replay over recorded bars and the live path, so both give
the same events by construction; :func:`replay` feeds a (time x symbol) panel row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alphalab.core.errors import ConfigError
from alphalab.scanner import detectors as registry
from alphalab.scanner import detectors_nb as dnb
from alphalab.scanner.config import REGIME_CODES, F, HandlerSpec, Mode, StateConfig
from alphalab.scanner.state import Batch, ScanState


class DetectorSpec(BaseModel):
    """One detector to run: its name, parameter overrides and cooldown (bars of the symbol)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    params: dict[str, float] = Field(default_factory=dict)
    cooldown: Annotated[int, Field(ge=0)] = 5


def _all_detectors() -> list[DetectorSpec]:
    return [DetectorSpec(name=n) for n in registry.names()]


class ScannerConfig(BaseModel):
    """The scanner's settings: state windows and the detectors (default: every registered one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: StateConfig = Field(default_factory=StateConfig)
    detectors: list[DetectorSpec] = Field(default_factory=_all_detectors)
    handlers: list[HandlerSpec] = Field(default_factory=list, description="strategies that trade the events")
    modes: tuple[Mode, ...] = Field(("paper",), description="modes in which routed events may trade")

    @model_validator(mode="after")
    def _known_names(self) -> ScannerConfig:
        names = [d.name for d in self.detectors]
        for d in names:
            if d not in registry.DEFS:
                raise ValueError(f"unknown detector {d!r}; known: {', '.join(registry.names())}")
        if len(set(names)) != len(names):
            raise ValueError("a detector is listed twice")
        for h in self.handlers:
            if h.detector not in names:
                raise ValueError(f"handler of {h.strategy!r} names detector {h.detector!r}, which is not run")
        return self


def regime_label(code: float) -> str:
    """Return the regime label of a code in the ``regime`` column (``""`` while not known)."""
    return REGIME_CODES[int(code)] if code >= 0 else ""


@dataclass(frozen=True, slots=True)
class Event:
    """One scanner hit. ``key`` = ``symbol|detector|bar time`` is idempotent across restarts and replays.

    ``values`` are the feature values that triggered it; ``price`` is the bar's close.
    """

    symbol: str
    detector: str
    time_ns: int
    direction: int
    value: float
    severity: float
    regime: str
    values: dict[str, float] = field(default_factory=dict)
    price: float = float("nan")

    @property
    def key(self) -> str:
        """Return the idempotent signal key."""
        return f"{self.symbol}|{self.detector}|{self.time_ns}"

    @property
    def level(self) -> str:
        """Return the alert severity: ``critical`` at twice the threshold, ``warning`` above it, else ``info``."""
        return "critical" if self.severity >= 2.0 else ("warning" if self.severity > 1.0 else "info")

    def to_dict(self) -> dict[str, Any]:
        """Return the event as plain JSON types."""
        return {"key": self.key, "symbol": self.symbol, "detector": self.detector, "time_ns": self.time_ns,
                "direction": self.direction, "value": self.value, "severity": self.severity,
                "level": self.level, "regime": self.regime, "values": dict(self.values), "price": self.price}


class _Running:
    """A detector with its parameter vector, scratch outputs and edge state."""

    def __init__(self, spec: DetectorSpec, config: StateConfig, n: int) -> None:
        self.defn = registry.get(spec.name)
        self.params = self.defn.resolve(spec.params)
        self.cooldown = int(spec.cooldown)
        self.warmup = int(self.defn.warmup(config))
        self.cols = np.array([F[c] for c in self.defn.reports], dtype=np.int64)
        self.cond, self.fired, self.on = np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.bool_)
        self.value, self.severity = np.zeros(n), np.zeros(n)
        self.last_fire = np.full(n, -(2**62), np.int64)


class Scanner:
    """Scan ``symbols`` with ``config``: :meth:`step` takes one batch and returns its events."""

    def __init__(self, symbols: Sequence[str], config: ScannerConfig | None = None) -> None:
        self.symbols = list(symbols)
        if len(set(self.symbols)) != len(self.symbols) or not self.symbols:
            raise ConfigError("scanner universe: symbols must be a non-empty list without repeats")
        self.config = config or ScannerConfig()
        self.state = ScanState(self.config.state, len(self.symbols))
        self.running = [_Running(d, self.config.state, len(self.symbols)) for d in self.config.detectors]
        self.last_time_ns: int | None = None

    def step(self, batch: Batch) -> list[Event]:
        """Update the state with one closed-bar batch and return the events it triggers (sorted)."""
        if self.last_time_ns is not None and batch.time_ns <= self.last_time_ns:
            raise ConfigError(f"scanner batch at {batch.time_ns} ns is not after the previous one "
                              f"({self.last_time_ns} ns)", hint="feed closed bars in time order, once each")
        self.last_time_ns = int(batch.time_ns)
        st = self.state
        st.update(batch)
        events: list[Event] = []
        for r in self.running:
            r.defn.kernel(st.feats, st.book, st.flow, r.params, r.cond, r.value, r.severity)
            if dnb.edges_nb(r.cond, st.updated, st.count, r.warmup, r.on, r.last_fire, r.cooldown, r.fired):
                events.extend(self._events(r, int(batch.time_ns)))
        events.sort(key=lambda e: (e.symbol, e.detector))
        return events

    def checkpoint(self) -> dict[str, np.ndarray]:
        """Return every array the scanner remembers (state, books, detectors' edges), e.g. for ``np.savez``."""
        st = self.state
        out = {"count": st.count, "last": st.last, "atr": st.atr, "tr_sum": st.tr_sum, "feats": st.feats,
               "book": st.book, "flow": st.flow, "iv_ring": st.iv_ring, "iv_count": st.iv_count, "time": np.array([-1 if self.last_time_ns is None else self.last_time_ns])}
        out.update({f"ring{i}": r for i, r in enumerate(st.rings)})
        for r in self.running:
            out[f"on:{r.defn.name}"], out[f"last_fire:{r.defn.name}"] = r.on, r.last_fire
        out["symbols"] = np.array(self.symbols, dtype=str)
        return {k: np.array(v, copy=True) for k, v in out.items()}

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Continue from a :meth:`checkpoint` of a scanner with the same symbols and config."""
        if list(np.asarray(arrays["symbols"]).tolist()) != self.symbols:
            raise ConfigError("scanner checkpoint: its symbols differ from this scanner's",
                              hint="restore into a scanner built with the same universe and config")
        st = self.state
        try:
            for name in ("count", "last", "atr", "tr_sum", "feats", "book", "flow", "iv_ring", "iv_count"):
                getattr(st, name)[...] = arrays[name]
            for i, ring in enumerate(st.rings):
                ring[...] = arrays[f"ring{i}"]
            for r in self.running:
                r.on[...], r.last_fire[...] = arrays[f"on:{r.defn.name}"], arrays[f"last_fire:{r.defn.name}"]
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"scanner checkpoint does not fit this scanner's config: {exc}",
                              hint="restore into a scanner built with the same universe and config") from None
        t = int(np.asarray(arrays["time"])[0])
        self.last_time_ns = None if t < 0 else t

    def _events(self, r: _Running, time_ns: int) -> list[Event]:
        idx = np.flatnonzero(r.fired)
        feats = self.state.feats
        rows = feats[np.ix_(idx, r.cols)].tolist() if r.cols.size else [[] for _ in idx]
        values, severity = r.value[idx].tolist(), r.severity[idx].tolist()
        regimes = [regime_label(c) for c in feats[idx, F["regime"]].tolist()]
        prices = feats[idx, F["close"]].tolist()
        signed, name, names = r.defn.name in _SIGNED, r.defn.name, r.defn.reports
        return [Event(self.symbols[s], name, time_ns, (v > 0) - (v < 0) if signed else 0, v, sev, reg,
                      dict(zip(names, row, strict=True)), px)
                for s, v, sev, reg, row, px in zip(idx.tolist(), values, severity, regimes, rows, prices, strict=True)]


_SIGNED = frozenset({"breakout", "book_imbalance", "return_shock", "moment_anomaly"})


def replay(symbols: Sequence[str], times_ns: np.ndarray, panel: dict[str, np.ndarray],
           config: ScannerConfig | None = None) -> list[Event]:
    """Run the scanner over a recorded (time x symbol) panel of ``open/high/low/close/volume``; return all events."""
    scanner = Scanner(symbols, config)
    cols = {k: np.ascontiguousarray(panel[k], dtype=np.float64) for k in ("open", "high", "low", "close", "volume")}
    events: list[Event] = []
    for t in range(len(times_ns)):
        events.extend(scanner.step(Batch(int(times_ns[t]), *(cols[k][t] for k in cols))))
    return events
