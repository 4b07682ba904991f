"""Neural-network ops: activations, softmax, bias_add, dropout and the fused losses.

Each op: a public constructor (checks, shape/dtype inference), a NumPy reference kernel and
its gradient, side by side.  The fused cross-entropy ops (one kernel for softmax + log +
sum, numerically stable for logits of +-1e4) each have a ``_simple`` twin built from
primitive ops; the tests check that the two agree in value and gradient.

The cross-entropy ops have TWO outputs, exactly like TF's ``SoftmaxCrossEntropyWithLogits``:
``loss`` (one value per example) and ``backprop`` (``softmax(logits) - labels``, the
gradient of the loss w.r.t. the logits, computed in the same pass and reused by the
gradient function).
"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, InvalidArgumentError, ShapeError
from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel, register_gradient
from ..framework.shapes import TensorShape, describe
from ..framework.tensor import Tensor
from . import math_ops
from .array_ops import (broadcast_to_like, expand_dims, gather, reshape, stop_gradient,
                        squeeze, zeros_like)
from .constant_op import convert_to_tensor
from .math_ops import (abs as abs_op, add, cast, equal, exp, greater, log1p, matmul, maximum,
                       reduce_mean, reduce_sum, rsqrt, sigmoid, square, squared_difference,
                       tanh, where)
from .op_util import (arg_label, check_dtype, make_multi_output_op, make_op, normalize_axis,
                      unary)

_FLOAT = {"float"}


# =========================================================================
# Activations
# =========================================================================

def relu(features, name=None):
    """max(features, 0), element-wise."""
    return unary("Relu", features, name=name, allowed={"float", "int"})


@reference_kernel("Relu")
def _relu(x):
    return np.maximum(x, 0)


@register_gradient("Relu")
def _relu_grad(op, grad):
    """d relu(x)/dx = 1 where x > 0, else 0 -- read off the output (relu(x) > 0 exactly where
    x > 0), as TF does: then nothing but the Relu needs x, and x + b -> relu can run as one
    fused kernel (minitensor/kernels/fusion.py)"""
    return _relu_grad_op("ReluGrad", grad, op.outputs[0])


def _relu_grad_op(op_type, grad, features):
    return make_op(op_type, [grad, features], grad.dtype.base_dtype, features.shape,
                   name=op_type)


@reference_kernel("ReluGrad")
def _relu_grad_kernel(grad, features):
    """grad where features > 0, else 0"""
    return grad * (features > 0)


@register_gradient("ReluGrad")
def _relu_grad_grad(op, grad):
    """ReluGrad is linear in its first input (a mask); the mask itself gets no gradient"""
    return _relu_grad_op("ReluGrad", grad, op.inputs[1]), None


def relu6(features, name=None):
    """min(max(features, 0), 6), element-wise."""
    return unary("Relu6", features, name=name, allowed={"float", "int"})


@reference_kernel("Relu6")
def _relu6(x):
    return np.clip(x, 0, 6)


@register_gradient("Relu6")
def _relu6_grad(op, grad):
    """d relu6(x)/dx = 1 where 0 < x < 6, else 0"""
    return _relu_grad_op("Relu6Grad", grad, op.inputs[0])


@reference_kernel("Relu6Grad")
def _relu6_grad_kernel(grad, features):
    return grad * ((features > 0) & (features < 6))


@register_gradient("Relu6Grad")
def _relu6_grad_grad(op, grad):
    """linear in the incoming gradient"""
    return _relu_grad_op("Relu6Grad", grad, op.inputs[1]), None


def leaky_relu(features, alpha=0.2, name=None):
    """max(alpha * x, x) (for 0 <= alpha <= 1)."""
    x = convert_to_tensor(features)
    check_dtype("tf.nn.leaky_relu", x, _FLOAT)
    return maximum(alpha * x, x, name=name or "LeakyRelu")


def elu(features, name=None):
    """x if x > 0 else exp(x) - 1."""
    return unary("Elu", features, name=name, allowed=_FLOAT)


@reference_kernel("Elu")
def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


@register_gradient("Elu")
def _elu_grad(op, grad):
    """d elu(x)/dx = 1 if x > 0 else exp(x) = elu(x) + 1"""
    x, y = op.inputs[0], op.outputs[0]
    return where(greater(x, 0), grad, grad * (y + 1))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(features, name=None):
    """scale * (x if x > 0 else alpha * (exp(x) - 1)), the self-normalizing activation."""
    return unary("Selu", features, name=name, allowed=_FLOAT)


@reference_kernel("Selu")
def _selu(x):
    neg = _SELU_ALPHA * np.expm1(np.minimum(x, 0))
    return (_SELU_SCALE * np.where(x > 0, x, neg)).astype(x.dtype, copy=False)


@register_gradient("Selu")
def _selu_grad(op, grad):
    """d selu(x)/dx = scale if x > 0 else selu(x) + scale * alpha"""
    x, y = op.inputs[0], op.outputs[0]
    return where(greater(x, 0), grad * _SELU_SCALE, grad * (y + _SELU_SCALE * _SELU_ALPHA))


def softplus(features, name=None):
    """log(1 + exp(x)), computed without overflow."""
    return unary("Softplus", features, name=name, allowed=_FLOAT)


@reference_kernel("Softplus")
def _softplus(x):
    return np.logaddexp(np.zeros((), dtype=x.dtype), x)


@register_gradient("Softplus")
def _softplus_grad(op, grad):
    """d softplus(x)/dx = sigmoid(x)"""
    return grad * sigmoid(op.inputs[0])


def softsign(features, name=None):
    """x / (1 + |x|)."""
    return unary("Softsign", features, name=name, allowed=_FLOAT)


@reference_kernel("Softsign")
def _softsign(x):
    return x / (1 + np.abs(x))


@register_gradient("Softsign")
def _softsign_grad(op, grad):
    """d softsign(x)/dx = 1 / (1 + |x|)^2"""
    x = op.inputs[0]
    return grad / square(1 + abs_op(x))


# =========================================================================
# Softmax and log-softmax
# =========================================================================

def _softmax_axis(op_label, logits, axis, dim):
    if axis is None:
        axis = -1 if dim is None else dim
    ndims = logits.shape.ndims
    if ndims == 0:
        raise ShapeError("%s: %s is a scalar; softmax needs at least one dimension of classes."
                         % (op_label, arg_label(logits)))
    return normalize_axis(int(axis), ndims, op_label)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits), axis): probabilities along ``axis`` (default: last)."""
    x = convert_to_tensor(logits)
    check_dtype("tf.nn.softmax", x, _FLOAT)
    axis = _softmax_axis("tf.nn.softmax", x, axis, dim)
    return make_op("Softmax", [x], x.dtype.base_dtype, x.shape, name=name or "Softmax",
                   attrs={"axis": axis})


