"""Statistical models: cointegration and pairs, GARCH-family volatility, HAR-RV, ARIMA/SARIMAX.

Every model that serves a bar is fitted only on data available before (or at the close of) that
bar, on a stated refit schedule. ``garch_vol`` is registered as an indicator, so SDL strategies
can use it without importing this package.
"""
