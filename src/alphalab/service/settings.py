"""Settings of the operator service, checked before anything listens."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alphalab.core.errors import ConfigError

# Secrets nobody may run with: empty, the documented example, or obvious placeholders.
_DEFAULT_SECRETS = frozenset({"", "changeme", "change-me", "secret", "default", "alphalab", "example-secret"})
MIN_SECRET_LEN = 32
SECRET_ENV = "ALPHALAB_SERVICE_SECRET"


@dataclass(frozen=True)
class ServiceSettings:
    """What the service needs: where the ledger and home are, how tokens are signed, where it binds.

    ``secret`` signs access and refresh tokens (HS256); it must be at least 32 characters and
    not a known default. ``host`` is loopback unless told otherwise.
    """

    secret: str
    ledger_url: str
    home: Path
    host: str = "127.0.0.1"
    port: int = 8765
    access_ttl_s: int = 900
    refresh_ttl_s: int = 8 * 3600
    poll_interval_s: float = 0.5
    feed_stale_s: float = 300.0
    replay_buffer: int = 1000
    mappings_dir: Path | None = None
    argon2_time_cost: int = 3  # argon2-cffi's defaults (RFC 9106 low-memory profile)
    argon2_memory_kib: int = 65536

    def __post_init__(self) -> None:
        check_secret(self.secret)
        if self.access_ttl_s <= 0 or self.refresh_ttl_s <= self.access_ttl_s:
            raise ConfigError("service token lifetimes: access must be > 0 s and refresh longer than access",
                              hint="e.g. access 900 s, refresh 28800 s")
        if not 0 < self.port < 65536:
            raise ConfigError(f"service port {self.port} is not a TCP port", hint="use 1..65535, e.g. 8765")

    @property
    def mappings(self) -> Path:
        return self.mappings_dir if self.mappings_dir is not None else self.home / "mappings"

    @property
    def results(self) -> Path:
        return self.home / "results"


def check_secret(secret: str | None) -> None:
    """Refuse an empty, default or short signing secret."""
    if secret is None or secret.strip().lower() in _DEFAULT_SECRETS:
        raise ConfigError(f"the service refuses to start with an empty or default secret (${SECRET_ENV})",
                          hint=f"set {SECRET_ENV} to a random value, e.g. `python -c 'import secrets; "
                               f"print(secrets.token_urlsafe(48))'`")
    if len(secret) < MIN_SECRET_LEN:
        raise ConfigError(f"the service secret (${SECRET_ENV}) is {len(secret)} characters; "
                          f"at least {MIN_SECRET_LEN} are needed",
                          hint="generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")


def secret_from_env() -> str:
    return os.environ.get(SECRET_ENV, "")