@reference_kernel("Softmax")
def _softmax(x, axis):
    """stable: exp(x - max x) / sum(exp(x - max x))"""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@register_gradient("Softmax")
def _softmax_grad(op, grad):
    """dy_i/dx_j = y_i (delta_ij - y_j)  =>  dx = (grad - sum(grad * y)) * y"""
    y, axis = op.outputs[0], op.attrs["axis"]
    return (grad - reduce_sum(grad * y, axis=axis, keepdims=True)) * y


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits), axis)), computed stably."""
    x = convert_to_tensor(logits)
    check_dtype("tf.nn.log_softmax", x, _FLOAT)
    axis = _softmax_axis("tf.nn.log_softmax", x, axis, dim)
    return make_op("LogSoftmax", [x], x.dtype.base_dtype, x.shape, name=name or "LogSoftmax",
                   attrs={"axis": axis})


@reference_kernel("LogSoftmax")
def _log_softmax(x, axis):
    """(x - max x) - log(sum(exp(x - max x)))"""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@register_gradient("LogSoftmax")
def _log_softmax_grad(op, grad):
    """d(x_i - lse(x))/dx_j = delta_ij - softmax_j  =>  dx = grad - sum(grad) * softmax"""
    y, axis = op.outputs[0], op.attrs["axis"]
    return grad - reduce_sum(grad, axis=axis, keepdims=True) * exp(y)


# =========================================================================
# bias_add
# =========================================================================

def _channel_axis(data_format, ndims):
    if data_format is None or data_format.startswith("N") and data_format.endswith("C"):
        return -1
    if data_format.startswith("NC"):
        return 1
    raise ValueError("tf.nn.bias_add: data_format must be 'NHWC' (channels last) or 'NCHW', "
                     "got %r." % (data_format,))


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with the 1-D ``bias`` added along the channel (last) dimension."""
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias) if _is_tensor(bias) else \
        convert_to_tensor(bias, dtype=value.dtype.base_dtype)
    check_dtype("tf.nn.bias_add", value, {"float", "int", "complex"})
    if bias.dtype.base_dtype != value.dtype.base_dtype:
        raise DTypeError("tf.nn.bias_add: %s is %s but the bias %s is %s."
                         % (arg_label(value), value.dtype.name, arg_label(bias),
                            bias.dtype.name), hint="cast one of them with tf.cast.")
    ndims = value.shape.ndims
    axis = _channel_axis(data_format, ndims)
    if bias.shape.ndims is not None and bias.shape.ndims != 1:
        raise ShapeError("tf.nn.bias_add: the bias must be 1-D (one value per channel), but %s "
                         "has shape %s." % (arg_label(bias), describe(bias.shape)),
                         hint="reshape it: tf.reshape(bias, [-1]).")
    if ndims is not None:
        if ndims < 2:
            raise ShapeError("tf.nn.bias_add: the value must have at least 2 dimensions (a batch "
                             "of rows), but %s has shape %s."
                             % (arg_label(value), describe(value.shape)),
                             hint="for a single example use value + bias, or add the batch "
                                  "dimension with tf.expand_dims(value, 0).")
        channels = value.shape.dims[axis]
        if bias.shape.ndims == 1 and None not in (channels, bias.shape.dims[0]) and \
                channels != bias.shape.dims[0]:
            raise ShapeError(
                "tf.nn.bias_add: %s has %d channels (dimension %d of shape %s) but the bias %s "
                "has %d entries." % (arg_label(value), channels, axis % ndims,
                                     describe(value.shape), arg_label(bias), bias.shape.dims[0]),
                hint="the bias needs one entry per output unit: create it with shape [%d]."
                % channels)
        axis = axis % ndims
    return make_op("BiasAdd", [value, bias], value.dtype.base_dtype, value.shape,
                   name=name or "BiasAdd", attrs={"axis": axis})


