"""API credentials from environment variables or a file only its owner can read.

The key and secret never appear in ``repr``/``str``, in exception messages or in logs: an
object holding them prints as ``Credentials(<venue>, key=…abcd)`` (the last four characters of
the key, never of the secret), and :meth:`Credentials.scrub` removes both from any text.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from alphalab.core.errors import ConfigError


class CredentialsError(ConfigError):
    """Credentials are missing, malformed, or stored where others can read them."""


class Credentials:
    """An API key and secret for one venue."""

    __slots__ = ("_key", "_secret", "venue")

    def __init__(self, venue: str, api_key: str, secret: str) -> None:
        if not api_key or not secret:
            raise CredentialsError(f"credentials for {venue} need both an API key and a secret",
                                   hint="set both variables or both fields of the credentials file")
        self.venue = venue
        self._key = api_key
        self._secret = secret

    @property
    def api_key(self) -> str:
        return self._key

    @property
    def secret(self) -> str:
        return self._secret

    def __repr__(self) -> str:
        return f"Credentials({self.venue}, key=…{self._key[-4:] if len(self._key) >= 12 else ''})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:  # pickling would write the secret out
        raise TypeError("credentials cannot be pickled")

    def scrub(self, text: str) -> str:
        """Return ``text`` with the key and the secret replaced by ``***``."""
        for s in (self._secret, self._key):
            text = text.replace(s, "***")
        return text

    @classmethod
    def from_env(cls, venue: str, env: dict[str, str] | None = None) -> Credentials:
        """Read ``ALPHALAB_<VENUE>_API_KEY`` and ``ALPHALAB_<VENUE>_API_SECRET``."""
        env = dict(os.environ) if env is None else env
        prefix = f"ALPHALAB_{venue.upper()}_"
        key, secret = env.get(prefix + "API_KEY", ""), env.get(prefix + "API_SECRET", "")
        if not key or not secret:
            raise CredentialsError(f"no credentials for {venue}: {prefix}API_KEY and {prefix}API_SECRET are not both set",
                                   hint="export both variables, or use a credentials file (chmod 600)")
        return cls(venue, key, secret)

    @classmethod
    def from_file(cls, venue: str, path: str | Path) -> Credentials:
        """Read ``{"<venue>": {"api_key": ..., "secret": ...}}`` from a JSON file of mode 0600 (or stricter)."""
        p = Path(path)
        try:
            mode = p.stat().st_mode
        except FileNotFoundError:
            raise CredentialsError(f"credentials file {p} does not exist", hint="create it with chmod 600") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsError(f"credentials file {p} is readable by others (mode {stat.S_IMODE(mode):o})",
                                   hint=f"chmod 600 {p}")
        try:
            entry = json.loads(p.read_text(encoding="utf-8"))[venue]
            return cls(venue, str(entry["api_key"]), str(entry["secret"]))
        except (ValueError, KeyError, TypeError):
            raise CredentialsError(f"credentials file {p} has no valid entry for {venue}",
                                   hint=f'expected {{"{venue}": {{"api_key": "...", "secret": "..."}}}}') from None
