"""A Python strategy, optimised over its typed parameters, then checked out of sample.

The strategy trades a channel breakout with a trend filter. Its ``Param`` ranges are the search
space; every trial runs through the event-driven engine. Run it with
``python examples/python_strategy_optimize.py`` (offline).
"""

from __future__ import annotations

from typing import ClassVar

import alphalab as al


class TrendBreakout(al.Strategy):
    """Go long on a close above the last ``n`` closes while above the ``trend`` mean; leave below the low."""

    id = "trend_breakout_example"
    name = "Trend breakout (example)"
    parameters: ClassVar[dict[str, al.Param]] = {
        "n": al.Param("int", 20, min=10, max=40, step=10, description="breakout channel in bars"),
        "trend": al.Param("int", 100, min=50, max=150, step=50, description="trend filter mean in bars"),
    }

    def on_bar(self, ctx) -> None:  # type: ignore[no-untyped-def]
        close = ctx.data["close"][:, 0]  # closes so far; nothing after the current bar
        n, trend = self.params["n"], self.params["trend"]
        if len(close) <= max(n, trend):
            return
        symbol = ctx.symbols[0]
        window = close[-n - 1:-1]
        if ctx.position(symbol) == 0:
            if close[-1] > window.max() and close[-1] > close[-trend:].mean():
                ctx.enter(symbol, 1)  # long, sized by the run's entry rules
        elif close[-1] < window.min():
            ctx.close(symbol)


def main() -> None:
    search = dict(start="2000-01-01", end="2009-01-01", fee_bps=5, slippage_bps=5)
    opt = al.optimize(TrendBreakout, "sample:MSFT", progress=False, **search)
    print(opt)
    print(opt.trials[["p_n", "p_trend", "m_sharpe", "m_trades"]].sort_values("m_sharpe", ascending=False).head())
    # a deflated Sharpe ratio far below 0.95 says the best in-sample result is not evidence of an edge
    print("deflated Sharpe ratio:", round(opt.overfitting["dsr"], 3),
          "probability of backtest overfitting:", round(opt.overfitting["pbo"], 3))

    # the selected parameters on the years the search never saw
    oos = al.backtest(TrendBreakout, "sample:MSFT", start="2009-01-01", fee_bps=5, slippage_bps=5,
                      **opt.best_params)
    print("out of sample:", oos)


if __name__ == "__main__":
    main()