def _bias_shape(ndims, axis, size):
    """(C, 1, 1) for channels-first data, (C,) for channels-last."""
    shape = [1] * (ndims - axis)
    shape[0] = size
    return shape


@reference_kernel("BiasAdd")
def _bias_add(value, bias, axis):
    if axis in (-1, np.ndim(value) - 1):
        return value + bias
    return value + bias.reshape(_bias_shape(np.ndim(value), axis, bias.shape[0]))


@register_gradient("BiasAdd")
def _bias_add_grad(op, grad):
    """d(x + b)/dx = 1; d/db = the gradient summed over every dimension but the channel one"""
    axis = op.attrs["axis"]
    return grad, make_op("BiasAddGrad", [grad], grad.dtype.base_dtype, op.inputs[1].shape,
                         name="BiasAddGrad", attrs={"axis": axis})


@reference_kernel("BiasAddGrad")
def _bias_add_grad_kernel(grad, axis):
    axis = axis % np.ndim(grad)
    return np.sum(grad, axis=tuple(a for a in range(np.ndim(grad)) if a != axis))


@register_gradient("BiasAddGrad")
def _bias_add_grad_grad(op, grad):
    """the adjoint of summing over all but the channel axis is broadcasting back"""
    x, axis = op.inputs[0], op.attrs["axis"]
    if axis != -1 and x.shape.ndims is not None and axis != x.shape.ndims - 1:
        grad = reshape(grad, _bias_shape(x.shape.ndims, axis, -1))
    return broadcast_to_like(grad, x)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    with get_default_graph().name_scope(name or "xw_plus_b"):
        return bias_add(matmul(x, weights), biases, name="xw_plus_b")


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with get_default_graph().name_scope(name or "relu_layer"):
        return relu(bias_add(matmul(x, weights), biases))


# =========================================================================
# Dropout
# =========================================================================

