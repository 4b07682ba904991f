"""Arithmetic, element-wise math, comparisons, reductions and matmul.

Each op: a public constructor (checks, shape/dtype inference), a NumPy reference kernel
(the executable spec) and its gradient (built from other ops, so it can be fetched, drawn
and differentiated again), side by side.
"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ShapeError
from ..framework.registry import not_differentiable, reference_kernel, register_gradient
from ..framework.shapes import TensorShape, describe
from ..framework.tensor import register_operator
from .array_ops import (_slice_helper, broadcast_to_like, expand_dims, ones_like,
                        reduce_to_shape, reshape, size as size_op, squeeze, stop_gradient,
                        transpose, zeros_like)
from .constant_op import convert_to_tensor
from .op_util import (arg_label, binary, check_dtype, convert_pair, make_op, normalize_axis,
                      static_int_list, unary)

_FLOATS = {"float", "complex"}
_NUMBERS = {"float", "complex", "int"}


# =========================================================================
# Binary arithmetic
# =========================================================================

def add(x, y, name=None):
    """x + y, element-wise, with NumPy broadcasting."""
    x, y = convert_pair(x, y, "tf.add")
    if x.dtype == dtypes.string:
        return binary("AddString", x, y, name or "Add", label="tf.add")
    return binary("Add", x, y, name)


@reference_kernel("Add")
def _add(x, y):
    return x + y


@register_gradient("Add")
def _add_grad(op, grad):
    """d(x+y)/dx = 1, d(x+y)/dy = 1 (summed over broadcast dimensions)"""
    x, y = op.inputs
    return reduce_to_shape(grad, x), reduce_to_shape(grad, y)


@reference_kernel("AddString")
def _add_string(x, y):
    return np.asarray(np.char.add(np.asarray(x, dtype=bytes), np.asarray(y, dtype=bytes)),
                      dtype=object)


not_differentiable("AddString")


def subtract(x, y, name=None):
    """x - y, element-wise."""
    return binary("Sub", x, y, name, allowed=_NUMBERS)


@reference_kernel("Sub")
def _sub(x, y):
    return x - y


@register_gradient("Sub")
def _sub_grad(op, grad):
    """d(x-y)/dx = 1, d(x-y)/dy = -1"""
    x, y = op.inputs
    return reduce_to_shape(grad, x), reduce_to_shape(negative(grad), y)


def multiply(x, y, name=None):
    """x * y, element-wise."""
    return binary("Mul", x, y, name, allowed=_NUMBERS | {"bool"})


@reference_kernel("Mul")
def _mul(x, y):
    return x * y


@register_gradient("Mul")
def _mul_grad(op, grad):
    """d(x*y)/dx = y, d(x*y)/dy = x"""
    x, y = op.inputs
    return reduce_to_shape(grad * conj(y), x), reduce_to_shape(conj(x) * grad, y)


def scalar_mul(scalar, x, name=None):
    """scalar * x, where ``scalar`` is a 0-d value."""
    scalar = convert_to_tensor(scalar, dtype=convert_to_tensor(x).dtype)
    if scalar.shape.ndims not in (0, None):
        raise ShapeError("tf.scalar_mul: the first argument must be a scalar, got shape %s."
                         % describe(scalar.shape))
    return multiply(scalar, x, name=name)


def realdiv(x, y, name=None):
    """x / y for floating-point (and complex) tensors."""
    return binary("RealDiv", x, y, name, allowed=_FLOATS)


@reference_kernel("RealDiv")
def _realdiv(x, y):
    return x / y


@register_gradient("RealDiv")
def _realdiv_grad(op, grad):
    """d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2"""
    x, y = op.inputs
    return (reduce_to_shape(realdiv(grad, conj(y)), x),
            reduce_to_shape(grad * conj(realdiv(realdiv(negative(x), y), y)), y))


_TRUEDIV_TARGET = {"int8": dtypes.float32, "uint8": dtypes.float32, "int16": dtypes.float32,
                   "uint16": dtypes.float32, "int32": dtypes.float64, "int64": dtypes.float64,
                   "uint32": dtypes.float64, "uint64": dtypes.float64}


def truediv(x, y, name=None):
    """x / y with Python 3 semantics: integer inputs are cast to float first (TF 1.x)."""
    x, y = convert_pair(x, y, "tf.truediv")
    target = _TRUEDIV_TARGET.get(x.dtype.base_dtype.name)
    if target is not None:
        x, y = cast(x, target), cast(y, target)
    return realdiv(x, y, name=name or "truediv")


divide = truediv


def div(x, y, name=None):
    """Python 2 division (TF 1.x ``tf.div``): floor division for ints, true division for floats."""
    x, y = convert_pair(x, y, "tf.div")
    if x.dtype.is_integer:
        return floordiv(x, y, name=name or "div")
    return realdiv(x, y, name=name or "div")


def floordiv(x, y, name=None):
    """floor(x / y), element-wise (``x // y``); for floats too."""
    return binary("FloorDiv", x, y, name, allowed=_NUMBERS - {"complex"})


floor_div = floordiv


def _check_int_divisor(y):
    if np.issubdtype(np.asarray(y).dtype, np.integer) and np.any(np.asarray(y) == 0):
        raise InvalidArgumentError("Integer division by zero: the divisor has %d zero(s)."
                                   % int(np.sum(np.asarray(y) == 0)))


@reference_kernel("FloorDiv")
def _floordiv(x, y):
    _check_int_divisor(y)
    return np.floor_divide(x, y)


not_differentiable("FloorDiv")


def truncatediv(x, y, name=None):
    """x / y rounded towards zero (C semantics): truncatediv(-7, 2) == -3."""
    return binary("TruncateDiv", x, y, name, allowed={"int"})


@reference_kernel("TruncateDiv")
def _truncatediv(x, y):
    _check_int_divisor(y)
    q = np.abs(x) // np.abs(y)
    return (np.sign(x) * np.sign(y) * q).astype(np.result_type(x, y))


not_differentiable("TruncateDiv")


def floormod(x, y, name=None):
    """Remainder with the sign of the divisor (Python ``%``): floormod(-7, 2) == 1."""
    return binary("FloorMod", x, y, name, allowed=_NUMBERS - {"complex"})


mod = floormod


@reference_kernel("FloorMod")
def _floormod(x, y):
    _check_int_divisor(y)
    return np.mod(x, y)


@register_gradient("FloorMod")
def _floormod_grad(op, grad):
    """x mod y = x - floor(x/y)*y: d/dx = 1, d/dy = -floor(x/y)"""
    x, y = op.inputs
    return reduce_to_shape(grad, x), reduce_to_shape(grad * negative(floordiv(x, y)), y)


def truncatemod(x, y, name=None):
    """Remainder with the sign of the dividend (C ``fmod``): truncatemod(-7, 2) == -1."""
    return binary("TruncateMod", x, y, name, allowed=_NUMBERS - {"complex"})


@reference_kernel("TruncateMod")
def _truncatemod(x, y):
    _check_int_divisor(y)
    return np.fmod(x, y)


not_differentiable("TruncateMod")


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    """x ** y, element-wise."""
    return binary("Pow", x, y, name, allowed=_NUMBERS)


@reference_kernel("Pow")
def _pow(x, y):
    if np.issubdtype(np.asarray(x).dtype, np.integer) and np.any(np.asarray(y) < 0):
        raise InvalidArgumentError("Integers to negative integer powers are not allowed; "
                                   "cast to float first.")
    return np.power(x, y)


@register_gradient("Pow")
def _pow_grad(op, grad):
    """d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y log(x) (0 where x <= 0)"""
    x, y = op.inputs
    z = op.outputs[0]
    gx = grad * y * pow(x, y - 1)
    safe_log = where(x > 0, log(where(x > 0, x, ones_like(x))), zeros_like(x))
    gy = grad * z * safe_log
    return reduce_to_shape(gx, x), reduce_to_shape(gy, y)


def maximum(x, y, name=None):
    """max(x, y), element-wise."""
    return binary("Maximum", x, y, name, allowed=_NUMBERS - {"complex"})


@reference_kernel("Maximum")
def _maximum(x, y):
    return np.maximum(x, y)


@register_gradient("Maximum")
def _maximum_grad(op, grad):
    """the gradient goes to the larger input (to x on ties)"""
    x, y = op.inputs
    x_wins = greater_equal(x, y)
    return (reduce_to_shape(where(x_wins, grad, zeros_like(grad)), x),
            reduce_to_shape(where(x_wins, zeros_like(grad), grad), y))


def minimum(x, y, name=None):
    """min(x, y), element-wise."""
    return binary("Minimum", x, y, name, allowed=_NUMBERS - {"complex"})


@reference_kernel("Minimum")
def _minimum(x, y):
    return np.minimum(x, y)


@register_gradient("Minimum")
def _minimum_grad(op, grad):
    """the gradient goes to the smaller input (to x on ties)"""
    x, y = op.inputs
    x_wins = less_equal(x, y)
    return (reduce_to_shape(where(x_wins, grad, zeros_like(grad)), x),
            reduce_to_shape(where(x_wins, zeros_like(grad), grad), y))


def squared_difference(x, y, name=None):
    """(x - y)^2, element-wise."""
    return binary("SquaredDifference", x, y, name, allowed=_NUMBERS)


@reference_kernel("SquaredDifference")
def _squared_difference(x, y):
    d = x - y
    return d * np.conj(d) if np.iscomplexobj(d) else d * d


@register_gradient("SquaredDifference")
def _squared_difference_grad(op, grad):
    """d(x-y)^2/dx = 2(x-y), d/dy = -2(x-y)"""
    x, y = op.inputs
    g = grad * 2.0 * (x - y)
    return reduce_to_shape(g, x), reduce_to_shape(negative(g), y)


def add_n(inputs, name=None):
    """Sum of a list of tensors of the same shape and dtype."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("tf.add_n takes a non-empty list of tensors, got %r" % (inputs,))
    tensors = [convert_to_tensor(t) for t in inputs]
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            from .op_util import dtype_mismatch
            raise dtype_mismatch("tf.add_n", first, t)
        if not t.shape.is_compatible_with(first.shape):
            raise ShapeError("tf.add_n: all inputs must have the same shape, but %s has shape %s "
                             "and %s has shape %s." % (arg_label(first), describe(first.shape),
                                                        arg_label(t), describe(t.shape)),
                             hint="use tf.add (which broadcasts) for inputs of different shapes.")
    if len(tensors) == 1:
        return tensors[0]
    shape = tensors[0].shape
    for t in tensors[1:]:
        shape = shape.merge_with(t.shape)
    return make_op("AddN", tensors, first.dtype.base_dtype, shape, name=name or "AddN")


@reference_kernel("AddN")
def _add_n(*xs):
    total = xs[0] + xs[1]
    for x in xs[2:]:
        total += x
    return total


@register_gradient("AddN")
def _add_n_grad(op, grad):
    """d(x1+...+xn)/dxi = 1"""
    return [grad] * len(op.inputs)


# =========================================================================
# Unary element-wise math
# =========================================================================

def _unary_op(op_type, kernel, grad_fn=None, allowed=_NUMBERS, doc="", public_name=None):
    """Declare a one-input element-wise op: constructor + reference kernel + gradient."""
    def constructor(x, name=None):
        return unary(op_type, x, name=name, allowed=allowed)
    constructor.__name__ = public_name or op_type.lower()
    constructor.__qualname__ = constructor.__name__
    constructor.__doc__ = doc
    reference_kernel(op_type)(kernel)
    if grad_fn is None:
        not_differentiable(op_type)
    else:
        register_gradient(op_type)(grad_fn)
    return constructor


def _neg_kernel(x):
    return -x


def _neg_grad(op, grad):
    """d(-x)/dx = -1"""
    return negative(grad)


negative = _unary_op("Neg", _neg_kernel, _neg_grad, doc="-x, element-wise.", public_name="negative")
neg = negative


def _abs_kernel(x):
    return np.abs(x)


def _abs_grad(op, grad):
    """d|x|/dx = sign(x)"""
    return grad * sign(op.inputs[0])


def abs(x, name=None):  # noqa: A001 - TF's public name
    """|x|, element-wise (for complex x: the magnitude, a real tensor)."""
    x = convert_to_tensor(x)
    if x.dtype.is_complex:
        return make_op("ComplexAbs", [x], x.dtype.real_dtype, x.shape, name=name or "ComplexAbs")
    return unary("Abs", x, name=name, allowed=_NUMBERS)


reference_kernel("Abs")(_abs_kernel)
register_gradient("Abs")(_abs_grad)


@reference_kernel("ComplexAbs")
def _complex_abs(x):
    return np.abs(x)


@register_gradient("ComplexAbs")
def _complex_abs_grad(op, grad):
    """d|z| = Re(conj(z)/|z| dz)"""
    z = op.inputs[0]
    return complex_(grad, zeros_like(grad)) * sign(z)


def _sign_kernel(x):
    if np.iscomplexobj(x):
        mag = np.abs(x)
        return np.where(mag == 0, 0, x / np.where(mag == 0, 1, mag)).astype(x.dtype)
    return np.sign(x)


sign = _unary_op("Sign", _sign_kernel, lambda op, grad: zeros_like(op.inputs[0]),
                 doc="-1, 0 or 1 by the sign of x (x/|x| for complex).")


def _reciprocal_grad(op, grad):
    """d(1/x)/dx = -1/x^2 = -y^2"""
    y = op.outputs[0]
    return negative(grad * conj(y * y))


reciprocal = _unary_op("Reciprocal", lambda x: 1 / x, _reciprocal_grad, allowed=_FLOATS,
                       doc="1/x, element-wise.")
inv = reciprocal


def _square_grad(op, grad):
    """d(x^2)/dx = 2x"""
    return grad * (2.0 * conj(op.inputs[0])) if op.inputs[0].dtype.is_floating or \
        op.inputs[0].dtype.is_complex else grad * 2 * op.inputs[0]


square = _unary_op("Square", lambda x: x * x, _square_grad, doc="x^2, element-wise.")


def _sqrt_grad(op, grad):
    """d(sqrt x)/dx = 1 / (2 sqrt x)"""
    return realdiv(grad * 0.5, conj(op.outputs[0]))


sqrt = _unary_op("Sqrt", np.sqrt, _sqrt_grad, allowed=_FLOATS, doc="square root, element-wise.")


def _rsqrt_grad(op, grad):
    """d(x^-1/2)/dx = -1/2 x^-3/2 = -y^3/2"""
    y = op.outputs[0]
    return grad * conj(-0.5 * y * y * y)


rsqrt = _unary_op("Rsqrt", lambda x: 1 / np.sqrt(x), _rsqrt_grad, allowed=_FLOATS,
                  doc="1/sqrt(x), element-wise.")


def _exp_grad(op, grad):
    """d(e^x)/dx = e^x"""
    return grad * conj(op.outputs[0])


exp = _unary_op("Exp", np.exp, _exp_grad, allowed=_FLOATS, doc="e^x, element-wise.")


def _expm1_grad(op, grad):
    """d(e^x - 1)/dx = e^x"""
    return grad * conj(exp(op.inputs[0]))


expm1 = _unary_op("Expm1", np.expm1, _expm1_grad, allowed=_FLOATS, doc="e^x - 1, accurate near 0.")


def _log_grad(op, grad):
    """d(log x)/dx = 1/x"""
    return realdiv(grad, conj(op.inputs[0]))


log = _unary_op("Log", np.log, _log_grad, allowed=_FLOATS, doc="natural logarithm, element-wise.")


def _log1p_grad(op, grad):
    """d(log(1+x))/dx = 1/(1+x)"""
    return realdiv(grad, conj(1.0 + op.inputs[0]))


log1p = _unary_op("Log1p", np.log1p, _log1p_grad, allowed=_FLOATS, doc="log(1 + x), accurate near 0.")


def _sin_grad(op, grad):
    """d(sin x)/dx = cos x"""
    return grad * conj(cos(op.inputs[0]))


sin = _unary_op("Sin", np.sin, _sin_grad, allowed=_FLOATS, doc="sine, element-wise.")


def _cos_grad(op, grad):
    """d(cos x)/dx = -sin x"""
    return negative(grad * conj(sin(op.inputs[0])))


cos = _unary_op("Cos", np.cos, _cos_grad, allowed=_FLOATS, doc="cosine, element-wise.")


def _tan_grad(op, grad):
    """d(tan x)/dx = 1 + tan^2 x"""
    y = op.outputs[0]
    return grad * conj(1.0 + y * y)


tan = _unary_op("Tan", np.tan, _tan_grad, allowed=_FLOATS, doc="tangent, element-wise.")


def _asin_grad(op, grad):
    """d(asin x)/dx = 1/sqrt(1 - x^2)"""
    x = op.inputs[0]
    return grad * conj(rsqrt(1.0 - x * x))


asin = _unary_op("Asin", np.arcsin, _asin_grad, allowed=_FLOATS, doc="arcsine, element-wise.")


def _acos_grad(op, grad):
    """d(acos x)/dx = -1/sqrt(1 - x^2)"""
    x = op.inputs[0]
    return negative(grad * conj(rsqrt(1.0 - x * x)))


acos = _unary_op("Acos", np.arccos, _acos_grad, allowed=_FLOATS, doc="arccosine, element-wise.")


def _atan_grad(op, grad):
    """d(atan x)/dx = 1/(1 + x^2)"""
    x = op.inputs[0]
    return realdiv(grad, conj(1.0 + x * x))


atan = _unary_op("Atan", np.arctan, _atan_grad, allowed=_FLOATS, doc="arctangent, element-wise.")


def _tanh_grad(op, grad):
    """d(tanh x)/dx = 1 - tanh^2 x  (one fused TanhGrad op, as in TF)"""
    y = op.outputs[0]
    return make_op("TanhGrad", [y, grad], grad.dtype.base_dtype, grad.shape, name="TanhGrad")


@reference_kernel("TanhGrad")
def _tanh_grad_kernel(y, dy):
    """dy * (1 - y^2)"""
    return dy * (1 - y * np.conj(y))


@register_gradient("TanhGrad")
def _tanh_grad_grad(op, grad):
    """z = dy (1 - y^2): dz/dy = -2 y dy, dz/d(dy) = 1 - y^2"""
    y, dy = op.inputs
    return grad * -2.0 * dy * conj(y), grad * conj(1.0 - y * y)


tanh = _unary_op("Tanh", np.tanh, _tanh_grad, allowed=_FLOATS, doc="hyperbolic tangent.")


def _sigmoid_kernel(x):
    # 1/(1+e^-x) overflows e^-x for x << 0; this form is stable for both signs.
    if np.iscomplexobj(x):
        return 1 / (1 + np.exp(-x))
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(x), copy=False)


def _sigmoid_grad(op, grad):
    """d(sigmoid x)/dx = s (1 - s)  (one fused SigmoidGrad op, as in TF)"""
    y = op.outputs[0]
    return make_op("SigmoidGrad", [y, grad], grad.dtype.base_dtype, grad.shape,
                   name="SigmoidGrad")


@reference_kernel("SigmoidGrad")
def _sigmoid_grad_kernel(y, dy):
    """dy * y * (1 - y)"""
    return dy * (y * (1 - y))


@register_gradient("SigmoidGrad")
def _sigmoid_grad_grad(op, grad):
    """z = dy s (1 - s): dz/ds = dy (1 - 2 s), dz/d(dy) = s (1 - s)"""
    y, dy = op.inputs
    return grad * dy * (1.0 - 2.0 * y), grad * y * (1.0 - y)


sigmoid = _unary_op("Sigmoid", _sigmoid_kernel, _sigmoid_grad, allowed=_FLOATS,
                    doc="1 / (1 + e^-x), computed stably.")


def _zero_grad(op, grad):
    """piecewise constant: the derivative is 0 almost everywhere"""
    return zeros_like(op.inputs[0])


floor = _unary_op("Floor", np.floor, None, allowed={"float"}, doc="largest integer <= x.")
ceil = _unary_op("Ceil", np.ceil, None, allowed={"float"}, doc="smallest integer >= x.")
round = _unary_op("Round", np.round, None, allowed=_NUMBERS - {"complex"},  # noqa: A001
                  doc="round half to even (banker's rounding), like TF and NumPy.")
rint = _unary_op("Rint", np.rint, None, allowed={"float"}, doc="round half to even.")


# =========================================================================
# Comparisons and logic (no gradients)
# =========================================================================

def _compare(op_type, kernel, doc):
    def constructor(x, y, name=None):
        return binary(op_type, x, y, name, out_dtype=dtypes.bool)
    constructor.__name__ = op_type
    constructor.__doc__ = doc
    reference_kernel(op_type)(kernel)
    not_differentiable(op_type)
    return constructor


less = _compare("Less", np.less, "x < y, element-wise (bool).")
less_equal = _compare("LessEqual", np.less_equal, "x <= y, element-wise (bool).")
greater = _compare("Greater", np.greater, "x > y, element-wise (bool).")
greater_equal = _compare("GreaterEqual", np.greater_equal, "x >= y, element-wise (bool).")
equal = _compare("Equal", np.equal, "x == y, element-wise (bool).")
not_equal = _compare("NotEqual", np.not_equal, "x != y, element-wise (bool).")


def logical_and(x, y, name=None):
    return binary("LogicalAnd", x, y, name, allowed={"bool"})


def logical_or(x, y, name=None):
    return binary("LogicalOr", x, y, name, allowed={"bool"})


def logical_xor(x, y, name="LogicalXor"):
    """(x or y) and not (x and y)"""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def logical_not(x, name=None):
    return unary("LogicalNot", x, name=name, allowed={"bool"})


reference_kernel("LogicalAnd")(np.logical_and)
reference_kernel("LogicalOr")(np.logical_or)
reference_kernel("LogicalNot")(np.logical_not)
not_differentiable("LogicalAnd", "LogicalOr", "LogicalNot")


def _bitwise_or_logical(logical, op_label, op_name):
    def op(x, y):
        x, y = convert_pair(x, y, op_label)
        if x.dtype != dtypes.bool:
            raise TypeError("%s on tensors is only defined for tf.bool tensors (got %s)."
                            % (op_label, x.dtype.name))
        return logical(x, y, name=op_name)
    return op


# =========================================================================
# where (select) -- used by several gradients above
# =========================================================================

def where(condition, x=None, y=None, name=None):
    """Pick from ``x`` where ``condition`` is True, else from ``y`` (broadcasting like NumPy).

    With only ``condition``: the coordinates of the True entries, shape (n, rank), int64.
    """
    condition = convert_to_tensor(condition)
    check_dtype("tf.where", condition, {"bool"})
    if x is None and y is None:
        rank = condition.shape.ndims
        return make_op("WhereIndices", [condition], dtypes.int64, TensorShape([None, rank]),
                       name=name or "Where")
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    x, y = convert_pair(x, y, "tf.where")
    from .op_util import broadcast_shape
    shape = broadcast_shape("tf.where", x, y)
    from ..framework.shapes import broadcast_shapes
    full = broadcast_shapes(condition.shape, shape)
    if full is None:
        raise ShapeError("tf.where: the condition %s has shape %s, which does not broadcast with "
                         "x and y of shape %s." % (arg_label(condition), describe(condition.shape),
                                                   describe(shape)))
    return make_op("Select", [condition, x, y], x.dtype.base_dtype, full, name=name or "Select")


@reference_kernel("Select")
def _select(condition, x, y):
    return np.where(condition, x, y)


@register_gradient("Select")
def _select_grad(op, grad):
    """the gradient flows to x where the condition holds, to y elsewhere"""
    c, x, y = op.inputs
    zeros = zeros_like(grad)
    return (None, reduce_to_shape(where(c, grad, zeros), x),
            reduce_to_shape(where(c, zeros, grad), y))


@reference_kernel("WhereIndices")
def _where_indices(condition):
    return np.argwhere(condition).astype(np.int64)


not_differentiable("WhereIndices")


# =========================================================================
# Casting and complex helpers
# =========================================================================

def cast(x, dtype, name=None):
    """Convert ``x`` to ``dtype`` (floats to ints truncate toward zero, like TF)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    x = convert_to_tensor(x)
    if x.dtype.base_dtype == dtype:
        return x
    return make_op("Cast", [x], dtype, x.shape, name=name or "Cast",
                   attrs={"DstT": dtype})


@reference_kernel("Cast")
def _cast(x, DstT):  # noqa: N803 - TF's attribute name
    if DstT == dtypes.string:
        raise TypeError("Cast to tf.string is not supported; use tf.as_string.")
    return np.asarray(x).astype(DstT.as_numpy_dtype)


@register_gradient("Cast")
def _cast_grad(op, grad):
    """the gradient is cast back to the source dtype (none for integer casts)"""
    src = op.inputs[0].dtype
    if src.is_differentiable and op.outputs[0].dtype.is_differentiable:
        return cast(grad, src)
    return None


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


def conj(x, name=None):
    """Complex conjugate; the identity for real tensors (no op is added)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return x
    return make_op("Conj", [x], x.dtype.base_dtype, x.shape, name=name or "Conj")


@reference_kernel("Conj")
def _conj(x):
    return np.conj(x)


@register_gradient("Conj")
def _conj_grad(op, grad):
    """d conj(z) = conj(dz)"""
    return conj(grad)


def complex_(real, imag, name=None):
    """real + i*imag (float32 -> complex64, float64 -> complex128)."""
    real, imag = convert_pair(real, imag, "tf.complex")
    check_dtype("tf.complex", real, {"float"})
    out = dtypes.complex64 if real.dtype.base_dtype == dtypes.float32 else dtypes.complex128
    from .op_util import broadcast_shape
    return make_op("Complex", [real, imag], out, broadcast_shape("tf.complex", real, imag),
                   name=name or "Complex")


@reference_kernel("Complex")
def _complex(real, imag):
    out = np.complex64 if np.asarray(real).dtype == np.float32 else np.complex128
    return (np.asarray(real) + 1j * np.asarray(imag)).astype(out)


@register_gradient("Complex")
def _complex_grad(op, grad):
    """z = x + iy: dL/dx = Re(g), dL/dy = Im(g)"""
    x, y = op.inputs
    return reduce_to_shape(real(grad), x), reduce_to_shape(imag(grad), y)


def real(x, name=None):
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return x
    return make_op("Real", [x], x.dtype.real_dtype, x.shape, name=name or "Real")


def imag(x, name=None):
    x = convert_to_tensor(x)
    if not x.dtype.is_complex:
        return zeros_like(x)
    return make_op("Imag", [x], x.dtype.real_dtype, x.shape, name=name or "Imag")


@reference_kernel("Real")
def _real(x):
    return np.real(x).copy()


@reference_kernel("Imag")
def _imag(x):
    return np.imag(x).copy()


@register_gradient("Real")
def _real_grad(op, grad):
    """d Re(z): the gradient is g + 0i"""
    return complex_(grad, zeros_like(grad))


@register_gradient("Imag")
def _imag_grad(op, grad):
    """d Im(z): the gradient is 0 + gi"""
    return complex_(zeros_like(grad), grad)


# =========================================================================
# Reductions
# =========================================================================

def _reduction_axes(op_label, x, axis, reduction_indices=None):
    if axis is None:
        axis = reduction_indices
    if axis is None:
        return None
    axes = static_int_list(axis, "axis")
    if axes is None:
        raise NotImplementedError("%s: the axis must be known when the graph is built "
                                  "(a Python int or list)." % op_label)
    ndims = x.shape.ndims
    return tuple(sorted({normalize_axis(a, ndims, op_label) for a in axes}))


def _reduced_shape(shape, axes, keepdims):
    if shape.dims is None:
        return TensorShape(None)
    if axes is None:
        axes = range(len(shape.dims))
    dims = []
    for i, d in enumerate(shape.dims):
        if i in axes:
            if keepdims:
                dims.append(1)
        else:
            dims.append(d)
    return TensorShape(dims)


def _reduction(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims,
               allowed, out_dtype=None):
    label = "tf.reduce_%s" % op_type[len("Reduce"):].lower()
    x = convert_to_tensor(input_tensor)
    if keep_dims is not None:
        keepdims = keep_dims
    keepdims = bool(keepdims)
    check_dtype(label, x, allowed)
    axes = _reduction_axes(label, x, axis, reduction_indices)
    shape = _reduced_shape(x.shape, axes, keepdims)
    return make_op(op_type, [x], out_dtype or x.dtype.base_dtype, shape, name=name,
                   attrs={"axis": axes, "keepdims": keepdims})


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    """Sum over ``axis`` (all axes when None)."""
    return _reduction("ReduceSum", input_tensor, axis, keepdims, name or "Sum", reduction_indices,
                      keep_dims, _NUMBERS | {"bool"})


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    """Mean over ``axis``. Integer tensors give an integer (truncated) mean, like TF."""
    return _reduction("ReduceMean", input_tensor, axis, keepdims, name or "Mean",
                      reduction_indices, keep_dims, _NUMBERS)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("ReduceMax", input_tensor, axis, keepdims, name or "Max", reduction_indices,
                      keep_dims, _NUMBERS - {"complex"})


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("ReduceMin", input_tensor, axis, keepdims, name or "Min", reduction_indices,
                      keep_dims, _NUMBERS - {"complex"})


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None):
    return _reduction("ReduceProd", input_tensor, axis, keepdims, name or "Prod",
                      reduction_indices, keep_dims, _NUMBERS)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("ReduceAll", input_tensor, axis, keepdims, name or "All", reduction_indices,
                      keep_dims, {"bool"})


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduction("ReduceAny", input_tensor, axis, keepdims, name or "Any", reduction_indices,
                      keep_dims, {"bool"})


@reference_kernel("ReduceSum")
def _reduce_sum(x, axis, keepdims):
    x = np.asarray(x)
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype != bool else np.int64)


@reference_kernel("ReduceMean")
def _reduce_mean(x, axis, keepdims):
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.integer):
        # TF divides in integer arithmetic, rounding toward zero: mean([-1, -2]) == -1
        total = np.sum(x, axis=axis, keepdims=keepdims, dtype=np.int64)
        count = max(x.size // max(total.size, 1), 1)
        return (np.sign(total) * (np.abs(total) // count)).astype(x.dtype)
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


@reference_kernel("ReduceMax")
def _reduce_max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims)


@reference_kernel("ReduceMin")
def _reduce_min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims)


@reference_kernel("ReduceProd")
def _reduce_prod(x, axis, keepdims):
    x = np.asarray(x)
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


@reference_kernel("ReduceAll")
def _reduce_all(x, axis, keepdims):
    return np.all(x, axis=axis, keepdims=keepdims)


@reference_kernel("ReduceAny")
def _reduce_any(x, axis, keepdims):
    return np.any(x, axis=axis, keepdims=keepdims)


not_differentiable("ReduceAll", "ReduceAny")


def _grad_to_input_shape(op, grad):
    """Put back the reduced axes (size 1) and broadcast the gradient over them."""
    x = op.inputs[0]
    axes, keepdims = op.attrs["axis"], op.attrs["keepdims"]
    if not keepdims:
        if axes is None:
            grad = reshape(grad, [1] * x.shape.ndims) if x.shape.ndims is not None else grad
        else:
            grad = expand_dims(grad, list(axes))
    return broadcast_to_like(grad, x)


@register_gradient("ReduceSum")
def _reduce_sum_grad(op, grad):
    """d(sum x)/dx_i = 1: the gradient is copied to every summed element"""
    return _grad_to_input_shape(op, grad)


@register_gradient("ReduceMean")
def _reduce_mean_grad(op, grad):
    """d(mean x)/dx_i = 1/n"""
    x, y = op.inputs[0], op.outputs[0]
    n_in, n_out = x.shape.num_elements(), y.shape.num_elements()
    if n_in is not None and n_out is not None:
        scale = n_out / max(n_in, 1)
        return _grad_to_input_shape(op, grad) * scale
    factor = cast(size_op(y), x.dtype) / cast(size_op(x), x.dtype)
    return _grad_to_input_shape(op, grad) * factor


def _extremum_grad(op, grad):
    """the gradient goes to the elements equal to the max/min (split evenly between ties)"""
    x, y = op.inputs[0], op.outputs[0]
    y_full = _grad_to_input_shape(op, y)
    hits = cast(equal(x, y_full), grad.dtype)
    count = reduce_sum(hits, axis=op.attrs["axis"], keepdims=True)
    share = broadcast_to_like(count, x)
    return _grad_to_input_shape(op, grad) * hits / share


register_gradient("ReduceMax")(_extremum_grad)
register_gradient("ReduceMin")(_extremum_grad)


@register_gradient("ReduceProd")
def _reduce_prod_grad(op, grad):
    """d(prod x)/dx_i = product of all the other elements (exact even when some are 0)"""
    x = op.inputs[0]
    others = make_op("ProdOfOthers", [x], x.dtype.base_dtype, x.shape,
                     name="ProdOfOthers", attrs={"axis": op.attrs["axis"]})
    return _grad_to_input_shape(op, grad) * others


@reference_kernel("ProdOfOthers")
def _prod_of_others(x, axis):
    """for each element, the product of the other elements along ``axis``"""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else axis
    moved = np.moveaxis(x, axes, tuple(range(len(axes))))
    lead = int(np.prod([x.shape[a] for a in axes]))
    flat = moved.reshape((lead,) + moved.shape[len(axes):])
    ones = np.ones_like(flat[:1])
    before = np.cumprod(np.concatenate([ones, flat[:-1]]), axis=0)
    after = np.cumprod(np.concatenate([ones, flat[::-1][:-1]]), axis=0)[::-1]
    result = (before * after).reshape(moved.shape)
    return np.moveaxis(result, tuple(range(len(axes))), axes)


@register_gradient("ProdOfOthers")
def _prod_of_others_grad(op, grad):
    """d/dx_j of prod_{k!=i} x_k = prod_{k!=i,j} x_k; expressed as sum_i g_i*P_i/x_j ... (not supported)"""
    raise NotImplementedError("second derivatives of reduce_prod are not implemented")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
                     keep_dims=None):
    """log(sum(exp(x))) computed stably: m + log(sum(exp(x - m))), m = max x."""
    x = convert_to_tensor(input_tensor)
    if keep_dims is not None:
        keepdims = keep_dims
    m = stop_gradient(reduce_max(x, axis=axis, keepdims=True, reduction_indices=reduction_indices))
    result = log(reduce_sum(exp(x - m), axis=axis, keepdims=True,
                            reduction_indices=reduction_indices)) + m
    if not keepdims:
        axes = _reduction_axes("tf.reduce_logsumexp", x, axis, reduction_indices)
        result = squeeze(result, axis=list(axes) if axes is not None else None)
    return result


def count_nonzero(input_tensor, axis=None, keepdims=False, dtype=dtypes.int64, name=None):
    x = convert_to_tensor(input_tensor)
    nonzero = not_equal(x, zeros_like(x))
    return cast(reduce_sum(cast(nonzero, dtypes.int64), axis=axis, keepdims=keepdims), dtype,
                name=name)


# --- argmax / argmin -------------------------------------------------------

def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the largest value along ``axis`` (TF 1.x default axis: 0)."""
    return _arg_reduce("ArgMax", input, axis, dimension, output_type, name)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the smallest value along ``axis`` (TF 1.x default axis: 0)."""
    return _arg_reduce("ArgMin", input, axis, dimension, output_type, name)


def _arg_reduce(op_type, x, axis, dimension, output_type, name):
    x = convert_to_tensor(x)
    if axis is None:
        axis = dimension if dimension is not None else 0
    label = "tf." + op_type.lower()
    check_dtype(label, x, _NUMBERS - {"complex"} | {"bool"})
    axis = normalize_axis(static_int_list(axis, "axis")[0], x.shape.ndims, label)
    shape = _reduced_shape(x.shape, (axis,), False)
    return make_op(op_type, [x], dtypes.as_dtype(output_type), shape, name=name or op_type,
                   attrs={"axis": axis, "output_type": dtypes.as_dtype(output_type)})


@reference_kernel("ArgMax")
def _argmax(x, axis, output_type):
    return np.argmax(x, axis=axis).astype(output_type.as_numpy_dtype)


@reference_kernel("ArgMin")
def _argmin(x, axis, output_type):
    return np.argmin(x, axis=axis).astype(output_type.as_numpy_dtype)


not_differentiable("ArgMax", "ArgMin")


# =========================================================================
# Matrix multiplication
# =========================================================================

def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix product ``a @ b`` (batched over leading dimensions for rank > 2)."""
    a, b = convert_pair(a, b, "tf.matmul")
    check_dtype("tf.matmul", a, _NUMBERS)
    if adjoint_a:
        a, transpose_a = conj(a), True
    if adjoint_b:
        b, transpose_b = conj(b), True
    shape = _matmul_shape(a, b, transpose_a, transpose_b)
    return make_op("MatMul", [a, b], a.dtype.base_dtype, shape, name=name or "MatMul",
                   attrs={"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)})


def _matmul_shape(a, b, ta, tb):
    sa, sb = a.shape, b.shape
    for t, s in ((a, sa), (b, sb)):
        if s.ndims is not None and s.ndims < 2:
            raise ShapeError(
                "tf.matmul needs tensors of rank >= 2, but %s has shape %s (rank %d)."
                % (arg_label(t), describe(s), s.ndims),
                hint="for a vector, make it a matrix: tf.reshape(v, [1, -1]) (a row) or "
                     "tf.reshape(v, [-1, 1]) (a column); for element-wise products use *.")
    if sa.ndims is None or sb.ndims is None:
        return TensorShape(None)
    m, ka = (sa.dims[-1], sa.dims[-2]) if ta else (sa.dims[-2], sa.dims[-1])
    kb, n = (sb.dims[-1], sb.dims[-2]) if tb else (sb.dims[-2], sb.dims[-1])
    if ka is not None and kb is not None and ka != kb:
        raise ShapeError(
            "tf.matmul(%s, %s): inner dimensions must match, but %s is %s and %s is %s "
            "(%d != %d)." % (a.op.name, b.op.name, arg_label(a), describe(sa), arg_label(b),
                             describe(sb), ka, kb),
            hint=_matmul_hint(ka, kb))
    from ..framework.shapes import broadcast_shapes
    batch = broadcast_shapes(TensorShape(sa.dims[:-2]), TensorShape(sb.dims[:-2]))
    if batch is None:
        raise ShapeError("tf.matmul: batch dimensions %s and %s do not broadcast."
                         % (describe(sa.dims[:-2]), describe(sb.dims[:-2])))
    return TensorShape(list(batch.dims) + [m, n])


def _matmul_hint(ka, kb):
    if ka and kb and min(ka, kb) > 1 and max(ka, kb) % min(ka, kb) == 0:
        return ("the first input has %d columns and the second %d rows; %d = %d x %d -- check "
                "how the input was flattened (channels? image size?) or the weight's shape."
                % (ka, kb, max(ka, kb), max(ka, kb) // min(ka, kb), min(ka, kb)))
    return ("the number of columns of the first matrix must equal the number of rows of the "
            "second: check the weight's shape [n_in, n_out], or use transpose_b=True.")


@reference_kernel("MatMul")
def _matmul(a, b, transpose_a, transpose_b):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


@register_gradient("MatMul")
def _matmul_grad(op, grad):
    """C = A B: dA = dC B^T, dB = A^T dC (with the transposes moved around)"""
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    a_c, b_c = conj(a), conj(b)
    if not ta and not tb:
        ga, gb = matmul(grad, b_c, transpose_b=True), matmul(a_c, grad, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(grad, b_c), matmul(grad, a_c, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b_c, grad, transpose_b=True), matmul(a_c, grad)
    else:
        ga, gb = matmul(b_c, grad, transpose_a=True, transpose_b=True), \
            matmul(grad, a_c, transpose_a=True, transpose_b=True)
    if (a.shape.ndims or 0) > 2 or (b.shape.ndims or 0) > 2:
        ga, gb = reduce_to_shape(ga, a), reduce_to_shape(gb, b)
    return ga, gb


def tensordot(a, b, axes, name=None):
    """Sum of products over the given axes (``axes=n``: last n of a with first n of b)."""
    a, b = convert_pair(a, b, "tf.tensordot")
    if a.shape.ndims is None or b.shape.ndims is None or not a.shape.is_fully_defined() \
            or not b.shape.is_fully_defined():
        raise NotImplementedError("tf.tensordot needs fully known static shapes.")
    if isinstance(axes, int):
        a_axes = list(range(a.shape.ndims - axes, a.shape.ndims))
        b_axes = list(range(axes))
    else:
        a_axes, b_axes = axes
        a_axes = [a_axes] if isinstance(a_axes, int) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, int) else list(b_axes)
    a_axes = [x % a.shape.ndims for x in a_axes]
    b_axes = [x % b.shape.ndims for x in b_axes]
    for i, j in zip(a_axes, b_axes):
        if a.shape.dims[i] != b.shape.dims[j]:
            raise ShapeError("tf.tensordot: axis %d of %s (size %d) and axis %d of %s (size %d) "
                             "must have the same size." % (i, arg_label(a), a.shape.dims[i], j,
                                                          arg_label(b), b.shape.dims[j]))
    a_free = [i for i in range(a.shape.ndims) if i not in a_axes]
    b_free = [i for i in range(b.shape.ndims) if i not in b_axes]
    k = int(np.prod([a.shape.dims[i] for i in a_axes]))
    a2 = reshape(transpose(a, a_free + a_axes), [-1, k])
    b2 = reshape(transpose(b, b_axes + b_free), [k, -1])
    out_shape = [a.shape.dims[i] for i in a_free] + [b.shape.dims[i] for i in b_free]
    return reshape(matmul(a2, b2), out_shape, name=name or "Tensordot")


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = convert_to_tensor(x)
    axis = normalize_axis(int(axis), x.shape.ndims, "tf.cumsum")
    return make_op("Cumsum", [x], x.dtype.base_dtype, x.shape, name=name or "Cumsum",
                   attrs={"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)})


@reference_kernel("Cumsum")
def _cumsum(x, axis, exclusive, reverse):
    x = np.asarray(x)
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = out - x
    return np.flip(out, axis).copy() if reverse else out


@register_gradient("Cumsum")
def _cumsum_grad(op, grad):
    """the adjoint of a cumulative sum is the cumulative sum in the other direction"""
    return cumsum(grad, axis=op.attrs["axis"], exclusive=op.attrs["exclusive"],
                  reverse=not op.attrs["reverse"])


# =========================================================================
# Operators on Tensor (names follow TF 1.x: ``a + b`` makes an op named "add")
# =========================================================================

def _getitem(tensor, key):
    return _slice_helper(tensor, key)


def _truediv_operator(x, y):
    return truediv(x, y, name="truediv")


def _floordiv_operator(x, y):
    return floordiv(x, y, name="floordiv")


def _mod_operator(x, y):
    return floormod(x, y, name="mod")


def _and_operator(x, y):
    return _bitwise_or_logical(logical_and, "&", "and")(x, y)


def _or_operator(x, y):
    return _bitwise_or_logical(logical_or, "|", "or")(x, y)


def _xor_operator(x, y):
    return _bitwise_or_logical(logical_xor, "^", "xor")(x, y)


def _invert_operator(x):
    x = convert_to_tensor(x)
    if x.dtype != dtypes.bool:
        raise TypeError("~ on tensors is only defined for tf.bool tensors (got %s)." % x.dtype.name)
    return logical_not(x)


register_operator("__add__", lambda x, y: add(x, y, name="add"))
register_operator("__sub__", lambda x, y: subtract(x, y, name="sub"))
register_operator("__mul__", lambda x, y: multiply(x, y, name="mul"))
register_operator("__truediv__", _truediv_operator)
register_operator("__floordiv__", _floordiv_operator)
register_operator("__mod__", _mod_operator)
register_operator("__pow__", lambda x, y: pow(x, y, name="pow"))
register_operator("__matmul__", lambda x, y: matmul(x, y, name="matmul"))
register_operator("__lt__", lambda x, y: less(x, y))
register_operator("__le__", lambda x, y: less_equal(x, y))
register_operator("__gt__", lambda x, y: greater(x, y))
register_operator("__ge__", lambda x, y: greater_equal(x, y))
register_operator("__and__", _and_operator)
register_operator("__or__", _or_operator)
register_operator("__xor__", _xor_operator)
register_operator("__neg__", lambda x: negative(x, name="Neg"))
register_operator("__abs__", lambda x: abs(x))
register_operator("__invert__", _invert_operator)
register_operator("__getitem__", _getitem)

