"""The registry's contract, the dispatch layer's validation, warm-up lengths and the 2-D / NaN policy."""

from __future__ import annotations

import numpy as np
import pytest
from _ind_data import inputs_for, random_bars

from alphalab.core.errors import ConfigError
from alphalab.indicators import compute, get, names, registry

REQUIRED = [
    "sma",
    "ema",
    "wma",
    "dema",
    "tema",
    "hma",
    "rsi",
    "macd",
    "bbands",
    "atr",
    "natr",
    "adx",
    "stoch",
    "stochrsi",
    "donchian",
    "keltner",
    "obv",
    "volume_sma",
    "vwap",
    "cci",
    "roc",
    "mom",
    "willr",
    "mfi",
    "supertrend",
    "ichimoku",
    "stddev",
    "zscore",
    "highest",
    "lowest",
    "hv",
    "linreg_slope",
]


def test_registry_names_list_every_required_indicator() -> None:
    assert set(REQUIRED) <= set(names())
    assert names() == sorted(names()) == registry.names()


@pytest.mark.parametrize(
    ("name", "outputs"),
    [
        ("atr", ("value",)),
        ("bbands", ("middle", "upper", "lower", "percent_b", "bandwidth")),
        ("macd", ("macd", "signal", "hist")),
        ("adx", ("adx", "plus_di", "minus_di")),
        ("stoch", ("k", "d")),
        ("donchian", ("upper", "middle", "lower")),
        ("keltner", ("middle", "upper", "lower")),
        ("ichimoku", ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou")),
        ("supertrend", ("value", "direction")),
        ("rsi", ("value",)),
    ],
)
def test_contract_indicator_has_the_agreed_outputs(name: str, outputs: tuple[str, ...]) -> None:
    assert get(name).outputs == outputs


def test_main_window_parameter_is_called_period() -> None:
    for name in ("sma", "ema", "rsi", "atr", "bbands", "cci", "hv", "vwap"):
        assert "period" in get(name).params, name
    assert list(get("macd").params) == ["fast", "slow", "signal"]
    assert list(get("bbands").params) == ["period", "std"]
    assert set(get("stoch").params) == {"k_period", "d_period", "smooth_k"}


@pytest.mark.parametrize("name", REQUIRED)
def test_param_defaults_lie_in_their_range_and_are_documented(name: str) -> None:
    defn = get(name)
    assert defn.description
    for p in defn.params.values():
        assert p.doc, f"{name}.{p.name} has no doc"
        assert p.coerce(name, p.default) == p.default
        if p.min is not None:
            assert p.min <= float(p.default) <= float(p.max or np.inf)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", REQUIRED)
def test_warmup_equals_leading_nans_on_gap_free_data(name: str) -> None:
    bars = random_bars(300, seed=1)
    out = compute(name, inputs_for(name, bars))
    warm = get(name).warmup()
    stacked = np.vstack(list(out.values()))
    valid = ~np.isnan(stacked).any(axis=0)
    assert not valid[:warm].any()
    assert valid[warm:].all()


@pytest.mark.parametrize("name", REQUIRED)
def test_2d_columns_equal_per_column_1d_results(name: str) -> None:
    cols = [random_bars(260, seed=s, gaps=g) for s, g in ((2, 0.0), (3, 0.0), (4, 0.1))]
    late = 60
    for k in ("open", "high", "low", "close", "volume"):
        cols[1][k][:late] = np.nan  # an asset that starts later
    defn = get(name)
    stacked = {k: np.column_stack([c[k] for c in cols]) for k in defn.inputs}
    if "time" in defn.optional_inputs:
        stacked["time"] = cols[0]["time"]
    out_2d = compute(name, stacked)
    for j, col in enumerate(cols):
        out_1d = compute(name, inputs_for(name, col))
        for o in defn.outputs:
            np.testing.assert_array_equal(out_2d[o][:, j], out_1d[o], err_msg=f"{name}.{o} column {j}")
    trimmed = {k: v[late:] for k, v in inputs_for(name, cols[1]).items()}
    out_trim = compute(name, trimmed)
    for o in defn.outputs:
        assert np.isnan(out_2d[o][:late, 1]).all()
        np.testing.assert_array_equal(out_2d[o][late:, 1], out_trim[o], err_msg=f"{name}.{o} late start")


@pytest.mark.parametrize("name", REQUIRED)
def test_missing_bars_are_skipped_as_if_absent(name: str) -> None:
    bars = random_bars(240, seed=5, gaps=0.15)
    keep = ~np.isnan(bars["close"])
    full = compute(name, inputs_for(name, bars))
    compact = compute(name, {k: v[keep] for k, v in inputs_for(name, bars).items()})
    for o, arr in full.items():
        assert np.isnan(arr[~keep]).all()
        np.testing.assert_array_equal(arr[keep], compact[o])


def test_batch_method_returns_time_by_asset_arrays() -> None:
    close = np.arange(1.0, 41.0).reshape(20, 2)
    (value,) = get("sma").batch(close=close, period=3)
    assert value.shape == (20, 2)
    np.testing.assert_allclose(value[2:, 0], (close[:-2, 0] + close[1:-1, 0] + close[2:, 0]) / 3.0)


def test_integer_inputs_are_accepted_as_float64() -> None:
    out = compute("sma", {"close": np.arange(10)}, period=2)
    assert out["value"].dtype == np.float64
    assert out["value"][1] == 0.5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: get("smaa"), "unknown indicator 'smaa'"),
        (lambda: compute("sma", {"close": np.ones(5)}, window=3), "no parameter 'window'"),
        (lambda: compute("sma", {"close": np.ones(5)}, period=0), "between 1 and"),
        (lambda: compute("sma", {"close": np.ones(5)}, period=2.5), "whole number"),
        (lambda: compute("sma", {"close": np.ones(5)}, period=True), "must be a number"),
        (lambda: compute("bbands", {"close": np.ones(5)}, std=float("nan")), "finite"),
        (lambda: compute("sma", {"close": np.array(["a", "b"])}), "must hold numbers"),
        (lambda: compute("sma", {"close": np.ones((2, 2, 2))}), "must have shape"),
        (lambda: compute("sma", {"price": np.ones(5)}), "missing input"),
        (lambda: compute("sma", {"close": np.ones(5), "high": np.ones(5)}), "no input 'high'"),
        (
            lambda: compute("atr", {"high": np.ones(5), "low": np.ones(4), "close": np.ones(5)}),
            "different shapes",
        ),
        (lambda: compute("macd", {"close": np.ones(50)}, fast=26, slow=12), "fast .* shorter than slow"),
        (
            lambda: compute("vwap", {k: np.ones(5) for k in ("high", "low", "close", "volume")}),
            "needs the input 'time'",
        ),
        (
            lambda: compute(
                "vwap", {"time": np.ones(5), **{k: np.ones(5) for k in ("high", "low", "close", "volume")}}
            ),
            "int64 nanoseconds",
        ),
        (
            lambda: compute(
                "vwap", {k: np.ones(5) for k in ("high", "low", "close", "volume")}, anchor="week"
            ),
            "one of session, rolling",
        ),
        (lambda: get("sma").batch(close=np.ones(5)), r"shape \(time, asset\)"),
        (lambda: get("rsi").stream(period=-1), "between 1 and"),
    ],
)
def test_bad_request_raises_readable_config_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        call()


def test_stream_ignores_extra_bar_fields_and_skips_missing_bars() -> None:
    s = get("sma").stream(period=2)
    assert np.isnan(s.update(close=1.0, open=9.0)[0])
    assert np.isnan(s.update(close=float("nan"))[0])
    assert s.update(close=3.0, volume=5.0) == (2.0,)


def test_session_vwap_stream_without_time_raises_config_error() -> None:
    s = get("vwap").stream()
    with pytest.raises(ConfigError, match="time"):
        s.update(high=1.0, low=1.0, close=1.0, volume=1.0)
