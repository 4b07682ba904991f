"""Constants, placeholders and ``convert_to_tensor``: how Python values enter a graph.

dtype inference follows TF 1.x: a Python float becomes float32, a Python int int32, a
NumPy array keeps its dtype (float64 stays float64), strings become tf.string.
"""
import numbers

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, MinitensorError
from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel, register_gradient
from ..framework.shapes import TensorShape, as_shape
from ..framework.tensor import Tensor


def _is_tensor_like(value):
    return isinstance(value, Tensor) or (hasattr(value, "_to_tensor") and not isinstance(value, type))


def _contains_tensor(value):
    if _is_tensor_like(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return False


def _to_bytes_array(array):
    flat = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in array.ravel().tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(array.shape)


def infer_dtype(value):
    """The dtype TF 1.x gives a Python/NumPy value."""
    if isinstance(value, (np.ndarray, np.generic)):
        return dtypes.as_dtype(value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool
    if isinstance(value, numbers.Integral):
        return dtypes.int32 if -2**31 <= value < 2**31 else dtypes.int64
    if isinstance(value, numbers.Real):
        return dtypes.float32
    if isinstance(value, numbers.Complex):
        return dtypes.complex128
    if isinstance(value, (str, bytes)):
        return dtypes.string
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind == "b":
        return dtypes.bool
    if kind in "iu":
        return dtypes.int32 if array.size == 0 or (array.min() >= -2**31 and array.max() < 2**31) \
            else dtypes.int64
    if kind == "f":
        return dtypes.float32
    if kind == "c":
        return dtypes.complex128
    if kind in "USO":
        return dtypes.string
    raise TypeError("Cannot infer a dtype for %r" % (value,))


def to_numpy(value, dtype, what="value"):
    """``value`` as a NumPy array of ``dtype``; refuses lossy conversions with a clear error."""
    npdtype = dtype.as_numpy_dtype
    if dtype == dtypes.string:
        array = np.asarray(value, dtype=object)
        if array.dtype.kind in "OUS":
            return _to_bytes_array(np.asarray(value))
        raise DTypeError("Expected strings for a tf.string %s, got %r." % (what, value))
    try:
        array = np.asarray(value)
    except ValueError as e:
        raise MinitensorError("Cannot turn %s into an array: %s (lists must be rectangular: "
                              "every row the same length)." % (what, e)) from None
    if array.dtype == npdtype:
        return array
    src = array.dtype.kind
    lossy = False
    if src in "USO":
        lossy = True
    elif dtype.is_integer or dtype.is_bool:
        if src in "fc":
            lossy = not np.all(np.isfinite(array)) or not np.all(np.asarray(array) == np.round(array))
    elif dtype.is_floating and src == "c":
        lossy = True
    if lossy:
        sample = array.ravel()[:3].tolist()
        raise DTypeError(
            "Cannot convert %s with values like %s (%s) to %s without losing information."
            % (what, sample, array.dtype, dtype.name),
            hint="pass values of the right kind, or cast explicitly with tf.cast(...).")
    return array.astype(npdtype)


# --- Const ---------------------------------------------------------------

def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor with a fixed value (TF 1.x ``tf.constant``).

    ``shape`` with a scalar ``value`` fills that shape; with a list it must have as many
    elements (TF reshapes it).
    """
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else infer_dtype(value)
    array = to_numpy(value, dtype, "the value of tf.constant(name=%r)" % name)
    if shape is not None:
        shape = as_shape(shape).as_list()
        if verify_shape and list(array.shape) != shape:
            raise MinitensorError("tf.constant: expected shape %s, value has shape %s"
                                  % (tuple(shape), array.shape))
        if array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise MinitensorError("tf.constant: %d values do not fill the shape %s (%d elements)."
                                  % (array.size, tuple(shape), int(np.prod(shape))))
    array = np.array(array, copy=True)
    array.flags.writeable = False      # kernels must never modify a constant
    graph = get_default_graph()
    op = graph.create_op("Const", [], [(dtype, TensorShape(array.shape))], name=name,
                         attrs={"value": array, "dtype": dtype})
    return op.outputs[0]


@reference_kernel("Const")
def _const(value, dtype):
    return value


not_differentiable("Const")


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None):
    """Turn a Tensor, Variable, NumPy array, list or scalar into a Tensor.

    A Tensor of another dtype is an error (TF 1.x); Python values and NumPy arrays are
    converted to ``dtype`` when that loses nothing.
    """
    if isinstance(value, Tensor):
        tensor = value
    elif _is_tensor_like(value):
        tensor = value._to_tensor()
    elif isinstance(value, (list, tuple)) and _contains_tensor(value):
        from .array_ops import stack
        tensor = stack([convert_to_tensor(v, dtype=dtype) for v in value], name=name or "packed")
    else:
        if dtype is None and preferred_dtype is not None:
            try:
                to_numpy(value, dtypes.as_dtype(preferred_dtype), "value")
                dtype = preferred_dtype
            except (MinitensorError, TypeError, ValueError):
                dtype = None
        return constant(value, dtype=dtype, name=name or "Const")
    if dtype is not None and dtypes.as_dtype(dtype).base_dtype != tensor.dtype.base_dtype:
        raise DTypeError(
            "Tensor conversion requested dtype %s for %s, which has dtype %s."
            % (dtypes.as_dtype(dtype).name, tensor._describe(), tensor.dtype.name),
            hint="use tf.cast(t, tf.%s) to convert it." % dtypes.as_dtype(dtype).name)
    return tensor


# --- Placeholder ---------------------------------------------------------

def placeholder(dtype, shape=None, name=None):
    """A value that must be fed: ``sess.run(y, feed_dict={x: data})``.

    ``shape=None`` accepts any shape; ``[None, 784]`` any batch of 784 features.
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    shape = TensorShape(shape)
    op = get_default_graph().create_op("Placeholder", [], [(dtype, shape)],
                                       name=name or "Placeholder",
                                       attrs={"dtype": dtype, "shape": shape})
    return op.outputs[0]


@reference_kernel("Placeholder")
def _placeholder(dtype, shape):
    # Never runs: the session checks feeds when it builds a plan and names every missing one.
    raise AssertionError("placeholder kernel called without a feed")


not_differentiable("Placeholder")


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """Like ``placeholder``, but uses ``input`` when nothing is fed (handy for keep_prob)."""
    default = convert_to_tensor(input)
    shape = TensorShape(shape)
    if not shape.is_compatible_with(default.shape):
        raise MinitensorError("placeholder_with_default: the default value has shape %s, which "
                              "does not fit the declared shape %s." % (default.shape, shape))
    op = get_default_graph().create_op("PlaceholderWithDefault", [default],
                                       [(default.dtype, shape)],
                                       name=name or "PlaceholderWithDefault",
                                       attrs={"dtype": default.dtype, "shape": shape})
    return op.outputs[0]


@reference_kernel("PlaceholderWithDefault", returns_view=True)
def _placeholder_with_default(default, dtype, shape):
    return default


@register_gradient("PlaceholderWithDefault")
def _placeholder_with_default_grad(op, grad):
    """d(default)/d(default) = 1 when nothing is fed"""
    return grad
