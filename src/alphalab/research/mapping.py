"""Best-config mappings: which strategy, with which parameters, trades which asset and timeframe.

A mapping file is the versioned JSON document (``schema_version`` "1.0") meant to be loaded
unchanged by paper and live trading once they exist (they do not yet: ``risk_model`` and
``data_range`` are recorded and validated, but nothing reads them today). It is exported from a fitness table with selection rules, validated with
path-precise errors, and can be re-run exactly (``alphalab mapping run``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from alphalab.core.errors import NotFoundError, Problem, ValidationError
from alphalab.core.textfile import read_user_text
from alphalab.sdl.models import CostsSpec, ExitsSpec, SizingSpec

MAPPING_SCHEMA_VERSION = "1.0"
ParamValue = int | float | str | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RiskModel(_Strict):
    """Sizing, exits and costs of the strategy as it will trade."""

    sizing: SizingSpec
    exits: ExitsSpec
    costs: CostsSpec = Field(default_factory=CostsSpec)


class ExpectedPerformance(_Strict):
    """The backtest numbers that selected this configuration."""

    sharpe: float | None = None
    cagr: float | None = None
    max_drawdown: float | None = None
    win_rate: float | None = None
    profit_factor: float | None = None
    expectancy: float | None = None
    trades: int | None = None
    stability: float | None = None
    dsr: float | None = None
    pbo: float | None = None


class DataRange(_Strict):
    """The data the configuration was selected on."""

    start: datetime
    end: datetime
    bars: int = Field(ge=0)


class MappingEntry(_Strict):
    """One selected configuration for one asset, timeframe and regime."""

    asset: str = Field(min_length=1)
    timeframe: str = Field(min_length=1)
    regime: str = "all"
    strategy_id: str = Field(min_length=1)
    strategy_name: str
    parameters: dict[str, ParamValue]
    risk_model: RiskModel
    expected_performance: ExpectedPerformance
    data_range: DataRange
    rank: int | None = None
    created_at: datetime


class SelectionRules(_Strict):
    """Rules that pick mapping entries out of a fitness table."""

    min_trades: int = 0
    min_expectancy: float | None = None
    max_drawdown: float | None = None
    min_stability: float | None = None
    top_k: int = Field(default=1, ge=1)
    metric: str = "sharpe"


class BestConfigMapping(_Strict):
    """A versioned best-config mapping file."""

    schema_version: Literal["1.0"] = "1.0"
    created_at: datetime
    source: str = ""
    selection: SelectionRules = Field(default_factory=SelectionRules)
    detector: dict[str, Any] | None = Field(
        None, description="regime detector configuration the regime entries were selected with"
    )
    entries: list[MappingEntry]

    def save(self, path: str | Path) -> Path:
        """Write the mapping as JSON (atomically) and return its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        tmp.replace(target)
        return target


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = "$"
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else f".{item}"
    return out


def _problems(exc: PydanticValidationError) -> list[Problem]:
    probs = []
    for err in exc.errors():
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        probs.append(Problem(_format_loc(tuple(err["loc"])), msg, value=err.get("input")))
    return probs


def parse_mapping(document: Mapping[str, Any], *, source: str = "<mapping>") -> BestConfigMapping:
    """Validate a mapping document; raise ValidationError listing every problem with its JSON path."""
    try:
        return BestConfigMapping.model_validate(dict(document))
    except PydanticValidationError as exc:
        probs = _problems(exc)
        raise ValidationError(
            f"{source}: {len(probs)} problem(s) in the mapping", source=source, problems=probs,
            hint="see docs/research.md for the mapping schema",
        ) from None


