"""Funding-rate history of perpetual swaps: download through ccxt and store in the catalog.

The catalog holds funding rates as a ``funding`` dataset kind beside the bars:
``<lake>/<source>/<symbol, URL-quoted>/funding/rates.parquet`` with columns ``time`` (UTC funding
time, the index when read) and ``rate`` (fraction per funding interval), and ``mark`` when the
venue reports it. Writes are atomic and locked like bar writes. The backtest applies the rates
with :func:`alphalab.engine.derivatives.apply_derivatives`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab._optional import require
from alphalab.core.errors import NotFoundError
from alphalab.data.catalog import Catalog, atomic_write_table, dataset_lock, remove_stale_temps
from alphalab.data.downloader import _ms, retrying


def funding_path(catalog: Catalog, source: str, symbol: str) -> Path:
    """Return the funding file of ``(source, symbol)`` (it may not exist)."""
    return catalog.path(source, symbol, "1h").parent / "funding" / "rates.parquet"


def write_funding(catalog: Catalog, frame: pd.DataFrame, source: str, symbol: str) -> int:
    """Merge funding rows (index: UTC times; column ``rate``, optional ``mark``) into the catalog; return the row count."""
    import pyarrow as pa

    path = funding_path(catalog, source, symbol)
    path.parent.mkdir(parents=True, exist_ok=True)
    with dataset_lock(path):
        remove_stale_temps(path)
        merged = frame
        if path.exists():
            merged = pd.concat([read_funding(catalog, source, symbol), frame])
        merged = merged[~merged.index.duplicated(keep="last")].sort_index()
        table = pa.Table.from_pandas(merged.reset_index(names="time"), preserve_index=False)
        meta = {b"alphalab.source": source.encode(), b"alphalab.symbol": symbol.encode(), b"alphalab.kind": b"funding"}
        atomic_write_table(table.replace_schema_metadata(meta), path)
    return len(merged)


def read_funding(catalog: Catalog, source: str, symbol: str) -> pd.DataFrame:
    """Return the stored funding rates of ``(source, symbol)`` indexed by UTC funding time."""
    import pyarrow.parquet as pq

    path = funding_path(catalog, source, symbol)
    if not path.exists():
        raise NotFoundError(
            f"no funding rates for {source}:{symbol} in the catalog ({catalog.root})",
            hint=f"download them first: download_funding(exchange, {symbol!r}, ...)",
        )
    frame = pq.read_table(path).to_pandas()
    index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True), name="time")
    return frame.set_index(index)


@dataclass
class FundingDownload:
    """What one funding download did."""

    source: str
    symbol: str
    requests: int = 0
    retries: int = 0
    rows_fetched: int = 0
    rows_total: int = 0


# venues whose funding history pages by page number (newest first) and ignores ``since``
PAGE_NUMBERED = {"mexc": "page_num"}


def _page(
    exchange: Any, symbol: str, since: int, limit: int | None, retries: int, backoff: float,
    sleep: Callable[[float], None], result: FundingDownload, params: dict[str, Any],
) -> list[dict[str, Any]]:
    ccxt = require("ccxt")
    return list(retrying(
        lambda: exchange.fetch_funding_rate_history(symbol, since=since, limit=limit, params=params),
        exchange.id, f"funding rates of {symbol}", retries=retries, backoff=backoff, sleep=sleep, result=result,
        bad_symbol_hint="use a swap, e.g. BTC/USDT:USDT",
        error_hint="funding rates exist for perpetual swaps only (symbols like BTC/USDT:USDT)",
        errors=(ccxt.NotSupported,),
    ))


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    ts = np.array([int(r["timestamp"]) for r in rows], dtype=np.int64)
    index = pd.DatetimeIndex(pd.to_datetime(ts, unit="ms", utc=True), name="time")
    data = {"rate": np.array([float(r["fundingRate"]) for r in rows])}
    marks = [(r.get("info") or {}).get("markPrice") for r in rows]
    if any(m not in (None, "") for m in marks):
        data["mark"] = np.array([float(m) if m not in (None, "") else np.nan for m in marks])
    return pd.DataFrame(data, index=index)


def _valid(page: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    return [r for r in page if r.get("timestamp") is not None and int(r["timestamp"]) >= start]


def _since_pages(fetch: Callable[..., list[dict[str, Any]]], start: int, end: int | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while end is None or start < end:
        page = _valid(fetch(since=start, params={}), start)
        if not page:
            break
        rows.extend(page)
        start = max(int(r["timestamp"]) for r in page) + 1
    return rows


def _numbered_pages(fetch: Callable[..., list[dict[str, Any]]], start: int, key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    n = 1
    while True:
        page = _valid(fetch(since=start, params={key: n}), start)
        if not page:
            break
        rows.extend(page)
        n += 1
    return rows


def download_funding(
    exchange: Any, symbol: str, *, since: Any, until: Any = None, catalog: Catalog | None = None,
    limit: int | None = 1000, retries: int = 5, backoff: float = 1.0, sleep: Callable[[float], None] | None = None,
) -> FundingDownload:
    """Download the funding-rate history of ``symbol`` from ``since`` (to ``until``) and store it.

    Pages follow the last funding time fetched (or, on venues that page by number such as MEXC,
    go back page by page until a page has nothing at or after ``since``); network errors and rate
    limits are retried with exponential backoff (``backoff * 2**attempt`` seconds).
    """
    import time

    cat = catalog if catalog is not None else Catalog()
    result = FundingDownload(exchange.id, symbol)
    start = _ms(since)
    end = None if until is None else _ms(until)
    fetch = partial(_page, exchange, symbol, limit=limit, retries=retries, backoff=backoff,
                    sleep=sleep or time.sleep, result=result)
    numbered = PAGE_NUMBERED.get(exchange.id)
    rows = _numbered_pages(fetch, start, numbered) if numbered else _since_pages(fetch, start, end)
    rows = [r for r in rows if end is None or int(r["timestamp"]) < end]
    result.rows_fetched = len(rows)
    if rows:
        result.rows_total = write_funding(cat, _frame(rows), exchange.id, symbol)
    return result
