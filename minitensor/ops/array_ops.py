"""Shapes and layout: reshape, transpose, concat, stack, slicing, one_hot, fill, ...

Also the two helpers every binary gradient uses to undo broadcasting:
``reduce_to_shape(grad, x)`` (sum the broadcast dimensions away) and its adjoint
``broadcast_to_like(grad, x)``.
"""
import builtins

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ShapeError
from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel, register_gradient
from ..framework.shapes import TensorShape, as_shape, describe
from ..framework.tensor import Tensor
from .constant_op import constant, convert_to_tensor
from .op_util import (arg_label, check_dtype, make_multi_output_op, make_op, normalize_axis,
                      static_int_list)


# =========================================================================
# Undoing broadcasting (used by every binary op's gradient)
# =========================================================================

def reduce_to_shape(grad, like):
    """Sum ``grad`` over the dimensions that broadcasting added to ``like``.

    If x (shape (3,)) was broadcast against y (shape (2, 3)), the gradient that reaches
    x has shape (2, 3); summing over axis 0 gives back (3,).  When the static shapes are
    already equal nothing is added to the graph.
    """
    if grad is None:
        return None
    if grad.shape.is_fully_defined() and grad.shape == like.shape:
        return grad
    return make_op("SumToShape", [grad, like], grad.dtype.base_dtype, like.shape,
                   name="SumToShape")


def sum_to_shape(x, shape_like):
    return reduce_to_shape(x, shape_like)


@reference_kernel("SumToShape", returns_view=True)
def _sum_to_shape(grad, like):
    """sum grad over leading extra axes and over axes where ``like`` has size 1"""
    target = np.shape(like)
    if np.shape(grad) == target:
        return grad
    extra = np.ndim(grad) - len(target)
    axes = tuple(builtins.range(extra)) + tuple(
        extra + i for i, n in enumerate(target) if n == 1 and np.shape(grad)[extra + i] != 1)
    return np.sum(grad, axis=axes, keepdims=False).reshape(target) if axes \
        else np.reshape(grad, target)


@register_gradient("SumToShape")
def _sum_to_shape_grad(op, grad):
    """the adjoint of summing is broadcasting back"""
    return broadcast_to_like(grad, op.inputs[0]), None


def broadcast_to_like(x, like):
    """Broadcast ``x`` to the shape of ``like`` (no-op when the static shapes agree)."""
    if x.shape.is_fully_defined() and x.shape == like.shape:
        return x
    from ..framework.shapes import broadcast_shapes
    shape = broadcast_shapes(x.shape, like.shape)
    return make_op("BroadcastToLike", [x, like], x.dtype.base_dtype,
                   shape if shape is not None else like.shape, name="BroadcastToLike")


@reference_kernel("BroadcastToLike", returns_view=True)
def _broadcast_to_like(x, like):
    return np.broadcast_to(x, np.shape(like))


@register_gradient("BroadcastToLike")
def _broadcast_to_like_grad(op, grad):
    """the adjoint of broadcasting is summing"""
    return reduce_to_shape(grad, op.inputs[0]), None


