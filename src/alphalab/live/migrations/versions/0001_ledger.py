"""Create the order ledger: intents, order events (the audit trail) and bot state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intents",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("strategy", sa.String(200), nullable=False),
        sa.Column("symbol", sa.String(100), nullable=False),
        sa.Column("timeframe", sa.String(16), nullable=False),
        sa.Column("bar_time_ns", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("order_type", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Float, nullable=False),
        sa.Column("price", sa.Float),
        sa.Column("stop_price", sa.Float),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(100), nullable=False),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(64), sa.ForeignKey("intents.client_id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("t_ns", sa.BigInteger, nullable=False),
        sa.Column("quantity", sa.Float, nullable=False),
        sa.Column("price", sa.Float),
        sa.Column("fee", sa.Float, nullable=False),
        sa.Column("trade_id", sa.String(100)),
        sa.Column("venue_order_id", sa.String(100)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("client_id", "trade_id", name="uq_order_events_fill"),
    )
    op.create_index("ix_order_events_client_id", "order_events", ["client_id"])
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_ns", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_state")
    op.drop_index("ix_order_events_client_id", "order_events")
    op.drop_table("order_events")
    op.drop_table("intents")
