"""Alembic migrations of the order ledger (run by :class:`alphalab.live.ledger.Ledger`)."""
