"""Funding-rate history offline: Binance USD-M responses replayed through ccxt into the catalog."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from _ccxt_replay import block_sockets, replay_exchange

from alphalab.core.errors import NotFoundError
from alphalab.data.catalog import Catalog
from alphalab.data.funding import download_funding, read_funding
from alphalab.engine.derivatives import DerivativesConfig, apply_derivatives

T0 = pd.Timestamp("2024-01-01T00:00:00Z")
H8_MS = 8 * 3_600_000


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    block_sockets(monkeypatch)


def test_binance_funding_pages_retry_and_land_in_catalog(tmp_path):
    exchange, adapter = replay_exchange("binance", "binance_btcusdt_funding.json")
    sleeps: list[float] = []
    cat = Catalog(tmp_path)
    res = download_funding(exchange, "BTC/USDT:USDT", since=T0, catalog=cat, limit=3, sleep=sleeps.append)
    assert res.requests == 4 and res.retries == 1 and sleeps == [1.0]
    assert res.rows_fetched == 6 and res.rows_total == 6
    t0 = int(T0.value // 1_000_000)
    starts = [int(parse_qs(urlparse(u).query)["startTime"][0]) for u in adapter.urls]
    # page 2 (and its retry) start after the last funding of page 1; the empty page ends it
    assert starts == [t0, t0 + 2 * H8_MS + 1, t0 + 2 * H8_MS + 1, t0 + 5 * H8_MS + 1]
    assert all("fapi/v1/fundingRate" in u and "symbol=BTCUSDT" in u for u in adapter.urls)
    got = read_funding(cat, "binance", "BTC/USDT:USDT")
    assert list(got.index) == list(pd.date_range(T0, periods=6, freq="8h"))
    np.testing.assert_allclose(got["rate"], [1e-4, 1.25e-4, -5e-5, -2e-4, 3e-4, 1e-4])
    np.testing.assert_allclose(got["mark"], [42000.0, 42100.5, 42050.0, 41900.0, 42200.0, 42300.0])
    # the bars catalog does not list the funding kind as a bar dataset
    assert cat.list() == []


def test_stored_funding_applies_to_a_backtest_long(tmp_path):
    exchange, _ = replay_exchange("binance", "binance_btcusdt_funding.json")
    cat = Catalog(tmp_path)
    download_funding(exchange, "BTC/USDT:USDT", since=T0, catalog=cat, limit=3, sleep=lambda s: None)
    rates = read_funding(cat, "binance", "BTC/USDT:USDT")["rate"]
    idx = pd.date_range(T0, periods=48, freq="1h", name="time")
    c = np.full(48, 42000.0)
    bars = pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": 1.0}, index=idx)
    trade = pd.DataFrame([{"side": "long", "entry_time": idx[1], "exit_time": idx[41], "entry_price": 42000.0,
                           "exit_price": 42000.0, "quantity": 0.5, "fees": 0.0, "pnl": 0.0, "exit_reason": "signal"}])
    r = apply_derivatives(trade, bars, DerivativesConfig(), funding=rates)
    # held 01:00 -> 41:00: the fundings at 08, 16, 24, 32, 40 h
    assert r.trades["funding"].iloc[0] == pytest.approx(0.5 * 42000 * (1.25e-4 - 5e-5 - 2e-4 + 3e-4 + 1e-4))


def test_missing_funding_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match="no funding rates"):
        read_funding(Catalog(tmp_path), "binance", "ETH/USDT:USDT")


def test_mexc_funding_pages_by_number_newest_first(tmp_path):
    exchange, adapter = replay_exchange("mexc", "mexc_btcusdt_funding.json")
    sleeps: list[float] = []
    cat = Catalog(tmp_path)
    res = download_funding(exchange, "BTC/USDT:USDT", since=T0, catalog=cat, limit=3, sleep=sleeps.append)
    assert res.requests == 4 and res.retries == 1 and res.rows_total == 5
    pages = [parse_qs(urlparse(u).query)["page_num"][0] for u in adapter.urls]
    assert pages == ["1", "2", "2", "3"]
    assert all("contract/funding_rate/history" in u and "symbol=BTC_USDT" in u for u in adapter.urls)
    got = read_funding(cat, "mexc", "BTC/USDT:USDT")
    assert list(got.index) == list(pd.date_range(T0, periods=5, freq="8h"))
    np.testing.assert_allclose(got["rate"], [1e-4, 1.5e-4, -1e-4, -2.5e-4, 2e-4])
    # a second download from a later start merges without duplicates
    exchange2, _ = replay_exchange("mexc", "mexc_btcusdt_funding.json")
    download_funding(exchange2, "BTC/USDT:USDT", since=T0 + pd.Timedelta(hours=16), catalog=cat, limit=3,
                     sleep=sleeps.append)
    assert len(read_funding(cat, "mexc", "BTC/USDT:USDT")) == 5
