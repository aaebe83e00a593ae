"""The operator service: an authenticated REST + WebSocket API, Prometheus metrics and a dashboard.

It reads what the bot writes (the ledger, the alert outbox, results under the home) and writes
only control requests (kill switch, resume, cancel requests) and its own users, keys and audit
rows. ``alphalab serve`` runs it; :func:`alphalab.service.app.create_app` builds it.
"""

from alphalab.service.settings import ServiceSettings

__all__ = ["ServiceSettings"]
