"""``portfolio optimize``: each sleeve's stand-alone returns, then weights by the portfolio's allocation method."""

from __future__ import annotations

from typing import Any

import pandas as pd

from alphalab.core.bars import BarArrays
from alphalab.portfolio.allocate import Allocation, allocate, correlation_warnings, weight_schedule
from alphalab.portfolio.backtest import run_portfolio
from alphalab.portfolio.spec import PortfolioSpec, RiskLimits


def sleeve_returns(spec: PortfolioSpec, data: BarArrays) -> pd.DataFrame:
    """Return each sleeve's per-bar returns when it trades the whole capital alone, with no limits."""
    cols: dict[str, pd.Series] = {}
    for sleeve in spec.sleeves:
        alone = spec.model_copy(update={"sleeves": [sleeve.model_copy(update={"allocation": 1.0})],
                                        "risk": RiskLimits.none(),
                                        "allocation": spec.allocation.model_copy(update={"method": "static"})})
        eq = run_portfolio(alone, data).equity["equity"]
        cols[sleeve.id] = eq.pct_change()
    return pd.DataFrame(cols).iloc[1:]


def optimize_portfolio(spec: PortfolioSpec, data: BarArrays) -> dict[str, Any]:
    """Return the weights for the next bar (from the last ``lookback_bars`` returns) and the rebalance history."""
    rets = sleeve_returns(spec, data)
    static = {s.id: float(s.allocation or 0.0) for s in spec.sleeves}
    latest: Allocation = allocate(rets.iloc[-spec.allocation.lookback_bars:], spec.allocation, static)
    _schedule, allocations = weight_schedule(rets, spec.allocation, static)
    history = [{"time": str(rets.index[t]), "method": a.method, "fallback_reason": a.fallback_reason, **a.weights}
               for t, a in allocations]
    return {"method": latest.method, "requested": latest.requested, "fallback_reason": latest.fallback_reason,
            "weights": latest.weights, "lookback_bars": spec.allocation.lookback_bars,
            "rebalance": spec.allocation.rebalance, "history": history,
            "correlation": rets.corr().round(6).to_dict(),
            "correlation_warnings": correlation_warnings(rets, spec.allocation.correlation_window,
                                                         spec.allocation.correlation_warning).astype(
                                                             {"time": str}).to_dict("records")}

