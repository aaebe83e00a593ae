"""Alerts through a durable outbox: written with the event that caused them, delivered apart.

An alert is a row of the bot database's ``outbox`` table, inserted in the same transaction as
the event it reports (a fill, a risk denial, a kill), so an alert exists if and only if its event
does. A separate :class:`~alphalab.alerts.dispatcher.Dispatcher` delivers the rows to channels
(signed webhooks; email, Slack, Discord, Telegram, ntfy, Pushover through apprise) with per-channel
rate limits, retries with backoff, ``Retry-After``, expiry, and an idempotency key on every
delivery so that a retry after a crash is recognised by the receiver. A slow or failing channel
only delays its own rows; it never blocks the writer.
"""

from alphalab.alerts.channels import AppriseChannel, Channel, ChannelError, WebhookChannel, fit_message
from alphalab.alerts.dispatcher import Dispatcher
from alphalab.alerts.outbox import Alert, Outbox

__all__ = [
    "Alert",
    "AppriseChannel",
    "Channel",
    "ChannelError",
    "Dispatcher",
    "Outbox",
    "WebhookChannel",
    "fit_message",
]
