"""``tf.gradients``: reverse-mode differentiation that builds *graph ops*.

``gradients(ys, xs)`` adds ops that compute d(sum ys)/d(xs) and returns their output
tensors -- ordinary tensors you can fetch, print, draw and differentiate again.

The algorithm (TF 1.x's, iterative so a 10,000-op chain is fine):

1. Find the ops *between* xs and ys: reachable backwards from ys and forwards from xs.
2. Count, for each such op, how many of its consumers (between xs and ys) must send it a
   gradient first (``pending``).
3. Start from ys with ``grad_ys`` (ones by default).  Take an op whose consumers have all
   reported, add up the gradients of each output (``add_n``), call the op type's registered
   gradient function (``registry.register_gradient``), and hand each input its share.
4. The gradient of each x is the sum of what reached it -- or ``None`` when no
   differentiable path joins it to ys.
"""
import collections

from .framework import errors
from .framework.errors import format_site
from .framework.graph import get_default_graph
from .framework.registry import get_op_def
from .framework.tensor import Tensor
from .ops import array_ops, math_ops
from .ops.constant_op import convert_to_tensor


def _as_tensor_list(values, what):
    if values is None:
        return None
    if not isinstance(values, (list, tuple)):
        values = [values]
    out = []
    for v in values:
        if v is None:
            raise ValueError("tf.gradients: %s contains None." % what)
        if hasattr(v, "_ref") and not isinstance(v, Tensor):
            out.append(v._ref())           # a Variable: differentiate w.r.t. the variable itself
        else:
            out.append(convert_to_tensor(v))
    return out


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Symbolic gradients of ``sum(ys)`` with respect to each of ``xs``.

    Returns a list with one tensor per x (``None`` where x does not affect ys, or with
    ``unconnected_gradients='zero'`` a zero tensor).
    """
    ys = _as_tensor_list(ys, "ys")
    xs = _as_tensor_list(xs, "xs")
    graph = ys[0].graph if ys else get_default_graph()
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    elif not isinstance(grad_ys, (list, tuple)):
        grad_ys = [grad_ys]
    if len(grad_ys) != len(ys):
        raise ValueError("tf.gradients: %d grad_ys for %d ys." % (len(grad_ys), len(ys)))
    stop_ops = {t.op for t in (_as_tensor_list(stop_gradients, "stop_gradients") or [])}

    with graph.as_default(), graph.name_scope(name):
        between = _ops_between(ys, xs)
        pending = collections.Counter()
        for op in between:
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] += 1
        grads = collections.defaultdict(list)
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None:
                gy = array_ops.ones_like(y, name="grad_ys_%d" % i)
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype.base_dtype)
            grads[y].append(gy)
        x_set = set(xs)
        ready = [y.op for y in ys if y.op in between and pending[y.op] == 0]
        ready = list(dict.fromkeys(ready))
        while ready:
            op = ready.pop()
            out_grads = [_aggregate(grads.get(t)) for t in op.outputs]
            is_x_only = all(t in x_set for t in op.outputs)
            if any(g is not None for g in out_grads) and op not in stop_ops and not is_x_only:
                in_grads = _call_gradient(op, out_grads)
                for t, g in zip(op.inputs, in_grads):
                    if g is not None and t.op in between and t.dtype.is_differentiable:
                        grads[t].append(g)
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0:
                        ready.append(t.op)
        result = []
        for x in xs:
            g = _aggregate(grads.get(x))
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
    return result


def _ops_between(ys, xs):
    """Ops on some path from an x to a y (both ends included)."""
    reached, stack = set(), [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        refs = _ref_inputs(op)
        stack.extend(t.op for i, t in enumerate(op.inputs) if i not in refs)
    between, stack = set(), [x.op for x in xs]
    while stack:
        op = stack.pop()
        if op in between or op not in reached:
            continue
        between.add(op)
        for t in op.outputs:
            stack.extend(c for c in t._consumers if c in reached)
    return between


def _ref_inputs(op):
    d = get_op_def(op.type)
    return d.ref_inputs if d is not None else ()


def _aggregate(grad_list):
    if not grad_list:
        return None
    if len(grad_list) == 1:
        return grad_list[0]
    return math_ops.add_n(grad_list)


def _call_gradient(op, out_grads):
    op_def = get_op_def(op.type)
    if op_def is None or op_def.has_gradient is None:
        raise LookupError(
            "No gradient is defined for operation '%s' (op type: %s, created at %s). Register "
            "one with @register_gradient(%r), or wrap the input in tf.stop_gradient if no "
            "gradient should flow through it." % (op.name, op.type, format_site(op.site), op.type))
    if op_def.has_gradient is False:
        return [None] * len(op.inputs)
    if len(op.outputs) > 1 and not getattr(op_def.gradient, "accepts_none", False):
        # outputs nothing depends on get zeros -- unless the gradient function says it
        # handles None itself (``fn.accepts_none = True``: the fused RNN ops, whose unused
        # gate outputs would otherwise cost a zero-filled array each, every step)
        out_grads = [g if g is not None else array_ops.zeros_like(t)
                     for g, t in zip(out_grads, op.outputs)]
    with op.graph.name_scope(op.name + "_grad"):
        in_grads = op_def.gradient(op, *out_grads)
    if isinstance(in_grads, Tensor) or in_grads is None:
        in_grads = [in_grads]
    in_grads = list(in_grads)
    if len(in_grads) != len(op.inputs):
        raise errors.InternalError(
            "The gradient function of %s returned %d gradients for %d inputs."
            % (op.type, len(in_grads), len(op.inputs)))
    for t, g in zip(op.inputs, in_grads):
        if g is not None and not t.shape.is_compatible_with(g.shape):
            raise errors.GradientShapeError(
                "The gradient function of %s (op %s) returned a gradient of shape %s for input "
                "'%s' of shape %s. This is a bug in the gradient function."
                % (op.type, op.name, g.shape, t.name, t.shape),
                hint="a gradient must have its input's shape: undo broadcasting with "
                     "reduce_to_shape(grad, input) and check transposes; test the op with "
                     "minitensor.debug.gradient_check.")
    return in_grads


# =========================================================================
# "Why is my gradient None?"
# =========================================================================

def explain_gradient(y, x):
    """A sentence saying why ``x`` gets (or does not get) a gradient from ``y``.

    Walks from y back to x ignoring differentiability, then names the first op on the path
    that blocks the gradient (an op without a gradient, or an integer tensor).
    """
    y = _as_tensor_list(y, "y")[0]
    x_t = _as_tensor_list(x, "x")[0]
    label = x._describe() if hasattr(x, "_describe") else "'%s'" % x_t.name
    parent = {y.op: None}
    stack = [y.op]
    while stack:
        op = stack.pop()
        if op is x_t.op:
            break
        for t in op.inputs:
            if t.op not in parent:
                parent[t.op] = (op, t)
                stack.append(t.op)
    if x_t.op not in parent:
        return ("%s: '%s' does not depend on it at all (no path in the graph). Use it in the "
                "loss, or leave it out of var_list." % (label, y.name))
    path, node = [], x_t.op
    while parent[node] is not None:
        consumer, tensor = parent[node]
        path.append((consumer, tensor))
        node = consumer
    chain = " <- ".join([c.name for c, _ in reversed(path)] + [x_t.op.name])
    for consumer, tensor in path:
        op_def = get_op_def(consumer.type)
        if not tensor.dtype.is_differentiable:
            return ("%s: the path %s is cut at '%s' (%s, created at %s), whose input '%s' is %s; "
                    "gradients flow only through float tensors." % (
                        label, chain, consumer.name, consumer.type, format_site(consumer.site),
                        tensor.name, tensor.dtype.name))
        if op_def is not None and op_def.has_gradient is False:
            return ("%s: the path %s is cut at '%s' (%s, created at %s), which has no gradient "
                    "(it is piecewise constant or not differentiable). Use a continuous "
                    "quantity in the loss and apply %s only for evaluation." % (
                        label, chain, consumer.name, consumer.type, format_site(consumer.site),
                        consumer.type))
    return "%s: connected through %s." % (label, chain)
