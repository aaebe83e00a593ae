"""The Parquet lake: one file per (source, symbol, timeframe), queried through DuckDB.

Files are LZ4-compressed (fast to decode). Layout: ``<lake>/<source>/<symbol, URL-quoted>/<timeframe>.parquet`` with the original names in
the file's metadata. Every write goes to a temporary file in the same folder, is flushed and
fsync'ed, and then atomically renamed over the old file (and the folder is fsync'ed), so an import
that fails or is killed leaves the earlier data intact and readers never see a half-written file.
Writers to one dataset are serialised by an exclusive lock on ``<timeframe>.lock`` beside the file
(``fcntl.flock``; the OS drops it when a writer dies), held across read-merge-write, so two imports
started together both land. Temporary files a killed writer left behind are removed by the next
write to the same dataset (under the lock, so no live writer owns them).
"""

from __future__ import annotations

import builtins
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from alphalab.core.bars import OHLCV, ensure_barframe
from alphalab.core.errors import ConfigError, NotFoundError
from alphalab.core.timeframe import Timeframe

_META = (b"alphalab.source", b"alphalab.symbol", b"alphalab.timeframe")
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One dataset of the catalog."""

    source: str
    symbol: str
    timeframe: str
    rows: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "rows": self.rows,
            "start": self.start.isoformat() if self.start is not None else None,
            "end": self.end.isoformat() if self.end is not None else None,
            "path": str(self.path),
        }


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did: rows before, rows new to the dataset, rows after, and the file."""

    path: Path
    rows_before: int
    rows_added: int
    rows_after: int


def _check_name(kind: str, value: str) -> str:
    if not value or value.strip() != value or value.startswith("."):
        raise ConfigError(
            f"invalid {kind} name {value!r}",
            hint=f"a {kind} name must be non-empty, without leading dots or spaces",
        )
    return value