def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Keep each element with probability ``keep_prob`` (scaled by 1/keep_prob), else 0.

    ``rate`` = 1 - keep_prob (give one of them).  ``keep_prob`` may be a tensor, typically a
    placeholder fed 0.5 for training and 1.0 for evaluation.  A new mask is drawn at every
    ``Session.run``; ``seed`` (with ``tf.set_random_seed``) makes the draws repeatable.
    """
    from .random_ops import get_seed
    x = convert_to_tensor(x)
    check_dtype("tf.nn.dropout", x, _FLOAT)
    if (keep_prob is None) == (rate is None):
        raise ValueError("tf.nn.dropout: give exactly one of keep_prob (the fraction kept) or "
                         "rate (the fraction dropped = 1 - keep_prob).")
    if keep_prob is None:
        keep_prob = 1 - rate if not _is_tensor(rate) else 1 - convert_to_tensor(rate)
    if not _is_tensor(keep_prob):
        value = float(keep_prob)
        if not 0 < value <= 1:
            raise ValueError("tf.nn.dropout: keep_prob must be in (0, 1], got %r (rate = %r)."
                             % (keep_prob, 1 - value))
        if value == 1:
            return x
    keep_prob = convert_to_tensor(keep_prob, dtype=x.dtype.base_dtype) \
        if not _is_tensor(keep_prob) else _as_dtype_of(convert_to_tensor(keep_prob), x)
    if keep_prob.shape.ndims not in (None, 0):
        raise ShapeError("tf.nn.dropout: keep_prob must be a scalar, but %s has shape %s."
                         % (arg_label(keep_prob), describe(keep_prob.shape)))
    noise = None
    if noise_shape is not None:
        noise = tuple(-1 if d is None else int(d) for d in
                      (noise_shape.as_list() if hasattr(noise_shape, "as_list") else noise_shape))
    graph = get_default_graph()
    full_name = graph.unique_name(name or "dropout")
    graph_seed, op_seed = get_seed(seed, full_name)
    out, _mask = make_multi_output_op(
        "Dropout", [x, keep_prob], [(x.dtype.base_dtype, x.shape), (x.dtype.base_dtype, x.shape)],
        name=full_name + "/", attrs={"seed": graph_seed, "seed2": op_seed, "noise_shape": noise})
    return out


def _is_tensor(value):
    return isinstance(value, Tensor) or hasattr(value, "_to_tensor")


def _as_dtype_of(t, like):
    return t if t.dtype.base_dtype == like.dtype.base_dtype else cast(t, like.dtype.base_dtype)


@reference_kernel("Dropout", needs_context=True)
def _dropout(ctx, x, keep_prob, seed, seed2, noise_shape):
    """mask = (uniform < keep_prob) / keep_prob; returns (x * mask, mask)"""
    keep_prob = float(keep_prob)
    if not 0 < keep_prob <= 1:
        raise InvalidArgumentError(
            "tf.nn.dropout (op '%s'): keep_prob must be in (0, 1], but the value given at run "
            "time is %r." % (ctx.op.name, keep_prob),
            hint="feed keep_prob a probability of keeping a unit, e.g. 0.5 for training and "
                 "1.0 for evaluation.")
    shape = np.shape(x)
    if noise_shape is not None:
        shape = tuple(s if n == -1 else n for n, s in zip(noise_shape, shape))
    keep = ctx.rng().random(shape) < keep_prob
    mask = (keep / np.asarray(keep_prob, dtype=x.dtype)).astype(x.dtype, copy=False)
    return x * mask, np.broadcast_to(mask, np.shape(x))


@register_gradient("Dropout")
def _dropout_grad(op, grad, _grad_mask):
    """d(x * mask)/dx = mask (the same mask as the forward pass)"""
    return grad * op.outputs[1], None


# =========================================================================
# Small reductions
# =========================================================================

def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (a scalar; the usual weight-decay term)."""
    x = convert_to_tensor(t)
    check_dtype("tf.nn.l2_loss", x, _FLOAT)
    return make_op("L2Loss", [x], x.dtype.base_dtype, TensorShape([]), name=name or "L2Loss")


@reference_kernel("L2Loss")
def _l2_loss(x):
    return np.asarray(np.sum(np.square(x)) / 2, dtype=x.dtype)


