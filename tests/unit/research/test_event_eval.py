"""Fingerprints of Python strategies change with their logic, so stored trials are never reused wrongly."""

from __future__ import annotations

from alphalab.research.engine_eval import EngineEvaluator
from alphalab.research.event_eval import EventEvaluator, evaluator_for, space_for
from alphalab.strategies.api import Param, Strategy

TEMPLATE = '''
class Probe(Strategy):
    parameters = {{"n": Param("int", 3, min=1, max=5)}}

    def on_bar(self, ctx):
        if ctx.bar_index == {bar}:
            ctx.enter(ctx.symbols[0], 1)
'''


def _probe(bar: int) -> type[Strategy]:
    ns: dict[str, object] = {"Strategy": Strategy, "Param": Param}
    exec(TEMPLATE.format(bar=bar), ns)  # no readable source: the code itself must be hashed
    return ns["Probe"]  # type: ignore[return-value]


def test_changed_logic_without_source_changes_the_fingerprint():
    ev = EventEvaluator()
    a1, a2, b = _probe(10), _probe(10), _probe(11)
    fp = [ev.fingerprint(s, "sample:AAPL", "1d", None) for s in (a1, a2, b)]
    assert fp[0] == fp[1] != fp[2]


def test_python_strategy_gets_the_event_evaluator_and_its_param_space():
    probe = _probe(10)
    assert type(evaluator_for(probe)) is EventEvaluator
    assert type(evaluator_for("ema_cross")) is EngineEvaluator
    space = space_for(probe)
    assert space.names == ["n"] and space.params["n"].grid_values() == [1, 2, 3, 4, 5]


def test_space_override_of_an_undeclared_name_raises_with_suggestion():
    import pytest

    from alphalab.core.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        space_for("ema_cross", ["fsat=5,10"])
    assert "did you mean 'fast'" in str(err.value.hint)
    assert space_for("ema_cross", ["fast=5,10"]).params["fast"].grid_values() == [5, 10]
