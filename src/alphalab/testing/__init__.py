"""Reusable fakes and builders for users' own tests (bar builder, regime-switching series, a fake evaluator)."""