@register_gradient("L2Loss")
def _l2_loss_grad(op, grad):
    """d(sum x^2 / 2)/dx = x"""
    return op.inputs[0] * grad


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    x = convert_to_tensor(x)
    check_dtype("tf.nn.l2_normalize", x, _FLOAT)
    if axis is None:
        axis = dim
    with get_default_graph().name_scope(name or "l2_normalize"):
        square_sum = reduce_sum(square(x), axis=axis, keepdims=True)
        return x * rsqrt(maximum(square_sum, epsilon))


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of ``x`` over ``axes`` (variance = mean of squared deviations)."""
    x = convert_to_tensor(x)
    check_dtype("tf.nn.moments", x, _FLOAT)
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "moments"):
        mean = reduce_mean(x, axis=axes, keepdims=True)
        # The deviations sum to zero, so the mean needs no gradient here (TF does the same).
        variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axis=axes,
                               keepdims=True)
        if not keep:
            mean, variance = squeeze(mean, axis=axes), squeeze(variance, axis=axes)
        return mean, variance


def zero_fraction(value, name=None):
    """The fraction of entries of ``value`` that are exactly 0 (a sparsity summary)."""
    x = convert_to_tensor(value)
    return reduce_mean(cast(equal(x, 0), dtypes.float32), name=name or "zero_fraction")


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows ``ids`` of the embedding matrix ``params`` (= tf.gather(params, ids))."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("tf.nn.embedding_lookup: a partitioned embedding (a list "
                                      "of %d tensors) is not supported; concatenate them with "
                                      "tf.concat(params, 0) and use partition_strategy='div'."
                                      % len(params))
        params = params[0]
    result = gather(params, ids, name=name or "embedding_lookup")
    if max_norm is not None:
        result = clip_rows_by_norm(result, max_norm)
    return result


def clip_rows_by_norm(t, max_norm):
    """Scale each row (last axis) whose L2 norm exceeds ``max_norm`` down to ``max_norm``."""
    norms = math_ops.sqrt(reduce_sum(square(t), axis=-1, keepdims=True))
    return t * (max_norm / maximum(norms, max_norm))


# =========================================================================
# Top-k (for evaluation: tf.nn.in_top_k(logits, labels, 1))
# =========================================================================

def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's argument names
    """(values, indices) of the k largest entries along the last axis."""
    x = convert_to_tensor(input)
    check_dtype("tf.nn.top_k", x, {"float", "int"})
    k = int(k)
    dims = x.shape.dims
    if dims is not None and dims and dims[-1] is not None and dims[-1] < k:
        raise ShapeError("tf.nn.top_k: k = %d, but the last dimension of %s has only %d entries."
                         % (k, arg_label(x), dims[-1]))
    shape = TensorShape(None if dims is None else list(dims[:-1]) + [k])
    values, indices = make_multi_output_op("TopKV2", [x], [(x.dtype.base_dtype, shape),
                                                           (dtypes.int32, shape)],
                                           name=name or "TopKV2", attrs={"k": k})
    return values, indices


@reference_kernel("TopKV2")
def _top_k(x, k):
    """a stable sort: among equal values the lower index comes first (as TF)"""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


@register_gradient("TopKV2")
def _top_k_grad(op, grad, _grad_indices):
    """the gradient of each chosen value goes back to the position it came from"""
    x, indices = op.inputs[0], op.outputs[1]
    return make_op("TopKGrad", [grad, indices, x], grad.dtype.base_dtype, x.shape,
                   name="TopKGrad")


@reference_kernel("TopKGrad")
def _top_k_grad_kernel(grad, indices, like):
    out = np.zeros(np.shape(like), dtype=grad.dtype)
    np.put_along_axis(out, indices, grad, axis=-1)
    return out


not_differentiable("TopKGrad")


def in_top_k(predictions, targets, k, name=None):
    """For each row: is the target class among the k highest predictions? (bool, shape (B,))"""
    p = convert_to_tensor(predictions)
    t = convert_to_tensor(targets)
    check_dtype("tf.nn.in_top_k predictions", p, _FLOAT)
    check_dtype("tf.nn.in_top_k targets", t, {"int"})
    if p.shape.ndims not in (None, 2) or t.shape.ndims not in (None, 1):
        raise ShapeError("tf.nn.in_top_k: predictions must be (batch, classes) and targets "
                         "(batch,) class ids; got %s with shape %s and %s with shape %s."
                         % (arg_label(p), describe(p.shape), arg_label(t), describe(t.shape)),
                         hint="for one-hot targets use tf.argmax(targets, 1).")
    return make_op("InTopKV2", [p, t], dtypes.bool,
                   TensorShape([p.shape.dims[0] if p.shape.ndims else None]),
                   name=name or "in_top_k", attrs={"k": int(k)})


@reference_kernel("InTopKV2")
def _in_top_k(predictions, targets, k):
    """target in the top k  <=>  fewer than k classes score strictly higher than it"""
    target_scores = np.take_along_axis(predictions, targets[:, None].astype(np.int64), axis=1)
    higher = np.sum(predictions > target_scores, axis=1)
    return (higher < k) & np.isfinite(target_scores[:, 0])


not_differentiable("InTopKV2")


# =========================================================================
# Label checks shared by the losses (errors that teach)
# =========================================================================

def _require_named(op_name, sentinel):
    if sentinel is not None:
        raise ValueError("Only call `%s` with named arguments (labels=..., logits=..., ...): "
                         "the order of labels and logits is easy to mix up." % op_name)


def check_dense_labels(op_label, labels, logits, sparse_alternative, check_dtypes=True):
    """Labels for a dense (one-hot / probability) loss must have the logits' shape and dtype.

    Catches class ids passed where one-hot rows are expected, and (N, 1) columns.
    """
    num = logits.shape.dims[-1] if logits.shape.ndims else None
    l_dims, g_dims = labels.shape.dims, logits.shape.dims
    looks_like_ids = (l_dims is not None and g_dims is not None and
                      (len(l_dims) == len(g_dims) - 1 or
                       (len(l_dims) == len(g_dims) and l_dims[-1] == 1 and g_dims[-1] != 1)))
    if looks_like_ids:
        fix = "tf.one_hot(labels, %s)" % (num if num is not None else "num_classes")
        if len(l_dims) == len(g_dims):
            fix = "tf.one_hot(tf.reshape(labels, [-1]), %s)" % (
                num if num is not None else "num_classes")
        raise ShapeError(
            "%s: labels look like class ids (shape %s), but %s expects one-hot labels (or "
            "probabilities) with the logits' shape %s. labels: %s; logits: %s."
            % (op_label, describe(labels.shape), op_label, describe(logits.shape),
               arg_label(labels), arg_label(logits)),
            hint="use %s with class ids of shape %s, or turn the ids into one-hot rows: %s."
            % (sparse_alternative, describe(TensorShape(g_dims[:-1])), fix))
    if check_dtypes and not labels.dtype.base_dtype.is_floating:
        raise DTypeError(
            "%s: labels must be floating point like the logits (%s), but %s is %s."
            % (op_label, logits.dtype.name, arg_label(labels), labels.dtype.name),
            hint="tf.cast(labels, tf.%s)." % logits.dtype.base_dtype.name)
    if check_dtypes and labels.dtype.base_dtype != logits.dtype.base_dtype:
        raise DTypeError(
            "%s: labels and logits must have the same dtype, but %s is %s and %s is %s."
            % (op_label, arg_label(labels), labels.dtype.name, arg_label(logits),
               logits.dtype.name),
            hint="tf.cast(labels, tf.%s)." % logits.dtype.base_dtype.name)
    if not labels.shape.is_compatible_with(logits.shape):
        raise ShapeError(
            "%s: labels and logits must have the same shape, but %s has shape %s and %s has "
            "shape %s." % (op_label, arg_label(labels), describe(labels.shape), arg_label(logits),
                           describe(logits.shape)),
            hint="one label row per example and one column per class; check the number of "
                 "classes of the last layer.")


def check_sparse_labels(op_label, labels, logits,
                        dense_alternative="softmax_cross_entropy_with_logits"):
    """Labels for a sparse loss are integer class ids with the logits' shape minus the last."""
    l_dims, g_dims = labels.shape.dims, logits.shape.dims
    if g_dims is not None and len(g_dims) == 0:
        raise ShapeError("%s: logits must have a class dimension, but %s is a scalar."
                         % (op_label, arg_label(logits)))
    if l_dims is not None and g_dims is not None:
        ids_shape = describe(TensorShape(g_dims[:-1]))
        if len(l_dims) == len(g_dims) and (l_dims[-1] != 1 or g_dims[-1] == 1):
            raise ShapeError(
                "labels look one-hot (shape %s); %s expects class ids of shape %s. Use "
                "%s or tf.argmax(labels, 1). labels: %s; logits: %s."
                % (describe(labels.shape), op_label.split(".")[-1], ids_shape,
                   dense_alternative, arg_label(labels), arg_label(logits)),
                hint="%s(labels=labels, logits=logits) for one-hot labels, or "
                     "labels=tf.argmax(labels, 1) for class ids." % dense_alternative)
        if len(l_dims) == len(g_dims) and l_dims[-1] == 1:
            raise ShapeError(
                "%s: labels have shape %s (a column), but class ids must have shape %s, one id "
                "per example. labels: %s; logits: %s."
                % (op_label, describe(labels.shape), ids_shape, arg_label(labels),
                   arg_label(logits)),
                hint="tf.reshape(labels, [-1]) or tf.squeeze(labels, axis=1).")
    if not labels.dtype.base_dtype.is_integer:
        raise DTypeError(
            "%s: labels must be integer class ids (int32 or int64), but %s is %s."
            % (op_label, arg_label(labels), labels.dtype.name),
            hint="tf.cast(labels, tf.int32) if they are whole numbers stored as floats.")
    if l_dims is not None and g_dims is not None and (
            len(l_dims) != len(g_dims) - 1 or
            not TensorShape(l_dims).is_compatible_with(TensorShape(g_dims[:-1]))):
        raise ShapeError(
            "%s: labels must have the logits' shape without the class dimension, %s, but %s "
            "has shape %s (logits %s: %s)."
            % (op_label, describe(TensorShape(g_dims[:-1])), arg_label(labels),
               describe(labels.shape), arg_label(logits), describe(logits.shape)))


