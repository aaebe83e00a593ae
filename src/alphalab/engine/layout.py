"""Column layouts of the engine's state arrays, shared by the fast path and the event-driven path.

The simulation state is a handful of float64 arrays whose columns are named by the integer
constants below (numba treats module-level integers as compile-time constants). Keeping the layout
in one place is what lets both paths call the very same jitted rule functions.
"""

from __future__ import annotations

# --- position state, one row per column (asset) of the run: pos[a, P_*] ---------------------
P_QTY = 0  # signed quantity (> 0 long, < 0 short)
P_PRICE = 1  # average entry price (after slippage)
P_BAR = 2  # bar index of the (first) entry fill
P_FEES = 3  # entry fees not yet attributed to a closed trade
P_SLIP = 4  # entry slippage cost not yet attributed to a closed trade
P_SL = 5  # stop-loss price level (NaN: none)
P_TP = 6  # take-profit price level (NaN: none)
P_TRTYPE = 7  # trailing stop: 0 none, 1 percent, 2 absolute distance
P_TRVAL = 8  # trailing stop fraction or distance
P_EXT = 9  # best extreme of the bars before the current one (highest high long, lowest low short)
P_LOW = 10  # lowest price seen while open (MAE/MFE)
P_HIGH = 11  # highest price seen while open (MAE/MFE)
P_RISK = 12  # initial risk per unit |entry - initial stop| (NaN without a stop)
P_TSTOP = 13  # time stop in bars (0: none)
P_N = 14  # number of entries (pyramiding)
P_CFG = 15  # configuration index that opened the position
P_ATCLOSE = 16  # 1 when the entry filled at the close of bar P_BAR
P_MARK = 17  # last valid close (mark price)
P_KN = 18  # number of closed trades pushed to the Kelly ring of this column
P_SIG = 19  # signal bar of the entry (regime label lookup)
NPOS = 20

# --- pending market orders decided at a close: pend[a, Q_*] --------------------------------
Q_EXIT = 0  # exit reason code to execute (-1: none)
Q_SIDE = 1  # entry side to execute (+1 / -1; 0: none)
Q_SIG = 2  # bar whose data produced the entry decision
Q_CFG = 3  # configuration index of the pending entry
NPEND = 4

# --- entry rules (sizing and exits), read at the signal bar: prm[R_*] -----------------------
R_SL_TYPE = 0  # 0 none, 1 percent, 2 ATR multiple, 3 absolute price
R_SL_VAL = 1
R_TP_TYPE = 2  # 0 none, 1 percent, 2 R multiple, 3 absolute price
R_TP_VAL = 3
R_TR_TYPE = 4  # 0 none, 1 percent, 2 ATR multiple
R_TR_VAL = 5
R_TSTOP = 6  # bars (0: none)
R_SIZE_TYPE = 7  # 0 fixed fraction, 1 risk per trade, 2 fixed quantity, 3 fixed notional, 4 kelly
R_SIZE_VAL = 8  # fraction, risk, quantity, notional, or kelly multiplier
R_KCAP = 9  # cap: kelly fraction cap, or the notional cap of risk-per-trade (fraction of equity)
R_KLOOK = 10  # kelly lookback (closed trades)
R_OPP = 11  # 1: an opposite entry signal closes (and reverses) the position
NPARAM = 12

SL_NONE, SL_PCT, SL_ATR, SL_ABS = 0, 1, 2, 3
TP_NONE, TP_PCT, TP_R, TP_ABS = 0, 1, 2, 3
SIZE_FRACTION, SIZE_RISK, SIZE_QTY, SIZE_NOTIONAL, SIZE_KELLY = 0, 1, 2, 3, 4

# --- costs: costs[C_*] ----------------------------------------------------------------------
C_FEE = 0  # taker fee rate (fraction of notional)
C_MAKER = 1  # maker fee rate (limit fills)
C_FIXED = 2  # fixed fee per order (quote currency)
C_SLIP_TYPE = 3  # 0 bps, 1 ATR fraction, 2 range fraction, 3 volume impact
C_SLIP_VAL = 4
C_PCAP = 5  # participation cap (fraction of the reference bar's volume)
C_IMPACT = 6  # square-root impact coefficient
NCOST = 7
SLIP_BPS, SLIP_ATR, SLIP_RANGE, SLIP_VOLUME = 0, 1, 2, 3

# --- run settings: settings[S_*] ------------------------------------------------------------
S_FILL_CLOSE = 0  # 1: market orders fill at the signal bar's close
S_ALLOW_SHORT = 1
S_LEVERAGE = 2
S_PYRAMID = 3  # maximum entries per position (1: pyramiding off)
S_TARGET_FIRST = 4  # 1: target wins when stop and target are touched in one bar
S_KELLY_MIN = 5  # closed trades needed before Kelly sizing is used
S_KELLY_FALLBACK = 6  # fraction of equity used until then
NSET = 7

# --- account state per cash group: acct[g, A_*] ----------------------------------------------
A_CASH = 0
A_VAL = 1  # signed marked value of the group's positions
A_GROSS = 2  # gross marked value of the group's positions
NACCT = 3

# --- instrument constraints per column: inst[a, I_*] -----------------------------------------
I_LOT = 0
I_MIN_NOTIONAL = 1
NINST = 2

# --- records --------------------------------------------------------------------------------
TR_COL, TR_SIDE, TR_ENTRY_BAR, TR_EXIT_BAR, TR_ENTRY_PRICE, TR_EXIT_PRICE, TR_QTY = 0, 1, 2, 3, 4, 5, 6
TR_FEES, TR_SLIP, TR_PNL, TR_RET, TR_R, TR_MAE, TR_MFE, TR_REASON, TR_CFG, TR_SIG = (
    7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
)
NTR = 17

O_BAR, O_SIG, O_COL, O_SIDE, O_TYPE, O_REQ, O_QTY, O_PRICE, O_FEE, O_SLIP, O_STATUS, O_REASON = range(12)
NOR = 12
STATUS_FILLED, STATUS_PARTIAL, STATUS_REJECTED = 0, 1, 2

N_TRADES, N_ORDERS, OVERFLOW = 0, 1, 2
KMAX = 256  # size of the per-column ring of closed-trade returns used by Kelly sizing


def _guard() -> None:
    from alphalab.engine._cache_guard import ensure_fresh_cache

    ensure_fresh_cache()


_guard()
