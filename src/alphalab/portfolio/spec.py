"""The portfolio document: capital, sleeves, allocation, risk limits and costs (schema_version "1.0").

A portfolio runs several sleeves (a strategy with its parameters on its symbols and timeframe) on
one shared cash account, behind one risk gate. The models reject unknown fields and validate
cross-field rules (unique sleeve ids, static weights summing to at most 1, caps naming real sleeves).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alphalab.research.mapping import RiskModel
from alphalab.sdl.models import CostsSpec

PORTFOLIO_SCHEMA_VERSION = "1.0"
ParamValue = int | float | str | bool
Fraction = Annotated[float, Field(gt=0, le=1)]
Multiple = Annotated[float, Field(gt=0, le=100)]
AllocationMethod = Literal["static", "equal", "inverse_vol", "risk_parity", "hrp", "min_variance", "max_sharpe"]
FallbackMethod = Literal["equal", "static", "inverse_vol"]
Schedule = Literal["none", "daily", "weekly", "monthly", "quarterly", "yearly"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RouteSpec(_Strict):
    """The strategy a sleeve trades while one regime is active."""

    strategy: str = Field(min_length=1, description="a strategy id or a path to an SDL file")
    params: dict[str, ParamValue] = Field(default_factory=dict)
    risk_model: RiskModel | None = Field(None, description="sizing, exits and costs that override the strategy's")


class SleeveSpec(_Strict):
    """One strategy with its parameters on its symbols and timeframe, holding a share of the capital."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    strategy: str = Field(min_length=1, description="a strategy id or a path to an SDL file")
    params: dict[str, ParamValue] = Field(default_factory=dict)
    symbols: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    timeframe: str = Field("1d", min_length=1)
    allocation: Annotated[float, Field(ge=0, le=1)] | None = Field(
        None, description="static weight of the capital; required when allocation.method is 'static'"
    )
    routing: dict[str, RouteSpec] | None = Field(
        None, description="regime label -> strategy; the sleeve trades the route of the active regime"
    )
    risk_model: RiskModel | None = Field(None, description="sizing, exits and costs that override the strategy's")

    @model_validator(mode="after")
    def _unique_symbols(self) -> SleeveSpec:
        dup = sorted({s for s in self.symbols if self.symbols.count(s) > 1})
        if dup:
            raise ValueError(f"symbol(s) listed twice: {', '.join(dup)}")
        return self


class AllocationSpec(_Strict):
    """How capital is split between sleeves, and how often the split is recomputed."""

    method: AllocationMethod = "static"
    rebalance: Schedule = "none"
    lookback_bars: int = Field(252, ge=2, description="bars of sleeve returns the weights are estimated from")
    min_weight: Annotated[float, Field(ge=0, le=1)] = 0.0
    max_weight: Annotated[float, Field(gt=0, le=1)] = 1.0
    fallback: FallbackMethod = Field("equal", description="used, and recorded, when the optimiser is infeasible")
    correlation_window: int = Field(60, ge=3, description="bars of the rolling correlation of sleeve returns")
    correlation_warning: Annotated[float, Field(gt=-1, lt=1)] = Field(
        0.8, description="warn when two sleeves' rolling correlation rises above this")

    @model_validator(mode="after")
    def _bounds(self) -> AllocationSpec:
        if self.min_weight > self.max_weight:
            raise ValueError(f"min_weight {self.min_weight} is above max_weight {self.max_weight}")
        return self


class CorrelationBuckets(_Strict):
    """Assets whose rolling correlation exceeds ``threshold`` share one exposure cap."""

    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.7
    lookback_bars: int = Field(60, ge=3)
    cap: Fraction = Field(0.3, description="gross exposure of one bucket, as a fraction of equity")


class DrawdownBreaker(_Strict):
    """Halt new entries when equity falls ``halt`` below its high-water mark.

    Resume rule: trading resumes once the drawdown is back under ``resume_below`` (default: half of
    ``halt``) and at least ``cooldown_bars`` bars have passed since the trip. With ``flatten`` or
    ``restart_hwm`` (a flat book cannot recover its drawdown) it resumes after the cooldown alone and
    the high-water mark restarts at the equity of that bar.
    """

    halt: Fraction = 0.15
    flatten: bool = Field(False, description="also close every open position when the breaker trips")
    resume_below: Annotated[float, Field(ge=0, lt=1)] | None = None
    cooldown_bars: int = Field(0, ge=0)
    restart_hwm: bool = Field(False, description="resume after the cooldown alone, from a new high-water mark")

    @model_validator(mode="after")
    def _resume(self) -> DrawdownBreaker:
        if self.resume_below is not None and self.resume_below >= self.halt:
            raise ValueError(f"resume_below {self.resume_below} must be below halt {self.halt}")
        return self

    @property
    def resume_level(self) -> float:
        """The drawdown under which trading resumes."""
        return self.halt / 2 if self.resume_below is None else self.resume_below


