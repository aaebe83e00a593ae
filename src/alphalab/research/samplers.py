"""Samplers: grid, random, Latin hypercube (planned up front) and Optuna TPE / NSGA-II (ask and tell).

Every sampler is seeded, so the same call proposes the same trials; that is what lets a re-run
find its finished trials in the store and skip them (Optuna too: with the same history it asks
the same next points).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from alphalab.core.errors import ConfigError
from alphalab.research.objectives import Constraint, Objective
from alphalab.research.space import SearchSpace, Value

PLANNED = ("grid", "random", "lhs")
ADAPTIVE = ("tpe", "nsga2")
SAMPLERS = PLANNED + ADAPTIVE


def plan(space: SearchSpace, method: str, n_trials: int | None, seed: int = 0) -> list[dict[str, Value]]:
    """Return the full list of parameter sets a planned sampler proposes.

    Parameters
    ----------
    space
        The search space.
    method
        ``"grid"`` (every combination; ``n_trials`` ignored), ``"random"`` or ``"lhs"``.
    n_trials
        Number of trials of the random and Latin hypercube samplers (default 100).
    seed
        Seed of the random generator.
    """
    if method == "grid":
        return space.grid()
    if method not in ("random", "lhs"):
        raise ConfigError(f"unknown sampler {method!r}", hint=f"choose one of {', '.join(SAMPLERS)}")
    n = int(n_trials or 100)
    rng = np.random.default_rng(seed)
    out: list[dict[str, Value]] = []
    for _ in range(_MAX_ROUNDS):  # sets the constraints exclude are dropped and drawn again
        out += [s for s in _draw(space, method, n, rng) if space.allows(s)]
        if len(out) >= n or not space.constraints:
            return out[:n]
    if not out:
        raise ConfigError("the parameter constraints exclude every point of the search space",
                          hint="widen the --space ranges or check the strategy's 'constraints'")
    return out


_MAX_ROUNDS = 50


def _draw(space: SearchSpace, method: str, n: int, rng: np.random.Generator) -> list[dict[str, Value]]:
    d = len(space.params)
    if method == "random":
        u = rng.random((n, d))
    else:
        # one point in each of n equal strata per dimension, strata shuffled independently per dimension
        u = (np.argsort(rng.random((n, d)), axis=0) + rng.random((n, d))) / n
    params = list(space.params.values())
    return [{p.name: p.from_unit(float(u[i, j])) for j, p in enumerate(params)} for i in range(n)]


class OptunaSampler:
    """Ask-and-tell wrapper of an Optuna study (TPE for one objective, NSGA-II for several)."""

    def __init__(
        self,
        space: SearchSpace,
        method: str,
        objectives: Sequence[Objective],
        constraints: Sequence[Constraint] = (),
        seed: int = 0,
    ) -> None:
        from alphalab._optional import require

        optuna = require("optuna", purpose="the tpe and nsga2 samplers")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self.space = space
        self.objectives = list(objectives)
        self.constraints = list(constraints)
        cf = self._constraints_of if self.constraints else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "tpe":
                sampler = optuna.samplers.TPESampler(seed=seed, constraints_func=cf)
            elif method == "nsga2":
                sampler = optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)
            else:
                raise ConfigError(f"unknown Optuna sampler {method!r}")
            directions = ["maximize" if o.direction == "max" else "minimize" for o in self.objectives]
            self.study = optuna.create_study(directions=directions, sampler=sampler)
        self._dists = {name: self._distribution(p) for name, p in space.params.items()}
        self._open: dict[int, Any] = {}

    @staticmethod
    def _constraints_of(trial: Any) -> Sequence[float]:
        return trial.user_attrs.get("constraints", [0.0])  # type: ignore[no-any-return]

    def _distribution(self, p: Any) -> Any:
        d = self._optuna.distributions
        if p.kind == "choice":
            return d.CategoricalDistribution(list(p.choices))
        if p.kind == "int":
            return d.IntDistribution(int(p.low), int(p.high), step=int(p.step or 1))
        return d.FloatDistribution(float(p.low), float(p.high), step=p.step)

    def ask(self, n: int) -> list[tuple[int, dict[str, Value]]]:
        """Return ``n`` new (ticket, params) pairs."""
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                trial, params = self._ask_allowed()
                self._open[trial.number] = trial
                out.append((trial.number, params))
        return out

    def _ask_allowed(self) -> tuple[Any, dict[str, Value]]:
        """Ask until a proposal satisfies the space's constraints (excluded ones are told as pruned)."""
        for _ in range(_MAX_ROUNDS * 20):
            trial = self.study.ask(self._dists)
            params = {k: self.space.params[k].cast(v) for k, v in trial.params.items()}
            if self.space.allows(params):
                return trial, params
            self.study.tell(trial, state=self._optuna.trial.TrialState.PRUNED)
        raise ConfigError("the sampler found no parameter set that satisfies the constraints",
                          hint="widen the --space ranges or check the strategy's 'constraints'")

    def tell(self, ticket: int, metrics: Mapping[str, Any] | None) -> None:
        """Report a finished trial's metrics (None for a failed trial)."""
        trial = self._open.pop(ticket)
        states = self._optuna.trial.TrialState
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if metrics is None:
                self.study.tell(trial, state=states.FAIL)
                return
            values = [float(metrics.get(o.metric, float("nan"))) for o in self.objectives]
            if any(np.isnan(values)):
                self.study.tell(trial, state=states.FAIL)
                return
            if self.constraints:
                trial.set_user_attr("constraints", [c.violation(metrics) for c in self.constraints])
            self.study.tell(trial, values if len(values) > 1 else values[0])
