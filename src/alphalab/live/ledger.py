"""The intent ledger: the bot's truth, in SQLite (default, WAL, fsync on commit) or PostgreSQL.

Every intent is written before any venue call; every change of an order is an appended row of
``order_events``; the current state is the fold of those rows (:class:`OrderBook`). Small bot
state (the kill switch, the risk gate's state, feed cursors) is kept as JSON under a key.
The schema is created and migrated by alembic on open.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alphalab._optional import require
from alphalab.core.errors import ConfigError
from alphalab.live.orders import Intent, OrderBook, OrderEvent, OrderStateError

_INTENT_FIELDS = [f.name for f in dataclasses.fields(Intent)]
_EVENT_FIELDS = [f.name for f in dataclasses.fields(OrderEvent)]


class DuplicateIntentError(OrderStateError):
    """The ledger already holds an intent with this client order id."""


def default_url(home: Path) -> str:
    """Return the SQLite URL of the ledger under ``home``."""
    path = home / "live" / "ledger.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _nan_to_none(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


class Ledger:
    """Append-only order ledger on one database URL."""

    def __init__(self, url: str) -> None:
        require("sqlalchemy")
        import sqlalchemy as sa

        self.url = url
        self.engine = sa.create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._migrate()

    # -- schema -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """Return the schema revision the database is at."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        self.engine.dispose()

    # -- writes -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Yield a connection whose writes commit together (or not at all)."""
        with self.engine.begin() as conn:
            yield conn

    def record_intents(self, intents: Sequence[Intent], conn: Any = None) -> None:
        """Write intents (status NEW) in one transaction; a known client id raises."""
        import sqlalchemy as sa

        from alphalab.live.schema import intents as table

        if not intents:
            return
        rows = [{k: getattr(i, k) for k in _INTENT_FIELDS} for i in intents]
        try:
            if conn is None:
                with self.engine.begin() as c:
                    c.execute(table.insert(), rows)
            else:
                conn.execute(table.insert(), rows)
        except sa.exc.IntegrityError as exc:
            ids = ", ".join(i.client_id for i in intents[:3])
            raise DuplicateIntentError(
                f"the ledger already holds client order id(s) among {ids}: the same decision is never sent twice",
            ) from exc

    def record_intent(self, intent: Intent, conn: Any = None) -> None:
        self.record_intents([intent], conn)

    def append(self, events: Iterable[OrderEvent], conn: Any = None) -> int:
        """Append order events; a fill whose trade id is already recorded is skipped. Return rows written."""
        import sqlalchemy as sa

        from alphalab.live.schema import order_events as table

        rows = [{k: _nan_to_none(getattr(e, k)) for k in _EVENT_FIELDS} for e in events]
        if not rows:
            return 0
        fills = [(r["client_id"], r["trade_id"]) for r in rows if r["trade_id"] is not None]

        def write(c: Any) -> int:
            keep = rows
            if fills:
                seen = self._known_fills(c, fills)
                keep = []
                for r in rows:
                    key = (r["client_id"], r["trade_id"])
                    if r["trade_id"] is not None:
                        if key in seen:
                            continue  # this venue trade is already applied
                        seen.add(key)
                    keep.append(r)
            if keep:
                c.execute(table.insert(), keep)
            return len(keep)

        try:
            if conn is None:
                with self.engine.begin() as c:
                    return write(c)
            return write(conn)
        except sa.exc.IntegrityError as exc:
            raise OrderStateError(f"order event refused by the ledger: {exc.orig}") from exc

    @staticmethod
    def _known_fills(conn: Any, fills: list[tuple[str, str]]) -> set[tuple[str, str]]:
        import sqlalchemy as sa

        from alphalab.live.schema import order_events as table

        clients = sorted({c for c, _ in fills})
        q = sa.select(table.c.client_id, table.c.trade_id).where(
            table.c.client_id.in_(clients), table.c.trade_id.is_not(None))
        return {(c, t) for c, t in conn.execute(q)}

    # -- reads --------------------------------------------------------------------------------
    def intents(self) -> list[Intent]:
        import sqlalchemy as sa

        from alphalab.live.schema import intents as table

        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.created_ns, table.c.client_id)).mappings()
            return [Intent(**{k: row[k] for k in _INTENT_FIELDS}) for row in rows]

    def events(self, client_id: str | None = None) -> list[OrderEvent]:
        import sqlalchemy as sa

        from alphalab.live.schema import order_events as table

        q = sa.select(table).order_by(table.c.id)
        if client_id is not None:
            q = q.where(table.c.client_id == client_id)
        with self.engine.connect() as conn:
            out = []
            for row in conn.execute(q).mappings():
                values = {k: row[k] for k in _EVENT_FIELDS}
                values["price"] = math.nan if values["price"] is None else values["price"]
                out.append(OrderEvent(**values))
            return out

    def load_book(self) -> OrderBook:
        """Rebuild every order's state by replaying the ledger."""
        book = OrderBook()
        for intent in self.intents():
            book.add_intent(intent)
        book.apply_all(self.events())
        return book

    def has_intent(self, client_id: str) -> bool:
        import sqlalchemy as sa

        from alphalab.live.schema import intents as table

        with self.engine.connect() as conn:
            q = sa.select(table.c.client_id).where(table.c.client_id == client_id)
            return conn.execute(q).first() is not None

    # -- small state --------------------------------------------------------------------------
    def get_state(self, key: str, default: Any = None) -> Any:
        import sqlalchemy as sa

        from alphalab.live.schema import bot_state as table

        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(table.c.value).where(table.c.key == key)).scalar()
        return default if raw is None else json.loads(raw)

    def set_state(self, key: str, value: Any, t_ns: int, conn: Any = None) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``, replacing what was there."""
        import sqlalchemy as sa

        from alphalab.live.schema import bot_state as table

        try:
            raw = json.dumps(value, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bot state {key!r} is not plain JSON: {exc}") from exc

        def write(c: Any) -> None:
            c.execute(sa.delete(table).where(table.c.key == key))
            c.execute(table.insert(), [{"key": key, "value": raw, "updated_ns": int(t_ns)}])

        if conn is None:
            with self.engine.begin() as c:
                write(c)
        else:
            write(conn)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # durability on: a committed intent survives a power cut
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
