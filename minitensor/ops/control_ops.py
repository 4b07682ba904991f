"""Ordering and bookkeeping ops: no_op, group, tuple, Print, check_numerics, Assert."""
import builtins
import sys

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel, register_gradient
from ..framework.tensor import Tensor
from .constant_op import convert_to_tensor
from .op_util import make_op


def no_op(name=None):
    """An op that does nothing: useful as a target for control dependencies."""
    return get_default_graph().create_op("NoOp", [], [], name=name or "NoOp")


@reference_kernel("NoOp")
def _no_op():
    return ()


not_differentiable("NoOp")


def group(*inputs, **kwargs):
    """One op that runs all of ``inputs`` (ops or tensors) when it runs."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError("tf.group got unexpected arguments %s" % sorted(kwargs))
    graph = get_default_graph()
    deps = []
    for item in inputs:
        items = item if isinstance(item, (list, builtins.tuple)) else [item]
        for x in items:
            element = graph.as_graph_element(x)
            deps.append(element.op if isinstance(element, Tensor) else element)
    with graph.control_dependencies(deps):
        return no_op(name=name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF's name
    """The same tensors, each available only after all of them are computed."""
    tensors = [convert_to_tensor(t) if t is not None else None for t in tensors]
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
    graph = get_default_graph()
    out = []
    with graph.control_dependencies([gate]):
        for t in tensors:
            out.append(None if t is None else make_op("Identity", [t], t.dtype.base_dtype, t.shape,
                                                      name="Identity"))
    return out


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802
    """Pass ``input_`` through, printing ``message`` and the values of ``data`` when it runs."""
    x = convert_to_tensor(input_)
    data = [convert_to_tensor(d) for d in data]
    return make_op("Print", [x] + data, x.dtype.base_dtype, x.shape, name=name or "Print",
                   attrs={"message": message or "", "first_n": first_n or -1,
                          "summarize": summarize or 3})


@reference_kernel("Print", needs_context=True)
def _print(ctx, x, *data, message, first_n, summarize):
    counter = ctx.session._print_counts
    counter[ctx.op] = counter.get(ctx.op, 0) + 1
    if first_n < 0 or counter[ctx.op] <= first_n:
        parts = []
        for d in data:
            flat = np.asarray(d).ravel()
            text = " ".join(str(v) for v in flat[:summarize])
            parts.append("[%s%s]" % (text, "..." if flat.size > summarize else ""))
        print(message + "".join(parts), file=sys.stderr)
    return x


@register_gradient("Print")
def _print_grad(op, grad):
    """printing does not change the value"""
    return [grad] + [None] * (len(op.inputs) - 1)


def check_numerics(tensor, message, name=None):
    """Pass ``tensor`` through; fail at run time if it holds NaN or Inf."""
    x = convert_to_tensor(tensor)
    return make_op("CheckNumerics", [x], x.dtype.base_dtype, x.shape, name=name or "CheckNumerics",
                   attrs={"message": message})


@reference_kernel("CheckNumerics", needs_context=True)
def _check_numerics(ctx, x, message):
    x = np.asarray(x)
    if not np.all(np.isfinite(x)):
        n_nan, n_inf = int(np.isnan(x).sum()), int(np.isinf(x).sum())
        source = ctx.op.inputs[0]
        raise InvalidArgumentError(
            "%s : Tensor had %s%s%s values. It comes from %s."
            % (message, "NaN" if n_nan else "", " and " if n_nan and n_inf else "",
               "Inf" if n_inf else "", source._describe()),
            hint="minitensor.debug.find_first_nonfinite(sess, fetches, feed_dict) names the first "
                 "op that turned finite inputs into NaN or Inf.")
    return x


@register_gradient("CheckNumerics")
def _check_numerics_grad(op, grad):
    """checking does not change the value"""
    return grad


def Assert(condition, data, summarize=None, name=None):  # noqa: N802
    """An op that fails at run time when ``condition`` is False."""
    condition = convert_to_tensor(condition)
    data = [convert_to_tensor(d) for d in data]
    return get_default_graph().create_op("Assert", [condition] + data, [], name=name or "Assert",
                                         attrs={"summarize": summarize or 3})


@reference_kernel("Assert")
def _assert(condition, *data, summarize):
    if not np.all(condition):
        shown = ", ".join(str(np.asarray(d).ravel()[:summarize].tolist()) for d in data)
        raise InvalidArgumentError("assertion failed: [%s]" % shown)
    return ()


not_differentiable("Assert")
