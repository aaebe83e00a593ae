"""Machine learning without leakage: features (batch + incremental), fractional differentiation,
a point-in-time feature store, execution-aware labels, purged cross-validation and models.

``frac_diff`` and ``amihud`` are registered as indicators, so SDL strategies can use them
without importing this package.
"""