def broadcast_to(input, shape, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    dims = static_int_list(shape, "shape")
    from ..framework.shapes import broadcast_shapes
    out = broadcast_shapes(x.shape, TensorShape(dims))
    if out is None:
        raise ShapeError("tf.broadcast_to: %s of shape %s cannot be broadcast to %s."
                         % (arg_label(x), describe(x.shape), tuple(dims)))
    return make_op("BroadcastTo", [x], x.dtype.base_dtype, TensorShape(dims),
                   name=name or "BroadcastTo", attrs={"shape": tuple(dims)})


@reference_kernel("BroadcastTo", returns_view=True)
def _broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


@register_gradient("BroadcastTo")
def _broadcast_to_grad(op, grad):
    """sum over the broadcast dimensions"""
    return reduce_to_shape(grad, op.inputs[0])


# =========================================================================
# Identity, stop_gradient, shape queries
# =========================================================================

def identity(input, name=None):  # noqa: A002
    """The same value under a new name (useful for naming, control dependencies, devices)."""
    x = convert_to_tensor(input)
    return make_op("Identity", [x], x.dtype.base_dtype, x.shape, name=name or "Identity")


@reference_kernel("Identity", returns_view=True)
def _identity(x):
    return x


@register_gradient("Identity")
def _identity_grad(op, grad):
    """d(x)/dx = 1"""
    return grad


def stop_gradient(input, name=None):  # noqa: A002
    """The same value, but gradients do not flow back through it."""
    x = convert_to_tensor(input)
    return make_op("StopGradient", [x], x.dtype.base_dtype, x.shape, name=name or "StopGradient")


reference_kernel("StopGradient", returns_view=True)(_identity)
not_differentiable("StopGradient")


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The run-time shape of ``input`` as a 1-D int32 tensor."""
    x = convert_to_tensor(input)
    ndims = x.shape.ndims
    return make_op("Shape", [x], dtypes.as_dtype(out_type), TensorShape([ndims]),
                   name=name or "Shape", attrs={"out_type": dtypes.as_dtype(out_type)})


@reference_kernel("Shape")
def _shape(x, out_type):
    return np.array(np.shape(x), dtype=out_type.as_numpy_dtype)


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    x = convert_to_tensor(input)
    return make_op("Size", [x], dtypes.as_dtype(out_type), TensorShape([]), name=name or "Size",
                   attrs={"out_type": dtypes.as_dtype(out_type)})


@reference_kernel("Size")
def _size(x, out_type):
    return np.array(np.size(x), dtype=out_type.as_numpy_dtype)


def rank(input, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    return make_op("Rank", [x], dtypes.int32, TensorShape([]), name=name or "Rank")


@reference_kernel("Rank")
def _rank(x):
    return np.array(np.ndim(x), dtype=np.int32)


not_differentiable("Shape", "Size", "Rank")


# =========================================================================
# Filling
# =========================================================================

def _shape_arg(shape, what):
    dims = static_int_list(shape, what) if not isinstance(shape, Tensor) or \
        shape.op.type == "Const" else None
    return dims


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros: ``tf.zeros([784, 10])``."""
    return _filled(shape, 0, dtype, name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones."""
    return _filled(shape, 1, dtype, name or "ones")


def _filled(shape, value, dtype, name):
    dtype = dtypes.as_dtype(dtype).base_dtype
    dims = _shape_arg(shape, "shape")
    if dims is not None:
        if any(d < 0 for d in dims):
            raise ShapeError("tf.%s: shape %s has a negative dimension." % (name, tuple(dims)))
        return constant(np.full(dims, value, dtype=dtype.as_numpy_dtype), dtype=dtype, name=name)
    return fill(shape, constant(value, dtype=dtype), name=name)


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` with every element ``value``."""
    value = convert_to_tensor(value)
    dims_t = convert_to_tensor(dims, dtype=dtypes.int32)
    static = _shape_arg(dims, "dims")
    shape = TensorShape(static) if static is not None else TensorShape(
        [None] * dims_t.shape.dims[0] if dims_t.shape.is_fully_defined() else None)
    return make_op("Fill", [dims_t, value], value.dtype.base_dtype, shape, name=name or "Fill")


@reference_kernel("Fill")
def _fill(dims, value):
    return np.full(tuple(int(d) for d in np.asarray(dims).ravel()), value)


@register_gradient("Fill")
def _fill_grad(op, grad):
    """every element is the value: its gradient is the sum of the gradients"""
    from .math_ops import reduce_sum
    return None, reduce_sum(grad)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape (and dtype, unless given) of ``tensor``."""
    x = convert_to_tensor(tensor)
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else x.dtype.base_dtype
    return make_op("ZerosLike", [x], dtype, x.shape, name=name or "zeros_like",
                   attrs={"dtype": dtype})


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape (and dtype, unless given) of ``tensor``."""
    x = convert_to_tensor(tensor)
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else x.dtype.base_dtype
    return make_op("OnesLike", [x], dtype, x.shape, name=name or "ones_like",
                   attrs={"dtype": dtype})


@reference_kernel("ZerosLike")
def _zeros_like(x, dtype):
    return np.zeros(np.shape(x), dtype=dtype.as_numpy_dtype)


@reference_kernel("OnesLike")
def _ones_like(x, dtype):
    return np.ones(np.shape(x), dtype=dtype.as_numpy_dtype)


not_differentiable("ZerosLike", "OnesLike")


# =========================================================================
# Sequences
# =========================================================================

def lin_space(start, stop, num, name=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included)."""
    start = convert_to_tensor(start)
    check_dtype("tf.lin_space", start, {"float"})
    stop = convert_to_tensor(stop, dtype=start.dtype)
    num_static = static_int_list(num, "num")
    num = convert_to_tensor(num, dtype=dtypes.int32)
    n = num_static[0] if num_static else None
    return make_op("LinSpace", [start, stop, num], start.dtype.base_dtype, TensorShape([n]),
                   name=name or "LinSpace")


linspace = lin_space


@reference_kernel("LinSpace")
def _lin_space(start, stop, num):
    return np.linspace(start, stop, int(num)).astype(np.asarray(start).dtype)


not_differentiable("LinSpace")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """``start, start+delta, ...`` up to but not including ``limit`` (like Python's range)."""
    if limit is None:
        start, limit = 0, start
    values = [start, limit, delta]
    if dtype is None:
        kinds = [convert_to_tensor(v).dtype if isinstance(v, Tensor) else
                 (dtypes.float32 if isinstance(v, float) else dtypes.int32) for v in values]
        dtype = next((k for k in kinds if k.is_floating), kinds[0])
        if any(k == dtypes.float64 for k in kinds):
            dtype = dtypes.float64
    dtype = dtypes.as_dtype(dtype).base_dtype
    tensors = [convert_to_tensor(v, dtype=dtype) if not isinstance(v, Tensor) else v
               for v in values]
    n = None
    if all(not isinstance(v, Tensor) for v in values):
        if delta == 0:
            raise InvalidArgumentError("tf.range: delta must not be 0.")
        n = len(np.arange(start, limit, delta))
    return make_op("Range", tensors, dtype, TensorShape([n]), name=name)


@reference_kernel("Range")
def _range(start, limit, delta):
    return np.arange(start, limit, delta).astype(np.asarray(start).dtype)


not_differentiable("Range")


# =========================================================================
# Reshaping
# =========================================================================

def reshape(tensor, shape, name=None):
    """Same values, new shape; one dimension may be -1 (inferred)."""
    x = convert_to_tensor(tensor)
    dims = _shape_arg(shape, "shape")
    if dims is None:
        shape_t = convert_to_tensor(shape, dtype=dtypes.int32)
        n = shape_t.shape.dims[0] if shape_t.shape.ndims == 1 else None
        return make_op("ReshapeDynamic", [x, shape_t], x.dtype.base_dtype,
                       TensorShape(None if n is None else [None] * n), name=name or "Reshape")
    if sum(1 for d in dims if d == -1) > 1:
        raise ShapeError("tf.reshape: at most one dimension can be -1, got %s." % (tuple(dims),))
    out = [None if d == -1 else d for d in dims]
    total = x.shape.num_elements()
    known = int(np.prod([d for d in dims if d != -1])) if dims else 1
    if total is not None:
        if -1 in dims:
            if known == 0 or total % known:
                raise ShapeError(
                    "tf.reshape: cannot reshape %s of shape %s (%d elements) into %s: %d is not "
                    "a multiple of %d." % (arg_label(x), describe(x.shape), total, tuple(dims),
                                           total, known))
            out[dims.index(-1)] = total // known
        elif known != total:
            raise ShapeError(
                "tf.reshape: cannot reshape %s of shape %s (%d elements) into %s (%d elements)."
                % (arg_label(x), describe(x.shape), total, tuple(dims), known),
                hint="the number of elements must stay the same; use -1 for one dimension to "
                     "let it be computed.")
    elif -1 in dims and x.shape.ndims is not None and known:
        pass
    return make_op("Reshape", [x], x.dtype.base_dtype, TensorShape(out), name=name or "Reshape",
                   attrs={"shape": tuple(dims)})


@reference_kernel("Reshape", returns_view=True)
def _reshape(x, shape):
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise InvalidArgumentError("Cannot reshape a value of shape %s (%d elements) into %s."
                                   % (np.shape(x), np.size(x), shape)) from None


@reference_kernel("ReshapeDynamic", returns_view=True)
def _reshape_dynamic(x, shape):
    return np.reshape(x, tuple(int(d) for d in shape))


@register_gradient("Reshape")
def _reshape_grad(op, grad):
    """reshaping moves no values: reshape the gradient back"""
    return reshape_like(grad, op.inputs[0])


@register_gradient("ReshapeDynamic")
def _reshape_dynamic_grad(op, grad):
    """reshaping moves no values: reshape the gradient back"""
    return reshape_like(grad, op.inputs[0]), None


def reshape_like(x, like):
    if like.shape.is_fully_defined():
        return reshape(x, like.shape.as_list())
    return make_op("ReshapeLike", [x, like], x.dtype.base_dtype, like.shape, name="ReshapeLike")


@reference_kernel("ReshapeLike", returns_view=True)
def _reshape_like(x, like):
    return np.reshape(x, np.shape(like))


@register_gradient("ReshapeLike")
def _reshape_like_grad(op, grad):
    """reshape back"""
    return reshape_like(grad, op.inputs[0]), None


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    """Insert a dimension of size 1 at ``axis`` (a list inserts several)."""
    x = convert_to_tensor(input)
    if axis is None:
        axis = dim
    axes = static_int_list(axis, "axis")
    ndims = x.shape.ndims
    if ndims is None:
        shape = TensorShape(None)
        norm = tuple(axes)
    else:
        out_rank = ndims + len(axes)
        norm = tuple(sorted(normalize_axis(a, out_rank, "tf.expand_dims") for a in axes))
        dims = list(x.shape.dims)
        for a in norm:
            dims.insert(a, 1)
        shape = TensorShape(dims)
    return make_op("ExpandDims", [x], x.dtype.base_dtype, shape, name=name or "ExpandDims",
                   attrs={"axis": norm})


@reference_kernel("ExpandDims", returns_view=True)
def _expand_dims(x, axis):
    return np.expand_dims(x, axis)


@register_gradient("ExpandDims")
def _expand_dims_grad(op, grad):
    """reshape back"""
    return reshape_like(grad, op.inputs[0])


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Remove dimensions of size 1 (all of them, or those in ``axis``)."""
    x = convert_to_tensor(input)
    if axis is None:
        axis = squeeze_dims
    axes = None if axis is None else static_int_list(axis, "axis")
    dims = x.shape.dims
    if dims is None:
        shape, norm = TensorShape(None), None if axes is None else tuple(axes)
    else:
        if axes is None:
            if None in dims:
                raise ShapeError("tf.squeeze: %s has unknown dimensions %s; pass axis= to say "
                                 "which dimensions to remove." % (arg_label(x), describe(x.shape)))
            norm = tuple(i for i, d in enumerate(dims) if d == 1)
        else:
            norm = tuple(sorted(normalize_axis(a, len(dims), "tf.squeeze") for a in axes))
            for a in norm:
                if dims[a] not in (1, None):
                    raise ShapeError("tf.squeeze: dimension %d of %s has size %d, not 1."
                                     % (a, arg_label(x), dims[a]))
        shape = TensorShape([d for i, d in enumerate(dims) if i not in norm])
    return make_op("Squeeze", [x], x.dtype.base_dtype, shape, name=name or "Squeeze",
                   attrs={"axis": norm})


@reference_kernel("Squeeze", returns_view=True)
def _squeeze(x, axis):
    return np.squeeze(x, axis=axis)


@register_gradient("Squeeze")
def _squeeze_grad(op, grad):
    """reshape back"""
    return reshape_like(grad, op.inputs[0])


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permute dimensions (reverse them when ``perm`` is None)."""
    x = convert_to_tensor(a)
    ndims = x.shape.ndims
    if perm is None:
        if ndims is None:
            raise ShapeError("tf.transpose without perm needs a tensor of known rank.")
        perm = list(reversed(builtins.range(ndims)))
    perm = tuple(static_int_list(perm, "perm"))
    if ndims is not None and sorted(perm) != list(builtins.range(ndims)):
        raise ShapeError("tf.transpose: perm %s is not a permutation of the %d dimensions of %s."
                         % (perm, ndims, arg_label(x)))
    shape = TensorShape(None) if ndims is None else TensorShape([x.shape.dims[p] for p in perm])
    out = make_op("Transpose", [x], x.dtype.base_dtype, shape, name=name, attrs={"perm": perm})
    if conjugate:
        from .math_ops import conj
        out = conj(out)
    return out



@reference_kernel("Transpose", returns_view=True)
def _transpose(x, perm):
    return np.transpose(x, perm)


@register_gradient("Transpose")
def _transpose_grad(op, grad):
    """transpose back with the inverse permutation"""
    perm = op.attrs["perm"]
    return transpose(grad, list(np.argsort(perm)))


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    x = convert_to_tensor(a)
    n = x.shape.ndims
    if n is None or n < 2:
        raise ShapeError("tf.matrix_transpose needs rank >= 2, got %s." % describe(x.shape))
    perm = list(builtins.range(n - 2)) + [n - 1, n - 2]
    return transpose(x, perm, name=name, conjugate=conjugate)


# =========================================================================
# Joining and splitting
# =========================================================================

def concat(values, axis, name="concat"):
    """Join tensors along an existing ``axis``."""
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        raise ValueError("tf.concat needs at least one tensor.")
    if len(tensors) == 1:
        return identity(tensors[0], name=name)
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            from .op_util import dtype_mismatch
            raise dtype_mismatch("tf.concat", first, t)
    ndims = next((t.shape.ndims for t in tensors if t.shape.ndims is not None), None)
    axis = static_int_list(axis, "axis")[0]
    shape = TensorShape(None)
    if ndims is not None:
        axis = normalize_axis(axis, ndims, "tf.concat")
        dims = [None] * ndims
        total = 0
        for t in tensors:
            if t.shape.ndims is None:
                total = None
                continue
            if t.shape.ndims != ndims:
                raise ShapeError("tf.concat: all inputs must have the same rank, but %s has "
                                 "shape %s and %s has shape %s." % (arg_label(first),
                                                                    describe(first.shape),
                                                                    arg_label(t),
                                                                    describe(t.shape)))
            for i, d in enumerate(t.shape.dims):
                if i == axis:
                    continue
                if d is not None and dims[i] is not None and d != dims[i]:
                    raise ShapeError(
                        "tf.concat along axis %d: dimension %d must match in every input, but "
                        "%s has shape %s and %s has shape %s." % (
                            axis, i, arg_label(first), describe(first.shape), arg_label(t),
                            describe(t.shape)))
                dims[i] = d if d is not None else dims[i]
            if total is not None:
                total = None if t.shape.dims[axis] is None else total + t.shape.dims[axis]
        dims[axis] = total
        shape = TensorShape(dims)
    return make_op("ConcatV2", tensors, first.dtype.base_dtype, shape, name=name,
                   attrs={"axis": axis})


@reference_kernel("ConcatV2")
def _concat(*values, axis):
    return np.concatenate(values, axis=axis)


@register_gradient("ConcatV2")
def _concat_grad(op, grad):
    """each input gets its own slice of the gradient"""
    axis = op.attrs["axis"]
    return list(make_multi_output_op(
        "SplitLike", [grad] + list(op.inputs),
        [(grad.dtype.base_dtype, t.shape) for t in op.inputs], name="SplitLike",
        attrs={"axis": axis}))


@reference_kernel("SplitLike", returns_view=True)
def _split_like(grad, *likes, axis):
    sizes = np.cumsum([np.shape(t)[axis] for t in likes])[:-1]
    return tuple(np.split(grad, sizes, axis=axis))


@register_gradient("SplitLike")
def _split_like_grad(op, *grads):
    """joining the slices back"""
    return [concat(list(grads), op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


def stack(values, axis=0, name="stack"):
    """Join tensors of the same shape along a new ``axis``."""
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        raise ValueError("tf.stack needs at least one tensor.")
    first = tensors[0]
    shape = first.shape
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            from .op_util import dtype_mismatch
            raise dtype_mismatch("tf.stack", first, t)
        if not t.shape.is_compatible_with(shape):
            raise ShapeError("tf.stack: all inputs must have the same shape, but %s has shape %s "
                             "and %s has shape %s." % (arg_label(first), describe(first.shape),
                                                       arg_label(t), describe(t.shape)))
        shape = shape.merge_with(t.shape)
    if shape.ndims is not None:
        axis = normalize_axis(axis, shape.ndims + 1, "tf.stack")
        dims = list(shape.dims)
        dims.insert(axis, len(tensors))
        out_shape = TensorShape(dims)
    else:
        out_shape = TensorShape(None)
    return make_op("Pack", tensors, first.dtype.base_dtype, out_shape, name=name,
                   attrs={"axis": axis})


pack = stack


@reference_kernel("Pack")
def _pack(*values, axis):
    return np.stack(values, axis=axis)


@register_gradient("Pack")
def _pack_grad(op, grad):
    """unstacking the gradient gives each input its part"""
    return unstack(grad, num=len(op.inputs), axis=op.attrs["axis"])


def unstack(value, num=None, axis=0, name="unstack"):
    """Split ``value`` along ``axis`` into a list of tensors (one per index)."""
    x = convert_to_tensor(value)
    if x.shape.ndims is None:
        if num is None:
            raise ShapeError("tf.unstack needs num= for a tensor of unknown rank.")
        out_shape = TensorShape(None)
    else:
        axis = normalize_axis(axis, x.shape.ndims, "tf.unstack")
        n = x.shape.dims[axis]
        if num is None:
            if n is None:
                raise ShapeError("tf.unstack: the size of axis %d of %s is unknown; pass num=."
                                 % (axis, arg_label(x)))
            num = n
        elif n is not None and n != num:
            raise ShapeError("tf.unstack: num=%d but axis %d of %s has size %d."
                             % (num, axis, arg_label(x), n))
        out_shape = TensorShape([d for i, d in enumerate(x.shape.dims) if i != axis])
    return list(make_multi_output_op("Unpack", [x], [(x.dtype.base_dtype, out_shape)] * num,
                                     name=name, attrs={"axis": axis, "num": num}))


unpack = unstack


@reference_kernel("Unpack", returns_view=True)
def _unpack(x, axis, num):
    moved = np.moveaxis(x, axis, 0)
    parts = tuple(moved[i] for i in builtins.range(num))
    return parts if num != 1 else parts[0]     # one output: one value, not a 1-tuple


@register_gradient("Unpack")
def _unpack_grad(op, *grads):
    """stacking the gradients back"""
    return stack(list(grads), axis=op.attrs["axis"])


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split into equal parts (an int) or parts of given sizes (a list)."""
    x = convert_to_tensor(value)
    ndims = x.shape.ndims
    axis = normalize_axis(int(axis), ndims, "tf.split") if ndims is not None else axis
    dim = x.shape.dims[axis] if ndims is not None else None
    if isinstance(num_or_size_splits, int):
        n = num_or_size_splits
        if dim is not None and dim % n:
            raise ShapeError("tf.split: axis %d of %s has size %d, which does not split into %d "
                             "equal parts." % (axis, arg_label(x), dim, n))
        sizes = [None if dim is None else dim // n] * n
    else:
        sizes = list(static_int_list(num_or_size_splits, "size_splits"))
        if -1 in sizes and dim is not None:
            sizes[sizes.index(-1)] = dim - sum(s for s in sizes if s != -1)
        if dim is not None and sum(sizes) != dim:
            raise ShapeError("tf.split: sizes %s add up to %d, but axis %d of %s has size %d."
                             % (sizes, sum(sizes), axis, arg_label(x), dim))
    outputs = []
    for s in sizes:
        dims = None if ndims is None else [s if i == axis else d for i, d in enumerate(x.shape.dims)]
        outputs.append((x.dtype.base_dtype, TensorShape(dims)))
    return list(make_multi_output_op("Split", [x], outputs, name=name,
                                     attrs={"axis": axis, "sizes": tuple(sizes)}))


@reference_kernel("Split", returns_view=True)
def _split(x, axis, sizes):
    if None in sizes:
        parts = tuple(np.split(x, len(sizes), axis=axis))
    else:
        parts = tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))
    return parts if len(parts) != 1 else parts[0]     # one output: one value, not a 1-tuple


@register_gradient("Split")
def _split_grad(op, *grads):
    """concatenating the gradients back"""
    return concat(list(grads), op.attrs["axis"])


def tile(input, multiples, name=None):  # noqa: A002
    x = convert_to_tensor(input)
    reps = static_int_list(multiples, "multiples")
    if x.shape.ndims is not None and len(reps) != x.shape.ndims:
        raise ShapeError("tf.tile: multiples %s must have one entry per dimension of %s (rank %d)."
                         % (reps, arg_label(x), x.shape.ndims))
    shape = TensorShape(None) if x.shape.ndims is None else TensorShape(
        [None if d is None else d * r for d, r in zip(x.shape.dims, reps)])
    return make_op("Tile", [x], x.dtype.base_dtype, shape, name=name or "Tile",
                   attrs={"multiples": tuple(reps)})


@reference_kernel("Tile")
def _tile(x, multiples):
    return np.tile(x, multiples)


@register_gradient("Tile")
def _tile_grad(op, grad):
    """each input element was copied into every tile: sum the tiles' gradients"""
    return make_op("TileGrad", [grad, op.inputs[0]], grad.dtype.base_dtype, op.inputs[0].shape,
                   name="TileGrad", attrs={"multiples": op.attrs["multiples"]})


@reference_kernel("TileGrad")
def _tile_grad_kernel(grad, like, multiples):
    shape = np.shape(like)
    split_shape = []
    for r, d in zip(multiples, shape):
        split_shape += [r, d]
    summed = np.reshape(grad, split_shape).sum(axis=tuple(builtins.range(0, 2 * len(shape), 2)))
    return summed


@register_gradient("TileGrad")
def _tile_grad_grad(op, grad):
    """tiling again"""
    return tile(grad, list(op.attrs["multiples"])), None


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    x = convert_to_tensor(tensor)
    pads = np.asarray(static_int_list(paddings, "paddings"), dtype=np.int64).reshape(-1, 2)
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError("tf.pad: mode must be CONSTANT, REFLECT or SYMMETRIC, got %r" % mode)
    shape = TensorShape(None) if x.shape.ndims is None else TensorShape(
        [None if d is None else d + int(p.sum()) for d, p in zip(x.shape.dims, pads)])
    return make_op("Pad", [x], x.dtype.base_dtype, shape, name=name or "Pad",
                   attrs={"paddings": tuple(map(tuple, pads.tolist())), "mode": mode,
                          "constant_values": constant_values})


@reference_kernel("Pad")
def _pad(x, paddings, mode, constant_values):
    if np.ndim(x) == 0:                 # a scalar has nothing to pad (np.pad refuses it)
        return np.array(x)
    if mode == "CONSTANT":
        return np.pad(x, paddings, mode="constant", constant_values=constant_values)
    return np.pad(x, paddings, mode="reflect" if mode == "REFLECT" else "symmetric")


@register_gradient("Pad")
def _pad_grad(op, grad):
    """the gradient of the padded region is dropped (CONSTANT mode)"""
    if op.attrs["mode"] != "CONSTANT":
        raise NotImplementedError("gradients of tf.pad are implemented for mode='CONSTANT'")
    x = op.inputs[0]
    begin = [p[0] for p in op.attrs["paddings"]]
    return slice(grad, begin, [-1 if d is None else d for d in x.shape.dims]) \
        if x.shape.is_fully_defined() else reshape_like(grad, x)


def reverse(tensor, axis, name=None):
    x = convert_to_tensor(tensor)
    axes = tuple(normalize_axis(a, x.shape.ndims, "tf.reverse") for a in
                 static_int_list(axis, "axis"))
    return make_op("ReverseV2", [x], x.dtype.base_dtype, x.shape, name=name or "ReverseV2",
                   attrs={"axis": axes})


@reference_kernel("ReverseV2", returns_view=True)
def _reverse(x, axis):
    return np.flip(x, axis)


@register_gradient("ReverseV2")
def _reverse_grad(op, grad):
    """reverse back"""
    return reverse(grad, list(op.attrs["axis"]))


# =========================================================================
# Slicing: t[0], t[1:3, ::2], t[..., None]
# =========================================================================

def _slice_helper(tensor, key):
    x = convert_to_tensor(tensor)
    if not isinstance(key, tuple):
        key = (key,)
    spec = []
    for k in key:
        if isinstance(k, Tensor) or hasattr(k, "_to_tensor"):
            raise NotImplementedError(
                "Indexing with a tensor (t[i] where i is a Tensor) is not supported; use "
                "tf.gather(t, i) instead.")
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            spec.append(int(k))
        elif isinstance(k, builtins.slice):
            spec.append(("slice", k.start, k.stop, k.step))
        elif k is Ellipsis:
            spec.append("...")
        elif k is None:
            spec.append("newaxis")
        else:
            raise TypeError("Only integers, slices (`:`), ellipsis (`...`) and tf.newaxis "
                            "(`None`) are valid indices, got %r." % (k,))
    spec = tuple(spec)
    shape = _sliced_shape(x, spec)
    return make_op("StridedSlice", [x], x.dtype.base_dtype, shape, name="strided_slice",
                   attrs={"spec": spec})


def _spec_to_index(spec):
    index = []
    for s in spec:
        if isinstance(s, int):
            index.append(s)
        elif s == "...":
            index.append(Ellipsis)
        elif s == "newaxis":
            index.append(None)
        else:
            index.append(builtins.slice(s[1], s[2], s[3]))
    return tuple(index)


def _sliced_shape(x, spec):
    dims = x.shape.dims
    if dims is None:
        return TensorShape(None)
    n_consuming = sum(1 for s in spec if s not in ("...", "newaxis"))
    if n_consuming > len(dims):
        raise ShapeError("Too many indices for %s: it has rank %d but %d indices were given."
                         % (arg_label(x), len(dims), n_consuming))
    if "..." not in spec:
        spec = spec + ("...",)
    out, pos = [], 0
    for s in spec:
        if s == "...":
            n_after = sum(1 for t in spec[spec.index("...") + 1:] if t not in ("newaxis",))
            stop = len(dims) - n_after
            out.extend(dims[pos:stop])
            pos = stop
        elif s == "newaxis":
            out.append(1)
        elif isinstance(s, int):
            d = dims[pos]
            if d is not None and not -d <= s < d:
                raise ShapeError("Index %d is out of bounds for dimension %d of %s, which has "
                                 "size %d." % (s, pos, arg_label(x), d))
            pos += 1
        else:
            d = dims[pos]
            if d is None:
                out.append(None)
            else:
                out.append(len(builtins.range(*builtins.slice(s[1], s[2], s[3]).indices(d))))
            pos += 1
    return TensorShape(out)


@reference_kernel("StridedSlice", returns_view=True)
def _strided_slice(x, spec):
    return np.asarray(x)[_spec_to_index(spec)]


@register_gradient("StridedSlice")
def _strided_slice_grad(op, grad):
    """the gradient lands in the sliced positions, zeros elsewhere"""
    x = op.inputs[0]
    return make_op("StridedSliceGrad", [grad, x], grad.dtype.base_dtype, x.shape,
                   name="StridedSliceGrad", attrs={"spec": op.attrs["spec"]})


@reference_kernel("StridedSliceGrad")
def _strided_slice_grad_kernel(grad, like, spec):
    out = np.zeros(np.shape(like), dtype=np.asarray(grad).dtype)
    out[_spec_to_index(spec)] = grad
    return out


@register_gradient("StridedSliceGrad")
def _strided_slice_grad_grad(op, grad):
    """slicing again"""
    return make_op("StridedSlice", [grad], grad.dtype.base_dtype, op.inputs[0].shape,
                   name="strided_slice", attrs={"spec": op.attrs["spec"]}), None


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """``size`` elements starting at ``begin`` in each dimension (-1: to the end)."""
    x = convert_to_tensor(input_)
    begin = static_int_list(begin, "begin")
    size = static_int_list(size, "size")
    spec = tuple(("slice", b, None if s == -1 else b + s, None) for b, s in zip(begin, size))
    return make_op("StridedSlice", [x], x.dtype.base_dtype, _sliced_shape(x, spec),
                   name=name or "Slice", attrs={"spec": spec})


def strided_slice(input_, begin, end, strides=None, name=None):
    x = convert_to_tensor(input_)
    begin, end = static_int_list(begin, "begin"), static_int_list(end, "end")
    strides = static_int_list(strides, "strides") if strides is not None else [1] * len(begin)
    spec = tuple(("slice", b, e, s) for b, e, s in zip(begin, end, strides))
    return make_op("StridedSlice", [x], x.dtype.base_dtype, _sliced_shape(x, spec),
                   name=name or "StridedSlice", attrs={"spec": spec})


# =========================================================================
# Gathering and one-hot
# =========================================================================

def gather(params, indices, axis=0, name=None, validate_indices=None):
    """``params[indices]`` along ``axis`` (rows of an embedding matrix, say)."""
    p = convert_to_tensor(params)
    idx = convert_to_tensor(indices)
    check_dtype("tf.gather indices", idx, {"int"})
    axis = normalize_axis(int(axis), p.shape.ndims, "tf.gather") if p.shape.ndims is not None \
        else axis
    if p.shape.ndims is None or idx.shape.ndims is None:
        shape = TensorShape(None)
    else:
        shape = TensorShape(list(p.shape.dims[:axis]) + list(idx.shape.dims) +
                            list(p.shape.dims[axis + 1:]))
    return make_op("GatherV2", [p, idx], p.dtype.base_dtype, shape, name=name or "GatherV2",
                   attrs={"axis": axis})


@reference_kernel("GatherV2")
def _gather(params, indices, axis):
    n = np.shape(params)[axis]
    bad = (np.asarray(indices) < 0) | (np.asarray(indices) >= n)
    if np.any(bad):
        raise InvalidArgumentError("tf.gather: index %s is out of range [0, %d)."
                                   % (np.asarray(indices)[bad].ravel()[0], n))
    return np.take(params, indices, axis=axis)


@register_gradient("GatherV2")
def _gather_grad(op, grad):
    """scatter-add the gradient rows back to the gathered positions"""
    p, idx = op.inputs
    return make_op("GatherGrad", [grad, idx, p], grad.dtype.base_dtype, p.shape,
                   name="GatherGrad", attrs={"axis": op.attrs["axis"]}), None


@reference_kernel("GatherGrad")
def _gather_grad_kernel(grad, indices, like, axis):
    out = np.zeros(np.shape(like), dtype=np.asarray(grad).dtype)
    moved_out = np.moveaxis(out, axis, 0)
    idx = np.asarray(indices)
    g = np.moveaxis(np.asarray(grad), builtins.range(axis, axis + idx.ndim), builtins.range(idx.ndim))
    np.add.at(moved_out, idx.ravel(), g.reshape((idx.size,) + moved_out.shape[1:]))
    return out


@register_gradient("GatherGrad")
def _gather_grad_grad(op, grad):
    """gathering again"""
    return gather(grad, op.inputs[1], axis=op.attrs["axis"]), None, None


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Class ids -> one-hot rows: one_hot([0, 2], 3) == [[1, 0, 0], [0, 0, 1]]."""
    idx = convert_to_tensor(indices)
    check_dtype("tf.one_hot indices", idx, {"int"})
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else dtypes.float32
    depth = int(static_int_list(depth, "depth")[0])
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    axis = -1 if axis is None else int(axis)
    if idx.shape.ndims is None:
        shape = TensorShape(None)
    else:
        dims = list(idx.shape.dims)
        dims.insert(len(dims) if axis == -1 else axis, depth)
        shape = TensorShape(dims)
    return make_op("OneHot", [idx], dtype, shape, name=name or "one_hot",
                   attrs={"depth": depth, "on_value": on, "off_value": off, "axis": axis,
                          "dtype": dtype})


@reference_kernel("OneHot")
def _one_hot(indices, depth, on_value, off_value, axis, dtype):
    idx = np.asarray(indices)
    hot = idx[..., None] == np.arange(depth)      # out-of-range ids give all-off rows (as TF)
    out = np.where(hot, on_value, off_value).astype(dtype.as_numpy_dtype)
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


not_differentiable("OneHot")


newaxis = None