def load_mapping(path: str | Path) -> BestConfigMapping:
    """Read and validate a mapping file."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"mapping file {p} does not exist")
    try:
        doc = json.loads(read_user_text(p))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{p}: not valid JSON", source=str(p),
                              problems=[Problem(f"line {exc.lineno} column {exc.colno}", exc.msg)]) from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{p}: a mapping is a JSON object", source=str(p))
    return parse_mapping(doc, source=str(p))


def validate_mapping_file(path: str | Path) -> list[Problem]:
    """Return the problems of a mapping file (empty when valid)."""
    try:
        load_mapping(path)
    except ValidationError as exc:
        return exc.problems or [Problem("", exc.message)]
    return []


def select_rows(table: pd.DataFrame, rules: SelectionRules) -> pd.DataFrame:
    """Return the fitness rows that pass the rules, best ``top_k`` per symbol, timeframe and regime."""
    t = table[table["status"] == "ok"].copy() if "status" in table else table.copy()
    num = lambda c: pd.to_numeric(t[c], errors="coerce")  # noqa: E731
    keep = pd.Series(True, index=t.index)
    if "trades" in t:
        keep &= num("trades") >= rules.min_trades
    if rules.min_expectancy is not None and "expectancy" in t:
        keep &= num("expectancy") >= rules.min_expectancy
    if rules.max_drawdown is not None and "max_drawdown" in t:
        keep &= num("max_drawdown") <= rules.max_drawdown
    if rules.min_stability is not None and "stability" in t:
        keep &= num("stability") >= rules.min_stability
    t = t[keep]
    if t.empty:
        return t
    t = t.sort_values(rules.metric, ascending=False, kind="stable")
    t = t.groupby(["symbol", "timeframe", "regime"], sort=True).head(rules.top_k)
    order = t.assign(__m=-pd.to_numeric(t[rules.metric], errors="coerce"))
    return t.loc[order.sort_values(["symbol", "timeframe", "regime", "__m"], kind="stable").index]


def _performance(row: Mapping[str, Any]) -> ExpectedPerformance:
    vals: dict[str, Any] = {}
    for k in ExpectedPerformance.model_fields:
        v = row.get(k)
        if v is None or (isinstance(v, float) and v != v):
            continue
        vals[k] = int(v) if k == "trades" else float(v)
    return ExpectedPerformance(**vals)


def export_mapping(
    table: pd.DataFrame,
    rules: SelectionRules | None = None,
    *,
    data_range: Callable[[str, str], DataRange],
    resolve: Callable[[str, Mapping[str, Any]], Any] | None = None,
    source: str = "fitness",
) -> BestConfigMapping:
    """Build a mapping from a fitness table.

    Parameters
    ----------
    table
        Output of :func:`alphalab.research.fitness.fitness_matrix`.
    rules
        Selection rules (default: every symbol's best cell by sharpe).
    data_range
        ``(symbol, timeframe) -> DataRange`` of the data the cell was selected on.
    resolve
        ``(strategy, params) -> StrategySpec`` (default: the engine's resolver).
    """
    rules = rules or SelectionRules()
    if resolve is None:
        from alphalab.engine.backtest import resolve_spec

        resolve = resolve_spec
    now = datetime.now(UTC)
    entries = []
    for rank, row in enumerate(select_rows(table, rules).to_dict("records"), start=1):
        params = json.loads(row["params"]) if isinstance(row["params"], str) else dict(row["params"])
        spec = resolve(row["strategy"], params)
        entries.append(MappingEntry(
            asset=row["symbol"], timeframe=str(row["timeframe"]), regime=row.get("regime") or "all",
            strategy_id=spec.id, strategy_name=spec.name, parameters=params,
            risk_model=RiskModel(sizing=spec.sizing, exits=spec.exits, costs=spec.costs),
            expected_performance=_performance(row), data_range=data_range(row["symbol"], str(row["timeframe"])),
            rank=rank, created_at=now,
        ))
    return BestConfigMapping(created_at=now, source=source, selection=rules, detector=_detector(table),
                             entries=entries)


def _detector(table: pd.DataFrame) -> dict[str, Any] | None:
    """Return the regime detector recorded in a fitness table's ``detector`` column (if one)."""
    if "detector" not in table:
        return None
    for v in table["detector"].dropna().astype(str).unique():
        if v.startswith("{"):
            return dict(json.loads(v))
    return None


def run_mapping(mapping: BestConfigMapping, evaluator: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    """Re-run exactly the mapped configurations; return one row per entry and the aggregate.

    An entry with a regime other than ``"all"`` is re-run restricted to its regime's bars (as the
    fitness matrix scored it) when the evaluator offers ``for_regime``.
    """
    rows = []
    for i, e in enumerate(mapping.entries):
        row: dict[str, Any] = {"entry": i, "asset": e.asset, "timeframe": e.timeframe, "regime": e.regime,
                               "strategy_id": e.strategy_id, "parameters": json.dumps(e.parameters)}
        try:
            ev = evaluator.for_regime(e.regime) if e.regime != "all" and hasattr(evaluator, "for_regime") else evaluator
            m = ev(e.strategy_id, e.parameters, e.asset, e.timeframe, None)
            row.update(status="ok", reason="")
            row.update({k: v for k, v in m.items() if not k.startswith("ret_")})
        except Exception as exc:
            row.update(status="error", reason=f"{type(exc).__name__}: {exc}")
        rows.append(row)
    table = pd.DataFrame(rows)
    ok = table[table["status"] == "ok"] if len(table) else table
    agg: dict[str, float] = {"entries": float(len(table)), "ok": float(len(ok))}
    for k in ("sharpe", "cagr", "max_drawdown", "win_rate", "profit_factor", "trades"):
        if k in ok and len(ok):
            agg[f"mean_{k}"] = float(pd.to_numeric(ok[k], errors="coerce").mean())
    return table, agg
