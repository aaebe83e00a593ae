"""Replay recorded HTTP responses to a CCXT exchange through a requests transport adapter.

CCXT's own request path runs (URL building, JSON parsing, HTTP-status error mapping); only the
socket is replaced by the recorded responses, served in order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "ccxt"


class ReplayAdapter(BaseAdapter):
    """Serve the recorded responses one after another and remember every requested URL."""

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        super().__init__()
        self.responses = list(responses)
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(str(request.url))
        if not self.responses:
            raise AssertionError(f"no recorded response left for {request.url}")
        recorded = self.responses.pop(0)
        response = requests.Response()
        response.status_code = recorded["status"]
        response.reason = {200: "OK", 429: "Too Many Requests"}.get(recorded["status"], "Error")
        response._content = json.dumps(recorded["body"]).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def replay_exchange(exchange_id: str, fixture: str) -> tuple[Any, ReplayAdapter]:
    """Return a CCXT exchange whose HTTP session replays ``fixture``, with its market injected."""
    import ccxt

    data = json.loads((FIXTURES / fixture).read_text())
    exchange = getattr(ccxt, exchange_id)({"enableRateLimit": False})
    adapter = ReplayAdapter(data["responses"])
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    exchange.session = session
    exchange.set_markets([data["market"]])
    return exchange, adapter


def block_sockets(monkeypatch: Any) -> None:
    """Make any attempt to open a network connection fail the test."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
