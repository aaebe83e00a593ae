"""Numba kernels of the quant models: rolling OLS and Kalman hedge ratios, GARCH-family filters.

NumPy arrays in, NumPy arrays out; validation happens in the callers (:mod:`alphalab.quant.pairs`,
:mod:`alphalab.quant.garch`). NaN rows are skipped: a kernel sees only the valid observations.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SQRT2_OV_PI = math.sqrt(2.0 / math.pi)
KIND_GARCH = 0
KIND_GJR = 1
KIND_EGARCH = 2


@njit(cache=True)
def rolling_ols_nb(y: np.ndarray, x: np.ndarray, window: int, beta: np.ndarray, alpha: np.ndarray) -> None:
    """Fill ``beta``/``alpha`` with the OLS slope and intercept of y on x over the last ``window`` rows.

    The window ends at (and includes) each row, so the value at t uses rows up to t only.
    Sums are recomputed per row on the window (O(window)), which keeps them exact to rounding.
    """
    n = y.shape[0]
    for t in range(n):
        beta[t] = np.nan
        alpha[t] = np.nan
        if t + 1 < window:
            continue
        mx = 0.0
        my = 0.0
        for i in range(t + 1 - window, t + 1):
            mx += x[i]
            my += y[i]
        mx /= window
        my /= window
        sxy = 0.0
        sxx = 0.0
        for i in range(t + 1 - window, t + 1):
            dx = x[i] - mx
            sxy += dx * (y[i] - my)
            sxx += dx * dx
        if sxx > 0.0:
            beta[t] = sxy / sxx
            alpha[t] = my - beta[t] * mx


@njit(cache=True)
def kalman_hedge_nb(
    y: np.ndarray, x: np.ndarray, delta: float, obs_var: float, out: np.ndarray
) -> None:
    """Kalman filter of the state [hedge, intercept] in ``y_t = hedge_t * x_t + intercept_t + v_t``.

    The state is a random walk with covariance ``delta / (1 - delta) * I``; ``v_t`` has variance
    ``obs_var``. The prior is zero with a zero covariance, as in the classic pairs formulation.
    ``out`` (n, 4) receives per row: filtered hedge, filtered intercept, the one-step forecast
    error ``e_t`` (made before y_t is seen) and its standard deviation ``sqrt(Q_t)``.
    """
    n = y.shape[0]
    wq = delta / (1.0 - delta)
    b0 = 0.0
    b1 = 0.0
    p00 = 0.0
    p01 = 0.0
    p11 = 0.0
    for t in range(n):
        # predict: R = P + Vw
        r00 = p00 + wq
        r01 = p01
        r11 = p11 + wq
        xt = x[t]
        yhat = b0 * xt + b1
        # F = [x, 1]; Q = F R F' + Ve
        rf0 = r00 * xt + r01
        rf1 = r01 * xt + r11
        q = xt * rf0 + rf1 + obs_var
        e = y[t] - yhat
        k0 = rf0 / q
        k1 = rf1 / q
        b0 = b0 + k0 * e
        b1 = b1 + k1 * e
        p00 = r00 - k0 * rf0
        p01 = r01 - k0 * rf1
        p11 = r11 - k1 * rf1
        out[t, 0] = b0
        out[t, 1] = b1
        out[t, 2] = e
        out[t, 3] = math.sqrt(q)


@njit(cache=True)
def garch_next_nb(kind: int, params: np.ndarray, eps: float, state: float) -> float:
    """Return the next state from residual ``eps`` and the current state.

    The state is the conditional variance for GARCH/GJR and its log for EGARCH;
    ``params`` is (mu, omega, alpha, gamma, beta) with gamma 0 for plain GARCH.
    """
    omega = params[1]
    alpha = params[2]
    gamma = params[3]
    beta = params[4]
    if kind == KIND_EGARCH:
        z = eps / math.sqrt(math.exp(state))
        return omega + alpha * (abs(z) - SQRT2_OV_PI) + gamma * z + beta * state
    e2 = eps * eps
    neg = 1.0 if eps < 0.0 else 0.0
    return omega + alpha * e2 + gamma * e2 * neg + beta * state


@njit(cache=True)
def garch_path_nb(kind: int, params: np.ndarray, backcast: float, r: np.ndarray, out: np.ndarray) -> float:
    """Filter returns ``r`` and fill ``out[i]`` with the variance forecast for row i+1 made at row i.

    The recursion starts from ``backcast`` as ``arch`` does (its log for EGARCH, half of it for
    the first asymmetric GJR term). Return the final state, which continues with :func:`garch_next_nb`.
    """
    mu = params[0]
    n = r.shape[0]
    if kind == KIND_EGARCH:
        state = params[1] + params[4] * backcast
    else:
        state = params[1] + (params[2] + 0.5 * params[3] + params[4]) * backcast
    for i in range(n):
        state = garch_next_nb(kind, params, r[i] - mu, state)
        out[i] = math.exp(state) if kind == KIND_EGARCH else state
    return state
