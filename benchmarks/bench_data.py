"""Data-layer benchmarks: CSV import, catalog read and resampling of one-minute bars, each beside pandas.

``run(quick)`` uses 1,000,000 bars (100,000 with ``quick``). Input files are written once, before
the measurements, into a temporary folder; each measurement runs in a forked child (see _harness).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import _harness as h


def _prepare(n: int, folder: Path) -> dict[str, Any]:
    from alphalab.data.catalog import Catalog
    from alphalab.data.synthetic import gbm

    frame = gbm(n, seed=42, timeframe="1m")
    csv = folder / "bars.csv"
    out = frame.reset_index()
    out.insert(0, "timestamp", out.pop("time").astype("int64") // 1_000_000)
    out.to_csv(csv, index=False)
    written = Catalog(folder / "home").write(frame, "bench", "SYN", "1m")
    return {"csv": csv, "parquet": written.path, "home": folder / "home", "folder": folder}


def _import_ours(files: dict[str, Any]) -> None:
    from alphalab.data.catalog import Catalog
    from alphalab.data.readers import read_file
    from alphalab.data.validation import validate

    report = validate(read_file(files["csv"]), "1m", calendar="24/7")
    assert report.frame is not None
    Catalog(files["folder"] / uuid.uuid4().hex).write(report.frame, "bench", "SYN", "1m")


def _read_csv_pandas(files: dict[str, Any]) -> None:
    import pandas as pd

    df = pd.read_csv(files["csv"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], unit="ms", utc=True)


def _read_file_ours(files: dict[str, Any]) -> None:
    from alphalab.data.readers import read_file

    read_file(files["csv"])


def _catalog_read(files: dict[str, Any]) -> None:
    from alphalab.data.catalog import Catalog

    Catalog(files["home"]).read("bench", "SYN", "1m")


def _pandas_read_parquet(files: dict[str, Any]) -> None:
    import pandas as pd

    pd.read_parquet(files["parquet"])


def _load_frame(files: dict[str, Any]) -> Any:
    from alphalab.data.catalog import Catalog

    return Catalog(files["home"]).read("bench", "SYN", "1m")


def _resample_ours(frame: Any) -> None:
    from alphalab.data.resampling import resample

    resample(frame, "1h", source_timeframe="1m")


def _resample_pandas(frame: Any) -> None:
    frame.resample("1h").agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})


def run(quick: bool) -> list[dict[str, Any]]:
    n = 100_000 if quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="alphalab-bench-data-"))
    try:
        files = _prepare(n, folder)
        rows = []
        peer = h.measure(lambda: files, _read_csv_pandas, repeat=2)
        rows.append(h.row("data.csv_read_1m", "pandas read_csv + to_datetime", peer, units=n))
        mine = h.measure(lambda: files, _read_file_ours, repeat=2)
        rows.append(
            h.row(
                "data.csv_read_1m",
                "alphalab read_file (auto-detect)",
                mine,
                units=n,
                peer=peer,
                peer_name="pandas read_csv + to_datetime",
            )
        )
        mine = h.measure(lambda: files, _import_ours, repeat=2)
        rows.append(
            h.row(
                "data.csv_import_1m",
                "alphalab read + validate + catalog write",
                mine,
                units=n,
                peer=peer,
                peer_name="pandas read_csv + to_datetime",
            )
        )
        peer = h.measure(lambda: files, _pandas_read_parquet, repeat=5)
        rows.append(h.row("data.catalog_read_1m", "pandas read_parquet", peer, units=n))
        mine = h.measure(lambda: files, _catalog_read, repeat=5)
        rows.append(
            h.row(
                "data.catalog_read_1m",
                "alphalab Catalog.read",
                mine,
                units=n,
                peer=peer,
                peer_name="pandas read_parquet (same file)",
            )
        )
        peer = h.measure(lambda: _load_frame(files), _resample_pandas, repeat=5)
        rows.append(h.row("data.resample_1m_to_1h", "pandas resample().agg", peer, units=n))
        mine = h.measure(lambda: _load_frame(files), _resample_ours, repeat=5)
        rows.append(
            h.row(
                "data.resample_1m_to_1h",
                "alphalab resample (numba)",
                mine,
                units=n,
                peer=peer,
                peer_name="pandas resample().agg",
            )
        )
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)
