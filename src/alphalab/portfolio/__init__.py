"""Portfolios: several sleeves on one shared cash account behind one risk gate.

``alphalab.portfolio.spec`` holds the document models, ``load`` reads files (a portfolio or a
best-config mapping), ``gate`` is the risk gate every path (fast, event, paper, live) calls.
"""

from __future__ import annotations

from alphalab.portfolio.load import load_portfolio, mapping_to_portfolio, parse_portfolio
from alphalab.portfolio.spec import (
    PORTFOLIO_SCHEMA_VERSION,
    AllocationSpec,
    PortfolioSpec,
    RiskLimits,
    SleeveSpec,
    json_schema,
)

__all__ = [
    "PORTFOLIO_SCHEMA_VERSION",
    "AllocationSpec",
    "PortfolioSpec",
    "RiskLimits",
    "SleeveSpec",
    "json_schema",
    "load_portfolio",
    "mapping_to_portfolio",
    "parse_portfolio",
]
