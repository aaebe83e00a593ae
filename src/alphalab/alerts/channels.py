"""Delivery channels: signed webhooks over HTTP, and the services apprise speaks.

A channel's ``send`` either returns (delivered), raises :class:`ChannelError` with
``retryable=True`` (try again later, after ``retry_after`` seconds when the service said so) or
with ``retryable=False`` (the service refused the message for good). Every message carries its
idempotency key, so a receiver can drop a copy that a retry after a crash sends again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Protocol

from alphalab.alerts.outbox import OutboxRow

# Longest message body each service accepts (characters); longer ones are shortened to fit.
LIMITS = {"discord": 2000, "telegram": 4096, "slack": 40000, "ntfy": 4096, "pushover": 1024,
          "webhook": 100_000, "mailto": 100_000, "json": 100_000}
ELLIPSIS = "…"


class ChannelError(Exception):
    """A failed delivery; ``retryable`` says whether to try again, ``retry_after`` when (seconds)."""

    def __init__(self, message: str, *, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """Somewhere alerts go."""

    name: str
    max_length: int
    rate_per_s: float
    burst: int

    async def send(self, row: OutboxRow) -> None: ...


def fit_message(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    if limit <= 0:
        raise ValueError("a message limit must be positive")
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """Return the webhook signature: hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass
class WebhookChannel:
    """POST each alert as JSON, signed with HMAC-SHA256 (headers ``X-AlphaLab-Signature``,
    ``X-AlphaLab-Timestamp``) and keyed (``Idempotency-Key``)."""

    name: str
    url: str
    secret: bytes
    timeout_s: float = 10.0
    max_length: int = LIMITS["webhook"]
    rate_per_s: float = 5.0
    burst: int = 10

    def __repr__(self) -> str:  # the secret never shows
        return f"WebhookChannel(name={self.name!r}, url={self.url!r})"

    def payload(self, row: OutboxRow) -> bytes:
        doc = {"key": row.key, "topic": row.topic, "severity": row.severity, "subject": row.subject,
               "body": fit_message(row.body, self.max_length), "payload": row.payload}
        return json.dumps(doc, sort_keys=True).encode()

    async def send(self, row: OutboxRow) -> None:
        import time

        import aiohttp

        body = self.payload(row)
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": row.key,
                   "X-AlphaLab-Timestamp": ts, "X-AlphaLab-Signature": "sha256=" + sign(self.secret, ts, body)}
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout_s)
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.post(self.url, data=body, headers=headers) as resp:
                status, retry = resp.status, resp.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise ChannelError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if status < 300:
            return
        retry_after = _seconds(retry)
        if status == 429 or status >= 500:
            raise ChannelError(f"{self.name}: HTTP {status}", retry_after=retry_after)
        raise ChannelError(f"{self.name}: HTTP {status} (refused)", retryable=False)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class AppriseChannel:
    """Email (``mailto://``), Slack, Discord, Telegram, ntfy, Pushover… through one apprise URL."""

    name: str
    url: str
    rate_per_s: float = 1.0
    burst: int = 5
    timeout_s: float = 30.0

    def __repr__(self) -> str:  # apprise URLs embed tokens and passwords
        return f"AppriseChannel(name={self.name!r}, scheme={self.scheme!r})"

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0].lower()

    @property
    def max_length(self) -> int:
        return LIMITS.get(self.scheme, LIMITS["mailto"])

    async def send(self, row: OutboxRow) -> None:
        from alphalab._optional import require

        apprise = require("apprise")
        app = apprise.Apprise()
        if not app.add(self.url):
            raise ChannelError(f"{self.name}: apprise does not understand this URL", retryable=False)
        title = fit_message(row.subject, 250)
        body = fit_message(row.body, self.max_length)
        try:
            ok = await asyncio.wait_for(asyncio.to_thread(app.notify, body=body, title=title), self.timeout_s)
        except TimeoutError as exc:
            raise ChannelError(f"{self.name}: no answer within {self.timeout_s:g} s") from exc
        if not ok:
            raise ChannelError(f"{self.name}: the service did not accept the message")
