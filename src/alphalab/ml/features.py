"""Feature definitions and their two runners: batch over history, incremental per bar for live.

A :class:`FeatureSet` is a list of typed feature specs (parsed from JSON-like dicts, unknown fields
rejected). Each feature may refer to features defined before it. Kinds:

- ``indicator``: any registry indicator output (``rsi``, ``frac_diff``, ``garch_vol`` ...);
- ``condition``: a rule condition as a 0/1 feature ("RSI says overbought"): ``left op right``
  where ``left`` is a feature and ``right`` a number or a feature; NaN when a side is NaN;
- ``return``: ``ln(close_t / close_{t-periods})`` over valid bars;
- ``lag``: another feature ``lag`` rows back;
- ``time``: hour, minute, weekday, month of the bar's open time (UTC).

:func:`compute_features` (batch) and :class:`FeatureStream` (incremental) run the same definition;
``tests/unit/ml/test_ml_features.py`` proves they agree bar for bar.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from alphalab.core.errors import ConfigError
from alphalab.indicators import compute, get

NAN = math.nan
FIELDS = ("open", "high", "low", "close", "volume")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)


class IndicatorFeature(_Spec):
    kind: Literal["indicator"] = "indicator"
    indicator: str
    output: str = "value"
    params: dict[str, int | float | str] = Field(default_factory=dict)


class ConditionFeature(_Spec):
    kind: Literal["condition"] = "condition"
    left: str
    op: Literal[">", "<", ">=", "<="]
    right: float | str


class ReturnFeature(_Spec):
    kind: Literal["return"] = "return"
    periods: int = Field(1, ge=1, le=100_000)


class LagFeature(_Spec):
    kind: Literal["lag"] = "lag"
    of: str
    lag: int = Field(1, ge=1, le=100_000)


class TimeFeature(_Spec):
    kind: Literal["time"] = "time"
    part: Literal["hour", "minute", "weekday", "month"]


FeatureSpec = Annotated[
    IndicatorFeature | ConditionFeature | ReturnFeature | LagFeature | TimeFeature, Field(discriminator="kind")
]


class FeatureSet(BaseModel):
    """An ordered list of features; names are unique and references point to earlier features."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    features: list[FeatureSpec]

    @model_validator(mode="after")
    def _references(self) -> FeatureSet:
        seen: set[str] = set()
        for f in self.features:
            refs: list[str] = []
            if isinstance(f, ConditionFeature):
                refs = [f.left, f.right] if isinstance(f.right, str) else [f.left]
            elif isinstance(f, LagFeature):
                refs = [f.of]
            for ref in refs:
                if ref not in seen:
                    raise ValueError(f"feature {f.name!r} refers to {ref!r}, which is not defined before it")
            if f.name in seen:
                raise ValueError(f"feature name {f.name!r} is used twice")
            seen.add(f.name)
        return self

    @property
    def names(self) -> list[str]:
        """Return the feature names in order."""
        return [f.name for f in self.features]


def parse_features(raw: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> FeatureSet:
    """Parse ``{"features": [...]}`` or a bare list into a FeatureSet; raise ConfigError naming the field."""
    data = {"features": list(raw)} if not isinstance(raw, Mapping) else dict(raw)
    try:
        fs = FeatureSet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"feature set: {where}: {err['msg']}", hint="see docs/CONTRACTS.md (features)") from None
    for f in fs.features:
        if isinstance(f, IndicatorFeature):
            defn = get(f.indicator)
            defn.resolve(f.params)
            if f.output not in defn.outputs:
                raise ConfigError(
                    f"feature {f.name!r}: indicator {f.indicator!r} has no output {f.output!r}",
                    hint=f"its outputs are: {', '.join(defn.outputs)}",
                )
    return fs


def _compare(a: np.ndarray | float, op: str, b: np.ndarray | float) -> np.ndarray:
    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    res = {">": a_arr > b_arr, "<": a_arr < b_arr, ">=": a_arr >= b_arr, "<=": a_arr <= b_arr}[op]
    return np.where(np.isnan(a_arr) | np.isnan(b_arr), np.nan, res.astype(float))


