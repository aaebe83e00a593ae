"""Download OHLCV bars from any exchange that CCXT supports into the catalog.

Pages of ``fetch_ohlcv`` are requested from ``since`` (or, when the dataset already has bars, from
the last stored bar, which is fetched again because it may have been incomplete) until ``until``.
CCXT's own rate limiter spaces the requests (``enableRateLimit``); network errors, including
HTTP 429 (``RateLimitExceeded`` / ``DDoSProtection``), are retried with exponential backoff.
Only closed bars are stored. The catalog is written every ``flush_every`` pages and at the end, so
an interrupted download keeps what it had written and the next run resumes from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from alphalab._optional import require
from alphalab.core.errors import DataError, NotFoundError
from alphalab.core.timeframe import Timeframe


@dataclass
class DownloadResult:
    """What a download did."""

    source: str
    symbol: str
    timeframe: str
    requests: int = 0
    retries: int = 0
    bars_fetched: int = 0
    rows_added: int = 0
    rows_total: int = 0
    resumed_from: str | None = None
    start: str | None = None
    end: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def make_exchange(exchange_id: str, **config: Any) -> Any:
    """Return a CCXT exchange instance with its rate limiter on."""
    ccxt = require("ccxt", purpose="downloading from exchanges")
    if exchange_id not in ccxt.exchanges:
        raise NotFoundError(
            f"CCXT does not know the exchange {exchange_id!r}", hint="see ccxt.exchanges for the ids"
        )
    return getattr(ccxt, exchange_id)({"enableRateLimit": True, **config})


def _ms(value: Any) -> int:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def retrying(
    call: Callable[[], Any], exchange_id: str, what: str, *, retries: int, backoff: float,
    sleep: Callable[[float], None], result: Any, bad_symbol_hint: str, error_hint: str,
    errors: tuple[type[BaseException], ...] = (),
) -> Any:
    """Run one ccxt request; retry network errors and rate limits with exponential backoff.

    ``result`` counts ``requests`` and ``retries``. A missing market is a ``NotFoundError``, any other
    exchange error (and ``errors``) a ``DataError``, each naming ``what`` with its hint.
    """
    ccxt = require("ccxt")
    attempt = 0
    while True:
        try:
            result.requests += 1
            return call()
        except ccxt.NetworkError as exc:  # includes RateLimitExceeded, DDoSProtection, timeouts
            if attempt >= retries:
                raise DataError(
                    f"{exchange_id}: {what} failed after {retries} retries: {type(exc).__name__}: {exc}",
                    hint="try again later, or lower the request rate",
                ) from exc
            sleep(backoff * 2**attempt)
            attempt += 1
            result.retries += 1
        except ccxt.BadSymbol as exc:
            raise NotFoundError(f"{exchange_id} has no market for {what}", hint=bad_symbol_hint) from exc
        except (ccxt.ExchangeError, *errors) as exc:
            raise DataError(f"{exchange_id}: {what}: {type(exc).__name__}: {exc}", hint=error_hint) from exc


def _fetch_page(
    exchange: Any,
    symbol: str,
    tf: str,
    since: int,
    limit: int | None,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    result: DownloadResult,
) -> list[list[Any]]:
    return list(retrying(
        lambda: exchange.fetch_ohlcv(symbol, tf, since=since, limit=limit), exchange.id, f"{symbol} {tf}",
        retries=retries, backoff=backoff, sleep=sleep, result=result,
        bad_symbol_hint="check the symbol, e.g. BTC/USDT", error_hint="check the symbol and timeframe",
    ))


def _to_frame(rows: list[list[Any]]) -> pd.DataFrame:
    arr = np.array([r[:6] for r in rows], dtype="float64")
    index = pd.DatetimeIndex(
        (arr[:, 0].astype("int64") * 1_000_000).view("datetime64[ns]"), name="time"
    ).tz_localize("UTC")
    frame = pd.DataFrame(arr[:, 1:6], index=index, columns=["open", "high", "low", "close", "volume"])
    return frame[~frame.index.duplicated(keep="last")].sort_index()


def _progress(enabled: bool, total: int, label: str) -> Any:
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    progress.start()
    progress.add_task(label, total=max(total, 1))
    return progress


def download(
    exchange: str | Any,
    symbol: str,
    timeframe: str | Timeframe = "1h",
    *,
    since: Any = None,
    until: Any = None,
    catalog: Any = None,
    limit: int | None = 1000,
    retries: int = 5,
    backoff: float = 1.0,
    flush_every: int = 20,
    progress: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadResult:
    """Download bars into the catalog (dataset ``(exchange id, symbol, timeframe)``), resuming when possible.

    Parameters
    ----------
    exchange
        A CCXT exchange id (``"binance"``) or an exchange instance.
    symbol
        Unified CCXT symbol, e.g. ``"BTC/USDT"``.
    timeframe
        Bar length, e.g. ``"1m"``, ``"1h"``, ``"1d"``.
    since, until
        Time range (UTC when naive). ``since`` defaults to 1000 bars before ``until`` for a new
        dataset; ``until`` defaults to now. Stored bars make the download resume from the last one.
    catalog
        The Catalog to write to (default: the one under the AlphaLab home).
    limit
        Bars per request.
    retries, backoff, sleep
        Network errors are retried ``retries`` times, waiting ``backoff * 2**attempt`` seconds.
    flush_every
        Write to the catalog after this many pages (and at the end).
    progress
        Show a progress bar on stderr.
    """
    ex = make_exchange(exchange) if isinstance(exchange, str) else exchange
    tf = Timeframe.parse(timeframe)
    cat = _open_catalog(catalog)
    fetch = partial(_fetch_page, ex, symbol, str(tf), limit=limit, retries=retries, backoff=backoff, sleep=sleep)
    flush = partial(_flush, cat, ex.id, symbol, tf)
    result, cursor, end, now = _plan_range(ex, cat, symbol, tf, since, until)
    with _progress_bar(progress, (end - cursor) // (tf.seconds * 1000), f"{ex.id} {symbol} {tf}") as bar:
        _fetch_pages(fetch, flush, result, (cursor, end, now), tf, flush_every, bar)
    return result


def _open_catalog(catalog: Any) -> Any:
    from alphalab.data.catalog import Catalog

    return catalog if catalog is not None else Catalog()


def _plan_range(
    ex: Any, cat: Any, symbol: str, tf: Timeframe, since: Any, until: Any
) -> tuple[DownloadResult, int, int, int]:
    """Return the result record and the ``(cursor, end, now)`` range in ms; resume from the last stored bar."""
    step = tf.seconds * 1000
    now = int(ex.milliseconds())
    end = min(_ms(until), now) if until is not None else now
    result = DownloadResult(str(ex.id), symbol, str(tf))
    cursor = _ms(since) if since is not None else end - 1000 * step
    last = cat.last_time(ex.id, symbol, tf)
    if last is not None and int(last.value // 1_000_000) >= cursor:
        cursor = int(last.value // 1_000_000)
        result.resumed_from = last.isoformat()
    return result, cursor, end, now


@contextmanager
def _progress_bar(enabled: bool, total: int, label: str) -> Iterator[Any]:
    bar = _progress(enabled, total, label)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.stop()


def _fetch_pages(
    fetch: Callable[..., list[list[Any]]],
    flush: Callable[[list[list[Any]], DownloadResult], None],
    result: DownloadResult,
    window: tuple[int, int, int],
    tf: Timeframe,
    flush_every: int,
    bar: Any,
) -> None:
    """Fetch pages from ``cursor`` until ``end``, keeping closed bars only, flushing every ``flush_every``."""
    cursor, end, now = window
    step = tf.seconds * 1000
    pending: list[list[Any]] = []
    pages = 0
    while cursor < end:
        page = fetch(cursor, result=result)
        rows = [r for r in page if r[0] is not None and cursor <= r[0] < end and r[0] + step <= now]
        if not rows:
            break
        pending.extend(rows)
        result.bars_fetched += len(rows)
        next_cursor = int(max(r[0] for r in rows)) + step
        if bar is not None:
            bar.advance(bar.task_ids[0], (next_cursor - cursor) // step)
        cursor, pages = next_cursor, pages + 1
        if pages % flush_every == 0:
            flush(pending, result)
            pending = []
    flush(pending, result)


def _flush(
    cat: Any, source: str, symbol: str, tf: Timeframe, rows: list[list[Any]], result: DownloadResult
) -> None:
    if not rows:
        return
    from alphalab.data.validation import validate

    frame = _to_frame(rows)
    report = validate(frame, tf, calendar="24/7", mode="report", source=f"{source}:{symbol}")
    result.warnings.extend(p.render() for p in report.errors + report.warnings)
    impossible = sorted({p.row for p in report.errors if p.row is not None and p.column not in (None, "time")})
    if impossible:  # a bar the exchange got wrong never reaches the catalog; gaps are only reported
        result.warnings.append(f"{source}:{symbol}: dropped {len(impossible)} bar(s) with impossible values")
        frame = frame.drop(frame.index[[r - 1 for r in impossible]])
        if frame.empty:
            return
    written = cat.write(frame, source, symbol, tf)
    result.rows_added += written.rows_added
    result.rows_total = written.rows_after
    info = cat.read(source, symbol, tf)
    result.start, result.end = info.index[0].isoformat(), info.index[-1].isoformat()
