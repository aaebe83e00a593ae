"""One entry point for every detector: ``detect(frame, method="hmm"|"rule", **options)``."""

from __future__ import annotations

import pandas as pd
import pydantic

from alphalab.core.bars import ensure_barframe
from alphalab.core.errors import ConfigError, Problem, ValidationError
from alphalab.regimes.config import HMMConfig, RuleConfig


def make_config(method: str = "hmm", **options: object) -> HMMConfig | RuleConfig:
    """Return a validated detector configuration; unknown or invalid options raise ValidationError."""
    models: dict[str, type[HMMConfig] | type[RuleConfig]] = {"hmm": HMMConfig, "rule": RuleConfig}
    if method not in models:
        raise ConfigError(f"unknown regime method {method!r}", hint="choose hmm or rule")
    try:
        return models[method].model_validate({"method": method, **options})
    except pydantic.ValidationError as exc:
        problems = [
            Problem(".".join(str(p) for p in err["loc"]) or method, err["msg"]) for err in exc.errors()
        ]
        fields = ", ".join(f for f in models[method].model_fields if f != "method")
        raise ValidationError(
            f"invalid {method} regime settings", problems=problems, hint=f"valid {method} settings: {fields}"
        ) from None


def detect_with(frame: pd.DataFrame, config: HMMConfig | RuleConfig) -> pd.Series:
    """Return the causal regime labels of ``frame`` under a detector configuration."""
    frame = ensure_barframe(frame)
    if isinstance(config, HMMConfig):
        from alphalab.regimes.hmm import detect_hmm

        return detect_hmm(frame, config).labels
    from alphalab.regimes.rules import detect_rule

    return detect_rule(frame, config)


def detect(frame: pd.DataFrame, method: str = "hmm", **options: object) -> pd.Series:
    """Label every bar of a BarFrame with a market regime, causally.

    Parameters
    ----------
    frame
        A BarFrame (UTC index, OHLCV columns).
    method
        ``"hmm"`` (Gaussian HMM, forward-filtered, refitted on a schedule) or ``"rule"``
        (trend strength x volatility percentile).
    **options
        Fields of :class:`HMMConfig` or :class:`RuleConfig`.

    Returns
    -------
    pd.Series
        One label per bar (``bull``, ``bear``, ``high_vol_chop``, ``low_vol_chop``, ``""`` while
        unknown), named ``regime``. The label at bar t uses bars up to t only.
    """
    return detect_with(frame, make_config(method, **options))
