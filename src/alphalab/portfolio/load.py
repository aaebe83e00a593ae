"""Read a portfolio document, or a best-config mapping as a portfolio, with path-precise errors."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from alphalab.core.errors import NotFoundError, Problem, ValidationError
from alphalab.portfolio.spec import PortfolioSpec, RiskLimits, RouteSpec, SleeveSpec, field_names
from alphalab.research.mapping import BestConfigMapping, MappingEntry, parse_mapping
from alphalab.sdl.errors import translate_one


def _problems(exc: PydanticValidationError) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        problem = translate_one(dict(err))
        if err["type"] == "extra_forbidden":  # hint from the portfolio's own field names
            close = difflib.get_close_matches(str(err["loc"][-1]), field_names(), n=1)
            problem = Problem(problem.where, problem.message, f"did you mean {close[0]!r}?" if close else "remove it",
                              problem.value)
        if (problem.where, problem.message) not in seen:
            seen.add((problem.where, problem.message))
            out.append(problem)
    return out


def is_mapping_document(doc: Mapping[str, Any]) -> bool:
    """Tell a best-config mapping (it has ``entries``) from a portfolio document (it has ``sleeves``)."""
    return "entries" in doc and "sleeves" not in doc


def parse_portfolio(document: Mapping[str, Any], *, source: str = "<portfolio>") -> PortfolioSpec:
    """Validate a portfolio or mapping document; raise ValidationError listing every problem with its path."""
    if is_mapping_document(document):
        return mapping_to_portfolio(parse_mapping(document, source=source))
    try:
        return PortfolioSpec.model_validate(dict(document))
    except PydanticValidationError as exc:
        probs = _problems(exc)
        raise ValidationError(f"{source}: {len(probs)} problem(s) in the portfolio", source=source, problems=probs,
                              hint="see docs/CONTRACTS.md (portfolio) or `alphalab portfolio schema`") from None


def load_portfolio(path: str | Path) -> PortfolioSpec:
    """Read and validate a portfolio file (a portfolio document or a best-config mapping)."""
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"portfolio file {p} does not exist", hint="give the path to a .json file")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{p}: not valid JSON", source=str(p),
                              problems=[Problem(f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}")]) from None
    except UnicodeDecodeError:
        raise ValidationError(f"{p}: not a UTF-8 text file", source=str(p)) from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{p}: a portfolio is a JSON object, got {type(doc).__name__}", source=str(p))
    return parse_portfolio(doc, source=str(p))


def _sleeve_id(asset: str, timeframe: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]", "_", f"{asset}.{timeframe}")[:64]


def _best(entries: list[MappingEntry]) -> MappingEntry:
    return min(entries, key=lambda e: (e.rank if e.rank is not None else 10**9))


def _sleeve(asset: str, timeframe: str, entries: list[MappingEntry], weight: float) -> SleeveSpec:
    by_regime: dict[str, list[MappingEntry]] = {}
    for e in entries:
        by_regime.setdefault(e.regime, []).append(e)
    default = _best(by_regime.get("all") or entries)
    routing = {
        regime: RouteSpec(strategy=b.strategy_id, params=dict(b.parameters), risk_model=b.risk_model)
        for regime, group in sorted(by_regime.items()) if regime != "all" for b in [_best(group)]
    }
    return SleeveSpec(id=_sleeve_id(asset, timeframe), strategy=default.strategy_id, params=dict(default.parameters),
                      symbols=[asset], timeframe=timeframe, allocation=weight, routing=routing or None,
                      risk_model=default.risk_model)


def mapping_to_portfolio(mapping: BestConfigMapping, *, capital: float = 100_000.0,
                         risk: RiskLimits | None = None) -> PortfolioSpec:
    """Turn a best-config mapping into a portfolio: one equal-weight sleeve per asset and timeframe.

    Each sleeve trades its entry's strategy and parameters with the entry's ``risk_model`` (sizing,
    exits, costs); regime entries of one asset and timeframe become that sleeve's routing table.
    """
    groups: dict[tuple[str, str], list[MappingEntry]] = {}
    for entry in mapping.entries:
        groups.setdefault((entry.asset, entry.timeframe), []).append(entry)
    if not groups:
        raise ValidationError("the mapping has no entries, so it defines no sleeve",
                              problems=[Problem("entries", "needs at least 1 item(s)")])
    weight = 1.0 / len(groups)
    sleeves = [_sleeve(asset, tf, group, weight) for (asset, tf), group in groups.items()]
    return PortfolioSpec(name=mapping.source or "mapping", capital=capital, sleeves=sleeves,
                         risk=risk if risk is not None else RiskLimits())
