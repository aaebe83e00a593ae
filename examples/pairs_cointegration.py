"""Pairs trading on two bundled stocks: test cointegration, then trade the Kalman-hedged spread.

Run it with ``python examples/pairs_cointegration.py`` (offline). Both legs trade through the
engine on one cash account; decisions at a close fill at the next open.
"""

from __future__ import annotations

import pandas as pd

import alphalab as al
from alphalab.quant import cointegration, pairs
from alphalab.quant.pairs_strategy import PairsCointegration

PAIR = ["sample:GOOG", "sample:MSFT"]


def main() -> None:
    closes = pd.concat([al.load(s)["close"] for s in PAIR], axis=1, join="inner").dropna()
    a, b = closes.iloc[:, 0].to_numpy(), closes.iloc[:, 1].to_numpy()
    eg = cointegration.engle_granger(a, b)
    print(f"Engle-Granger on the whole history: stat {eg.stat:.2f}, p-value {eg.pvalue:.3f}, hedge {eg.hedge:.2f}")
    print("Johansen rank (95 %):", cointegration.johansen(closes.to_numpy()).rank())
    kal = pairs.kalman_hedge_ratio(a, b, delta=1e-4, obs_var=1.0)
    print(f"Kalman hedge now: {kal[-1, 0]:.2f}; spread half-life {pairs.half_life(kal[250:, 2]):.1f} bars")
    run = al.backtest(PairsCointegration, PAIR, start="2004-09-01", fee_bps=5, slippage_bps=5, max_pvalue=0.2)
    print(run)
    print(run.trades[["symbol", "side", "entry_time", "exit_time", "quantity", "pnl"]].head(10))


if __name__ == "__main__":
    main()
