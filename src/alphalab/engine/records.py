"""Turn the kernel's raw record arrays into the canonical trade log, the order log and curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alphalab.core.enums import ExitReason, OrderType
from alphalab.core.records import TRADE_COLUMNS
from alphalab.engine import layout as L

_REASONS = {int(r): r.label for r in ExitReason}
_KINDS = {int(k): k.name.lower() for k in OrderType}
_STATUS = {L.STATUS_FILLED: "filled", L.STATUS_PARTIAL: "partial", L.STATUS_REJECTED: "rejected"}
ORDER_COLUMNS = (
    "time", "signal_time", "symbol", "side", "type", "requested", "quantity", "price", "fee", "slippage",
    "status", "purpose",
)
FILL_COLUMNS = ("time", "symbol", "side", "quantity", "price", "fee", "slippage", "purpose")


def trades_frame(
    raw: np.ndarray, index: pd.DatetimeIndex, symbols: Sequence[str], *, strategy_id: str, strategy_name: str,
    timeframe: str, regimes: np.ndarray | None = None, close: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the trade log (exactly ``TRADE_COLUMNS``) from raw trade records (layout ``TR_*``).

    With ``close`` (time × asset), ``bars_held`` counts the symbol's own bars (rows where it has a
    close) after the entry bar up to the exit bar, so rows added by other symbols' calendars do not
    count; without it, rows of the index.
    """
    n = raw.shape[0]
    cols = raw[:, L.TR_COL].astype(np.int64)
    entry_bar = raw[:, L.TR_ENTRY_BAR].astype(np.int64)
    exit_bar = raw[:, L.TR_EXIT_BAR].astype(np.int64)
    regime = [""] * n
    if regimes is not None and n:
        sig = raw[:, L.TR_SIG].astype(np.int64)
        regime = [str(regimes[s, c]) if regimes[s, c] is not None else "" for s, c in zip(sig, cols, strict=True)]
    sym = np.asarray(symbols, dtype=object)
    df = pd.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "strategy_id": [strategy_id] * n,
            "strategy_name": [strategy_name] * n,
            "symbol": sym[cols] if n else np.array([], dtype=object),
            "timeframe": [timeframe] * n,
            "side": np.where(raw[:, L.TR_SIDE] > 0, "long", "short").astype(object),
            "entry_time": index[entry_bar],
            "exit_time": index[exit_bar],
            "entry_price": raw[:, L.TR_ENTRY_PRICE],
            "exit_price": raw[:, L.TR_EXIT_PRICE],
            "quantity": raw[:, L.TR_QTY],
            "fees": raw[:, L.TR_FEES],
            "slippage": raw[:, L.TR_SLIP],
            "pnl": raw[:, L.TR_PNL],
            "return_pct": raw[:, L.TR_RET],
            "pnl_r": raw[:, L.TR_R],
            "mae": raw[:, L.TR_MAE],
            "mfe": raw[:, L.TR_MFE],
            "bars_held": _bars_held(entry_bar, exit_bar, cols, close),
            "exit_reason": [_REASONS[int(x)] for x in raw[:, L.TR_REASON]],
            "regime": regime,
        }
    )
    return df.loc[:, list(TRADE_COLUMNS)]


def _bars_held(entry_bar: np.ndarray, exit_bar: np.ndarray, cols: np.ndarray, close: np.ndarray | None) -> np.ndarray:
    if close is None or not entry_bar.size:
        return exit_bar - entry_bar
    own = np.cumsum(~np.isnan(close), axis=0)  # own bars up to and including each row
    return own[exit_bar, cols] - own[entry_bar, cols]


def orders_frame(raw: np.ndarray, index: pd.DatetimeIndex, symbols: Sequence[str]) -> pd.DataFrame:
    """Return the order log (every order, filled or rejected) from raw order records (layout ``O_*``)."""
    sym = np.asarray(symbols, dtype=object)
    cols = raw[:, L.O_COL].astype(np.int64)
    reason = raw[:, L.O_REASON].astype(np.int64)
    df = pd.DataFrame(
        {
            "time": index[raw[:, L.O_BAR].astype(np.int64)],
            "signal_time": index[raw[:, L.O_SIG].astype(np.int64)],
            "symbol": sym[cols] if len(cols) else np.array([], dtype=object),
            "side": np.where(raw[:, L.O_SIDE] > 0, "buy", "sell").astype(object),
            "type": [_KINDS[int(k)] for k in raw[:, L.O_TYPE]],
            "requested": raw[:, L.O_REQ],
            "quantity": raw[:, L.O_QTY],
            "price": raw[:, L.O_PRICE],
            "fee": raw[:, L.O_FEE],
            "slippage": raw[:, L.O_SLIP],
            "status": [_STATUS[int(s)] for s in raw[:, L.O_STATUS]],
            "purpose": ["entry" if r < 0 else _REASONS[int(r)] for r in reason],
        }
    )
    return df.loc[:, list(ORDER_COLUMNS)]


def fills_frame(orders: pd.DataFrame) -> pd.DataFrame:
    """Return the fills: the orders that traded a positive quantity."""
    return orders.loc[orders["quantity"] > 0, list(FILL_COLUMNS)].reset_index(drop=True)


def equity_frame(eq: np.ndarray, cash: np.ndarray, gross: np.ndarray, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Return the equity curve of one cash group: equity, cash and exposure (gross value / equity)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        exposure = np.where(eq > 0, gross / eq, np.nan)
    return pd.DataFrame({"equity": eq, "cash": cash, "exposure": exposure}, index=index)
