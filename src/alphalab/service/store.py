"""The service's own tables in the bot's database: users, API keys and the audit trail of control actions.

They live beside the ledger's tables (same engine, so SQLite and PostgreSQL alike) but in their own
metadata, created on open: the ledger's alembic history is not touched. Passwords are argon2
hashes; an API key is shown once and stored as its SHA-256 (a key is a 256-bit random token, so a
fast hash is enough and lookups stay constant-time-comparable).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from alphalab.core.errors import ConfigError

ROLES = ("viewer", "trader", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
KEY_PREFIX = "alk"

metadata = sa.MetaData()
users = sa.Table(
    "service_users", metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_ns", sa.BigInteger, nullable=False),
)
api_keys = sa.Table(
    "service_api_keys", metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("username", sa.String(100), sa.ForeignKey("service_users.username"), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("label", sa.String(200), nullable=False, default=""),
    sa.Column("created_ns", sa.BigInteger, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)
audit = sa.Table(
    "service_audit", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("t_ns", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default="{}"),
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (by password/JWT) or an API key, with its role."""

    username: str
    role: str
    via: str  # "token" or "key:<id>"

    def allows(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


def _hasher(time_cost: int, memory_kib: int) -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _check_role(role: str) -> None:
    if role not in RANK:
        raise ConfigError(f"role {role!r} is not known", hint=f"use one of {', '.join(ROLES)}")


class ServiceStore:
    """Users, API keys and audit rows on one SQLAlchemy engine."""

    def __init__(self, engine: sa.Engine, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self.engine = engine
        metadata.create_all(engine, checkfirst=True)
        self._ph = _hasher(time_cost, memory_kib)
        self._dummy_hash = self._ph.hash(secrets.token_urlsafe(16))

    # -- users --------------------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: str) -> None:
        _check_role(role)
        if not username or len(password) < 8:
            raise ConfigError(f"user {username!r}: a name and a password of at least 8 characters are needed")
        with self.engine.begin() as c:
            c.execute(sa.delete(users).where(users.c.username == username))
            c.execute(users.insert(), [{"username": username, "password_hash": self._ph.hash(password),
                                        "role": role, "created_ns": time.time_ns()}])

    def authenticate(self, username: str, password: str) -> Principal | None:
        from argon2.exceptions import VerificationError

        with self.engine.connect() as c:
            row = c.execute(sa.select(users).where(users.c.username == username)).mappings().first()
        try:
            # A missing user costs the same hash as a wrong password: no user enumeration by timing.
            self._ph.verify(row["password_hash"] if row else self._dummy_hash, password)
        except VerificationError:
            return None
        return Principal(row["username"], row["role"], "token") if row else None

    def user_role(self, username: str) -> str | None:
        with self.engine.connect() as c:
            return c.execute(sa.select(users.c.role).where(users.c.username == username)).scalar()

    # -- API keys -----------------------------------------------------------------------------
    def create_key(self, username: str, role: str, label: str = "") -> str:
        """Create a key no stronger than its owner's role; return the token (shown once)."""
        _check_role(role)
        owner = self.user_role(username)
        if owner is None or RANK[role] > RANK[owner]:
            raise ConfigError(f"user {username!r} cannot create a {role} key", hint="a key's role is at most its owner's")
        key_id, raw = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            c.execute(api_keys.insert(), [{"key_id": key_id, "digest": _digest(raw), "username": username,
                                           "role": role, "label": label, "created_ns": time.time_ns(),
                                           "revoked": False}])
        return f"{KEY_PREFIX}_{key_id}_{raw}"

    def revoke_key(self, key_id: str) -> bool:
        with self.engine.begin() as c:
            return c.execute(sa.update(api_keys).where(api_keys.c.key_id == key_id).values(revoked=True)).rowcount > 0

    def check_key(self, token: str) -> Principal | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return None
        with self.engine.connect() as c:
            row = c.execute(sa.select(api_keys).where(api_keys.c.key_id == parts[1])).mappings().first()
        if row is None or row["revoked"] or not hmac.compare_digest(row["digest"], _digest(parts[2])):
            return None
        owner = self.user_role(row["username"])
        if owner is None:
            return None
        role = row["role"] if RANK[row["role"]] <= RANK[owner] else owner
        return Principal(row["username"], role, f"key:{row['key_id']}")

    # -- audit --------------------------------------------------------------------------------
    def audit(self, actor: Principal | str, action: str, target: str, outcome: str, **detail: Any) -> None:
        name = actor if isinstance(actor, str) else f"{actor.username} ({actor.via})"
        with self.engine.begin() as c:
            c.execute(audit.insert(), [{"t_ns": time.time_ns(), "actor": name, "action": action, "target": target,
                                        "outcome": outcome, "detail": json.dumps(detail, sort_keys=True, default=str)}])

    def audit_rows(self, limit: int = 200) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            q = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
            return [{**r, "detail": json.loads(r["detail"])} for r in c.execute(q).mappings()]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
