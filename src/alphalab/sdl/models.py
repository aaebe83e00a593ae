"""Pydantic models of the Strategy Definition Language (schema version 1.1).

Every model rejects unknown fields. Condition trees are single-key objects such as
``{"cross_above": {"left": "ema_fast", "right": "ema_slow"}}``; the key selects the model, so
validation errors read like ``entry.long.all[1].cross_above.right``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)

from alphalab.sdl.params import ParameterSpec, SearchDimension, check_constraints, coerce, search_space

CURRENT_SCHEMA_VERSION = "1.1"
SCHEMA_VERSIONS = ("1.0", "1.1")
PRICE_COLUMNS = ("open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4")
REGIME_LABELS = ("bull", "bear", "high_vol_chop", "low_vol_chop")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLUG = r"^[a-z0-9][a-z0-9_\-]*$"
NAME = r"^[^\W\d]\w*$"  # an identifier in any script (média, 移動平均): letters, digits, _


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _operand(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected an indicator name, a price column or a number")
    return float(value) if isinstance(value, int) else value


Operand = Annotated[
    str | float,
    BeforeValidator(_operand),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "number"}],
            "description": "indicator name (or name.output), price column, number, or $parameter",
        }
    ),
]
Bars = Annotated[int, Field(ge=1, le=10_000)]


class Comparison(_Model):
    """Two operands compared (``gt ge lt le``) or tested for crossing."""

    left: Operand
    right: Operand


class BetweenArgs(_Model):
    """``lower <= value <= upper`` (inclusive)."""

    value: Operand
    lower: Operand
    upper: Operand


class TrendArgs(_Model):
    """``value`` strictly rising (or falling) on each of the last ``bars`` bars."""

    value: Operand
    bars: Bars = 1


class BreakoutArgs(_Model):
    """``value`` above the highest (``up``) or below the lowest (``down``) of the previous ``bars`` bars.

    The extreme is taken over ``reference`` when given (``{"value": "close", "reference": "high"}``:
    a close above the highest high of the previous bars), else over ``value`` itself.
    """

    value: Operand
    direction: Literal["up", "down"] = "up"
    bars: Bars = 20
    reference: Operand | None = None


class VoteArgs(_Model):
    """At least ``k`` of the conditions in ``of`` hold."""

    k: Annotated[int, Field(ge=1)]
    of: Annotated[list[Condition], Field(min_length=1)]

    @model_validator(mode="after")
    def _k_within_n(self) -> VoteArgs:
        if self.k > len(self.of):
            raise ValueError(f"k={self.k} is more than the {len(self.of)} conditions in 'of'")
        return self


class Gt(_Model):
    gt: Comparison


class Ge(_Model):
    ge: Comparison


class Lt(_Model):
    lt: Comparison


class Le(_Model):
    le: Comparison


class CrossAbove(_Model):
    cross_above: Comparison


class CrossBelow(_Model):
    cross_below: Comparison


class Between(_Model):
    between: BetweenArgs


class Rising(_Model):
    rising: TrendArgs


class Falling(_Model):
    falling: TrendArgs


class Breakout(_Model):
    breakout: BreakoutArgs


class AllOf(_Model):
    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(_Model):
    any: Annotated[list[Condition], Field(min_length=1)]


class Not(_Model):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Vote(_Model):
    vote: VoteArgs


CONDITION_KINDS: dict[str, type[_Model]] = {
    "gt": Gt,
    "ge": Ge,
    "lt": Lt,
    "le": Le,
    "cross_above": CrossAbove,
    "cross_below": CrossBelow,
    "between": Between,
    "rising": Rising,
    "falling": Falling,
    "breakout": Breakout,
    "all": AllOf,
    "any": AnyOf,
    "not": Not,
    "vote": Vote,
}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in CONDITION_KINDS else None
    if isinstance(value, BaseModel):
        for key, cls in CONDITION_KINDS.items():
            if type(value) is cls:
                return key
    return None


Condition = Annotated[
    Union[  # noqa: UP007 - a tagged union of models
        Annotated[Gt, Tag("gt")],
        Annotated[Ge, Tag("ge")],
        Annotated[Lt, Tag("lt")],
        Annotated[Le, Tag("le")],
        Annotated[CrossAbove, Tag("cross_above")],
        Annotated[CrossBelow, Tag("cross_below")],
        Annotated[Between, Tag("between")],
        Annotated[Rising, Tag("rising")],
        Annotated[Falling, Tag("falling")],
        Annotated[Breakout, Tag("breakout")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[Vote, Tag("vote")],
    ],
    Discriminator(_condition_tag, custom_error_type="condition", custom_error_message="invalid condition"),
]

for _cls in (VoteArgs, AllOf, AnyOf, Not, Vote):
    _cls.model_rebuild()


class SideConditions(_Model):
    """Conditions of the long and the short side; a missing side never signals."""

    long: Condition | None = None
    short: Condition | None = None


class IndicatorSpec(_Model):
    """A named indicator instance: registry type, parameters, input column and optional timeframe."""

    type: str
    params: dict[str, float | int | bool | str] = Field(default_factory=dict)
    input: Literal["open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4"] | None = None
    timeframe: str | None = None


class StopSpec(_Model):
    """A stop distance: ``percent`` (``value`` as a fraction, 0.02 = 2%) or ``atr`` (``multiple`` x ATR)."""

    type: Literal["percent", "atr"]
    value: Annotated[float, Field(gt=0, lt=1)] | None = None
    multiple: Annotated[float, Field(gt=0, le=100)] | None = None
    period: Annotated[int, Field(ge=1, le=1000)] = 14

    @model_validator(mode="after")
    def _needs_its_number(self) -> StopSpec:
        if self.type == "percent" and self.value is None:
            raise ValueError("a percent stop needs 'value' (a fraction, 0.02 = 2%)")
        if self.type == "atr" and self.multiple is None:
            raise ValueError("an atr stop needs 'multiple' (how many ATRs away)")
        return self


class TargetSpec(_Model):
    """A profit target: ``percent`` (fraction of entry) or ``r_multiple`` (multiple of the initial risk)."""

    type: Literal["percent", "r_multiple"]
    value: Annotated[float, Field(gt=0)]


class ExitsSpec(_Model):
    """Protective and time-based exits applied by the engine."""

    stop_loss: StopSpec | None = None
    take_profit: TargetSpec | None = None
    trailing_stop: StopSpec | None = None
    time_stop_bars: Annotated[int, Field(ge=1)] | None = None
    exit_on_opposite_signal: bool = True


class SizingSpec(_Model):
    """How large each position is."""

    type: Literal["fixed_fraction", "risk_per_trade", "fixed_quantity", "fixed_notional", "kelly"] = (
        "fixed_fraction"
    )
    fraction: Annotated[float, Field(gt=0, le=10)] = 1.0
    risk: Annotated[float, Field(gt=0, lt=1)] | None = None
    quantity: Annotated[float, Field(gt=0)] | None = None
    notional: Annotated[float, Field(gt=0)] | None = None
    kelly_fraction: Annotated[float, Field(gt=0, le=1)] = 0.5
    cap: Annotated[float, Field(gt=0, le=10)] = 0.25
    lookback_trades: Annotated[int, Field(ge=2)] = 50

    @model_validator(mode="after")
    def _needs_its_number(self) -> SizingSpec:
        needed = {"risk_per_trade": "risk", "fixed_quantity": "quantity", "fixed_notional": "notional"}
        field = needed.get(self.type)
        if field is not None and getattr(self, field) is None:
            raise ValueError(f"sizing type {self.type!r} needs {field!r}")
        return self


class SlippageSpec(_Model):
    """Assumed slippage model (overridable at run time)."""

    type: Literal["bps", "atr_fraction", "range_fraction", "volume_impact"] = "bps"
    value: Annotated[float, Field(ge=0)] = 0.0
    participation_cap: Annotated[float, Field(gt=0, le=1)] = 0.1
    impact_coef: Annotated[float, Field(ge=0)] = 0.1


class CostsSpec(_Model):
    """Assumed fees and slippage (overridable at run time)."""

    fee_bps: Annotated[float, Field(ge=0, le=1000)] = 0.0
    fee_fixed: Annotated[float, Field(ge=0)] = 0.0
    maker_fee_bps: Annotated[float, Field(ge=-100, le=1000)] | None = None
    slippage: SlippageSpec = Field(default_factory=SlippageSpec)


class SessionWindow(_Model):
    """A daily window ``start <= time < end`` (``HH:MM``); a window with end < start wraps midnight."""

    start: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    end: Annotated[str, Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")]


class SessionFilter(_Model):
    """Trading sessions: entries only inside ``windows`` on ``days``, in ``timezone``."""

    timezone: str = "UTC"
    windows: list[SessionWindow] = Field(default_factory=list)
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None


class FiltersSpec(_Model):
    """Masks applied to entries: allowed regimes and trading sessions."""

    regimes: list[Literal["bull", "bear", "high_vol_chop", "low_vol_chop"]] | None = None
    sessions: SessionFilter | None = None


class ConfirmationSpec(_Model):
    """Conditions evaluated on a higher timeframe with their own indicators (no look-ahead)."""

    timeframe: str
    indicators: dict[str, IndicatorSpec] = Field(default_factory=dict)
    long: Condition | None = None
    short: Condition | None = None


class LiveSettings(_Model):
    """How paper and live trading may run this strategy.

    Validated and kept with the strategy, but not used yet: AlphaLab has no paper or live trading
    today. ``post-only`` is accepted for ``post_only`` and ``hellmoon_compatible`` for
    ``scanner_compatible`` (spellings of older files).
    """

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "hellmoon_compatible" in data and "scanner_compatible" not in data:
            data["scanner_compatible"] = data.pop("hellmoon_compatible")
        if isinstance(data.get("order_type"), str):
            data["order_type"] = data["order_type"].replace("-", "_")
        return data

    allowed_modes: list[Literal["paper", "live"]] = Field(default_factory=lambda: ["paper"])  # type: ignore[arg-type]
    max_slippage_pct: Annotated[float, Field(gt=0, le=100)] | None = None
    order_type: Literal["market", "limit", "post_only"] = "market"
    cancel_if_latency_ms: Annotated[int, Field(ge=1)] | None = None
    scanner_compatible: bool = True


class StrategySpec(_Model):
    """A validated strategy document (see ``alphalab sdl schema`` for the JSON Schema)."""

    schema_version: Literal["1.0", "1.1"] = "1.1"
    id: Annotated[str, Field(pattern=SLUG, max_length=80)]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    status: Literal["stable", "experimental"] = "experimental"
    timeframe: str | None = None
    extends: str | None = None
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    constraints: list[str] = Field(
        default_factory=list,
        description="relations the optimiser keeps between parameters, e.g. 'fast < slow' "
        "(name OP name or name OP number; OP one of < <= > >= == !=)",
    )
    indicators: dict[str, IndicatorSpec] = Field(default_factory=dict)
    entry: SideConditions = Field(default_factory=SideConditions)
    exit: SideConditions = Field(default_factory=SideConditions)
    exits: ExitsSpec = Field(default_factory=ExitsSpec)
    sizing: SizingSpec = Field(default_factory=SizingSpec)
    costs: CostsSpec = Field(default_factory=CostsSpec)
    filters: FiltersSpec = Field(default_factory=FiltersSpec)
    confirmations: list[ConfirmationSpec] = Field(default_factory=list)
    live_settings: LiveSettings = Field(default_factory=LiveSettings)

    @model_validator(mode="after")
    def _constraints_hold(self) -> StrategySpec:
        defaults = {n: coerce(p, p.default) for n, p in self.parameters.items()}
        problems = check_constraints(self.constraints, self.parameters, defaults)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    _values: dict[str, Any] = PrivateAttr(default_factory=dict)
    _document: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source: str | None = PrivateAttr(default=None)

    @property
    def param_values(self) -> dict[str, Any]:
        """Resolved parameter values (defaults overridden by ``load(..., params=...)``)."""
        return dict(self._values)

    @property
    def source(self) -> str | None:
        """File (or id) the spec was loaded from, when known."""
        return self._source

    def search_space(self) -> dict[str, SearchDimension]:
        """Return the optimiser's search space: one dimension per declared parameter."""
        return search_space(self.parameters)

    def with_params(self, params: dict[str, Any]) -> StrategySpec:
        """Return this strategy with other parameter values (validated against the declared ranges).

        The values are substituted into the document the spec was loaded from (its ``"$name"``
        references), so every parameter given takes effect; an unknown name raises
        ``ValidationError`` with a did-you-mean hint.

        Raises
        ------
        ValidationError
            For an unknown parameter or a value out of range, or when the spec was not built by
            ``alphalab.sdl.load`` (it has no document to substitute into).
        """
        from alphalab.sdl.loader import finish

        if not self._document:
            from alphalab.core.errors import ValidationError

            names = ", ".join(sorted(params)) or "none"
            raise ValidationError(
                f"strategy {self.id!r} was built without its source document, so parameters ({names}) "
                "cannot be applied",
                hint="load it with alphalab.sdl.load(...) or pass the strategy id or file instead",
            )
        return finish(self._document, {**self._values, **params}, self._source or self.id)
