"""A best-config mapping runs as a portfolio, each entry with its own risk model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alphalab.cli.main import main
from alphalab.data.loader import load_arrays
from alphalab.portfolio import load_portfolio
from alphalab.portfolio.backtest import run_portfolio
from alphalab.portfolio.spec import RiskLimits
from alphalab.research.mapping import (
    BestConfigMapping,
    DataRange,
    ExpectedPerformance,
    MappingEntry,
    RiskModel,
)
from alphalab.sdl.models import ExitsSpec, SizingSpec, StopSpec

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "portfolio_mapping.json"


def _entry(asset: str, stop: float | None, fraction: float) -> MappingEntry:
    now = datetime(2013, 3, 1, tzinfo=UTC)
    exits = ExitsSpec(stop_loss=StopSpec(type="percent", value=stop)) if stop else ExitsSpec()
    return MappingEntry(asset=asset, timeframe="1d", strategy_id="sma_cross", strategy_name="SMA Cross 20/50",
                        parameters={"fast": 10, "slow": 40},
                        risk_model=RiskModel(sizing=SizingSpec(type="fixed_fraction", fraction=fraction), exits=exits),
                        expected_performance=ExpectedPerformance(), rank=1, created_at=now,
                        data_range=DataRange(start=datetime(2000, 3, 1, tzinfo=UTC), end=now, bars=3270))


def _run(entries: list[MappingEntry], tmp_path: Path) -> object:
    mapping = BestConfigMapping(created_at=datetime(2013, 3, 1, tzinfo=UTC), source="test", entries=entries)
    spec = load_portfolio(mapping.save(tmp_path / "m.json"))
    spec = spec.model_copy(update={"risk": RiskLimits.none()})
    return run_portfolio(spec, load_arrays(["AAPL", "MSFT"], "1d"))


def test_each_mapping_entry_trades_with_its_own_risk_model(tmp_path: Path) -> None:
    port = _run([_entry("AAPL", 0.03, 1.0), _entry("MSFT", None, 1.0)], tmp_path)
    reasons = port.trades.groupby("sleeve")["exit_reason"].agg(set)  # type: ignore[attr-defined]
    assert "stop_loss" in reasons["AAPL.1d"]
    assert "stop_loss" not in reasons["MSFT.1d"]
    swapped = _run([_entry("AAPL", None, 1.0), _entry("MSFT", 0.03, 1.0)], tmp_path)
    reasons2 = swapped.trades.groupby("sleeve")["exit_reason"].agg(set)  # type: ignore[attr-defined]
    assert "stop_loss" in reasons2["MSFT.1d"] and "stop_loss" not in reasons2["AAPL.1d"]
    assert port.run.final_equity != pytest.approx(swapped.run.final_equity)  # type: ignore[attr-defined]


def test_mapping_sizing_fraction_is_honoured(tmp_path: Path) -> None:
    port = _run([_entry("AAPL", None, 0.8), _entry("MSFT", None, 0.2)], tmp_path)
    first = port.trades.sort_values("entry_time").groupby("sleeve").head(1)  # type: ignore[attr-defined]
    # both sleeves at weight 1/2: AAPL sizes 0.8 x 1/2 of equity, MSFT 0.2 x 1/2 -> the notionals show it
    notional = (first["quantity"] * first["entry_price"]).to_numpy()
    assert 0.35 < notional[first["sleeve"].to_numpy() == "AAPL.1d"][0] / 100_000 < 0.45


def test_mapping_example_backtests_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portfolio", "validate", str(EXAMPLE)]) == 0
    assert main(["portfolio", "backtest", str(EXAMPLE), "--json"]) == 0
    assert '"sleeves": [' in capsys.readouterr().out
