"""A webhook receiver on loopback for tests of alert delivery.

It verifies each delivery's HMAC signature, counts raw deliveries, keeps the first copy per
``Idempotency-Key`` (what a well-behaved receiver does with a retry) and can be told to answer
the next requests with an error status, a ``Retry-After`` or a delay. It runs its own event loop
in a thread, so a test (or a process under test) can block while deliveries arrive.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from typing import Any

from alphalab.alerts.channels import sign


class WebhookReceiver:
    """``with WebhookReceiver(secret) as rx: ... rx.url ...``"""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.raw: list[dict[str, Any]] = []
        self.unique: dict[str, dict[str, Any]] = {}
        self.bad_signatures = 0
        self.script: deque[tuple[int, float | None, float]] = deque()  # (status, retry_after, delay_s)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def respond(self, status: int, *, times: int = 1, retry_after: float | None = None, delay_s: float = 0.0) -> None:
        """Answer the next ``times`` deliveries with ``status`` (after ``delay_s``)."""
        with self._lock:
            self.script.extend([(status, retry_after, delay_s)] * times)

    async def _handle(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.read()
        ts = request.headers.get("X-AlphaLab-Timestamp", "")
        expected = "sha256=" + sign(self.secret, ts, body)
        with self._lock:
            step = self.script.popleft() if self.script else (200, None, 0.0)
        status, retry_after, delay = step
        if delay:
            await asyncio.sleep(delay)
        if request.headers.get("X-AlphaLab-Signature") != expected:
            with self._lock:
                self.bad_signatures += 1
            return web.Response(status=401)
        if status >= 300:
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return web.Response(status=status, headers=headers)
        doc = json.loads(body)
        with self._lock:
            self.raw.append(doc)
            self.unique.setdefault(request.headers["Idempotency-Key"], doc)
        return web.Response(status=200)

    async def _start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
