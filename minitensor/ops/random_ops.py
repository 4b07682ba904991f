"""Random tensors, seeded the TF 1.x way.

Seeds: ``tf.set_random_seed(s)`` sets the *graph* seed; each random op may also get an
*op* seed.  With a graph seed and no op seed, the op seed is derived from the op's
**name**, so adding another op does not change this op's draws.  With neither, draws are
different every session.  In one session, running an op again draws new numbers; a new
session starts again from the first draw.
"""
import zlib

import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor
from .constant_op import convert_to_tensor
from .op_util import check_dtype, static_int_list

DEFAULT_GRAPH_SEED = 87654321


def set_random_seed(seed):
    """Set the graph-level seed of the default graph."""
    get_default_graph().seed = None if seed is None else int(seed)


def get_seed(op_seed, op_name=""):
    """(graph seed, op seed) for a new random op, following TF 1.x's rules."""
    graph_seed = get_default_graph().seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = zlib.crc32(op_name.encode()) & 0x7FFFFFFF
        return graph_seed, int(op_seed)
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed)
    return None, None


def _random_op(op_type, shape, dtype, seed, name, attrs, inputs=()):
    graph = get_default_graph()
    dims = static_int_list(shape, "shape") if not isinstance(shape, Tensor) or \
        shape.op.type == "Const" else None
    if dims is None:
        raise NotImplementedError("random ops need a shape known when the graph is built "
                                  "(a list of ints).")
    full_name = graph.unique_name(name)
    graph_seed, op_seed = get_seed(seed, full_name)
    attrs = dict(attrs, shape=tuple(dims), dtype=dtype, seed=graph_seed, seed2=op_seed)
    out_shape = TensorShape(dims)
    if inputs:
        extra = inputs[0].shape
        out_shape = TensorShape(list(dims) + list(extra.dims)) if extra.dims is not None else \
            TensorShape(None)
    op = graph.create_op(op_type, list(inputs), [(dtype, out_shape)], name=full_name + "/",
                         attrs=attrs)
    return op.outputs[0]


def _scalar_or_tensor(value):
    return isinstance(value, (Tensor,)) or hasattr(value, "_to_tensor")


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution N(mean, stddev^2)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if _scalar_or_tensor(mean) or _scalar_or_tensor(stddev):
        z = _random_op("RandomNormal", shape, dtype, seed, name or "random_normal",
                       {"mean": 0.0, "stddev": 1.0})
        return z * convert_to_tensor(stddev, dtype=dtype) + convert_to_tensor(mean, dtype=dtype)
    return _random_op("RandomNormal", shape, dtype, seed, name or "random_normal",
                      {"mean": float(mean), "stddev": float(stddev)})


@reference_kernel("RandomNormal", needs_context=True)
def _random_normal(ctx, shape, mean, stddev, dtype, seed, seed2):
    z = ctx.rng().standard_normal(shape)
    return (z * stddev + mean).astype(dtype.as_numpy_dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples, redrawn until they lie within 2 standard deviations of the mean."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if _scalar_or_tensor(mean) or _scalar_or_tensor(stddev):
        z = _random_op("TruncatedNormal", shape, dtype, seed, name or "truncated_normal",
                       {"mean": 0.0, "stddev": 1.0})
        return z * convert_to_tensor(stddev, dtype=dtype) + convert_to_tensor(mean, dtype=dtype)
    return _random_op("TruncatedNormal", shape, dtype, seed, name or "truncated_normal",
                      {"mean": float(mean), "stddev": float(stddev)})


@reference_kernel("TruncatedNormal", needs_context=True)
def _truncated_normal(ctx, shape, mean, stddev, dtype, seed, seed2):
    rng = ctx.rng()
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return (z * stddev + mean).astype(dtype.as_numpy_dtype)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats)."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if maxval is None:
        if dtype.is_integer:
            raise ValueError("tf.random_uniform: maxval must be given for integer dtypes.")
        maxval = 1
    if _scalar_or_tensor(minval) or _scalar_or_tensor(maxval):
        u = _random_op("RandomUniform", shape, dtype, seed, name or "random_uniform",
                       {"minval": 0.0, "maxval": 1.0})
        lo = convert_to_tensor(minval, dtype=dtype)
        return u * (convert_to_tensor(maxval, dtype=dtype) - lo) + lo
    return _random_op("RandomUniform", shape, dtype, seed, name or "random_uniform",
                      {"minval": minval, "maxval": maxval})


@reference_kernel("RandomUniform", needs_context=True)
def _random_uniform(ctx, shape, minval, maxval, dtype, seed, seed2):
    rng = ctx.rng()
    if dtype.is_integer:
        return rng.integers(minval, maxval, size=shape).astype(dtype.as_numpy_dtype)
    return rng.uniform(minval, maxval, size=shape).astype(dtype.as_numpy_dtype)


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma(alpha, beta) samples (beta is the rate); output shape = shape + alpha's shape."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    alpha_t = convert_to_tensor(alpha, dtype=dtype)
    check_dtype("tf.random_gamma", alpha_t, {"float"})
    beta_t = convert_to_tensor(1.0 if beta is None else beta, dtype=dtype)
    inputs = [alpha_t, beta_t]
    return _random_op("RandomGamma", shape, dtype, seed, name or "random_gamma", {}, inputs)


@reference_kernel("RandomGamma", needs_context=True)
def _random_gamma(ctx, alpha, beta, shape, dtype, seed, seed2):
    alpha = np.asarray(alpha)
    beta = np.broadcast_to(beta, alpha.shape)
    draws = ctx.rng().gamma(alpha, 1.0, size=tuple(shape) + alpha.shape) / beta
    return draws.astype(dtype.as_numpy_dtype)


def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted."""
    x = convert_to_tensor(value)
    graph = get_default_graph()
    full_name = graph.unique_name(name or "RandomShuffle")
    graph_seed, op_seed = get_seed(seed, full_name)
    op = graph.create_op("RandomShuffle", [x], [(x.dtype.base_dtype, x.shape)],
                         name=full_name + "/", attrs={"seed": graph_seed, "seed2": op_seed})
    return op.outputs[0]


@reference_kernel("RandomShuffle", needs_context=True)
def _random_shuffle(ctx, x, seed, seed2):
    return ctx.rng().permutation(x)


not_differentiable("RandomNormal", "TruncatedNormal", "RandomUniform", "RandomGamma",
                   "RandomShuffle")