def _check_logits(op_label, logits):
    check_dtype(op_label + " logits", logits, _FLOAT)


# =========================================================================
# Softmax cross-entropy (fused, two outputs) and its simple twin
# =========================================================================

def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """-sum(labels * log_softmax(logits), axis), one value per example, stable for any logits.

    ``labels``: one-hot rows or probabilities, shaped like ``logits``.  Gradients flow to
    both logits and labels.
    """
    return _softmax_xent_op("tf.nn.softmax_cross_entropy_with_logits_v2", labels, logits,
                            axis, dim, name, stop_labels=False)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """TF 1.x's original version: like ``_v2`` but no gradient flows into ``labels``."""
    _require_named("softmax_cross_entropy_with_logits", _sentinel)
    return _softmax_xent_op("tf.nn.softmax_cross_entropy_with_logits", labels, logits, axis,
                            dim, name, stop_labels=True)


def _softmax_xent_op(op_label, labels, logits, axis, dim, name, stop_labels):
    labels, logits = _labels_and_logits(labels, logits)
    _check_logits(op_label, logits)
    check_dense_labels(op_label, labels, logits, "tf.nn.sparse_softmax_cross_entropy_with_logits")
    axis = _softmax_axis(op_label, logits, axis, dim)
    if stop_labels:
        labels = stop_gradient(labels, name="labels_stop_gradient")
    dims = logits.shape.dims
    loss_shape = TensorShape(None) if dims is None else TensorShape(dims[:axis] + dims[axis + 1:])
    loss, _backprop = make_multi_output_op(
        "SoftmaxCrossEntropyWithLogits", [logits, labels],
        [(logits.dtype.base_dtype, loss_shape), (logits.dtype.base_dtype, logits.shape)],
        name=name or "softmax_cross_entropy_with_logits", attrs={"axis": axis})
    return loss


