"""Tables of the order ledger (SQLAlchemy Core); alembic migrations create and evolve them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

intents = Table(
    "intents",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("strategy", String(200), nullable=False),
    Column("symbol", String(100), nullable=False),
    Column("timeframe", String(16), nullable=False),
    Column("bar_time_ns", BigInteger, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("side", String(4), nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("price", Float),
    Column("stop_price", Float),
    Column("reason", Text, nullable=False, default=""),
    Column("verdict", String(100), nullable=False, default="approve"),
    Column("created_ns", BigInteger, nullable=False),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("client_id", String(64), ForeignKey("intents.client_id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("t_ns", BigInteger, nullable=False),
    Column("quantity", Float, nullable=False, default=0.0),
    Column("price", Float),
    Column("fee", Float, nullable=False, default=0.0),
    Column("trade_id", String(100)),
    Column("venue_order_id", String(100)),
    Column("reason", Text, nullable=False, default=""),
    # A venue trade is applied once: the database refuses a second row for the same fill.
    UniqueConstraint("client_id", "trade_id", name="uq_order_events_fill"),
)

bot_state = Table(
    "bot_state",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

# The alert outbox (alphalab.alerts): written in the same transaction as the event that caused an
# alert, delivered later by a separate dispatcher; one row per alert and channel.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("channel", String(100), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_ns", BigInteger, nullable=False),
    Column("next_attempt_ns", BigInteger, nullable=False),
    Column("lease_until_ns", BigInteger, nullable=False, default=0),
    Column("expires_ns", BigInteger, nullable=False),
    Column("delivered_ns", BigInteger),
    Column("last_error", Text, nullable=False, default=""),
)
