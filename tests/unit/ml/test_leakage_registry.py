"""The leakage check flags a planted centred moving average; the model registry round-trips with cards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphalab.core.errors import NotFoundError
from alphalab.ml import registry
from alphalab.ml.features import compute_features, parse_features
from alphalab.ml.leakage import check_leakage
from alphalab.ml.models import make_model
from alphalab.ml.pipeline import DEFAULT_FEATURES


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return pd.DataFrame(
        {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": np.full(n, 1e3)},
        index=pd.date_range("2023-01-02", periods=n, freq="1D", tz="UTC", name="time"),
    )


def test_centred_moving_average_is_flagged_and_causal_features_pass() -> None:
    fs = parse_features(DEFAULT_FEATURES)

    def with_leak(frame: pd.DataFrame) -> pd.DataFrame:
        out = compute_features(fs, frame)
        out["centred_ma"] = frame["close"].rolling(5, center=True).mean()
        out["future_return"] = frame["close"].shift(-1) / frame["close"] - 1  # the label itself
        return out

    leaks = check_leakage(with_leak, _frame())
    assert {leak.feature for leak in leaks} == {"centred_ma", "future_return"}
    cma = next(leak for leak in leaks if leak.feature == "centred_ma")
    assert cma.first_changed < cma.cut
    assert check_leakage(fs, _frame()) == []


def _card(name: str = "demo") -> registry.ModelCard:
    return registry.ModelCard(
        name=name, kind="logistic", features={"features": []}, label={"kind": "forward_return_sign"},
        train_start="2020-01-01", train_end="2021-01-01", data_hash="abc", cv={"auc": 0.55},
    )


def test_registry_versions_aliases_and_cards_round_trip() -> None:
    x = np.random.default_rng(0).normal(size=(50, 2))
    y = (x[:, 0] > 0).astype(int)
    m1 = make_model("logistic").fit(x, y)
    assert registry.register(m1, _card()) == 1
    assert registry.register(make_model("logistic", C=0.01).fit(x, y), _card()) == 2
    registry.promote("demo", 1, "champion")
    model, card = registry.load("demo", "champion")
    assert card.version == 1 and card.cv == {"auc": 0.55} and card.data_hash == "abc"
    np.testing.assert_array_equal(model.predict_proba(x), m1.predict_proba(x))
    assert registry.load("demo")[1].version == 2
    with pytest.raises(NotFoundError, match="alias"):
        registry.load("demo", "staging")
    with pytest.raises(NotFoundError, match="version 9"):
        registry.promote("demo", 9)