def _labels_and_logits(labels, logits):
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given.")
    logits = convert_to_tensor(logits)
    if _is_tensor(labels):
        labels = convert_to_tensor(labels)
    else:
        labels = convert_to_tensor(labels, dtype=logits.dtype.base_dtype
                                   if np.asarray(labels).dtype.kind == "f" else None)
    return labels, logits


@reference_kernel("SoftmaxCrossEntropyWithLogits")
def _softmax_xent(logits, labels, axis):
    """loss = -sum(labels * log_softmax(logits)); backprop = softmax(logits) - labels"""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    loss = -np.sum(labels * log_probs, axis=axis)
    return loss, np.exp(log_probs) - labels


@register_gradient("SoftmaxCrossEntropyWithLogits")
def _softmax_xent_grad(op, grad_loss, grad_backprop):
    """d loss/d logits = softmax - labels (the op's 2nd output); d loss/d labels = -log_softmax"""
    logits, axis = op.inputs[0], op.attrs["axis"]
    grad_loss = expand_dims(grad_loss, axis)
    grad_logits = grad_loss * op.outputs[1]
    grad_labels = grad_loss * -log_softmax(logits, axis=axis)
    if grad_backprop is not None and grad_backprop.op.type != "ZerosLike":   # 2nd derivatives
        probs = softmax(logits, axis=axis)
        grad_logits += (grad_backprop - reduce_sum(grad_backprop * probs, axis=axis,
                                                   keepdims=True)) * probs
        grad_labels -= grad_backprop
    return grad_logits, grad_labels


def softmax_cross_entropy_with_logits_simple(labels, logits, axis=-1):
    """The primitive-op twin of the fused op: -reduce_sum(labels * log_softmax(logits))."""
    labels, logits = _labels_and_logits(labels, logits)
    return -reduce_sum(labels * log_softmax(logits, axis=axis), axis=axis)


# =========================================================================
# Sparse softmax cross-entropy (class ids)
# =========================================================================

def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """-log_softmax(logits)[label] per example; ``labels`` are int class ids in [0, classes)."""
    _require_named("sparse_softmax_cross_entropy_with_logits", _sentinel)
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given.")
    logits, labels = convert_to_tensor(logits), convert_to_tensor(labels)
    op_label = "tf.nn.sparse_softmax_cross_entropy_with_logits"
    _check_logits(op_label, logits)
    check_sparse_labels(op_label, labels, logits)
    dims = logits.shape.dims
    loss_shape = TensorShape(None if dims is None else dims[:-1])
    if loss_shape.dims is None and labels.shape.dims is not None:
        loss_shape = labels.shape
    loss, _backprop = make_multi_output_op(
        "SparseSoftmaxCrossEntropyWithLogits", [logits, labels],
        [(logits.dtype.base_dtype, loss_shape), (logits.dtype.base_dtype, logits.shape)],
        name=name or "SparseSoftmaxCrossEntropyWithLogits")
    return loss


@reference_kernel("SparseSoftmaxCrossEntropyWithLogits", needs_context=True)
def _sparse_softmax_xent(ctx, logits, labels):
    """loss = -log_softmax(logits)[label]; backprop = softmax(logits) - one_hot(label)"""
    num_classes = np.shape(logits)[-1]
    bad = (labels < 0) | (labels >= num_classes)
    if np.any(bad):
        raise InvalidArgumentError(
            "Received a label value of %d which is outside the valid range of [0, %d) in "
            "sparse_softmax_cross_entropy_with_logits (op '%s'); the logits have %d classes."
            % (labels[bad].ravel()[0], num_classes, ctx.op.name, num_classes),
            hint="class ids must run from 0 to %d: if your labels start at 1, subtract 1; if "
                 "there are more classes, widen the last layer." % (num_classes - 1), op=ctx.op)
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    ids = labels.astype(np.int64)[..., None]
    loss = -np.take_along_axis(log_probs, ids, axis=-1)[..., 0]
    backprop = np.exp(log_probs)
    np.put_along_axis(backprop, ids, np.take_along_axis(backprop, ids, axis=-1) - 1, axis=-1)
    return loss, backprop


