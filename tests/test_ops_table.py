"""One table of every op in ops/math_ops.py and ops/array_ops.py, driving three checks.

Each row of ``TABLE`` says: the op (a minitensor function), its NumPy reference, how to draw
inputs (shapes from tests/strategies.py, values in the op's domain) and whether it is
differentiable.  From the table:

(a) ``test_forward``: the op's value equals the NumPy reference, its dtype is the expected
    one (float32 in -> float32 out unless TF says otherwise), and the static shape inferred
    when the graph is built equals the shape of the value computed at run time;
(b) ``test_gradient``: float64 central differences agree with tf.gradients for every
    differentiable op, over hypothesis-drawn shapes (broadcasting ones for binary ops);
(c) ``test_second_order``: for a few ops the gradient of the gradient agrees with central
    differences of the first gradient.

``test_every_public_op_is_in_the_table`` keeps the table complete: a new public function in
either module fails it until a row (or a reasoned exemption) is added.

TF semantics that differ from NumPy are written into the references (truncatediv /
truncatemod round toward zero, integer truediv gives float64, integer reduce_mean
truncates, round is half-to-even); the rows say which.
"""
import inspect
import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitensor as tf
from minitensor.debug import gradient_check
from minitensor.ops import array_ops, math_ops
from strategies import (ABOVE_MINUS_ONE, ANY, BASE, EXPONENT, NONZERO, POSITIVE, TAN, UNIT,
                        arrays, axes_for, bool_values, broadcastable_shapes, complex_values,
                        float_values, int_arrays, int_values, matmul_shapes, samples, shapes)

FORWARD = settings(deadline=None, max_examples=20)
GRADIENT = settings(deadline=None, max_examples=12)


# =========================================================================
# The table
# =========================================================================

class Case:
    """One row: ``op(*tensors, **params)`` vs ``ref(*arrays, **params)``.

    inputs:    a strategy giving (tuple of arrays, params dict).  Float arrays are fed as
               float32 in the forward test and float64 in the gradient test; int, bool and
               complex arrays are fed as they are.
    grad:      check the gradient with respect to every float input.
    out_dtype: the expected output dtype; None means "the dtype of the first float input (or
               of the first input)"; "dtype" means the dtype= argument.
    covers:    the public functions this row exercises (for the completeness test).
    """

    def __init__(self, name, op, ref, inputs, grad=True, out_dtype=None, covers=None,
                 rtol=1e-5, atol=1e-6):
        self.name, self.op, self.ref, self.inputs = name, op, ref, inputs
        self.grad, self.out_dtype, self.rtol, self.atol = grad, out_dtype, rtol, atol
        self.covers = list(covers) if covers is not None else [op]

    def __repr__(self):
        return self.name


@st.composite
def one(draw, domain=ANY, shape_strategy=None, kind="float"):
    shape = draw(shape_strategy if shape_strategy is not None else shapes())
    return draw(samples(_array(kind, shape, domain))), {}


@st.composite
def two(draw, dx=ANY, dy=ANY, kind="float", kind_y=None):
    """Two arrays of broadcastable shapes."""
    sx, sy = draw(broadcastable_shapes())
    return draw(samples(_array(kind, sx, dx), _array(kind_y or kind, sy, dy))), {}


def _array(kind, shape, domain):
    """A sampler (rng -> array) for one input of the given kind."""
    if kind == "float":
        return float_values(shape, domain)
    if kind == "int":
        return int_values(shape)
    if kind == "int_nonzero":
        return int_values(shape, nonzero=True)
    if kind == "int_small":
        return int_values(shape, -2, 2)
    if kind == "int_exponent":
        return int_values(shape, 0, 3)
    if kind == "bool":
        return bool_values(shape)
    if kind == "complex":
        return complex_values(shape)
    raise ValueError(kind)


def unary(name, op, ref, domain=ANY, grad=True, kind="float", **kw):
    return Case(name, op, ref, one(domain, kind=kind), grad=grad, **kw)


def binary(name, op, ref, dx=ANY, dy=ANY, grad=True, kind="float", **kw):
    return Case(name, op, ref, two(dx, dy, kind=kind), grad=grad, **kw)


# --- TF semantics, written out in NumPy --------------------------------------------------------

def np_truncatediv(x, y):
    """C division: the quotient rounds toward zero (-7 / 2 = -3)."""
    return np.trunc(x / y).astype(np.result_type(x, y))


