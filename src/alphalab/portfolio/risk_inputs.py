"""Inputs of the risk commands: weighted asset returns, or a portfolio run's returns, weights and contributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError


def parse_weights(items: Sequence[str], symbols: Sequence[str]) -> dict[str, float]:
    """Parse ``SYM=W`` items; without any, weight the symbols equally."""
    if not items:
        if not symbols:
            raise ConfigError("name at least one symbol or weight", hint="e.g. --weight AAPL=0.6 --weight MSFT=0.4")
        return {s: 1.0 / len(symbols) for s in symbols}
    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ConfigError(f"cannot read {item!r} as SYMBOL=NUMBER", hint="e.g. AAPL=0.5 or AAPL=-0.3") from None
    return out


def closes(symbols: Sequence[str], timeframe: str = "1d", start: Any = None, end: Any = None) -> pd.DataFrame:
    """Return the close prices of ``symbols`` on one time axis."""
    from alphalab.data.loader import load_arrays

    bars = load_arrays(list(symbols), timeframe, start, end)
    return pd.DataFrame(bars.close, index=bars.index, columns=list(bars.symbols))


def weighted_returns(prices: pd.DataFrame, weights: Mapping[str, float]) -> tuple[pd.Series, pd.DataFrame]:
    """Return the portfolio return of fixed ``weights`` (rebalanced every bar) and each asset's contribution."""
    rets = prices[list(weights)].pct_change(fill_method=None).iloc[1:]
    contrib = rets.mul(pd.Series(weights), axis=1)
    contrib = contrib.dropna(how="any")
    return contrib.sum(axis=1).rename("return"), contrib


def portfolio_inputs(result: Any) -> tuple[pd.Series, pd.DataFrame, dict[str, float]]:
    """Return a portfolio run's returns, its mark-to-market contributions by sleeve, and its last weights.

    A sleeve's contribution at t is its books at t-1 times the price change to t, over the equity at
    t-1 (fills inside the bar are not attributed). The weights are the account's net positions per
    asset at the last bar before the end-of-data close, over equity.
    """
    equity = result.equity["equity"]
    ret = equity.pct_change().iloc[1:].rename("return")
    close = pd.DataFrame(result.run.bars.close, index=equity.index, columns=list(result.books.columns)).ffill()
    pnl = result.books.shift(1) * close.diff()
    by_sleeve = pnl.T.groupby(result.columns["sleeve"].reindex(pnl.columns).to_numpy(), sort=False).sum().T
    contrib = by_sleeve.div(equity.shift(1), axis=0).iloc[1:]
    last = -2 if len(equity) > 1 else -1
    price = close.T.groupby(result.columns["symbol"].reindex(close.columns).to_numpy(), sort=False).first().T
    value = result.net_positions.iloc[last] * price.iloc[last].reindex(result.net_positions.columns)
    weights = {str(k): float(v) for k, v in (value / float(equity.iloc[last])).items() if np.isfinite(v)}
    return ret, contrib, weights