def _table(frame: pd.DataFrame, meta: dict[bytes, bytes]) -> Any:
    import pyarrow as pa

    arrays = [pa.array(frame.index.as_unit("ns").asi8, type=pa.timestamp("ns", tz="UTC"))]
    names = ["time"]
    for c in [*OHLCV, *(c for c in frame.columns if c not in OHLCV)]:
        arrays.append(pa.array(frame[c].to_numpy(dtype="float64"), type=pa.float64()))
        names.append(str(c))
    return pa.Table.from_arrays(arrays, names=names).replace_schema_metadata(meta)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsync'ed
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_table(table: Any, path: Path) -> None:
    """Write an Arrow table to ``path`` atomically (temporary file, fsync, rename)."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{_TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="lz4")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def dataset_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of the dataset stored at ``path`` (blocks until it is free)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_suffix(".lock")
    with open(lock, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks; writers are not coordinated
            yield
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete temporary files of the dataset at ``path`` left by killed writers; call under its lock."""
    gone = []
    for tmp in path.parent.glob(f"{_TMP_PREFIX}*-{path.name}"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            gone.append(tmp)
    return gone


def _frame_from_table(table: Any) -> pd.DataFrame:
    """Build a BarFrame from an Arrow table without pandas' generic conversion (faster)."""
    time = table.column("time").to_numpy()
    index = pd.DatetimeIndex(
        time.view("datetime64[ns]") if time.dtype != "datetime64[ns]" else time, name="time"
    )
    data = {c: table.column(c).to_numpy() for c in table.column_names if c != "time"}
    return pd.DataFrame(data, index=index.tz_localize("UTC"), copy=False)


class Catalog:
    """The local bar store (see the module docstring).

    Parameters
    ----------
    home
        AlphaLab home directory; the lake is ``home / "lake"``. None uses ``alphalab.paths.lake_dir()``.
    """

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        if home is None:
            from alphalab import paths

            self.root = paths.lake_dir()
        else:
            from alphalab.paths import _ensure_dir

            self.root = _ensure_dir(Path(home) / "lake")

    def path(self, source: str, symbol: str, timeframe: str | Timeframe) -> Path:
        """Return the file of one dataset (it may not exist)."""
        tf = Timeframe.parse(timeframe)
        return (
            self.root
            / quote(_check_name("source", source), safe="")
            / quote(_check_name("symbol", symbol), safe="")
            / f"{tf}.parquet"
        )

    def exists(self, source: str, symbol: str, timeframe: str | Timeframe) -> bool:
        return self.path(source, symbol, timeframe).exists()

    def write(self, frame: pd.DataFrame, source: str, symbol: str, timeframe: str | Timeframe) -> WriteResult:
        try:
            return self._write(frame, source, symbol, timeframe)
        except PermissionError as exc:
            raise ConfigError(
                f"cannot write to the catalog at {exc.filename or self.root} (permission denied)",
                hint="make the AlphaLab home writable, or pass --home DIR",
            ) from None

    def _write(self, frame: pd.DataFrame, source: str, symbol: str, timeframe: str | Timeframe) -> WriteResult:
        """Append ``frame`` to a dataset, replacing existing bars at the same times, atomically.

        Returns
        -------
        WriteResult
            Row counts before and after, and how many timestamps were new.
        """
        tf = Timeframe.parse(timeframe)
        path = self.path(source, symbol, tf)
        new = ensure_barframe(frame, source=f"{source}:{symbol}")
        meta = dict(zip(_META, (source.encode(), symbol.encode(), str(tf).encode()), strict=True))
        with dataset_lock(path):
            remove_stale_temps(path)
            before = 0
            if path.exists():
                old = self._read_path(path)
                before = len(old)
                merged = pd.concat([old, new])
                merged = merged[~merged.index.duplicated(keep="last")].sort_index()
            else:
                merged = new[~new.index.duplicated(keep="last")].sort_index()
            atomic_write_table(_table(merged, meta), path)
        return WriteResult(path, before, len(merged) - before, len(merged))

    @staticmethod
    def _read_path(path: Path, start: Any = None, end: Any = None) -> pd.DataFrame:
        import pyarrow.parquet as pq

        filters = []
        if start is not None:
            filters.append(
                (
                    "time",
                    ">=",
                    pd.Timestamp(start, tz="UTC") if pd.Timestamp(start).tz is None else pd.Timestamp(start),
                )
            )
        if end is not None:
            filters.append(
                (
                    "time",
                    "<",
                    pd.Timestamp(end, tz="UTC") if pd.Timestamp(end).tz is None else pd.Timestamp(end),
                )
            )
        # Without a window, ParquetFile.read skips the dataset machinery of read_table (faster).
        table = pq.read_table(path, filters=filters) if filters else pq.ParquetFile(path).read()
        return _frame_from_table(table.combine_chunks() if table.column(0).num_chunks > 1 else table)

    def read(
        self, source: str, symbol: str, timeframe: str | Timeframe, start: Any = None, end: Any = None
    ) -> pd.DataFrame:
        """Return the bars of one dataset with ``start <= time < end`` as a BarFrame."""
        path = self.path(source, symbol, timeframe)
        if not path.exists():
            raise NotFoundError(
                f"no dataset {source}:{symbol} at {Timeframe.parse(timeframe)} in the catalog ({self.root})",
                hint="see `alphalab data list`, or import / download it first",
            )
        return self._read_path(path, start, end)

    def files(self) -> builtins.list[Path]:
        return sorted(p for p in self.root.glob("*/*/*.parquet") if not p.name.startswith(_TMP_PREFIX))

    def list(self) -> builtins.list[DatasetInfo]:
        """Describe every dataset (rows, first and last bar), in one DuckDB query over the lake."""
        import pyarrow.parquet as pq

        files = self.files()
        if not files:
            return []
        rows = self.sql(
            "SELECT filename, count(*) AS n, min(time) AS a, max(time) AS b FROM read_parquet($files, filename=true) GROUP BY filename",
            files=[str(f) for f in files],
        )
        stats = {Path(r.filename): r for r in rows.itertuples()}
        out = []
        for f in files:
            meta = pq.read_schema(f).metadata or {}
            src, sym, tf = (meta.get(k, b"").decode() for k in _META)
            r = stats.get(f)
            out.append(
                DatasetInfo(
                    src, sym, tf, int(r.n) if r else 0, _ts(r.a) if r else None, _ts(r.b) if r else None, f
                )
            )
        return out

    def find(
        self, symbol: str, timeframe: str | Timeframe | None = None, source: str | None = None
    ) -> builtins.list[DatasetInfo]:
        """Return the datasets of ``symbol`` (optionally one source and timeframe)."""
        tf = Timeframe.parse(timeframe) if timeframe is not None else None
        return [
            d
            for d in self.list()
            if d.symbol == symbol
            and (source is None or d.source == source)
            and (tf is None or Timeframe.parse(d.timeframe) == tf)
        ]

    def delete(
        self, source: str, symbol: str, timeframe: str | Timeframe | None = None
    ) -> builtins.list[Path]:
        """Delete one dataset, or every timeframe of a (source, symbol); return the deleted files."""
        if timeframe is not None:
            targets = [self.path(source, symbol, timeframe)]
        else:
            targets = list((self.root / quote(source, safe="") / quote(symbol, safe="")).glob("*.parquet"))
        gone = [p for p in targets if p.exists()]
        if not gone:
            raise NotFoundError(f"no dataset {source}:{symbol} to delete", hint="see `alphalab data list`")
        for p in gone:
            with dataset_lock(p):
                p.unlink()
            _fsync_dir(p.parent)
        return gone

    def sql(self, query: str, **params: Any) -> pd.DataFrame:
        """Run a DuckDB query; ``$name`` parameters come from ``params``."""
        import duckdb

        with duckdb.connect() as con:
            return con.execute(query, params or None).df()

    def last_time(self, source: str, symbol: str, timeframe: str | Timeframe) -> pd.Timestamp | None:
        """Return the open time of the last stored bar, or None when the dataset is empty or absent."""
        path = self.path(source, symbol, timeframe)
        if not path.exists():
            return None
        value = self.sql("SELECT max(time) AS t FROM read_parquet($p)", p=str(path))["t"].iloc[0]
        return _ts(value)


def _ts(value: Any) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
