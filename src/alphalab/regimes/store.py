"""Regime series stored with the data: a sibling dataset of the catalog, keyed by detector config.

Layout: ``<lake>/_regimes/<source>/<symbol>/<timeframe>/<config-hash>.parquet`` with columns
``time`` and ``regime``; the parquet metadata keeps the detector config and the digest of the
bars it was computed from. Writes are atomic (the catalog's temporary-file-and-rename writer).
``cached`` returns the stored series when the bars are unchanged, else detects and stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from alphalab.core.errors import NotFoundError
from alphalab.regimes.config import HMMConfig, RuleConfig, config_hash


def frame_digest(frame: pd.DataFrame) -> str:
    """Return a sha256 of a BarFrame's index and OHLCV values."""
    import hashlib

    h = hashlib.sha256(frame.index.as_unit("ns").asi8.tobytes())
    for c in ("open", "high", "low", "close", "volume"):
        h.update(np.ascontiguousarray(frame[c].to_numpy(dtype="float64")).tobytes())
    return h.hexdigest()


class RegimeStore:
    """Stored regime series next to the catalog's bars (``root`` defaults to the lake directory)."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            from alphalab import paths

            root = paths.lake_dir()
        self.root = Path(root) / "_regimes"

    def path(self, source: str, symbol: str, timeframe: str, config: HMMConfig | RuleConfig) -> Path:
        """Return the file of one stored series (it may not exist)."""
        parts = [quote(p, safe="") for p in (source, symbol, str(timeframe))]
        return self.root.joinpath(*parts) / f"{config_hash(config)}.parquet"

    def write(
        self, labels: pd.Series, source: str, symbol: str, timeframe: str,
        config: HMMConfig | RuleConfig, *, digest: str = "",
    ) -> Path:
        """Store a label series atomically; return its path."""
        import pyarrow as pa

        from alphalab.data.catalog import atomic_write_table

        meta = {"config": json.dumps(config.model_dump(mode="json")), "digest": digest}
        table = pa.table(
            {"time": pa.array(pd.DatetimeIndex(labels.index).as_unit("ns").asi8, pa.int64()),
             "regime": pa.array(labels.astype(str).tolist(), pa.string())}
        ).replace_schema_metadata(meta)
        path = self.path(source, symbol, timeframe, config)
        atomic_write_table(table, path)
        return path

    def read(self, source: str, symbol: str, timeframe: str, config: HMMConfig | RuleConfig) -> pd.Series:
        """Return a stored series, or raise NotFoundError."""
        import pyarrow.parquet as pq

        path = self.path(source, symbol, timeframe, config)
        if not path.exists():
            raise NotFoundError(f"no stored regimes for {source}:{symbol} {timeframe} ({config_hash(config)})",
                                hint="run: alphalab regimes label")
        table = pq.read_table(path)
        index = pd.DatetimeIndex(table.column("time").to_numpy().astype("datetime64[ns]"), name="time")
        return pd.Series(np.array(table.column("regime").to_pylist(), dtype=object),
                         index=index.tz_localize("UTC"), name="regime", dtype=object)

    def digest_of(self, source: str, symbol: str, timeframe: str, config: HMMConfig | RuleConfig) -> str | None:
        """Return the bar digest a stored series was computed from, or None when nothing is stored."""
        import pyarrow.parquet as pq

        path = self.path(source, symbol, timeframe, config)
        if not path.exists():
            return None
        meta = pq.read_schema(path).metadata or {}
        return meta.get(b"digest", b"").decode()

    def cached(
        self, frame: pd.DataFrame, source: str, symbol: str, timeframe: str, config: HMMConfig | RuleConfig
    ) -> pd.Series:
        """Return the stored labels of ``frame`` when its bars are unchanged, else detect and store them."""
        from alphalab.regimes.detection import detect_with

        digest = frame_digest(frame)
        if self.digest_of(source, symbol, timeframe, config) == digest:
            return self.read(source, symbol, timeframe, config)
        labels = detect_with(frame, config)
        self.write(labels, source, symbol, timeframe, config, digest=digest)
        return labels