class DailyLossLimit(_Strict):
    """Halt new entries for the rest of the day once the day's loss reaches ``limit``."""

    limit: Fraction = 0.05
    reset: Literal["utc_day", "session"] = "utc_day"


class KellySizing(_Strict):
    """Size entries at ``fraction`` of the Kelly fraction estimated from a sleeve's trailing closed trades."""

    fraction: Fraction = 0.25
    lookback_trades: int = Field(50, ge=2)
    min_trades: int = Field(20, ge=1)
    fallback: Annotated[float, Field(ge=0, le=1)] = Field(0.02, description="size while there are too few trades")
    cap: Fraction = 0.25


class RiskLimits(_Strict):
    """Limits of the risk gate; ``null`` turns a rule off. Fractions are of current equity."""

    max_heat: Fraction | None = Field(0.10, description="sum of open risk to stops")
    max_position: Fraction | None = Field(0.20, description="notional of one position")
    max_gross: Multiple | None = None
    max_net: Multiple | None = None
    max_leverage: Multiple | None = None
    per_asset: dict[str, Fraction] = Field(default_factory=dict)
    per_sleeve: dict[str, Fraction] = Field(default_factory=dict)
    per_regime: dict[str, Fraction] = Field(default_factory=dict)
    correlation: CorrelationBuckets | None = None
    drawdown: DrawdownBreaker | None = Field(default_factory=DrawdownBreaker)
    daily_loss: DailyLossLimit | None = Field(default_factory=DailyLossLimit)
    kelly: KellySizing | None = None
    min_notional: Annotated[float, Field(ge=0)] = 0.0
    lot_size: Annotated[float, Field(ge=0)] = 0.0

    @classmethod
    def none(cls) -> RiskLimits:
        """Return limits with every rule off (the gate approves every intent the cash can fund)."""
        return cls(max_heat=None, max_position=None, drawdown=None, daily_loss=None)


class PortfolioSpec(_Strict):
    """A versioned portfolio document."""

    schema_version: Literal["1.0"] = "1.0"
    name: str = "portfolio"
    description: str = ""
    capital: float = Field(100_000.0, gt=0)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    sleeves: list[SleeveSpec] = Field(min_length=1)
    allocation: AllocationSpec = Field(default_factory=AllocationSpec)
    risk: RiskLimits = Field(default_factory=RiskLimits)
    costs: CostsSpec | None = Field(
        None, description="costs of every fill; null: the sleeves' own (they must then agree)")

    @model_validator(mode="after")
    def _cross_checks(self) -> PortfolioSpec:
        ids = [s.id for s in self.sleeves]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"sleeve id(s) used twice: {', '.join(dup)}")
        unknown = sorted(set(self.risk.per_sleeve) - set(ids))
        if unknown:
            raise ValueError(f"risk.per_sleeve names unknown sleeve(s) {', '.join(unknown)}; sleeves: {', '.join(ids)}")
        if self.allocation.method == "static":
            missing = [s.id for s in self.sleeves if s.allocation is None]
            if missing:
                raise ValueError(f"allocation.method 'static' needs an allocation on every sleeve; "
                                 f"missing on {', '.join(missing)}")
            total = sum(s.allocation or 0.0 for s in self.sleeves)
            if total > 1.0 + 1e-9:
                raise ValueError(f"sleeve allocations sum to {total:g}, more than 1 (100% of the capital)")
        return self

    def weights(self) -> dict[str, float]:
        """Return the static weight of each sleeve (equal weights when no sleeve sets one)."""
        if all(s.allocation is None for s in self.sleeves):
            return {s.id: 1.0 / len(self.sleeves) for s in self.sleeves}
        return {s.id: float(s.allocation or 0.0) for s in self.sleeves}


def field_names() -> tuple[str, ...]:
    """Return every field name of the portfolio models (for "did you mean" hints)."""
    names: set[str] = set()
    for model in (PortfolioSpec, SleeveSpec, RouteSpec, AllocationSpec, RiskLimits, CorrelationBuckets,
                  DrawdownBreaker, DailyLossLimit, KellySizing, CostsSpec, RiskModel):
        names.update(model.model_fields)
    return tuple(sorted(names))


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of portfolio documents."""
    schema = PortfolioSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://alphalab.dev/schemas/portfolio-{PORTFOLIO_SCHEMA_VERSION}.json"
    schema["title"] = f"AlphaLab portfolio ({PORTFOLIO_SCHEMA_VERSION})"
    return schema
