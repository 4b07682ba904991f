"""Clipping values and gradients: clip_by_value, clip_by_norm, global_norm, clip_by_global_norm.

The usual use is taming exploding gradients (RNNs)::

    grads, variables = zip(*optimizer.compute_gradients(loss))
    grads, norm = tf.clip_by_global_norm(grads, 5.0)
    train_op = optimizer.apply_gradients(zip(grads, variables))
"""
import numpy as np

from ..framework.errors import ShapeError
from ..framework.graph import get_default_graph
from ..framework.registry import reference_kernel, register_gradient
from ..framework.shapes import broadcast_shapes, describe
from ..framework.tensor import TensorLike
from .array_ops import identity, reduce_to_shape, zeros_like
from .constant_op import convert_to_tensor
from .math_ops import (cast, greater, greater_equal, less, less_equal, logical_and, maximum,
                       minimum, reduce_sum, sqrt, where)
from .op_util import arg_label, check_dtype, make_op

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_average_norm", "global_norm",
           "clip_by_global_norm"]


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max), element-wise.

    The gradient passes where t lies inside [min, max] and is 0 where it was clipped.
    """
    t = convert_to_tensor(t)
    check_dtype("tf.clip_by_value", t, {"float", "int"})
    dtype = t.dtype.base_dtype
    lo = _bound(clip_value_min, dtype, "clip_value_min")
    hi = _bound(clip_value_max, dtype, "clip_value_max")
    for bound in (lo, hi):
        out = broadcast_shapes(t.shape, bound.shape)
        if out is None or (out.dims is not None and t.shape.dims is not None and (
                out.ndims != t.shape.ndims or
                any(d is not None and o != d for o, d in zip(out.dims, t.shape.dims)))):
            raise ShapeError(
                "tf.clip_by_value: the bound %s (shape %s) must be a scalar or broadcast to the "
                "shape %s of %s without changing it."
                % (arg_label(bound), describe(bound.shape), describe(t.shape), arg_label(t)))
    return make_op("ClipByValue", [t, lo, hi], dtype, t.shape, name=name or "clip_by_value")


def _bound(value, dtype, what):
    if hasattr(value, "dtype") and hasattr(value, "op"):
        bound = convert_to_tensor(value)
        return bound if bound.dtype.base_dtype == dtype else cast(bound, dtype)
    return convert_to_tensor(value, dtype=dtype, name=what)


@reference_kernel("ClipByValue")
def _clip_by_value(t, lo, hi):
    return np.minimum(np.maximum(t, lo), hi)


@register_gradient("ClipByValue")
def _clip_by_value_grad(op, grad):
    """dt: grad where lo <= t <= hi; d lo: grad where t < lo; d hi: grad where t > hi"""
    t, lo, hi = op.inputs
    zeros = zeros_like(grad)
    inside = logical_and(greater_equal(t, lo), less_equal(t, hi))
    return (where(inside, grad, zeros),
            reduce_to_shape(where(less(t, lo), grad, zeros), lo),
            reduce_to_shape(where(greater(t, hi), grad, zeros), hi))


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||_2, clip_norm): rescale t so its L2 norm (over ``axes``, or
    all of t) is at most clip_norm; t is unchanged if its norm is already smaller."""
    t = convert_to_tensor(t)
    check_dtype("tf.clip_by_norm", t, {"float"})
    with get_default_graph().name_scope(name or "clip_by_norm"):
        l2sum = reduce_sum(t * t, axis=axes, keepdims=True)
        # sqrt has an infinite derivative at 0: take it only where the sum is positive.
        positive = greater(l2sum, 0)
        l2norm = where(positive, sqrt(where(positive, l2sum, l2sum * 0 + 1)), l2sum)
        clip_norm = _scalar_of(clip_norm, t)
        return identity(t * clip_norm / maximum(l2norm, clip_norm), name="clip_by_norm")


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(||t||_2 / size(t), clip_norm)."""
    t = convert_to_tensor(t)
    check_dtype("tf.clip_by_average_norm", t, {"float"})
    from .array_ops import size
    with get_default_graph().name_scope(name or "clip_by_average_norm"):
        count = cast(size(t), t.dtype.base_dtype)
        average_norm = sqrt(reduce_sum(t * t)) / count
        clip_norm = _scalar_of(clip_norm, t)
        return identity(t * clip_norm / maximum(average_norm, clip_norm),
                        name="clip_by_average_norm")


def _scalar_of(value, like):
    dtype = like.dtype.base_dtype
    if hasattr(value, "dtype") and hasattr(value, "op"):
        value = convert_to_tensor(value)
        return value if value.dtype.base_dtype == dtype else cast(value, dtype)
    return convert_to_tensor(value, dtype=dtype)


def global_norm(t_list, name=None):
    """sqrt(sum of ||t||^2 over every t in t_list): the norm of all of them as one vector.

    None entries (variables without a gradient) are skipped.
    """
    _check_list("tf.global_norm", t_list)
    tensors = [convert_to_tensor(t) for t in t_list if t is not None]
    if not tensors:
        raise ValueError("tf.global_norm: the list has no tensors (only None entries?).")
    dtype = tensors[0].dtype.base_dtype
    with get_default_graph().name_scope(name or "global_norm"):
        squares = []
        for t in tensors:
            check_dtype("tf.global_norm", t, {"float"})
            s = reduce_sum(t * t)
            squares.append(s if s.dtype.base_dtype == dtype else cast(s, dtype))
        from .math_ops import add_n
        return sqrt(add_n(squares), name="global_norm")


def _check_list(op_label, t_list):
    if isinstance(t_list, (TensorLike, str, bytes)) or not hasattr(t_list, "__iter__"):
        raise TypeError("%s expects a list of tensors (e.g. the gradients), got %r. For a "
                        "single tensor use tf.clip_by_norm." % (op_label, t_list))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor in t_list by clip_norm / max(global_norm, clip_norm).

    Returns ``(list_clipped, global_norm)``; None entries stay None.  If the global norm is
    infinite the clipped tensors are NaN (as in TF: the step is clearly broken).
    """
    _check_list("tf.clip_by_global_norm", t_list)
    t_list = list(t_list)
    with get_default_graph().name_scope(name or "clip_by_global_norm"):
        norm = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
        clip_norm = _scalar_of(clip_norm, norm)
        # clip_norm * min(1/norm, 1/clip_norm) = min(clip_norm / norm, 1); + (norm - norm)
        # turns an infinite norm into NaN instead of a silent 0.
        scale = clip_norm * minimum(1.0 / norm, 1.0 / clip_norm) + (norm - norm)
        clipped = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            t = convert_to_tensor(t)
            s = scale if scale.dtype.base_dtype == t.dtype.base_dtype else \
                cast(scale, t.dtype.base_dtype)
            clipped.append(identity(t * s, name="clip_by_global_norm_%d" % i))
    return clipped, norm
