"""Real venues behind the venue port: CCXT exchanges (Binance spot first), with credentials and rate limits."""

from alphalab.live.venues.credentials import Credentials, CredentialsError
from alphalab.live.venues.ratelimit import TokenBucket

__all__ = ["Credentials", "CredentialsError", "TokenBucket"]
