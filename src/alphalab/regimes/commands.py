"""The work behind ``alphalab regimes fit | label | show``: detect, store, summarise, export, chart.

Every function returns a JSON-ready dict (the command's ``--json`` document). Series are stored
with :class:`~alphalab.regimes.store.RegimeStore` under (source, symbol, timeframe, config hash),
so ``label`` and ``show`` reuse what ``fit`` computed while the bars are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphalab.core.errors import ConfigError
from alphalab.regimes.config import REGIME_LABELS, UNKNOWN, HMMConfig, RuleConfig, config_hash
from alphalab.regimes.detection import make_config
from alphalab.regimes.store import RegimeStore, frame_digest


@dataclass(frozen=True)
class Target:
    """The bars a command works on and the store key they go under."""

    symbol: str
    source: str
    name: str
    timeframe: str
    frame: pd.DataFrame


def split_symbol(symbol: str) -> tuple[str, str]:
    """Return (source, symbol) of a ``source:symbol`` string; a bare symbol has source ``catalog``."""
    source, sep, bare = symbol.partition(":")
    if not sep:
        return "catalog", symbol
    return source.lower(), bare


def load_target(symbol: str, timeframe: str, start: str | None = None, end: str | None = None) -> Target:
    """Load the bars of ``symbol`` (anything ``alphalab.data.load_bars`` reads)."""
    from alphalab.data import load_bars

    frame = load_bars(symbol, timeframe, start, end)
    if len(frame) == 0:
        raise ConfigError(f"no bars for {symbol} {timeframe} in the chosen dates", hint="widen --start/--end")
    source, name = split_symbol(symbol)
    return Target(symbol, source, name, timeframe, frame)


def _value(key: str, text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if key == "features" and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def parse_settings(method: str, pairs: Sequence[str]) -> HMMConfig | RuleConfig:
    """Return a detector configuration from ``KEY=VALUE`` pairs (values read as JSON when they parse).

    ``features=range,return`` is read as a list. Unknown keys and invalid values raise
    ``ValidationError`` naming the field.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"cannot read --set {pair!r}", hint="write KEY=VALUE, e.g. --set min_train=500")
        options[key.strip().replace("-", "_")] = _value(key.strip(), text.strip())
    return make_config(method, **options)