@register_gradient("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_xent_grad(op, grad_loss, grad_backprop):
    """d loss/d logits = softmax - one_hot(labels) (the op's 2nd output); labels: none"""
    logits = op.inputs[0]
    grad_logits = expand_dims(grad_loss, -1) * op.outputs[1]
    if grad_backprop is not None and grad_backprop.op.type != "ZerosLike":   # 2nd derivatives
        probs = softmax(logits)
        grad_logits += (grad_backprop - reduce_sum(grad_backprop * probs, axis=-1,
                                                   keepdims=True)) * probs
    return grad_logits, None


def sparse_softmax_cross_entropy_with_logits_simple(labels, logits):
    """Primitive-op twin: -sum(one_hot(labels) * log_softmax(logits), -1)."""
    from .array_ops import one_hot
    logits = convert_to_tensor(logits)
    depth = logits.shape.dims[-1]
    onehot = one_hot(labels, depth, dtype=logits.dtype.base_dtype)
    return -reduce_sum(onehot * log_softmax(logits), axis=-1)


# =========================================================================
# Sigmoid cross-entropy (independent binary labels)
# =========================================================================

def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x)), element-wise, computed stably as
    max(x, 0) - x * z + log(1 + exp(-|x|))  (x = logits, z = labels)."""
    _require_named("sigmoid_cross_entropy_with_logits", _sentinel)
    labels, logits = _labels_and_logits(labels, logits)
    op_label = "tf.nn.sigmoid_cross_entropy_with_logits"
    _check_logits(op_label, logits)
    check_same_shape(op_label, labels, logits, "labels", "logits")
    if labels.dtype.base_dtype != logits.dtype.base_dtype:
        raise DTypeError("%s: labels and logits must have the same dtype, but %s is %s and %s "
                         "is %s." % (op_label, arg_label(labels), labels.dtype.name,
                                     arg_label(logits), logits.dtype.name),
                         hint="tf.cast(labels, tf.%s)." % logits.dtype.base_dtype.name)
    return make_op("SigmoidCrossEntropyWithLogits", [logits, labels], logits.dtype.base_dtype,
                   logits.shape, name=name or "logistic_loss")


@reference_kernel("SigmoidCrossEntropyWithLogits")
def _sigmoid_xent(x, z):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


@register_gradient("SigmoidCrossEntropyWithLogits")
def _sigmoid_xent_grad(op, grad):
    """d/dx = sigmoid(x) - z;  d/dz = -x"""
    x, z = op.inputs
    return grad * (sigmoid(x) - z), grad * -x


def sigmoid_cross_entropy_with_logits_simple(labels, logits):
    """Primitive-op twin: relu(x) - x * z + log1p(exp(-|x|))."""
    labels, logits = _labels_and_logits(labels, logits)
    return relu(logits) - logits * labels + log1p(exp(-abs_op(logits)))


def weighted_cross_entropy_with_logits(targets, logits, pos_weight, name=None):
    """Sigmoid cross-entropy with the positive term weighted by ``pos_weight``:
    (1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0))."""
    targets, logits = _labels_and_logits(targets, logits)
    check_same_shape("tf.nn.weighted_cross_entropy_with_logits", targets, logits, "targets",
                     "logits")
    with get_default_graph().name_scope(name or "logistic_loss"):
        log_weight = 1 + (pos_weight - 1) * targets
        return add((1 - targets) * logits,
                   log_weight * (log1p(exp(-abs_op(logits))) + relu(-logits)))


def check_same_shape(op_label, a, b, a_name, b_name):
    """Refuse shapes that differ (in particular (N, 1) vs (N,), which would broadcast to
    (N, N) and silently compute the wrong thing)."""
    if a.shape.is_compatible_with(b.shape):
        return
    hint = "give both the same shape."
    da, db = a.shape.dims, b.shape.dims
    if da is not None and db is not None:
        if len(da) == len(db) + 1 and da[-1] == 1:
            hint = ("%s is a column: tf.squeeze(%s, axis=-1), or make %s a column with "
                    "tf.reshape(%s, [-1, 1])." % (a_name, a_name, b_name, b_name))
        elif len(db) == len(da) + 1 and db[-1] == 1:
            hint = ("%s is a column: tf.squeeze(%s, axis=-1), or make %s a column with "
                    "tf.reshape(%s, [-1, 1])." % (b_name, b_name, a_name, a_name))
    raise ShapeError(
        "%s: %s and %s must have the same shape, but %s has shape %s and %s has shape %s. "
        "(Broadcasting (N, 1) against (N,) would give (N, N): a wrong loss, without an error.)"
        % (op_label, a_name, b_name, arg_label(a), describe(a.shape), arg_label(b),
           describe(b.shape)), hint=hint)
