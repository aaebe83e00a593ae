"""VaR / CVaR against independent computations; component VaR; stress replays on bundled data."""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.stats import kurtosis, norm, skew

from alphalab.core.errors import ConfigError
from alphalab.data.samples import load_sample
from alphalab.portfolio import risk
from alphalab.portfolio.stress import SCENARIOS, Scenario, stress_table


@pytest.fixture(scope="module")
def spx() -> pd.Series:
    return load_sample("SP500")["close"].pct_change().dropna()


def test_historical_var_matches_the_order_statistics(spx: pd.Series) -> None:
    r = spx.to_list()[:2000]
    q = statistics.quantiles(r, n=20, method="inclusive")[0]  # the 5% cut, linear interpolation
    tail = [x for x in r if x <= q]
    res = risk.historical(r, 0.95)
    assert res.var == pytest.approx(-q, rel=1e-12)
    assert res.cvar == pytest.approx(-sum(tail) / len(tail), rel=1e-12)
    assert res.cvar > res.var > 0


def test_parametric_cvar_matches_the_integrated_normal_quantile(spx: pd.Series) -> None:
    r = spx.to_numpy()
    mu, sd = r.mean(), r.std(ddof=1)
    res = risk.parametric(r, 0.99)
    tail, _ = integrate.quad(lambda u: mu + sd * norm.ppf(u), 0, 0.01)
    assert res.cvar == pytest.approx(-tail / 0.01, rel=1e-7)
    assert res.var == pytest.approx(-(mu + sd * norm.ppf(0.01)), rel=1e-12)


def test_cornish_fisher_corrects_for_fat_tails_and_its_cvar_integrates(spx: pd.Series) -> None:
    r = spx.to_numpy()
    s, k = skew(r, bias=False), kurtosis(r, bias=False)
    mu, sd = r.mean(), r.std(ddof=1)
    res = risk.cornish_fisher(r, 0.99)

    def q(u: float) -> float:
        z = norm.ppf(u)
        return mu + sd * (z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36)

    assert res.var == pytest.approx(-q(0.01), rel=1e-12)
    tail, _ = integrate.quad(q, 1e-12, 0.01, limit=200)
    assert res.cvar == pytest.approx(-tail / 0.01, rel=2e-3)  # the midpoint grid against adaptive quadrature
    assert res.var > risk.parametric(r, 0.99).var  # the S&P's fat left tail
    assert float(risk._cf_z(-1.5, 0.0, 0.0)) == -1.5


def test_filtered_historical_rescales_garch_residuals(spx: pd.Series) -> None:
    from arch import arch_model

    r = spx.to_numpy()[-1500:]
    fit = arch_model(r * 100, mean="Constant", vol="GARCH", p=1, q=1).fit(disp="off")
    z = fit.std_resid
    sigma = np.sqrt(fit.forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0]) / 100
    expected = -(fit.params["mu"] / 100 + sigma * np.quantile(z, 0.05))
    assert risk.filtered_historical(r, 0.95).var == pytest.approx(expected, rel=1e-9)


def test_filtered_historical_reacts_to_a_volatile_end() -> None:
    rng = np.random.default_rng(5)
    calm, wild = rng.normal(0, 0.005, 900), rng.normal(0, 0.03, 100)
    r = np.concatenate([calm, wild])
    assert risk.filtered_historical(r).var > 1.5 * risk.historical(r).var


def test_rolling_var_uses_only_the_window_before_each_bar(spx: pd.Series) -> None:
    s = spx.iloc[:400]
    roll = risk.rolling_var(s, window=250)
    assert roll.iloc[:250].isna().all().all()
    assert roll["var"].iloc[300] == pytest.approx(risk.historical(s.iloc[50:300]).var, rel=1e-12)
    changed = s.copy()
    changed.iloc[350:] = -0.5
    assert roll.iloc[:351].equals(risk.rolling_var(changed, window=250).iloc[:351])


def test_component_var_adds_up_and_matches_the_numerical_derivative() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(0, 0.01, 800)
    x = pd.DataFrame({"a": 0.6 * base + rng.normal(0, 0.004, 800), "b": 0.4 * base + rng.normal(0, 0.008, 800),
                      "c": rng.normal(0, 0.002, 800)})
    comp = risk.component_var(x, 0.95)
    z = -norm.ppf(0.05)
    total = z * x.sum(axis=1).std(ddof=1)
    assert comp["component"].sum() == pytest.approx(total, rel=1e-10)
    h = 1e-6
    for col in x.columns:
        bumped = x.copy()
        bumped[col] *= 1 + h
        deriv = (z * bumped.sum(axis=1).std(ddof=1) - total) / h
        assert comp.loc[col, "component"] == pytest.approx(deriv, rel=1e-4)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ConfigError, match="at least 10"):
        risk.historical([0.01, -0.02])
    with pytest.raises(ConfigError, match="unknown VaR method"):
        risk.value_at_risk(np.zeros(20), method="magic")
    with pytest.raises(ConfigError, match="level"):
        risk.historical(np.zeros(20), level=5)


def test_stress_replay_by_hand_on_a_table() -> None:
    idx = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    closes = pd.DataFrame({"A": [100.0, 80.0, 90.0, 70.0], "B": [50.0, 55.0, 60.0, 55.0]}, index=idx)
    sc = Scenario("test", "2024-01-01", "2024-01-04")
    table = stress_table(closes, {"A": 0.5, "B": 0.5}, [sc], shocks=[{"A": -0.2}])
    # value: 1 + 0.5 (A/100 - 1) + 0.5 (B/50 - 1): 1, 0.95, 1.05, 0.9 -> return -10%, drawdown 1 - 0.9/1.05
    assert table.loc[0, "portfolio_return"] == pytest.approx(-0.10)
    assert table.loc[0, "max_drawdown"] == pytest.approx(1 - 0.9 / 1.05)
    assert table.loc[1, "portfolio_return"] == pytest.approx(-0.10)


def test_stress_on_bundled_data_replays_2008_and_marks_missing_windows() -> None:
    closes = pd.DataFrame({s: load_sample(s)["close"] for s in ("SP500", "AAPL", "GOOG")})
    table = stress_table(closes, {"SP500": 0.5, "AAPL": 0.3, "GOOG": 0.2}, SCENARIOS).set_index("scenario")
    gfc = table.loc["financial crisis 2008-09"]
    spx = load_sample("SP500")["close"]
    win = spx[(spx.index >= pd.Timestamp("2007-10-09", tz="UTC")) & (spx.index <= pd.Timestamp("2009-03-10", tz="UTC"))]
    assert gfc["return_SP500"] == pytest.approx(win.iloc[-1] / win.iloc[0] - 1, rel=1e-12)
    assert gfc["portfolio_return"] < -0.4 and gfc["missing"] == ""
    assert table.loc["dot-com bust 2000-02", "missing"] == "GOOG"  # GOOG listed in 2004
    assert table.loc["covid crash 2020", "missing"] == "SP500,AAPL,GOOG"
    assert np.isnan(table.loc["covid crash 2020", "portfolio_return"])
