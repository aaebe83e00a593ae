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


def _prefetch_intrinsic() -> Any:
    """Build ``prefetch(arr, idx)``: a hint to load the cache line of ``arr[idx]`` (``idx`` a tuple of ints).

    The line is requested from memory without waiting for it (LLVM's ``llvm.prefetch``; a hint never
    faults). The fast path knows its next signal bars long before it gets there, and the values it
    reads there (the open at the fill, the signal columns) are not otherwise streamed through the cache.
    """
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def prefetch(typingctx: Any, arr: Any, idx: Any) -> Any:
        if not isinstance(arr, types.Array) or not isinstance(idx, types.BaseTuple) or len(idx) != arr.ndim:
            return None
        if not all(isinstance(t, types.Integer) for t in getattr(idx, "types", ())):
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            aryty, idxty = signature.args
            ary = context.make_array(aryty)(context, builder, args[0])
            raw = cgutils.unpack_tuple(builder, args[1], len(idxty))
            ind = [context.cast(builder, v, ty, types.intp) for v, ty in zip(raw, idxty, strict=True)]
            i8p = ir.IntType(8).as_pointer()
            ptr = builder.bitcast(cgutils.get_item_pointer(context, builder, aryty, ary, ind), i8p)
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
            builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
            return context.get_dummy_value()

        return types.void(arr, idx), codegen

    return prefetch


prefetch = _prefetch_intrinsic()
