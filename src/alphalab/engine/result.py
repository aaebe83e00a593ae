"""``BacktestResult``: everything a backtest produced and what produced it; saved as parquet + json.

The tables (trades, orders, fills, equity, positions) and the hashes are *deferred*: the engine
hands the result the kernel's record arrays and a builder per table, and each table is made on
first access (then kept). A backtest whose caller reads only the metrics never builds the order
log, and one that is never saved never hashes its bars.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV, BarArrays
from alphalab.core.enums import FillTiming
from alphalab.core.errors import NotFoundError
from alphalab.core.timeframe import Timeframe

RESULT_FORMAT_VERSION = "1"
_FRAMES = ("trades", "orders", "fills", "equity", "positions")
SAVE_COMPRESSION = "lz4"
T = TypeVar("T")


class Deferred:
    """Values made on first access: each name has a ready value or a function that makes it once."""

    __slots__ = ("_done", "_make")

    def __init__(self, **values: Any) -> None:
        self._make: dict[str, Callable[[], Any]] = {}
        self._done: dict[str, Any] = {}
        self.add(**values)

    def add(self, **values: Any) -> None:
        """Add ready values, or functions of no argument that make them (called at most once)."""
        for name, value in values.items():
            if isinstance(value, (str, pd.DataFrame)) or not callable(value):
                self._done[name] = value
            else:
                self._make[name] = value

    def get(self, name: str) -> Any:
        """Return the value of ``name``, making it now if it was not made yet."""
        if name not in self._done:
            self._done[name] = self._make.pop(name)()
        return self._done[name]

    def set(self, name: str, value: Any) -> None:
        """Replace the value of ``name`` (its builder, if any, is dropped)."""
        self._make.pop(name, None)
        self._done[name] = value

    def built(self) -> tuple[str, ...]:
        """Return the names whose values exist now."""
        return tuple(self._done)

    def __repr__(self) -> str:
        return f"Deferred(built={sorted(self._done)}, pending={sorted(self._make)})"


class _Field(Generic[T]):
    """A result attribute read from (and written to) the result's ``deferred`` values."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Field[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | _Field[T]:
        if obj is None:
            return self
        return obj.deferred.get(self.name)  # type: ignore[attr-defined, no-any-return]

    def __set__(self, obj: object, value: T) -> None:
        obj.deferred.set(self.name, value)  # type: ignore[attr-defined]


def run_hash(config: dict[str, Any], data_hash: str, strategy: dict[str, Any], seed: int, version: str) -> str:
    """Return the sha256 that identifies a run: config, data, strategy document, seed and version."""
    payload = json.dumps(
        {"config": config, "data": data_hash, "strategy": strategy, "seed": seed, "version": version},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class BacktestResult:
    """The outcome of one backtest (see docs/CONTRACTS.md, engine section).

    ``trades`` has exactly ``TRADE_COLUMNS``; ``equity`` is indexed by UTC bar time with columns
    ``equity, cash, exposure``; ``positions`` holds the signed quantity per symbol at each close.
    These five tables and ``data_hash`` / ``run_hash`` live in ``deferred`` (ready values or
    builders, made on first access); read and assign them as plain attributes.
    """

    strategy_id: str
    strategy_name: str
    symbols: tuple[str, ...]
    timeframe: Timeframe
    bars: BarArrays
    config: dict[str, Any]
    seed: int
    version: str
    fill_timing: FillTiming
    periods_per_year: float
    indicators: dict[str, np.ndarray] = field(default_factory=dict)
    strategy: dict[str, Any] = field(default_factory=dict)
    deferred: Deferred = field(default_factory=Deferred, repr=False, compare=False)

    trades = _Field[pd.DataFrame]()
    orders = _Field[pd.DataFrame]()
    fills = _Field[pd.DataFrame]()
    equity = _Field[pd.DataFrame]()
    positions = _Field[pd.DataFrame]()
    data_hash = _Field[str]()
    run_hash = _Field[str]()

    @property
    def final_equity(self) -> float:
        """Equity at the last bar."""
        return float(self.equity["equity"].iloc[-1]) if len(self.equity) else float("nan")

    def save(self, directory: str | Path, *, indicators: bool = False, compression: str = SAVE_COMPRESSION) -> Path:
        """Write the result to ``directory`` and return it.

        Parquet tables (columnar, ``compression`` codec: ``lz4`` by default, fast to write and
        read), ``bars.parquet`` and ``meta.json``; the indicator arrays (``indicators.npz``) only
        when ``indicators`` is true, since they are as large as the bars and rebuilt by rerunning.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in _FRAMES:
            getattr(self, name).to_parquet(d / f"{name}.parquet", compression=compression)
        _bars_table(self.bars).to_parquet(d / "bars.parquet", compression=compression)
        stale = d / "indicators.npz"
        if indicators and self.indicators:
            np.savez(stale, **self.indicators)  # type: ignore[arg-type]
        elif stale.exists():
            stale.unlink()
        meta = {
            "format": RESULT_FORMAT_VERSION,
            "strategy_id": self.strategy_id,
            "strategy_name": self.strategy_name,
            "symbols": list(self.symbols),
            "timeframe": str(self.timeframe),
            "config": self.config,
            "data_hash": self.data_hash,
            "run_hash": self.run_hash,
            "seed": self.seed,
            "version": self.version,
            "fill_timing": self.fill_timing.value,
            "periods_per_year": self.periods_per_year,
            "strategy": self.strategy,
        }
        (d / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        return d

    @classmethod
    def load(cls, directory: str | Path) -> BacktestResult:
        """Read a result written by :meth:`save`."""
        d = Path(directory)
        if not (d / "meta.json").exists():
            raise NotFoundError(f"no saved result in {d}", hint="pass the directory written by save()")
        meta = json.loads((d / "meta.json").read_text())
        frames = {name: pd.read_parquet(d / f"{name}.parquet") for name in _FRAMES}
        tf = Timeframe.parse(meta["timeframe"])
        bars = _bars_from_table(pd.read_parquet(d / "bars.parquet"), tuple(meta["symbols"]), tf)
        indicators: dict[str, np.ndarray] = {}
        if (d / "indicators.npz").exists():
            with np.load(d / "indicators.npz") as z:
                indicators = {k: z[k] for k in z.files}
        return cls(
            strategy_id=meta["strategy_id"],
            strategy_name=meta["strategy_name"],
            symbols=tuple(meta["symbols"]),
            timeframe=tf,
            bars=bars,
            config=meta["config"],
            seed=int(meta["seed"]),
            version=meta["version"],
            fill_timing=FillTiming(meta["fill_timing"]),
            periods_per_year=float(meta["periods_per_year"]),
            indicators=indicators,
            strategy=meta.get("strategy", {}),
            deferred=Deferred(data_hash=meta["data_hash"], run_hash=meta["run_hash"], **frames),
        )


def _bars_table(bars: BarArrays) -> pd.DataFrame:
    data: dict[str, np.ndarray] = {"time": bars.time}
    for c in OHLCV:
        arr = getattr(bars, c)
        for j in range(bars.n_assets):
            data[f"{c}:{j}"] = arr[:, j]
    return pd.DataFrame(data)


def _bars_from_table(table: pd.DataFrame, symbols: tuple[str, ...], tf: Timeframe) -> BarArrays:
    cols = {
        c: np.column_stack([table[f"{c}:{j}"].to_numpy(np.float64) for j in range(len(symbols))])
        if symbols
        else np.empty((len(table), 0))
        for c in OHLCV
    }
    return BarArrays(table["time"].to_numpy(np.int64), symbols=symbols, timeframe=tf, **cols)