def np_int_mean(x, axis=None, keepdims=False):
    """TF's integer mean: sum / count in integer arithmetic, rounded toward zero."""
    return np.trunc(np.mean(x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def np_cumsum(x, axis, exclusive, reverse):
    """out[i] = sum of x[j] for j before i (after i when reverse), x[i] itself unless
    exclusive -- written as the definition, not as the kernel computes it."""
    def along(v):
        keep = [[(j > i if reverse else j < i) or (j == i and not exclusive)
                 for j in range(len(v))] for i in range(len(v))]
        return np.array([v[k].sum() if any(k) else 0 for k in np.array(keep)], dtype=v.dtype)
    return np.apply_along_axis(along, axis, x)


# --- rows with parameters ----------------------------------------------------------------------

@st.composite
def reduction_inputs(draw, kind="float", domain=ANY):
    shape = draw(shapes())
    return draw(samples(_array(kind, shape, domain))), dict(axis=draw(axes_for(len(shape))), keepdims=draw(st.booleans()))


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def reduction(name, op, np_fn, kind="float", domain=ANY, grad=True, **kw):
    return Case(name, lambda x, axis, keepdims: op(x, axis=axis, keepdims=keepdims),
                lambda x, axis, keepdims: np_fn(x, axis=_np_axis(axis), keepdims=keepdims),
                reduction_inputs(kind, domain), grad=grad, covers=[op], **kw)


@st.composite
def arg_inputs(draw):
    shape = draw(shapes(min_rank=1))
    return (draw(arrays(shape)),), dict(axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def matmul_inputs(draw, batch=False):
    sa, sb = draw(matmul_shapes(batch=batch))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    if ta:
        sa = sa[:-2] + (sa[-1], sa[-2])
    if tb:
        sb = sb[:-2] + (sb[-1], sb[-2])
    return draw(samples(float_values(sa), float_values(sb))), dict(transpose_a=ta,
                                                                   transpose_b=tb)


def np_matmul(a, b, transpose_a, transpose_b):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


@st.composite
def tensordot_inputs(draw):
    n_axes = draw(st.integers(0, 2))
    a_shape = draw(shapes(min_rank=n_axes, max_rank=3))
    shared = a_shape[len(a_shape) - n_axes:]
    b_shape = shared + draw(shapes(0, 3 - n_axes))
    axes = n_axes if draw(st.booleans()) else [list(range(len(a_shape) - n_axes, len(a_shape))),
                                               list(range(n_axes))]
    return draw(samples(float_values(a_shape), float_values(b_shape))), dict(axes=axes)


@st.composite
def cumsum_inputs(draw, kind="float"):
    shape = draw(shapes(min_rank=1))
    return draw(samples(_array(kind, shape, ANY))), dict(
        axis=draw(st.integers(-len(shape), len(shape) - 1)), exclusive=draw(st.booleans()),
        reverse=draw(st.booleans()))


@st.composite
def add_n_inputs(draw):
    shape = draw(shapes())
    n = draw(st.integers(1, 4))
    return draw(samples(*[float_values(shape)] * n)), {}


@st.composite
def scalar_and_array(draw):
    return draw(samples(float_values(()), float_values(draw(shapes())))), {}


@st.composite
def where_inputs(draw):
    sx, sy = draw(broadcastable_shapes())
    sc = draw(st.sampled_from([sx, sy]))
    return draw(samples(bool_values(sc), float_values(sx), float_values(sy))), {}


@st.composite
def cast_inputs(draw, kind, targets):
    shape = draw(shapes())
    return draw(samples(_array(kind, shape, ANY))), dict(dtype=draw(st.sampled_from(targets)))


# --- array-op inputs ---------------------------------------------------------------------------

@st.composite
def reshape_inputs(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    # any factorisation of size into 1-3 dims, one of them maybe -1
    dims = [size]
    for _ in range(draw(st.integers(0, 2))):
        last = dims.pop()
        divisors = [d for d in range(1, last + 1) if last % d == 0]
        d = draw(st.sampled_from(divisors))
        dims += [d, last // d]
    dims = draw(st.permutations(dims))
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return (draw(arrays(shape)),), dict(shape=list(dims))


@st.composite
def transpose_inputs(draw):
    shape = draw(shapes())
    perm = draw(st.one_of(st.none(), st.permutations(range(len(shape)))))
    return (draw(arrays(shape)),), dict(perm=None if perm is None else list(perm))


@st.composite
def expand_dims_inputs(draw):
    shape = draw(shapes())
    return (draw(arrays(shape)),), dict(axis=draw(st.integers(-len(shape) - 1, len(shape))))


@st.composite
def squeeze_inputs(draw):
    shape = draw(shapes(max_side=2))
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = None
    if ones and draw(st.booleans()):
        axis = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
    return (draw(arrays(shape)),), dict(axis=axis)


@st.composite
def concat_inputs(draw):
    shape = draw(shapes(min_rank=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    samplers = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        samplers.append(float_values(tuple(s)))
    return draw(samples(*samplers)), dict(axis=axis)


@st.composite
def stack_inputs(draw):
    shape = draw(shapes())
    n = draw(st.integers(1, 3))
    return draw(samples(*[float_values(shape)] * n)), dict(
        axis=draw(st.integers(-len(shape) - 1, len(shape))))


@st.composite
def unstack_inputs(draw):
    shape = draw(shapes(min_rank=1))
    return (draw(arrays(shape)),), dict(axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def split_inputs(draw):
    shape = list(draw(shapes(min_rank=1)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    if draw(st.booleans()):
        n = draw(st.integers(1, 3))
        shape[axis] = n * draw(st.integers(1, 2))
        splits = n
    else:
        splits = draw(st.lists(st.integers(0, 2), min_size=1, max_size=3))
        shape[axis] = sum(splits)
        if draw(st.booleans()):
            splits[draw(st.integers(0, len(splits) - 1))] = -1
    return (draw(arrays(tuple(shape))),), dict(num_or_size_splits=splits, axis=axis)


def np_split(x, num_or_size_splits, axis):
    if isinstance(num_or_size_splits, int):
        return np.split(x, num_or_size_splits, axis=axis)
    sizes = list(num_or_size_splits)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - sum(s for s in sizes if s != -1)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


@st.composite
def tile_inputs(draw):
    shape = draw(shapes(max_side=2))
    return (draw(arrays(shape)),), dict(
        multiples=draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape))))


@st.composite
def pad_inputs(draw, mode):
    shape = draw(shapes(min_side=2 if mode != "CONSTANT" else 1))
    # REFLECT needs pad < size, SYMMETRIC pad <= size
    limit = {"CONSTANT": 2, "REFLECT": 1, "SYMMETRIC": 2}[mode]
    paddings = [[draw(st.integers(0, limit)), draw(st.integers(0, limit))] for _ in shape]
    params = dict(paddings=paddings, mode=mode)
    if mode == "CONSTANT" and draw(st.booleans()):
        params["constant_values"] = 1.5
    return (draw(arrays(shape)),), params


def np_pad(x, paddings, mode, constant_values=0):
    if x.ndim == 0:
        return x
    if mode == "CONSTANT":
        return np.pad(x, paddings, constant_values=constant_values)
    return np.pad(x, paddings, mode=mode.lower())


@st.composite
def reverse_inputs(draw):
    shape = draw(shapes(min_rank=1))
    axis = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return (draw(arrays(shape)),), dict(axis=axis)


@st.composite
def index_keys(draw, shape):
    """A NumPy/TF index for ``shape``: ints (maybe negative), slices with steps, newaxis,
    at most one Ellipsis."""
    items = []
    dims = list(shape)
    n_used = draw(st.integers(0, len(dims)))
    for d in dims[:n_used]:
        kind = draw(st.sampled_from(["int", "slice", "slice"]))
        if kind == "int":
            items.append(draw(st.integers(-d, d - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-d - 1, d + 1))
            items.append(slice(draw(bound), draw(bound),
                               draw(st.sampled_from([None, 1, 2, -1, -2]))))
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()):
        # The ints and slices above index the leading dimensions, so the Ellipsis (which
        # stands for the dimensions not indexed) must come after the last of them.
        last = max((i for i, item in enumerate(items) if item is not None), default=-1)
        items.insert(draw(st.integers(last + 1, len(items))), Ellipsis)
    return tuple(items) if len(items) != 1 or draw(st.booleans()) else items[0]


@st.composite
def getitem_inputs(draw):
    shape = draw(shapes(min_rank=1))
    return (draw(arrays(shape)),), dict(key=draw(index_keys(shape)))


@st.composite
def slice_inputs(draw):
    shape = draw(shapes(min_rank=1))
    begin = [draw(st.integers(0, d - 1)) for d in shape]
    size = [draw(st.one_of(st.just(-1), st.integers(0, d - b))) for d, b in zip(shape, begin)]
    return (draw(arrays(shape)),), dict(begin=begin, size=size)


def np_slice(x, begin, size):
    return x[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]


@st.composite
def strided_slice_inputs(draw):
    shape = draw(shapes(min_rank=1))
    begin = [draw(st.integers(-d, d - 1)) for d in shape]
    end = [draw(st.integers(-d - 1, d)) for d in shape]
    strides = [draw(st.sampled_from([1, 2, -1])) for _ in shape]
    return (draw(arrays(shape)),), dict(begin=begin, end=end, strides=strides)


def np_strided_slice(x, begin, end, strides):
    return x[tuple(slice(b, e, s) for b, e, s in zip(begin, end, strides))]


@st.composite
def gather_inputs(draw):
    shape = draw(shapes(min_rank=1))
    axis = draw(st.integers(0, len(shape) - 1))
    idx_shape = draw(shapes(max_rank=2))
    indices = draw(int_arrays(idx_shape, 0, shape[axis] - 1))
    return (draw(arrays(shape)), indices), dict(axis=axis)


@st.composite
def one_hot_inputs(draw):
    shape = draw(shapes(max_rank=2))
    depth = draw(st.integers(1, 4))
    indices = draw(int_arrays(shape, -1, depth))          # -1 and depth: all-off rows
    params = dict(depth=depth, axis=draw(st.sampled_from([-1] + list(range(len(shape) + 1)))))
    if draw(st.booleans()):
        params.update(on_value=5.0, off_value=-1.0)
    return (indices,), params


def np_one_hot(indices, depth, axis, on_value=1.0, off_value=0.0):
    out = np.where(indices[..., None] == np.arange(depth), on_value, off_value)
    return np.moveaxis(out, -1, axis).astype(np.float32)


@st.composite
def fill_inputs(draw):
    return (), dict(dims=list(draw(shapes())), value=draw(st.sampled_from([2.5, -1, 7])))


@st.composite
def filled_inputs(draw):
    return (), dict(shape=list(draw(shapes())),
                    dtype=draw(st.sampled_from([tf.float32, tf.float64, tf.int32, tf.bool])))


@st.composite
def like_inputs(draw):
    return (draw(arrays(draw(shapes()))),), dict(
        dtype=draw(st.sampled_from([None, tf.float64, tf.int32, tf.bool])))


def np_like(value, x, dtype):
    return np.full(x.shape, value, dtype=(dtype or tf.float32).as_numpy_dtype)


@st.composite
def range_inputs(draw):
    if draw(st.booleans()):
        start, limit = draw(st.integers(-5, 5)), draw(st.integers(-5, 5))
        delta = draw(st.sampled_from([1, 2, 3, -1, -2]))
    else:
        start, limit = draw(st.sampled_from([0.0, -1.5, 2.0])), draw(st.sampled_from([3.0, -2.5]))
        delta = draw(st.sampled_from([0.5, 1.0, -0.75]))
    return (), dict(start=start, limit=limit, delta=delta)


def np_range(start, limit, delta):
    dtype = np.float32 if isinstance(start, float) else np.int32
    return np.arange(start, limit, delta).astype(dtype)


@st.composite
def lin_space_inputs(draw):
    return (), dict(start=draw(st.sampled_from([0.0, -1.0, 2.5])),
                    stop=draw(st.sampled_from([1.0, 10.0, -3.0])), num=draw(st.integers(1, 5)))


@st.composite
def broadcast_to_inputs(draw):
    sx, _ = draw(broadcastable_shapes())
    target = draw(shapes(len(sx), 3))
    target = tuple(target[:len(target) - len(sx)]) + tuple(
        t if d == 1 else d for d, t in zip(sx, target[len(target) - len(sx):]))
    return (draw(arrays(sx)),), dict(shape=list(target))


@st.composite
def like_pair_inputs(draw, reduce=False):
    """(x, like) where x broadcasts to like (or like broadcasts to x when ``reduce``)."""
    small, _ = draw(broadcastable_shapes())
    big = draw(shapes(len(small), 3))
    big = tuple(big[:len(big) - len(small)]) + tuple(
        b if s == 1 else s for s, b in zip(small, big[len(big) - len(small):]))
    if reduce:
        return draw(samples(float_values(big), float_values(small))), {}
    return draw(samples(float_values(small), float_values(big))), {}


@st.composite
def reshape_like_inputs(draw):
    shape = draw(shapes())
    other = draw(st.permutations(shape))
    return draw(samples(float_values(shape), float_values(tuple(other)))), {}


@st.composite
def complex_pair(draw):
    sx, sy = draw(broadcastable_shapes())
    return draw(samples(float_values(sx), float_values(sy))), {}


BOOLS = [tf.float32, tf.float64, tf.int32, tf.int64, tf.bool]

TABLE = [
    # --- binary arithmetic (broadcasting) --------------------------------------------------
    binary("add", tf.add, np.add),
    binary("subtract", tf.subtract, np.subtract),
    binary("multiply", tf.multiply, np.multiply),
    binary("divide", tf.divide, np.true_divide, dy=NONZERO),
    binary("truediv", tf.truediv, np.true_divide, dy=NONZERO),
    binary("realdiv", tf.realdiv, np.true_divide, dy=NONZERO),
    binary("div(float)", tf.div, np.true_divide, dy=NONZERO),
    binary("floordiv(float)", tf.floordiv, lambda x, y: np.floor(x / y), dy=NONZERO, grad=False,
           covers=[tf.floordiv, math_ops.floor_div]),
    binary("floormod(float)", tf.floormod, np.mod, dy=NONZERO, covers=[tf.floormod, tf.mod]),
    binary("truncatemod(float)", tf.truncatemod, np.fmod, dy=NONZERO, grad=False),
    binary("pow", tf.pow, np.power, dx=BASE, dy=EXPONENT),
    binary("maximum", tf.maximum, np.maximum),
    binary("minimum", tf.minimum, np.minimum),
    binary("squared_difference", tf.squared_difference, lambda x, y: (x - y) ** 2),
    Case("add_n", lambda *xs: tf.add_n(list(xs)), lambda *xs: sum(xs), add_n_inputs(),
         covers=[tf.add_n]),
    Case("scalar_mul", tf.scalar_mul, np.multiply, scalar_and_array()),
    # integer semantics (TF's, not always NumPy's)
    binary("add(int)", tf.add, np.add, kind="int", grad=False),
    binary("multiply(int)", tf.multiply, np.multiply, kind="int", grad=False),
    binary("maximum(int)", tf.maximum, np.maximum, kind="int", grad=False),
    binary("floordiv(int)", tf.floordiv, np.floor_divide, kind="int_nonzero", grad=False),
    binary("div(int) is floordiv", tf.div, np.floor_divide, kind="int_nonzero", grad=False),
    binary("floormod(int)", tf.floormod, np.mod, kind="int_nonzero", grad=False),
    binary("truncatediv(int)", tf.truncatediv, np_truncatediv, kind="int_nonzero", grad=False),
    binary("truncatemod(int)", tf.truncatemod, np.fmod, kind="int_nonzero", grad=False),
    binary("truediv(int32) -> float64", tf.truediv,
           lambda x, y: x.astype(np.float64) / y.astype(np.float64), kind="int_nonzero",
           grad=False, out_dtype=np.float64),
    Case("pow(int)", tf.pow, np.power, two(kind="int", kind_y="int_exponent"), grad=False),

    # --- unary math -------------------------------------------------------------------------
    unary("negative", tf.negative, np.negative, covers=[tf.negative, math_ops.neg]),
    unary("negative(int)", tf.negative, np.negative, kind="int", grad=False),
    unary("abs", tf.abs, np.abs, domain=NONZERO),
    unary("abs(int)", tf.abs, np.abs, kind="int", grad=False),
    unary("sign", tf.sign, np.sign, domain=NONZERO),
    unary("reciprocal", tf.reciprocal, np.reciprocal, domain=NONZERO,
          covers=[tf.reciprocal, math_ops.inv]),
    unary("square", tf.square, np.square),
    unary("square(int)", tf.square, np.square, kind="int", grad=False),
    unary("sqrt", tf.sqrt, np.sqrt, domain=POSITIVE),
    unary("rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), domain=POSITIVE),
    unary("exp", tf.exp, np.exp),
    unary("expm1", tf.expm1, np.expm1),
    unary("log", tf.log, np.log, domain=POSITIVE),
    unary("log1p", tf.log1p, np.log1p, domain=ABOVE_MINUS_ONE),
    unary("sin", tf.sin, np.sin),
    unary("cos", tf.cos, np.cos),
    unary("tan", tf.tan, np.tan, domain=TAN),
    unary("asin", tf.asin, np.arcsin, domain=UNIT),
    unary("acos", tf.acos, np.arccos, domain=UNIT),
    unary("atan", tf.atan, np.arctan),
    unary("tanh", tf.tanh, np.tanh),
    unary("sigmoid", tf.sigmoid, np_sigmoid),
    unary("floor", tf.floor, np.floor, grad=False),
    unary("ceil", tf.ceil, np.ceil, grad=False),
    unary("round (half to even)", tf.round, np.round, grad=False),
    unary("round(int)", tf.round, lambda x: x, kind="int", grad=False),
    unary("rint", tf.rint, np.rint, grad=False),
    unary("identity", tf.identity, lambda x: x),
    unary("stop_gradient", tf.stop_gradient, lambda x: x, grad=False),

    # --- comparisons and logic (no gradients) ---------------------------------------------------
    *[binary(name, fn, ref, kind="int_small", grad=False, out_dtype=np.bool_)
      for name, fn, ref in [("less", tf.less, np.less), ("less_equal", tf.less_equal, np.less_equal),
                            ("greater", tf.greater, np.greater),
                            ("greater_equal", tf.greater_equal, np.greater_equal),
                            ("equal", tf.equal, np.equal), ("not_equal", tf.not_equal, np.not_equal)]],
    binary("less(float)", tf.less, np.less, grad=False, out_dtype=np.bool_),
    binary("logical_and", tf.logical_and, np.logical_and, kind="bool", grad=False),
    binary("logical_or", tf.logical_or, np.logical_or, kind="bool", grad=False),
    binary("logical_xor", tf.logical_xor, np.logical_xor, kind="bool", grad=False),
    unary("logical_not", tf.logical_not, np.logical_not, kind="bool", grad=False),
    Case("where(c, x, y)", tf.where, np.where, where_inputs()),
    Case("where(c) -> indices", tf.where, lambda c: np.argwhere(c).astype(np.int64),
         one(kind="bool"), grad=False, out_dtype=np.int64, covers=[]),

    # --- casts and complex numbers -------------------------------------------------------------
    Case("cast(float)", tf.cast, lambda x, dtype: x.astype(dtype.as_numpy_dtype),
         cast_inputs("float", BOOLS), grad=False, out_dtype="dtype"),
    Case("cast(int)", tf.cast, lambda x, dtype: x.astype(dtype.as_numpy_dtype),
         cast_inputs("int", BOOLS), grad=False, out_dtype="dtype"),
    Case("cast(bool)", tf.cast, lambda x, dtype: x.astype(dtype.as_numpy_dtype),
         cast_inputs("bool", BOOLS), grad=False, out_dtype="dtype"),
    unary("to_float", tf.to_float, lambda x: x.astype(np.float32), kind="int", grad=False,
          out_dtype=np.float32),
    unary("to_double", tf.to_double, lambda x: x.astype(np.float64), kind="int", grad=False,
          out_dtype=np.float64),
    unary("to_int32", tf.to_int32, lambda x: x.astype(np.int32), grad=False, out_dtype=np.int32),
    unary("to_int64", tf.to_int64, lambda x: x.astype(np.int64), grad=False, out_dtype=np.int64),
    Case("complex", tf.complex, lambda x, y: x + 1j * y, complex_pair(), grad=False,
         out_dtype=np.complex64),
    unary("real", tf.real, np.real, kind="complex", grad=False, out_dtype=np.float64),
    unary("imag", tf.imag, np.imag, kind="complex", grad=False, out_dtype=np.float64),
    unary("conj", tf.conj, np.conj, kind="complex", grad=False),
    unary("abs(complex)", tf.abs, np.abs, kind="complex", grad=False, out_dtype=np.float64),
    unary("real/imag/conj of a real tensor", lambda x: tf.real(x) + tf.imag(x) * tf.conj(x),
          lambda x: x, covers=[]),
    # gradients through complex numbers, checked on real-valued compositions
    Case("real(complex(x,y) * conj(complex(y,x)))",
         lambda x, y: tf.real(tf.complex(x, y) * tf.conj(tf.complex(y, x))),
         lambda x, y: np.real((x + 1j * y) * np.conj(y + 1j * x)), complex_pair(), covers=[]),
    Case("imag(complex(x,y) * complex(x,y))",
         lambda x, y: tf.imag(tf.complex(x, y) * tf.complex(x, y)),
         lambda x, y: np.imag((x + 1j * y) ** 2), complex_pair(), covers=[]),
    Case("abs(complex(x, y))", lambda x, y: tf.abs(tf.complex(x, y)),
         lambda x, y: np.abs(x + 1j * y), complex_pair(), covers=[]),

    # --- reductions -------------------------------------------------------------------------------
    reduction("reduce_sum", tf.reduce_sum, np.sum),
    reduction("reduce_mean", tf.reduce_mean, np.mean),
    reduction("reduce_max", tf.reduce_max, np.max),
    reduction("reduce_min", tf.reduce_min, np.min),
    reduction("reduce_prod", tf.reduce_prod, np.prod, domain=NONZERO),
    reduction("reduce_logsumexp", tf.reduce_logsumexp, np_logsumexp),
    reduction("reduce_sum(int)", tf.reduce_sum, np.sum, kind="int", grad=False),
    reduction("reduce_mean(int) truncates", tf.reduce_mean, np_int_mean, kind="int", grad=False),
    reduction("reduce_max(int)", tf.reduce_max, np.max, kind="int", grad=False),
    reduction("reduce_prod(int)", tf.reduce_prod, np.prod, kind="int_small", grad=False),
    reduction("reduce_all", tf.reduce_all, np.all, kind="bool", grad=False),
    reduction("reduce_any", tf.reduce_any, np.any, kind="bool", grad=False),
    Case("count_nonzero", lambda x, axis, keepdims: tf.count_nonzero(x, axis=axis,
                                                                     keepdims=keepdims),
         lambda x, axis, keepdims: np.count_nonzero(x, axis=_np_axis(axis),
                                                    keepdims=keepdims).astype(np.int64),
         reduction_inputs("int_small"), grad=False, out_dtype=np.int64,
         covers=[tf.count_nonzero]),
    Case("argmax", tf.argmax, lambda x, axis: np.argmax(x, axis=axis), arg_inputs(),
         grad=False, out_dtype=np.int64),
    Case("argmin", tf.argmin, lambda x, axis: np.argmin(x, axis=axis), arg_inputs(),
         grad=False, out_dtype=np.int64),
    Case("cumsum", tf.cumsum, np_cumsum, cumsum_inputs()),
    Case("cumsum(int)", tf.cumsum, np_cumsum, cumsum_inputs("int"), grad=False),

    # --- matrix products ----------------------------------------------------------------------
    Case("matmul", tf.matmul, np_matmul, matmul_inputs()),
    Case("matmul(batched, broadcast)", tf.matmul, np_matmul, matmul_inputs(batch=True)),
    Case("tensordot", tf.tensordot, lambda a, b, axes: np.tensordot(a, b, axes=axes),
         tensordot_inputs()),

    # --- shapes and layout ----------------------------------------------------------------------
    Case("reshape", tf.reshape, np.reshape, reshape_inputs()),
    Case("transpose", tf.transpose, lambda x, perm: np.transpose(x, perm), transpose_inputs()),
    Case("matrix_transpose", tf.matrix_transpose, lambda x: np.swapaxes(x, -1, -2),
         one(shape_strategy=shapes(min_rank=2))),
    Case("expand_dims", tf.expand_dims, lambda x, axis: np.expand_dims(x, axis),
         expand_dims_inputs()),
    Case("squeeze", tf.squeeze,
         lambda x, axis: np.squeeze(x, axis=None if axis is None else tuple(axis)),
         squeeze_inputs()),
    Case("concat", lambda *xs, axis: tf.concat(list(xs), axis),
         lambda *xs, axis: np.concatenate(xs, axis=axis), concat_inputs(), covers=[tf.concat]),
    Case("stack", lambda *xs, axis: tf.stack(list(xs), axis=axis),
         lambda *xs, axis: np.stack(xs, axis=axis), stack_inputs(),
         covers=[tf.stack, array_ops.pack]),
    Case("unstack", tf.unstack, lambda x, axis: list(np.moveaxis(x, axis, 0)), unstack_inputs(),
         covers=[tf.unstack, array_ops.unpack]),
    Case("split", tf.split, np_split, split_inputs()),
    Case("tile", tf.tile, lambda x, multiples: np.tile(x, multiples), tile_inputs()),
    Case("pad(CONSTANT)", tf.pad, np_pad, pad_inputs("CONSTANT")),
    Case("pad(REFLECT)", tf.pad, np_pad, pad_inputs("REFLECT"), grad=False),
    Case("pad(SYMMETRIC)", tf.pad, np_pad, pad_inputs("SYMMETRIC"), grad=False),
    Case("reverse", tf.reverse, lambda x, axis: np.flip(x, axis), reverse_inputs()),
    Case("t[...] (ints, slices, steps, newaxis, ellipsis)", lambda x, key: x[key],
         lambda x, key: np.asarray(x[key]), getitem_inputs(), covers=[]),
    Case("slice", tf.slice, np_slice, slice_inputs()),
    Case("strided_slice", tf.strided_slice, np_strided_slice, strided_slice_inputs()),
    Case("gather", tf.gather, lambda p, i, axis: np.take(p, i, axis=axis), gather_inputs()),
    Case("one_hot", tf.one_hot, np_one_hot, one_hot_inputs(), grad=False, out_dtype=np.float32),
    Case("broadcast_to", tf.broadcast_to, lambda x, shape: np.broadcast_to(x, shape),
         broadcast_to_inputs()),
    Case("broadcast_to_like", array_ops.broadcast_to_like,
         lambda x, like: np.broadcast_to(x, like.shape), like_pair_inputs()),
    Case("reduce_to_shape", array_ops.reduce_to_shape,
         lambda g, like: np.sum(g, axis=tuple(range(g.ndim - like.ndim)) + tuple(
             g.ndim - like.ndim + i for i, d in enumerate(like.shape)
             if d == 1 and g.shape[g.ndim - like.ndim + i] != 1), keepdims=False).reshape(
                 like.shape), like_pair_inputs(reduce=True),
         covers=[array_ops.reduce_to_shape, array_ops.sum_to_shape]),
    Case("reshape_like", array_ops.reshape_like, lambda x, like: x.reshape(like.shape),
         reshape_like_inputs()),

    # --- shape queries and generators (no gradients) ------------------------------------------
    unary("shape", tf.shape, lambda x: np.array(x.shape, np.int32), grad=False,
          out_dtype=np.int32),
    unary("size", tf.size, lambda x: np.array(x.size, np.int32), grad=False, out_dtype=np.int32),
    unary("rank", tf.rank, lambda x: np.array(x.ndim, np.int32), grad=False, out_dtype=np.int32),
    Case("fill", tf.fill, lambda dims, value: np.full(dims, value,
                                                      np.float32 if isinstance(value, float)
                                                      else np.int32),
         fill_inputs(), grad=False, out_dtype="value"),
    Case("zeros", tf.zeros, lambda shape, dtype: np.zeros(shape, dtype.as_numpy_dtype),
         filled_inputs(), grad=False, out_dtype="dtype"),
    Case("ones", tf.ones, lambda shape, dtype: np.ones(shape, dtype.as_numpy_dtype),
         filled_inputs(), grad=False, out_dtype="dtype"),
    Case("zeros_like", tf.zeros_like, lambda x, dtype: np_like(0, x, dtype), like_inputs(),
         grad=False, out_dtype="dtype"),
    Case("ones_like", tf.ones_like, lambda x, dtype: np_like(1, x, dtype), like_inputs(),
         grad=False, out_dtype="dtype"),
    Case("range", tf.range, np_range, range_inputs(), grad=False, out_dtype="start"),
    Case("lin_space", tf.lin_space,
         lambda start, stop, num: np.linspace(start, stop, num).astype(np.float32),
         lin_space_inputs(), grad=False, out_dtype=np.float32,
         covers=[tf.lin_space, tf.linspace]),
]

# Public functions that are helpers, not ops of their own (each is exercised by a row above).
EXEMPT = {}


# =========================================================================
# Running a row
# =========================================================================

def _feed_dtype(array, float_dtype):
    if array.dtype.kind == "f":
        return array.astype(float_dtype)
    return array


def _build(case, arrays_, params):
    """Placeholders for the arrays (full static shapes), the op applied to them."""
    placeholders = [tf.placeholder(tf.as_dtype(a.dtype), a.shape, name="input%d" % i)
                    for i, a in enumerate(arrays_)]
    out = case.op(*placeholders, **params)
    return placeholders, out


def _expected_dtype(case, arrays_, params):
    want = case.out_dtype
    if want is None:                     # the dtype of the first float input, else the first
        return next((a.dtype for a in arrays_ if a.dtype.kind == "f"), arrays_[0].dtype)
    if want == "dtype":                  # the dtype= argument (None: the input's dtype)
        d = params["dtype"]
        return d.as_numpy_dtype if d is not None else arrays_[0].dtype
    if want == "value":
        return np.float32 if isinstance(params["value"], float) else np.int32
    if want == "start":
        return np.float32 if isinstance(params["start"], float) else np.int32
    return np.dtype(want)


def _check_one(case, got, expected, tensor, want_dtype):
    expected = np.asarray(expected)
    got_array = np.asarray(got)
    assert got_array.shape == expected.shape, "%s: shape %s, NumPy gives %s" % (
        case.name, got_array.shape, expected.shape)
    assert got_array.dtype == want_dtype, "%s: dtype %s, expected %s" % (
        case.name, got_array.dtype, np.dtype(want_dtype))
    assert tensor.dtype.as_numpy_dtype == got_array.dtype, "%s: the tensor says %s" % (
        case.name, tensor.dtype)
    assert tensor.shape.is_compatible_with(got_array.shape), (
        "%s: static shape %s, run-time shape %s" % (case.name, tensor.shape, got_array.shape))
    if tensor.shape.is_fully_defined():
        assert tuple(tensor.shape.as_list()) == got_array.shape
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(got_array, expected, rtol=case.rtol, atol=case.atol,
                                   err_msg=case.name)
    else:
        np.testing.assert_array_equal(got_array, expected, err_msg=case.name)


@pytest.mark.parametrize("case", TABLE, ids=repr)
@FORWARD
@given(data=st.data())
def test_forward(case, data):
    """(a) value, dtype and static shape against NumPy, float inputs in float32."""
    tf.reset_default_graph()
    arrays_, params = data.draw(case.inputs, label="inputs")
    arrays_ = tuple(_feed_dtype(a, np.float32) for a in arrays_)
    placeholders, out = _build(case, arrays_, params)
    with tf.Session() as sess:
        got = sess.run(out, dict(zip(placeholders, arrays_)))
    expected = case.ref(*arrays_, **params)
    want_dtype = _expected_dtype(case, arrays_, params)
    if isinstance(out, list):            # split / unstack: one tensor per part
        assert len(got) == len(expected)
        for g, e, t in zip(got, expected, out):
            _check_one(case, g, np.asarray(e).astype(want_dtype), t, want_dtype)
    else:
        _check_one(case, got, np.asarray(expected).astype(want_dtype), out, want_dtype)


def _single_output(out):
    if isinstance(out, list):
        return tf.concat([tf.reshape(o, [-1]) for o in out], 0) if out else None
    return out


@pytest.mark.parametrize("case", [c for c in TABLE if c.grad], ids=repr)
@GRADIENT
@given(data=st.data())
def test_gradient(case, data):
    """(b) tf.gradients against float64 central differences, for every float input."""
    tf.reset_default_graph()
    arrays_, params = data.draw(case.inputs, label="inputs")
    placeholders, out = _build(case, arrays_, params)
    y = _single_output(out)
    xs = [p for p, a in zip(placeholders, arrays_) if a.dtype == np.float64]
    assert xs, "%s is marked differentiable but has no float input" % case.name
    gradient_check(y, xs, dict(zip(placeholders, arrays_)))


SECOND_ORDER = ["multiply", "divide", "pow", "sin", "tanh", "sigmoid", "exp", "log", "sqrt",
                "matmul", "reduce_logsumexp", "maximum", "concat", "where(c, x, y)",
                "real(complex(x,y) * conj(complex(y,x)))"]


@pytest.mark.parametrize("case", [c for c in TABLE if c.name in SECOND_ORDER], ids=repr)
@GRADIENT
@given(data=st.data())
def test_second_order(case, data):
    """(c) the gradient of <y, v> is itself differentiated, and checked against central
    differences of the first gradient."""
    tf.reset_default_graph()
    arrays_, params = data.draw(case.inputs, label="inputs")
    placeholders, out = _build(case, arrays_, params)
    y = _single_output(out)
    feed = dict(zip(placeholders, arrays_))
    xs = [p for p, a in zip(placeholders, arrays_) if a.dtype == np.float64]
    with tf.Session() as sess:
        v = np.random.default_rng(0).standard_normal(np.shape(sess.run(y, feed)))
    first = tf.gradients(tf.reduce_sum(y * v), xs)
    for g in first:
        assert g is not None
        gradient_check(g, xs, feed, rtol=1e-4, atol=1e-6)


def test_table_covers_second_order_names():
    names = {c.name for c in TABLE}
    assert set(SECOND_ORDER) <= names


def test_every_public_op_is_in_the_table():
    covered = {id(f) for case in TABLE for f in case.covers} | {id(f) for f in EXEMPT}
    missing = []
    for module in (math_ops, array_ops):
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ == module.__name__ and id(value) not in covered:
                missing.append("%s.%s" % (module.__name__.split(".")[-1], name))
    assert not missing, "public ops without a row in TABLE: %s" % ", ".join(sorted(missing))


# =========================================================================
# TF semantics worth a direct example (the rows above check them in bulk)
# =========================================================================

def run(fetch, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed_dict)


def test_integer_division_and_remainder_conventions():
    x = tf.constant([-7, 7, -7, 7])
    y = tf.constant([2, 2, -2, -2])
    assert run(tf.floordiv(x, y)).tolist() == [-4, 3, 3, -4]
    assert run(tf.floormod(x, y)).tolist() == [1, 1, -1, -1]
    assert run(tf.truncatediv(x, y)).tolist() == [-3, 3, 3, -3]
    assert run(tf.truncatemod(x, y)).tolist() == [-1, 1, -1, 1]
    q = tf.truediv(x, y)
    assert q.dtype == tf.float64 and run(q).tolist() == [-3.5, 3.5, 3.5, -3.5]
    assert run(tf.floordiv([-7.5], [2.0])).tolist() == [-4.0]


def test_integer_reduce_mean_truncates_toward_zero():
    assert run(tf.reduce_mean(tf.constant([1, 2]))) == 1
    assert run(tf.reduce_mean(tf.constant([-1, -2]))) == -1            # TF: -3/2 -> -1
    assert run(tf.reduce_mean(tf.constant([[-1, -4], [5, 6]]), axis=1)).tolist() == [-2, 5]


def test_round_is_half_to_even_and_cast_truncates():
    assert run(tf.round([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])).tolist() == [-2, -2, 0, 0, 2, 2]
    assert run(tf.cast([-1.7, -0.2, 0.2, 1.7], tf.int32)).tolist() == [-1, 0, 0, 1]


def test_reduce_prod_gradient_with_zeros_is_exact():
    x = tf.placeholder(tf.float64, [4])
    gradient_check(tf.reduce_prod(x), [x], {x: np.array([0.0, 2.0, 3.0, 0.5])})
    gradient_check(tf.reduce_prod(x), [x], {x: np.array([0.0, 2.0, 0.0, 0.5])})


def test_max_gradient_splits_ties_evenly():
    x = tf.placeholder(tf.float64, [3])
    g = tf.gradients(tf.reduce_max(x), x)[0]
    assert run(g, {x: [1.0, 3.0, 3.0]}).tolist() == [0.0, 0.5, 0.5]


def test_stop_gradient_and_non_differentiable_ops_give_none():
    x = tf.placeholder(tf.float64, [3])
    g = tf.gradients(tf.stop_gradient(x) * x, x)[0]
    assert run(g, {x: [1.0, 2.0, 3.0]}).tolist() == [1.0, 2.0, 3.0]
    for op in (tf.floor, tf.ceil, tf.round, tf.rint):
        assert tf.gradients(op(x), x) == [None]
    assert tf.gradients(tf.cast(tf.argmax(x), tf.float64), x) == [None]


def test_cast_gradient_goes_back_to_the_source_dtype():
    x = tf.placeholder(tf.float32, [2])
    g = tf.gradients(tf.cast(x, tf.float64) * 3.0, x)[0]
    assert g.dtype == tf.float32 and run(g, {x: [1.0, 2.0]}).tolist() == [3.0, 3.0]


def test_gather_rejects_negative_indices_like_tf():
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        run(tf.gather([1.0, 2.0, 3.0], [-1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        run(tf.gather([1.0, 2.0, 3.0], [3]))


def test_fetched_values_never_alias_fed_arrays():
    x = tf.placeholder(tf.float64, [3])
    fed = np.zeros(3)
    with tf.Session() as sess:
        results = sess.run([x, tf.identity(x), tf.reshape(x, [3, 1]), x[::-1]], {x: fed})
    fed[0] = 5.0                         # the caller reuses its buffer (a data loader would)
    for r in results:
        assert np.all(np.asarray(r) == 0.0)


def test_split_and_unstack_into_one_part():
    x = tf.placeholder(tf.float32, [1, 2])
    (part,) = tf.unstack(x)
    (piece,) = tf.split(x, 1)
    got = run([part, piece], {x: [[1.0, 2.0]]})
    assert got[0].tolist() == [1.0, 2.0] and got[1].tolist() == [[1.0, 2.0]]


def test_pad_of_a_scalar_is_the_scalar():
    assert run(tf.pad(tf.constant(2.5), [])) == 2.5


# =========================================================================
# Operators: same values as the functions, TF 1.x op names
# =========================================================================

OPERATORS = [
    ("+", lambda a, b: a + b, tf.add, "add"),
    ("-", lambda a, b: a - b, tf.subtract, "sub"),
    ("*", lambda a, b: a * b, tf.multiply, "mul"),
    ("/", lambda a, b: a / b, tf.truediv, "truediv"),
    ("//", lambda a, b: a // b, tf.floordiv, "floordiv"),
    ("%", lambda a, b: a % b, tf.floormod, "mod"),
    ("**", lambda a, b: a ** b, tf.pow, "pow"),
    ("<", lambda a, b: a < b, tf.less, "Less"),
    ("<=", lambda a, b: a <= b, tf.less_equal, "LessEqual"),
    (">", lambda a, b: a > b, tf.greater, "Greater"),
    (">=", lambda a, b: a >= b, tf.greater_equal, "GreaterEqual"),
]


MIRRORED = {"Less": "Greater", "LessEqual": "GreaterEqual", "Greater": "Less",
            "GreaterEqual": "LessEqual"}


@pytest.mark.parametrize("symbol, apply, function, op_name", OPERATORS,
                         ids=[row[0] for row in OPERATORS])
def test_binary_operators(symbol, apply, function, op_name):
    a_value = np.array([[1.5, 2.0, 3.0], [0.5, 1.0, 2.5]], dtype=np.float32)
    b_value = np.array([0.5, 2.0, 1.5], dtype=np.float32)
    a = tf.constant(a_value)
    b = tf.constant(b_value)
    tensor_tensor = apply(a, b)
    assert tensor_tensor.op.name == op_name
    expected = run(function(a, b))
    np.testing.assert_allclose(run(tensor_tensor), expected)
    assert run(tensor_tensor).dtype == expected.dtype
    # a Python scalar or a NumPy array on either side takes the tensor's dtype
    np.testing.assert_allclose(run(apply(a, 2.0)), run(function(a, tf.constant(2.0))))
    np.testing.assert_allclose(run(apply(2.0, a)), run(function(tf.constant(2.0), a)))
    # NumPy on the left: Python calls the Tensor's reflected method (for a comparison, the
    # mirrored one: b < a is a > b), and the result is still a tensor
    reflected = apply(b_value, a)
    mirrored = MIRRORED.get(op_name, op_name)
    assert isinstance(reflected, tf.Tensor) and re.fullmatch(mirrored + r"(_\d+)?",
                                                             reflected.op.name)
    np.testing.assert_allclose(run(reflected), run(function(tf.constant(b_value), a)))
    assert reflected.dtype == tensor_tensor.dtype      # the NumPy float32 took no float64 path


def test_matmul_operator():
    a_value = np.arange(6, dtype=np.float32).reshape(2, 3)
    b_value = np.arange(12, dtype=np.float32).reshape(3, 4)
    a, b = tf.constant(a_value), tf.constant(b_value)
    product = a @ b
    assert product.op.name == "matmul"
    np.testing.assert_allclose(run(product), a_value @ b_value)
    reflected = a_value @ b
    assert isinstance(reflected, tf.Tensor)
    np.testing.assert_allclose(run(reflected), a_value @ b_value)


def test_unary_operators():
    x_value = np.array([-1.5, 0.0, 2.0], dtype=np.float32)
    x = tf.constant(x_value)
    neg = -x
    assert neg.op.type == "Neg" and neg.op.name == "Neg"
    np.testing.assert_array_equal(run(neg), -x_value)
    absolute = abs(x)
    assert absolute.op.type == "Abs"
    np.testing.assert_array_equal(run(absolute), np.abs(x_value))


def test_logical_operators_on_bool_tensors():
    p_value = np.array([True, True, False, False])
    q_value = np.array([True, False, True, False])
    p, q = tf.constant(p_value), tf.constant(q_value)
    for apply, expected, name in [(lambda: p & q, p_value & q_value, "and"),
                                  (lambda: p | q, p_value | q_value, "or"),
                                  (lambda: p ^ q, p_value ^ q_value, "xor"),
                                  (lambda: q_value & p, p_value & q_value, "and_1"),
                                  (lambda: True | p, np.ones(4, bool), "or_1")]:
        t = apply()
        assert t.op.name == name
        np.testing.assert_array_equal(run(t), expected)
    inverted = ~p
    assert inverted.op.type == "LogicalNot"
    np.testing.assert_array_equal(run(inverted), ~p_value)


def test_logical_operators_refuse_numbers():
    x = tf.constant([1, 2])
    with pytest.raises(TypeError, match="only defined for tf.bool"):
        x & x
    with pytest.raises(TypeError, match="only defined for tf.bool"):
        ~x


def test_int_operators_follow_tf():
    a, b = tf.constant([7, -7]), tf.constant([2, 2])
    assert run(a / b).dtype == np.float64 and run(a / b).tolist() == [3.5, -3.5]
    assert run(a // b).tolist() == [3, -4]
    assert run(a % b).tolist() == [1, 1]
    assert run(-a).tolist() == [-7, 7]


def test_equality_operator_is_identity():
    a = tf.constant([1.0])
    assert (a == a) is True and (a == tf.constant([1.0])) is False
    assert {a: 1}[a] == 1


def test_table_row_names_are_unique():
    names = [c.name for c in TABLE]
    duplicates = [n for n, k in itertools.groupby(sorted(names)) if len(list(k)) > 1]
    assert not duplicates
