"""The CCXT downloader, offline: recorded Binance and MEXC kline responses replayed through ccxt."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from _ccxt_replay import replay_exchange

from alphalab.core.errors import DataError
from alphalab.data.catalog import Catalog
from alphalab.data.downloader import download

T0 = pd.Timestamp("2024-01-01T00:00:00Z")
H_MS = 3_600_000


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _start_times(urls: list[str], key: str = "startTime") -> list[int]:
    return [int(parse_qs(urlparse(u).query)[key][0]) for u in urls]


def test_binance_pages_retry_and_resume_store_every_bar(tmp_path):
    exchange, adapter = replay_exchange("binance", "binance_btcusdt_1h.json")
    sleeps: list[float] = []
    cat = Catalog(tmp_path)
    first = download(
        exchange,
        "BTC/USDT",
        "1h",
        since=T0,
        until=T0 + pd.Timedelta(hours=6),
        catalog=cat,
        limit=3,
        sleep=sleeps.append,
    )
    assert first.requests == 3 and first.retries == 1 and sleeps == [1.0]
    assert first.rows_total == 6 and first.resumed_from is None
    t0_ms = int(T0.value // 1_000_000)
    # page 1 from T0, the 429 and its retry from T0 + 3h: the pages follow the last bar fetched
    assert _start_times(adapter.urls) == [t0_ms, t0_ms + 3 * H_MS, t0_ms + 3 * H_MS]
    assert all("api/v3/klines" in u and "symbol=BTCUSDT" in u and "interval=1h" in u for u in adapter.urls)

    second = download(
        exchange,
        "BTC/USDT",
        "1h",
        until=T0 + pd.Timedelta(hours=8),
        catalog=cat,
        limit=3,
        sleep=sleeps.append,
    )
    assert second.resumed_from == (T0 + pd.Timedelta(hours=5)).isoformat()
    assert _start_times(adapter.urls[3:]) == [t0_ms + 5 * H_MS]
    assert second.rows_added == 2 and second.rows_total == 8
    bars = cat.read("binance", "BTC/USDT", "1h")
    expected_open = 42000.0 + 100.0 * np.arange(8)
    np.testing.assert_allclose(bars["open"].to_numpy(), expected_open)
    np.testing.assert_allclose(bars["close"].to_numpy(), expected_open * 1.005, rtol=1e-12)
    np.testing.assert_allclose(bars["volume"].to_numpy(), 12.5 + np.arange(8))
    assert list(bars.index) == list(pd.date_range(T0, periods=8, freq="1h"))


def test_mexc_shape_and_rate_limit_are_handled(tmp_path):
    exchange, adapter = replay_exchange("mexc", "mexc_btcusdt_1h.json")
    sleeps: list[float] = []
    cat = Catalog(tmp_path)
    result = download(
        exchange,
        "BTC/USDT",
        "1h",
        since=T0,
        until=T0 + pd.Timedelta(hours=6),
        catalog=cat,
        limit=4,
        sleep=sleeps.append,
        backoff=0.5,
    )
    assert result.retries == 1 and sleeps == [0.5]
    assert result.rows_total == 6
    bars = cat.read("mexc", "BTC/USDT", "1h")
    np.testing.assert_allclose(bars["high"].to_numpy(), np.round((42000.0 + 100 * np.arange(6)) * 1.01, 2))
    np.testing.assert_allclose(bars["volume"].to_numpy(), 3.25 + np.arange(6))
    assert len(adapter.urls) == 3


def test_rate_limit_every_time_gives_up_with_a_data_error(tmp_path):
    exchange, adapter = replay_exchange("binance", "binance_btcusdt_1h.json")
    adapter.responses = [adapter.responses[1]] * 3
    with pytest.raises(DataError, match="failed after 2 retries"):
        download(
            exchange,
            "BTC/USDT",
            "1h",
            since=T0,
            until=T0 + pd.Timedelta(hours=3),
            catalog=Catalog(tmp_path),
            retries=2,
            sleep=lambda s: None,
        )
    assert not Catalog(tmp_path).exists("binance", "BTC/USDT", "1h")
