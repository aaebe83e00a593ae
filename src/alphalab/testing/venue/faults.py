"""Faults the venue simulator can inject, set in process or through ``POST /_sim/faults``.

Counters (``*_next``) apply to that many coming requests and count down; the rest stay on until
changed. ``hold_orders_next``: the next N ``POST /api/v3/order`` are accepted (the order exists
and may fill) and the answer is held for ``hold_s`` seconds, past the client's timeout.
``unknown_after_accept_next``: the next N orders are accepted, then answered with Binance's
``-1006`` (HTTP 500, "execution status unknown"). ``errors_5xx_next``: the next N API requests get a 503 before anything happens.
``rate_limit_next``: the next N API requests get a 429 with ``Retry-After: retry_after_s``; a
request that arrives before that time is up is a ban (418), as on Binance.
``disconnect_next``: the next N API requests have their connection closed without an answer.
``skew_ms``: the server's clock runs this far ahead (negative: behind) of the machine's.
``delay_fills``: new orders do not fill before the next bar. ``partial_parts``: new orders fill
in this many pieces, one per bar. ``ws_drop_next`` / ``ws_dup_next``: the next N stream
messages are dropped / sent twice. ``ws_disconnect``: close every stream connection now.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Faults:
    hold_orders_next: int = 0
    hold_s: float = 3.0
    unknown_after_accept_next: int = 0
    errors_5xx_next: int = 0
    rate_limit_next: int = 0
    retry_after_s: int = 1
    disconnect_next: int = 0
    skew_ms: int = 0
    delay_fills: bool = False
    partial_parts: int = 1
    ws_drop_next: int = 0
    ws_dup_next: int = 0

    def update(self, values: dict[str, Any]) -> None:
        """Set the named fields; an unknown name raises ``KeyError`` (a typo must not pass silently)."""
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise KeyError(f"unknown fault {key!r}; known: {', '.join(sorted(known))}")
            current = getattr(self, key)
            setattr(self, key, type(current)(value))

    def take(self, name: str) -> bool:
        """Consume one unit of counter ``name``; return whether the fault applies to this request."""
        left = getattr(self, name)
        if left > 0:
            setattr(self, name, left - 1)
            return True
        return False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
