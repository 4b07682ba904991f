"""Small helpers every op family uses to build ops: converting inputs, matching dtypes,
static broadcasting with errors that name both tensors, and one-output op creation.
"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError, format_site
from ..framework.graph import get_default_graph
from ..framework.shapes import TensorShape, as_shape, broadcast_shapes, describe
from ..framework.tensor import Tensor
from .constant_op import _is_tensor_like, convert_to_tensor, infer_dtype


def make_op(op_type, inputs, dtype, shape, name=None, attrs=None):
    """Create a one-output op in the default graph and return its output tensor."""
    op = get_default_graph().create_op(op_type, list(inputs), [(dtype, shape)], name=name,
                                       attrs=attrs)
    return op.outputs[0]


def make_multi_output_op(op_type, inputs, outputs, name=None, attrs=None):
    op = get_default_graph().create_op(op_type, list(inputs), outputs, name=name, attrs=attrs)
    return op.outputs


def arg_label(t):
    """How error messages refer to a tensor: its name, kind and birthplace."""
    if t.op.type == "Const":
        v = t.op.attrs["value"]
        origin = "a constant"
        if v.size <= 4:
            origin = "the constant %s" % np.array2string(v, separator=", ")
        return "'%s' (%s made at %s)" % (t.name, origin, format_site(t.op.site))
    return t._describe()


def _np_origin(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return " (a NumPy array: NumPy makes float64 by default)"
    return ""


def convert_pair(x, y, op_label):
    """Convert two operands of a binary op to tensors of one dtype.

    Python numbers, lists and NumPy arrays take the dtype of the other operand when it is a
    tensor (``x * 2`` works for float32 x).  Two tensors of different dtypes are an error.
    """
    x_is_t, y_is_t = _is_tensor_like(x), _is_tensor_like(y)
    if x_is_t and not y_is_t:
        x = convert_to_tensor(x)
        y = _convert_like(y, x, op_label)
    elif y_is_t and not x_is_t:
        y = convert_to_tensor(y)
        x = _convert_like(x, y, op_label)
    elif not x_is_t and not y_is_t:
        dx, dy = infer_dtype(x), infer_dtype(y)
        if dx != dy:
            x_np, y_np = isinstance(x, (np.ndarray, np.generic)), isinstance(y, (np.ndarray, np.generic))
            if x_np != y_np:                 # a NumPy array's dtype wins over a Python number's
                dx = dy = dx if x_np else dy
            elif dx.is_floating or dy.is_floating:
                dx = dy = dx if dx.is_floating else dy
        x = convert_to_tensor(x, dtype=dx)
        y = convert_to_tensor(y, dtype=dy)
    else:
        x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x.dtype.base_dtype != y.dtype.base_dtype:
        raise dtype_mismatch(op_label, x, y)
    return x, y


def _convert_like(value, other, op_label):
    try:
        return convert_to_tensor(value, dtype=other.dtype.base_dtype)
    except (DTypeError, TypeError, ValueError):
        vt = convert_to_tensor(value)
        raise dtype_mismatch(op_label, other, vt, value) from None


def dtype_mismatch(op_label, x, y, raw_value=None):
    fix_dtype = x.dtype.name if x.op.type != "Const" else y.dtype.name
    origin = _np_origin(raw_value)
    return DTypeError(
        "%s: the inputs must have the same dtype, but %s is %s and %s is %s%s."
        % (op_label, arg_label(x), x.dtype.name, arg_label(y), y.dtype.name, origin),
        hint="convert one side: tf.cast(t, tf.%s), or for NumPy data .astype(np.%s) / "
             "dtype=np.%s when you create it." % (fix_dtype, fix_dtype, fix_dtype))


def broadcast_shape(op_label, x, y):
    shape = broadcast_shapes(x.shape, y.shape)
    if shape is None:
        raise ShapeError(
            "%s: shapes %s and %s cannot be broadcast together. %s has shape %s; %s has shape "
            "%s. Broadcasting lines shapes up from the right; each pair of dimensions must be "
            "equal or one of them 1."
            % (op_label, describe(x.shape), describe(y.shape), arg_label(x), describe(x.shape),
               arg_label(y), describe(y.shape)),
            hint=_broadcast_hint(x.shape, y.shape))
    return shape


def _broadcast_hint(a, b):
    a, b = a.dims, b.dims
    if len(a) == 2 and len(b) == 1 and a[0] == b[0]:
        return ("to combine each row with one value, make the vector a column: "
                "tf.reshape(v, [-1, 1]) or tf.expand_dims(v, 1).")
    if len(b) == 2 and len(a) == 1 and b[0] == a[0]:
        return ("to combine each row with one value, make the vector a column: "
                "tf.reshape(v, [-1, 1]) or tf.expand_dims(v, 1).")
    return "reshape one input (tf.reshape / tf.expand_dims) so the dimensions line up."


def unary(op_type, x, name=None, allowed=None, dtype=None):
    """One input, output with the input's shape (and dtype unless ``dtype`` is given)."""
    x = convert_to_tensor(x)
    if allowed is not None:
        check_dtype(op_type, x, allowed)
    return make_op(op_type, [x], dtype or x.dtype.base_dtype, x.shape, name=name or op_type)


def binary(op_type, x, y, name=None, allowed=None, out_dtype=None, label=None):
    """Two inputs that broadcast like NumPy; output dtype = input dtype unless given."""
    label = label or "tf.%s" % op_type
    x, y = convert_pair(x, y, label)
    if allowed is not None:
        check_dtype(label, x, allowed)
    shape = broadcast_shape(label, x, y)
    return make_op(op_type, [x, y], out_dtype or x.dtype.base_dtype, shape, name=name or op_type)


_GROUPS = {
    "float": lambda d: d.is_floating,
    "complex": lambda d: d.is_complex,
    "int": lambda d: d.is_integer,
    "bool": lambda d: d.is_bool,
    "string": lambda d: d == dtypes.string,
}


def check_dtype(op_label, x, allowed):
    """``allowed`` is a set of group names: {"float", "complex", "int", "bool", "string"}."""
    d = x.dtype.base_dtype
    if not any(_GROUPS[g](d) for g in allowed):
        raise DTypeError(
            "%s does not accept %s inputs: %s is %s. It accepts %s tensors."
            % (op_label, d.name, arg_label(x), d.name, " / ".join(sorted(allowed))),
            hint=("cast it first, e.g. tf.cast(t, tf.float32)." if "float" in allowed
                  else "cast it to a supported dtype with tf.cast."))


def static_int_list(value, what):
    """A Python list of ints from a list/tuple/array/constant tensor, or None if not static."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        if value.op.type == "Const":
            return [int(v) for v in np.asarray(value.op.attrs["value"]).ravel()]
        return None
    if hasattr(value, "as_list") and not isinstance(value, (list, tuple)):
        return value.as_list()
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    return [int(v) if v is not None else -1 for v in np.asarray(value, dtype=object).ravel()]


def normalize_axis(axis, ndims, op_label):
    if ndims is None:
        return axis
    if not -ndims <= axis < max(ndims, 1):
        raise ShapeError("%s: axis %d is out of range for a tensor of rank %d (valid: %d to %d)."
                         % (op_label, axis, ndims, -ndims, ndims - 1))
    return axis % ndims if ndims else 0


__all__ = ["make_op", "make_multi_output_op", "convert_pair", "unary", "binary", "check_dtype",
           "broadcast_shape", "arg_label", "static_int_list", "normalize_axis", "TensorShape",
           "as_shape", "describe"]
