"""GARCH-family forecasts equal arch called directly, follow the refit schedule and never look ahead."""

from __future__ import annotations

import arch
import numpy as np
import pytest

from alphalab.core.errors import ConfigError
from alphalab.indicators import compute, get
from alphalab.quant import garch


def _closes(n: int = 420, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = 0.01 * (1.0 + 0.6 * np.sin(np.arange(n) / 25.0))
    return 100.0 * np.exp(np.cumsum(rng.standard_t(6, n) * scale))


@pytest.mark.parametrize("kind", ["garch", "gjr", "egarch"])
def test_fit_params_equal_arch_called_directly(kind: str) -> None:
    r = garch.pct_returns(_closes())[:300]
    fit = garch.fit_garch(r, kind)
    res = arch.arch_model(r, rescale=False, **garch.arch_spec(kind)).fit(disp="off")
    ref = res.params.to_numpy()
    mine = fit.params if kind != "garch" else np.delete(fit.params, 3)
    np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=0)
    assert fit.converged


@pytest.mark.parametrize("kind", ["garch", "gjr", "egarch"])
def test_forecasts_between_refits_equal_arch_fixed_params(kind: str) -> None:
    r = garch.pct_returns(_closes())
    min_obs, every = 150, 60
    var = garch.garch_variance_forecasts(r, kind, min_obs, every, window=1000)
    assert np.isnan(var[: min_obs - 1]).all() and np.isfinite(var[min_obs - 1 :]).all()
    for refit, count in ((150, 150), (150, 171), (210, 269), (390, 419)):
        params = arch.arch_model(r[:refit], rescale=False, **garch.arch_spec(kind)).fit(disp="off").params
        model = arch.arch_model(r[:count], rescale=False, **garch.arch_spec(kind))
        ref = model.fix(params.to_numpy()).forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0]
        np.testing.assert_allclose(var[count - 1], ref, rtol=1e-10)


def test_rolling_window_fits_the_last_window_returns_only() -> None:
    r = garch.pct_returns(_closes())
    var = garch.garch_variance_forecasts(r, "garch", 100, 100, window=120)
    start = 300 - 120
    params = arch.arch_model(r[start:300], rescale=False, **garch.arch_spec("garch")).fit(disp="off").params
    model = arch.arch_model(r[start:330], rescale=False, **garch.arch_spec("garch"))
    ref = model.fix(params.to_numpy()).forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0]
    np.testing.assert_allclose(var[329], ref, rtol=1e-10)


def test_changing_data_after_t_never_changes_values_at_or_before_t() -> None:
    close = _closes()
    base = garch.garch_vol(close, "gjr", min_obs=60, refit_every=30)
    for t in (59, 60, 61, 89, 90, 200, 418):
        altered = close.copy()
        altered[t + 1 :] *= np.linspace(1.5, 0.4, altered.shape[0] - t - 1)
        np.testing.assert_array_equal(garch.garch_vol(altered, "gjr", 60, 30)[: t + 1], base[: t + 1])


def test_indicator_registry_serves_garch_vol_with_missing_bars() -> None:
    close = _closes()
    close[[5, 77, 200]] = np.nan
    out = compute("garch_vol", {"close": close}, kind="egarch", min_obs=80, refit_every=40)["value"]
    valid = np.isfinite(close)
    assert np.isnan(out[~valid]).all()
    direct = garch.garch_vol(close[valid], "egarch", 80, 40)
    np.testing.assert_array_equal(out[valid], direct)
    assert get("garch_vol").warmup(min_obs=80) == 80
    assert 0.002 < float(np.nanmedian(out)) < 0.05


def test_streaming_twin_equals_batch_with_refits() -> None:
    close = _closes(300)
    batch = garch.garch_vol(close, "garch", min_obs=40, refit_every=7, window=90)
    stream = get("garch_vol").stream(kind="garch", min_obs=40, refit_every=7, window=90)
    streamed = np.array([stream.update(close=c)[0] for c in close])
    np.testing.assert_allclose(streamed, batch, rtol=1e-12)
    assert np.isnan(streamed[:40]).all() and np.isfinite(streamed[40:]).all()


def test_constant_prices_give_nan_not_an_error() -> None:
    assert np.isnan(garch.garch_vol(np.full(120, 10.0), min_obs=50)).all()


def test_vol_target_weights_scale_inversely_and_cap() -> None:
    vol = np.array([0.01, 0.02, np.nan, 0.0, 0.001])
    w = garch.vol_target_weights(vol, target=0.16, periods_per_year=256.0, max_leverage=2.0)
    np.testing.assert_allclose(w, [1.0, 0.5, 0.0, 0.0, 2.0])


def test_bad_schedule_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="min_obs"):
        garch.garch_vol(_closes(), min_obs=5)
    with pytest.raises(ConfigError, match="kind"):
        garch.fit_garch(np.ones(50), "figarch")