def _bar_returns(frame: pd.DataFrame) -> np.ndarray:
    close = frame["close"].to_numpy(dtype="float64")
    out = np.full(close.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[1:] = np.log(close[1:] / close[:-1])
    return out


def regime_statistics(frame: pd.DataFrame, labels: pd.Series) -> dict[str, Any]:
    """Return the share of labelled bars, mean and std of bar log returns per regime, and switches.

    A bar's return (close of t-1 to close of t) counts for the regime at bar t. ``switches`` is the
    number of bars whose label differs from the previous labelled bar's.
    """
    lab = labels.reindex(frame.index).fillna(UNKNOWN).to_numpy(dtype=object)
    rets = _bar_returns(frame)
    known = lab != UNKNOWN
    n_known = int(known.sum())
    per: dict[str, Any] = {}
    for name in REGIME_LABELS:
        mask = lab == name
        r = rets[mask & np.isfinite(rets)]
        per[name] = {
            "bars": int(mask.sum()),
            "share": float(mask.sum() / n_known) if n_known else None,
            "mean_return": float(r.mean()) if r.size else None,
            "volatility": float(r.std(ddof=1)) if r.size > 1 else None,
        }
    seq = lab[known]
    return {
        "bars": len(lab),
        "labelled": n_known,
        "first_labelled": frame.index[known][0].isoformat() if n_known else None,
        "switches": int(np.sum(seq[1:] != seq[:-1])) if n_known > 1 else 0,
        "regimes": per,
    }


def _fits(result: Any, index: pd.DatetimeIndex) -> list[dict[str, Any]]:
    out = []
    for fit in result.fits:
        states = [
            {"state": s, "label": lab, "mean_return": fit.state_mean[s], "volatility": fit.state_vol[s],
             "share": fit.state_share[s], "expected_duration": fit.state_duration[s]}
            for s, lab in enumerate(fit.state_labels)
        ]
        out.append({"bar": fit.bar, "time": index[fit.bar].isoformat(), "train_start": fit.train_start,
                    "train_stop": fit.train_stop, "log_likelihood": fit.log_likelihood, "states": states})
    return out


def _header(target: Target, config: HMMConfig | RuleConfig) -> dict[str, Any]:
    return {"symbol": target.symbol, "timeframe": target.timeframe, "method": config.method,
            "config": config.model_dump(mode="json"), "config_hash": config_hash(config)}


def fit_regimes(target: Target, config: HMMConfig | RuleConfig, store: RegimeStore | None = None) -> dict[str, Any]:
    """Detect the regimes of a target, store them, and return the summary (with HMM fit statistics)."""
    store = store or RegimeStore()
    fits: list[dict[str, Any]] = []
    if isinstance(config, HMMConfig):
        from alphalab.regimes.hmm import detect_hmm

        result = detect_hmm(target.frame, config)
        labels = result.labels
        fits = _fits(result, pd.DatetimeIndex(target.frame.index))
    else:
        from alphalab.regimes.rules import detect_rule

        labels = detect_rule(target.frame, config)
    path = store.write(labels, target.source, target.name, target.timeframe, config,
                       digest=frame_digest(target.frame))
    payload = {**_header(target, config), **regime_statistics(target.frame, labels), "stored": str(path)}
    if isinstance(config, HMMConfig):
        payload["fits"] = fits
    return payload


def label_regimes(
    target: Target, config: HMMConfig | RuleConfig, out: Path, store: RegimeStore | None = None
) -> dict[str, Any]:
    """Write the target's labels (cached in the store) to ``out`` (``.csv`` or ``.json``)."""
    suffix = out.suffix.lower()
    if suffix not in {".csv", ".json"}:
        raise ConfigError(f"cannot tell the format of {out}", hint="end --out with .csv or .json")
    store = store or RegimeStore()
    cached = store.digest_of(target.source, target.name, target.timeframe, config) == frame_digest(target.frame)
    labels = store.cached(target.frame, target.source, target.name, target.timeframe, config)
    times = pd.DatetimeIndex(labels.index).map(lambda t: t.isoformat())
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        pd.DataFrame({"time": times, "regime": labels.to_numpy(dtype=object)}).to_csv(out, index=False)
    else:
        doc = {**_header(target, config),
               "labels": [{"time": t, "regime": r} for t, r in zip(times, labels.tolist(), strict=True)]}
        out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return {**_header(target, config), **regime_statistics(target.frame, labels), "out": str(out),
            "cached": cached}


def show_regimes(
    target: Target, config: HMMConfig | RuleConfig, out: Path, store: RegimeStore | None = None
) -> dict[str, Any]:
    """Write a self-contained HTML chart of price with shaded regimes (and HMM probabilities)."""
    from alphalab.regimes.chart import write_regime_chart

    if out.suffix.lower() not in {".html", ".htm"}:
        raise ConfigError(f"the chart is HTML, got {out}", hint="end --out with .html")
    proba = None
    if isinstance(config, HMMConfig):
        from alphalab.regimes.hmm import detect_hmm

        result = detect_hmm(target.frame, config)
        labels, proba = result.labels, result.proba
        (store or RegimeStore()).write(labels, target.source, target.name, target.timeframe, config,
                                       digest=frame_digest(target.frame))
    else:
        labels = (store or RegimeStore()).cached(target.frame, target.source, target.name, target.timeframe,
                                                 config)
    title = f"{target.symbol} {target.timeframe}: {config.method} regimes ({config_hash(config)})"
    path = write_regime_chart(out, target.frame, labels, proba=proba, title=title)
    return {**_header(target, config), **regime_statistics(target.frame, labels), "chart": str(path)}
