"""``pairs_cointegration``: a two-leg mean-reversion strategy on one shared cash account.

Leg A (``ctx.symbols[0]``) is regressed on leg B by a Kalman filter; the z-score of the filter's
forecast error over the last ``z_window`` bars is the spread z-score. Entries require an Engle–Granger p-value below
``max_pvalue`` on the ``coint_window`` bars before the bar (retested every ``retest_every``
bars). Short the spread (sell A, buy hedge × B) above ``entry_z``, buy it below ``-entry_z``,
close both legs when the z-score comes back inside ``exit_z``. Decisions at the close of bar t
fill at the next open through the engine, which trades both legs.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from alphalab.quant import cointegration, pairs
from alphalab.strategies.api import Context, Param, Strategy


class PairsCointegration(Strategy):
    """Kalman-hedged pairs trade gated by a rolling Engle–Granger test."""

    id = "pairs_cointegration"
    name = "Pairs (cointegration, Kalman hedge)"
    parameters: ClassVar[dict[str, Param]] = {
        "entry_z": Param("float", 2.0, min=0.5, max=4.0, step=0.25, description="z-score that opens a trade"),
        "exit_z": Param("float", 0.5, min=0.0, max=2.0, step=0.25, description="z-score that closes it"),
        "delta": Param("float", 1e-4, min=1e-7, max=0.1, description="Kalman state noise"),
        "obs_var": Param("float", 1.0, min=1e-6, max=1e3, description="Kalman observation noise"),
        "z_window": Param("int", 60, min=10, max=500, step=10, description="bars in the spread z-score"),
        "coint_window": Param("int", 250, min=50, max=2000, step=50, description="bars in the cointegration test"),
        "retest_every": Param("int", 20, min=1, max=500, description="bars between cointegration tests"),
        "max_pvalue": Param("float", 0.10, min=0.0, max=1.0, description="entry gate on the test p-value"),
        "fraction": Param("float", 0.5, min=0.01, max=1.0, description="gross exposure per trade / equity"),
    }

    def __init__(self, params: Any = None) -> None:
        super().__init__(params)
        self._pvalue = math.nan

    def _gate(self, ctx: Context, a: Any, b: Any) -> bool:
        p, n = self.params, ctx.bar_index
        if n >= p["coint_window"] and (n - p["coint_window"]) % p["retest_every"] == 0:
            res = cointegration.engle_granger(a[n - p["coint_window"] : n], b[n - p["coint_window"] : n])
            self._pvalue = res.pvalue
        return self._pvalue < p["max_pvalue"]

    def on_bar(self, ctx: Context) -> None:
        if len(ctx.symbols) != 2:
            return
        close = ctx.data["close"]
        a, b = close[:, 0], close[:, 1]
        if ctx.bar_index < self.params["coint_window"] or math.isnan(a[-1]) or math.isnan(b[-1]):
            return
        kal = pairs.kalman_hedge_ratio(a, b, self.params["delta"], self.params["obs_var"])
        hedge = float(kal[-1, 0])
        z = float(pairs.rolling_zscore(kal[-self.params["z_window"] :, 2], self.params["z_window"])[-1])
        if math.isnan(z):
            return
        sym_a, sym_b = ctx.symbols
        held = ctx.position(sym_a)
        if held != 0:
            if abs(z) < self.params["exit_z"] or (held > 0 and z > 0) or (held < 0 and z < 0):
                ctx.close(sym_a)
                ctx.close(sym_b)
            return
        if not self._gate(ctx, a, b) or hedge <= 0 or abs(z) < self.params["entry_z"]:
            return
        qty = self.params["fraction"] * ctx.equity / (a[-1] + hedge * b[-1])
        if z > 0:  # spread rich: sell A, buy B
            ctx.sell(sym_a, quantity=qty, tag="pair")
            ctx.buy(sym_b, quantity=qty * hedge, tag="pair")
        else:
            ctx.buy(sym_a, quantity=qty, tag="pair")
            ctx.sell(sym_b, quantity=qty * hedge, tag="pair")
