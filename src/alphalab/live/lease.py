"""Hot-standby failover: one active bot per lease, fenced by an epoch.

Two bot processes share one database. The active one holds the lease row: its holder id, an
epoch that grows at every change of holder, and an expiry it renews well before it runs out. A
standby polls and takes the lease only once it has expired; taking it increments the epoch.
Once a lease is held, every ledger transaction first checks (inside the same transaction) that
the row still names this holder and epoch, so a primary that was paused and wakes up after a
takeover is refused on its first write. Before any venue call the holder also checks, on its
own clock, that the lease has at least the call's timeout left (``ensure_valid``): a process
cannot be sure it was not paused, but it can refuse to act on a lease that may be gone.

Acquisition is one conditional UPDATE (or an INSERT for the first holder), atomic on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from typing import Any

from alphalab.core.errors import AlphaLabError
from alphalab.live.clock import Clock
from alphalab.live.ledger import Ledger

NS = 10**9


class LeaseLost(AlphaLabError):
    """This process no longer holds the lease (expired, or another holder took it)."""


class FencedError(LeaseLost):
    """A write carried a stale epoch: another process is the active bot now."""


class Lease:
    """The failover lease ``name`` in ``ledger``'s database, seen by one holder."""

    def __init__(self, ledger: Ledger, clock: Clock, *, name: str = "bot", holder: str | None = None,
                 ttl_s: float = 10.0) -> None:
        if ttl_s <= 0:
            raise ValueError("a lease needs a positive time to live")
        self.ledger = ledger
        self.clock = clock
        self.name = name
        self.holder = holder or uuid.uuid4().hex
        self.ttl_ns = round(ttl_s * NS)
        self.epoch: int | None = None
        self.expires_ns = 0

    def __repr__(self) -> str:
        return f"Lease({self.name!r}, holder={self.holder[:8]}, epoch={self.epoch})"

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired (or renew it if held); return whether held now."""
        import sqlalchemy as sa

        try:
            return self._acquire()
        except sa.exc.OperationalError:
            return False  # the row is locked by a writer (or the database is busy): try again later

    def _acquire(self) -> bool:
        import sqlalchemy as sa

        from alphalab.live.schema import leases as t

        now = self.clock.now_ns()
        expires = now + self.ttl_ns
        with self.ledger.engine.begin() as c:
            row = c.execute(sa.select(t.c.holder, t.c.epoch).where(t.c.name == self.name)).first()
            if row is None:
                try:
                    with c.begin_nested():
                        c.execute(t.insert(), [{"name": self.name, "holder": self.holder, "epoch": 1,
                                                "expires_ns": expires}])
                except sa.exc.IntegrityError:
                    return False  # another process inserted it first
                epoch = 1
            else:
                new_epoch = row.epoch if row.holder == self.holder else row.epoch + 1
                done = c.execute(sa.update(t).where(
                    t.c.name == self.name, t.c.epoch == row.epoch,
                    sa.or_(t.c.holder == self.holder, t.c.expires_ns < now),
                ).values(holder=self.holder, epoch=new_epoch, expires_ns=expires))
                if done.rowcount != 1:
                    return False
                epoch = new_epoch
        self.epoch, self.expires_ns = epoch, expires
        self.ledger.fence = self.check
        return True

    def renew(self) -> None:
        """Extend the lease; raise :class:`LeaseLost` when another holder has it now."""
        if self.epoch is None:
            raise LeaseLost(f"lease {self.name!r} is not held")
        import sqlalchemy as sa

        from alphalab.live.schema import leases as t

        expires = self.clock.now_ns() + self.ttl_ns
        with self.ledger.engine.begin() as c:
            done = c.execute(sa.update(t).where(t.c.name == self.name, t.c.holder == self.holder,
                                                t.c.epoch == self.epoch).values(expires_ns=expires))
        if done.rowcount != 1:
            self._lose()
            raise LeaseLost(f"lease {self.name!r} was taken over; this process stops trading")
        self.expires_ns = expires

    def check(self, conn: Any) -> None:
        """Refuse a write (inside its transaction) unless this holder's epoch is the current one."""
        import sqlalchemy as sa

        from alphalab.live.schema import leases as t

        # FOR SHARE: a takeover (an UPDATE of this row) waits until this write commits or aborts,
        # so every committed write was made under the epoch it checked.
        q = sa.select(t.c.holder, t.c.epoch).where(t.c.name == self.name).with_for_update(read=True)
        row = conn.execute(q).first()
        if self.epoch is None or row is None or row.holder != self.holder or row.epoch != self.epoch:
            mine = "no lease" if self.epoch is None else f"lease epoch {self.epoch}"
            current = "no lease" if row is None else f"epoch {row.epoch}"
            self._lose()
            raise FencedError(f"write refused: this process holds {mine}, the database {current}")

    def ensure_valid(self, margin_s: float = 0.0) -> None:
        """Raise unless the lease, on this process's clock, has at least ``margin_s`` left."""
        if self.epoch is None or self.clock.now_ns() + round(margin_s * NS) >= self.expires_ns:
            raise LeaseLost(f"lease {self.name!r} has less than {margin_s:g} s left; no venue call is made")

    def release(self) -> None:
        """Give the lease up at once (a clean shutdown), so a standby need not wait for expiry."""
        import sqlalchemy as sa

        from alphalab.live.schema import leases as t

        if self.epoch is None:
            return
        with self.ledger.engine.begin() as c:
            c.execute(sa.update(t).where(t.c.name == self.name, t.c.holder == self.holder,
                                         t.c.epoch == self.epoch).values(expires_ns=0))
        self._lose()

    def _lose(self) -> None:
        # The fence stays on the ledger: a process that lost its lease writes nothing more.
        self.epoch = None
