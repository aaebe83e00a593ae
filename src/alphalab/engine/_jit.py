"""Compilation options shared by the engine's numba functions.

``RULE``: the rule, accounting and loop functions allocate nothing, so they are compiled without
numba's reference counting (``_nrt=False``): handing them the state tuples then costs no atomic
reference-count updates, which otherwise dominated the cost of a fill and of a bar. Divisions
follow numpy's error model (no ZeroDivisionError branch; the rules never divide by zero on valid
input, so results are unchanged). Functions that allocate (``new_state``, ``simulate_nb``) keep
the defaults.

``ENTRY``: functions called from Python (the event loop's phases) keep reference counting: numba
unboxes arrays from Python much faster into such functions, which then call the ``RULE`` ones.
"""

from __future__ import annotations

from typing import Any

RULE: dict[str, Any] = {"cache": True, "error_model": "numpy", "_nrt": False}
ENTRY: dict[str, Any] = {"cache": True, "error_model": "numpy"}
