"""Regenerate the bundled sample files from the packages they come from (a maintainer script).

Run ``python -m alphalab.data._build_samples`` with the dev extras installed (``bokeh_sampledata``,
``arch``, ``gym_anytrading``). It writes one zstd Parquet file per sample under ``data/samples/``
and prints the sha256 of each, for ``data/samples/SOURCES.md``.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pandas as pd

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"install {package} to rebuild the samples")
    return Path(spec.origin).parent.joinpath(*parts)


def _canonical(frame: pd.DataFrame, time: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "open": frame["Open"].astype("float64").to_numpy(),
            "high": frame["High"].astype("float64").to_numpy(),
            "low": frame["Low"].astype("float64").to_numpy(),
            "close": frame["Close"].astype("float64").to_numpy(),
            "volume": frame["Volume"].astype("float64").to_numpy(),
        },
        index=pd.DatetimeIndex(time, name="time").tz_localize("UTC").as_unit("ns"),
    )
    if "Adj Close" in frame.columns:
        out["adj_close"] = frame["Adj Close"].astype("float64").to_numpy()
    return out.sort_index()


def build() -> dict[str, str]:
    """Write every sample file; return {file name: sha256}."""
    frames: dict[str, pd.DataFrame] = {}
    stocks = pd.read_csv(_package_file("bokeh_sampledata", "_data", "stocks.csv.gz"))
    for ticker in ("AAPL", "MSFT", "IBM", "GOOG"):
        part = stocks[stocks["Ticker"] == ticker]
        frames[ticker] = _canonical(part, pd.to_datetime(part["Date"], format="%Y-%m-%d"))
    for name in ("sp500", "nasdaq"):
        raw = pd.read_csv(_package_file("arch", "data", name, f"{name}.csv.gz"))
        frames[name.upper()] = _canonical(raw, pd.to_datetime(raw["Date"], format="%m/%d/%Y"))
    fx = pd.read_csv(_package_file("gym_anytrading", "datasets", "data", "FOREX_EURUSD_1H_ASK.csv"))
    frames["EURUSD"] = _canonical(fx, pd.to_datetime(fx["Time"], format="%d.%m.%Y %H:%M:%S.%f"))
    digests = {}
    for name, frame in frames.items():
        path = SAMPLES_DIR / f"{name}.parquet"
        frame.to_parquet(path, compression="zstd", compression_level=19)
        digests[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


if __name__ == "__main__":  # pragma: no cover
    for file, digest in build().items():
        print(f"{file}  {digest}")