def _time_part(index: pd.DatetimeIndex, part: str) -> np.ndarray:
    values = {"hour": index.hour, "minute": index.minute, "weekday": index.day_of_week, "month": index.month}[part]
    return np.asarray(values, dtype=np.float64)


def _log_return(close: np.ndarray, periods: int) -> np.ndarray:
    rows = np.flatnonzero(np.isfinite(close))
    c = close[rows]
    out = np.full(close.shape[0], np.nan)
    if c.shape[0] > periods:
        out[rows[periods:]] = np.log(c[periods:] / c[:-periods])
    return out


def compute_features(fs: FeatureSet, frame: pd.DataFrame) -> pd.DataFrame:
    """Run every feature over the whole of ``frame`` (a BarFrame) and return one column per feature."""
    cols: dict[str, np.ndarray] = {}
    bars = {k: frame[k].to_numpy(dtype=np.float64) for k in FIELDS if k in frame}
    index = pd.DatetimeIndex(frame.index)
    for f in fs.features:
        if isinstance(f, IndicatorFeature):
            defn = get(f.indicator)
            inputs: dict[str, object] = {k: bars[k] for k in defn.inputs}
            if "time" in defn.optional_inputs:
                inputs["time"] = index.as_unit("ns").asi8
            cols[f.name] = compute(f.indicator, inputs, **f.params)[f.output]
        elif isinstance(f, ConditionFeature):
            right = cols[f.right] if isinstance(f.right, str) else f.right
            cols[f.name] = _compare(cols[f.left], f.op, right)
        elif isinstance(f, ReturnFeature):
            cols[f.name] = _log_return(bars["close"], f.periods)
        elif isinstance(f, LagFeature):
            src = cols[f.of]
            cols[f.name] = np.concatenate([np.full(min(f.lag, src.shape[0]), np.nan), src[: -f.lag]])
        else:
            cols[f.name] = _time_part(index, f.part)
    return pd.DataFrame(cols, index=frame.index)


class _ReturnState:
    def __init__(self, periods: int) -> None:
        self.buf: deque[float] = deque(maxlen=periods + 1)

    def update(self, close: float) -> float:
        if close != close:
            return NAN
        self.buf.append(close)
        if len(self.buf) < self.buf.maxlen:  # type: ignore[operator]
            return NAN
        return math.log(close / self.buf[0])


class FeatureStream:
    """Incremental runner: ``update(time, bar)`` returns ``{feature: value}`` for the newest bar."""

    def __init__(self, fs: FeatureSet) -> None:
        self.fs = fs
        self.state: dict[str, Any] = {}
        for f in fs.features:
            if isinstance(f, IndicatorFeature):
                defn = get(f.indicator)
                timed = "time" in defn.optional_inputs
                self.state[f.name] = (defn.stream(**f.params), defn.outputs.index(f.output), timed)
            elif isinstance(f, ReturnFeature):
                self.state[f.name] = _ReturnState(f.periods)
            elif isinstance(f, LagFeature):
                self.state[f.name] = deque([NAN] * f.lag, maxlen=f.lag)

    def update(self, time: pd.Timestamp, bar: Mapping[str, float]) -> dict[str, float]:
        """Feed one bar (open time, OHLCV) and return every feature's value at that bar."""
        row: dict[str, float] = {}
        for f in self.fs.features:
            st: Any = self.state.get(f.name)
            if isinstance(f, IndicatorFeature):
                stream, j, timed = st
                extra = {"time": int(pd.Timestamp(time).value)} if timed else {}
                row[f.name] = float(stream.update(**bar, **extra)[j])
            elif isinstance(f, ConditionFeature):
                right = row[f.right] if isinstance(f.right, str) else f.right
                row[f.name] = float(_compare(row[f.left], f.op, right))
            elif isinstance(f, ReturnFeature):
                row[f.name] = st.update(float(bar["close"]))
            elif isinstance(f, LagFeature):
                row[f.name] = st[0]
                st.append(row[f.of])
            else:
                ts = pd.DatetimeIndex([pd.Timestamp(time)])
                row[f.name] = float(_time_part(ts, f.part)[0])
        return row
