"""Fast CPU kernels: Numba loops behind the same op types as the NumPy reference kernels.

Each section below has the same three parts:

1. the loop, a plain ``def`` with a pseudo-loop docstring (call it as Python, or run with
   ``NUMBA_DISABLE_JIT=1``, and step through it in a debugger);
2. its jitted twin on the next line: ``_relu_kernel = njit_lazy(_relu_loop, "R1 W1")``
   (``kernels/jit.py``: compiled on first call, for float32 and float64, cached on disk);
3. the op kernel, registered with ``@register_kernel("Relu", "numba_cpu")``.  It has exactly
   the reference kernel's signature and result, and hands anything it does not handle
   (other dtypes, non-contiguous or empty arrays, other axes) to the reference kernel.

The session uses these kernels unless ``ConfigProto(kernels="reference")`` or
``MINITENSOR_KERNELS=reference``; ``tests/test_numba_cpu.py`` checks each one against its
reference kernel, and ``bench/kernels_cpu.py`` measures what each one buys.

Why some kernels call NumPy in the middle: without Intel's SVML library Numba computes
``exp``/``tanh``/``log`` one element at a time with the C library, while NumPy uses SIMD
(measured here on 25600 float32 values: exp 59 us in a Numba loop against 12 us for
``np.exp``; tanh 350 us against 9.5 us).  So a kernel that needs them is split around ONE NumPy call on a
whole buffer (``np.exp(e, out=e)``), and Numba fuses the arithmetic before and after it.
For the same reason ``Tanh`` itself has no Numba kernel (``np.tanh`` is already the fast
path), and matrix products stay with BLAS (``@``), which is 3x faster than any Numba loop.

All kernels are serial (``threads.py`` says why); none of them reads ``numba`` at import.
"""
import collections
import time

import numpy as np

from ..framework.registry import get_op_def, register_kernel
from .jit import SUM_FASTMATH, import_numba, kernels, njit_lazy, numba_available

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _reference(op_type):
    """The op's NumPy reference kernel: the fallback, and the definition we must match."""
    return get_op_def(op_type).kernels["reference"]


def _fast(op_type):
    """Register a Numba CPU kernel for ``op_type`` (only where Numba is installed)."""
    if numba_available():
        return register_kernel(op_type, "numba_cpu")
    return lambda fn: fn


def _plain(x):
    """What the loops handle: a non-empty C-contiguous float32/float64 ndarray."""
    return (type(x) is np.ndarray and x.dtype in _FLOAT_DTYPES and x.flags.c_contiguous
            and x.size != 0)


def _like(x, *others):
    """Same dtype and shape as the plain array ``x``, and plain themselves."""
    for y in others:
        if not (_plain(y) and y.dtype == x.dtype and y.shape == x.shape):
            return False
    return True


def _flat(x):
    return x.reshape(-1)


# =========================================================================
# ReLU
# =========================================================================

def _relu_loop(x, out):
    """for i: out[i] = 0 if x[i] <= 0 else x[i]      (NaN stays NaN, like np.maximum)"""
    zero = x.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        out[i] = zero if v <= zero else v


_relu_kernel = njit_lazy(_relu_loop, "R1 W1")


@_fast("Relu")
def relu(x):
    if not _plain(x):
        return _reference("Relu")(x)
    out = np.empty_like(x)
    _relu_kernel(_flat(x), _flat(out))
    return out


def _relu_grad_loop(grad, features, out):
    """for i: out[i] = grad[i] * (1 if features[i] > 0 else 0)"""
    zero, one = grad.dtype.type(0), grad.dtype.type(1)
    for i in range(grad.size):
        out[i] = grad[i] * (one if features[i] > zero else zero)


_relu_grad_kernel = njit_lazy(_relu_grad_loop, "R1 R1 W1")


@_fast("ReluGrad")
def relu_grad(grad, features):
    if not (_plain(grad) and _like(grad, features)):
        return _reference("ReluGrad")(grad, features)
    out = np.empty_like(grad)
    _relu_grad_kernel(_flat(grad), _flat(features), _flat(out))
    return out


# =========================================================================
# Sigmoid (stable for both signs) and the two activation gradients
# =========================================================================

def _sigmoid_prepare_loop(x, e):
    """for i: e[i] = -|x[i]|          (the caller then does e = np.exp(e))"""
    for i in range(x.size):
        e[i] = -abs(x[i])


_sigmoid_prepare_kernel = njit_lazy(_sigmoid_prepare_loop, "R1 W1")


def _sigmoid_finish_loop(x, e):
    """for i: e[i] = 1 / (1 + e[i]) if x[i] >= 0 else e[i] / (1 + e[i])   (e = exp(-|x|))"""
    zero, one = x.dtype.type(0), x.dtype.type(1)
    for i in range(x.size):
        ei = e[i]
        e[i] = one / (one + ei) if x[i] >= zero else ei / (one + ei)


_sigmoid_finish_kernel = njit_lazy(_sigmoid_finish_loop, "R1 W1")


def _sigmoid_into(x, out):
    """out = sigmoid(x) for flat plain arrays: two Numba passes around one SIMD np.exp."""
    _sigmoid_prepare_kernel(x, out)
    np.exp(out, out=out)
    _sigmoid_finish_kernel(x, out)
    return out


@_fast("Sigmoid")
def sigmoid(x):
    if not _plain(x):
        return _reference("Sigmoid")(x)
    out = np.empty_like(x)
    _sigmoid_into(_flat(x), _flat(out))
    return out


def _sigmoid_grad_loop(y, dy, out):
    """for i: out[i] = dy[i] * (y[i] * (1 - y[i]))        (y = sigmoid(x))"""
    one = y.dtype.type(1)
    for i in range(y.size):
        out[i] = dy[i] * (y[i] * (one - y[i]))


_sigmoid_grad_kernel = njit_lazy(_sigmoid_grad_loop, "R1 R1 W1")


@_fast("SigmoidGrad")
def sigmoid_grad(y, dy):
    if not (_plain(dy) and _like(dy, y)):
        return _reference("SigmoidGrad")(y, dy)
    out = np.empty_like(dy)
    _sigmoid_grad_kernel(_flat(y), _flat(dy), _flat(out))
    return out


def _tanh_grad_loop(y, dy, out):
    """for i: out[i] = dy[i] * (1 - y[i] * y[i])         (y = tanh(x))"""
    one = y.dtype.type(1)
    for i in range(y.size):
        out[i] = dy[i] * (one - y[i] * y[i])


_tanh_grad_kernel = njit_lazy(_tanh_grad_loop, "R1 R1 W1")


@_fast("TanhGrad")
def tanh_grad(y, dy):
    if not (_plain(dy) and _like(dy, y)):
        return _reference("TanhGrad")(y, dy)
    out = np.empty_like(dy)
    _tanh_grad_kernel(_flat(y), _flat(dy), _flat(out))
    return out


# =========================================================================
# bias_add and its gradient (column sums)
# =========================================================================

def _bias_add_loop(value, bias, out):
    """for i, j: out[i, j] = value[i, j] + bias[j]"""
    rows, cols = value.shape
    for i in range(rows):
        for j in range(cols):
            out[i, j] = value[i, j] + bias[j]


_bias_add_kernel = njit_lazy(_bias_add_loop, "R2 R1 W2")


def _channels_last(value, axis):
    return value.ndim >= 2 and axis % value.ndim == value.ndim - 1


@_fast("BiasAdd")
def bias_add(value, bias, axis):
    if not (_plain(value) and _plain(bias) and bias.dtype == value.dtype and bias.ndim == 1
            and _channels_last(value, axis) and value.shape[-1] == bias.shape[0]):
        return _reference("BiasAdd")(value, bias, axis=axis)
    out = np.empty_like(value)
    columns = bias.shape[0]
    _bias_add_kernel(value.reshape(-1, columns), bias, out.reshape(-1, columns))
    return out


def _column_sums_loop(x, divisor, out):
    """for j: out[j] = (sum over i of x[i, j]) / divisor    (row after row, as NumPy adds)"""
    rows, cols = x.shape
    for j in range(cols):
        out[j] = 0
    for i in range(rows):
        for j in range(cols):
            out[j] += x[i, j]
    for j in range(cols):
        out[j] /= divisor


_column_sums_kernel = njit_lazy(_column_sums_loop, "R2 F W1", fastmath=SUM_FASTMATH)


@_fast("BiasAddGrad")
def bias_add_grad(grad, axis):
    if not (_plain(grad) and _channels_last(grad, axis)):
        return _reference("BiasAddGrad")(grad, axis=axis)
    columns = grad.shape[-1]
    out = np.empty(columns, grad.dtype)
    _column_sums_kernel(grad.reshape(-1, columns), grad.dtype.type(1), out)
    return out


# =========================================================================
# reduce_sum / reduce_mean: everything, the rows, or the columns of a float array
# =========================================================================

def _row_sums_loop(x, divisor, out):
    """for i: out[i] = (sum over j of x[i, j]) / divisor"""
    rows, cols = x.shape
    for i in range(rows):
        total = x.dtype.type(0)
        for j in range(cols):
            total += x[i, j]
        out[i] = total / divisor


_row_sums_kernel = njit_lazy(_row_sums_loop, "R2 F W1", fastmath=SUM_FASTMATH)


def _reduce(op_type, x, axis, keepdims, mean):
    if not _plain(x) or x.ndim == 0:
        return _reference(op_type)(x, axis=axis, keepdims=keepdims)
    dt = x.dtype.type
    if axis is None or tuple(axis) == tuple(range(x.ndim)):        # everything -> 1 value
        out = np.empty(1, x.dtype)
        _row_sums_kernel(x.reshape(1, -1), dt(x.size) if mean else dt(1), out)
        return out.reshape((1,) * x.ndim) if keepdims else out[0]
    if x.ndim == 2 and tuple(axis) == (1,):                         # one value per row
        out = np.empty(x.shape[0], x.dtype)
        _row_sums_kernel(x, dt(x.shape[1]) if mean else dt(1), out)
        return out.reshape(-1, 1) if keepdims else out
    if x.ndim == 2 and tuple(axis) == (0,):                         # one value per column
        out = np.empty(x.shape[1], x.dtype)
        _column_sums_kernel(x, dt(x.shape[0]) if mean else dt(1), out)
        return out.reshape(1, -1) if keepdims else out
    return _reference(op_type)(x, axis=axis, keepdims=keepdims)


@_fast("ReduceSum")
def reduce_sum(x, axis, keepdims):
    return _reduce("ReduceSum", x, axis, keepdims, mean=False)


@_fast("ReduceMean")
def reduce_mean(x, axis, keepdims):
    return _reduce("ReduceMean", x, axis, keepdims, mean=True)


def _sum_of_squares_loop(x, out):
    """out[0] = sum over i of x[i]^2"""
    total = x.dtype.type(0)
    for i in range(x.size):
        total += x[i] * x[i]
    out[0] = total


_sum_of_squares_kernel = njit_lazy(_sum_of_squares_loop, "R1 W1", fastmath=SUM_FASTMATH)


@_fast("L2Loss")
def l2_loss(x):
    if not _plain(x):
        return _reference("L2Loss")(x)
    out = np.empty(1, x.dtype)
    _sum_of_squares_kernel(_flat(x), out)
    return (out / x.dtype.type(2)).reshape(())


def _sigmoid_xent_finish_loop(x, z, e):
    """for i: e[i] = max(x[i], 0) - x[i] * z[i] + e[i]    (e = log1p(exp(-|x|)))"""
    zero = x.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        e[i] = (v if v > zero else zero) - v * z[i] + e[i]


_sigmoid_xent_finish_kernel = njit_lazy(_sigmoid_xent_finish_loop, "R1 R1 W1")


@_fast("SigmoidCrossEntropyWithLogits")
def sigmoid_cross_entropy_with_logits(x, z):
    """max(x, 0) - x z + log(1 + exp(-|x|)): Numba before and after NumPy's exp and log1p."""
    if not (_plain(x) and _like(x, z)):
        return _reference("SigmoidCrossEntropyWithLogits")(x, z)
    out = np.empty_like(x)
    flat = _flat(out)
    _sigmoid_prepare_kernel(_flat(x), flat)          # -|x|
    np.exp(flat, out=flat)
    np.log1p(flat, out=flat)
    _sigmoid_xent_finish_kernel(_flat(x), _flat(z), flat)
    return out


# =========================================================================
# softmax, log_softmax and the fused softmax cross-entropies (one row = one example)
# =========================================================================

def _shift_rows_loop(x, shifted):
    """for i: shifted[i, j] = x[i, j] - max over j of x[i, j]     (so exp(shifted) <= 1)"""
    rows, cols = x.shape
    for i in range(rows):
        m = x[i, 0]
        for j in range(1, cols):
            if x[i, j] > m:
                m = x[i, j]
        for j in range(cols):
            shifted[i, j] = x[i, j] - m


_shift_rows_kernel = njit_lazy(_shift_rows_loop, "R2 W2")


def _normalize_rows_loop(e):
    """for i, j: e[i, j] = e[i, j] / (sum over j of e[i, j])"""
    rows, cols = e.shape
    for i in range(rows):
        total = e.dtype.type(0)
        for j in range(cols):
            total += e[i, j]
        for j in range(cols):
            e[i, j] = e[i, j] / total


_normalize_rows_kernel = njit_lazy(_normalize_rows_loop, "W2", fastmath=SUM_FASTMATH)


def _last_axis(x, axis):
    return x.ndim >= 1 and axis % x.ndim == x.ndim - 1


@_fast("Softmax")
def softmax(x, axis):
    if not (_plain(x) and _last_axis(x, axis)):
        return _reference("Softmax")(x, axis=axis)
    e = np.empty_like(x)
    _shift_rows_kernel(x.reshape(-1, x.shape[-1]), e.reshape(-1, x.shape[-1]))
    np.exp(e, out=e)
    _normalize_rows_kernel(e.reshape(-1, x.shape[-1]))
    return e


def _log_normalize_rows_loop(e, shifted):
    """for i, j: shifted[i, j] = shifted[i, j] - log(sum over j of e[i, j])   (e = exp(shifted))"""
    rows, cols = e.shape
    for i in range(rows):
        total = e.dtype.type(0)
        for j in range(cols):
            total += e[i, j]
        log_total = np.log(total)
        for j in range(cols):
            shifted[i, j] = shifted[i, j] - log_total


_log_normalize_rows_kernel = njit_lazy(_log_normalize_rows_loop, "R2 W2", fastmath=SUM_FASTMATH)


@_fast("LogSoftmax")
def log_softmax(x, axis):
    if not (_plain(x) and _last_axis(x, axis)):
        return _reference("LogSoftmax")(x, axis=axis)
    shifted = np.empty_like(x).reshape(-1, x.shape[-1])
    _shift_rows_kernel(x.reshape(-1, x.shape[-1]), shifted)
    _log_normalize_rows_kernel(np.exp(shifted), shifted)
    return shifted.reshape(x.shape)


# The cross-entropy loops may reorder sums (SUM_FASTMATH) because they read x - max from
# memory: (x - max) - lse is then safe.  Computed in one expression from x and max, the
# reordering made it x - (max + lse), which loses digits when max is large (see jit.py).

def _softmax_xent_loop(shifted, labels, e, loss):
    """One pass per row, given shifted = logits - max(logits) and e = exp(shifted):
        lse = log(sum_j e[i, j])                              (log-sum-exp of the row)
        loss[i] = -sum_j labels[i, j] * (shifted[i, j] - lse)
        e[i, j] = e[i, j] / sum_j e[i, j] - labels[i, j]     (the backprop: softmax - labels)
    """
    rows, cols = shifted.shape
    for i in range(rows):
        total = e.dtype.type(0)
        for j in range(cols):
            total += e[i, j]
        lse = np.log(total)
        acc = e.dtype.type(0)
        for j in range(cols):
            acc -= labels[i, j] * (shifted[i, j] - lse)
            e[i, j] = e[i, j] / total - labels[i, j]
        loss[i] = acc


_softmax_xent_kernel = njit_lazy(_softmax_xent_loop, "R2 R2 W2 W1", fastmath=SUM_FASTMATH)


def _shifted_and_exp(logits):
    """(logits - row max, its exp) for the [rows, classes] view of ``logits``."""
    x2 = logits.reshape(-1, logits.shape[-1])
    shifted = np.empty_like(x2)
    _shift_rows_kernel(x2, shifted)
    return shifted, np.exp(shifted)


@_fast("SoftmaxCrossEntropyWithLogits")
def softmax_cross_entropy_with_logits(logits, labels, axis):
    if not (_plain(logits) and _like(logits, labels) and _last_axis(logits, axis)):
        return _reference("SoftmaxCrossEntropyWithLogits")(logits, labels, axis=axis)
    shifted, backprop = _shifted_and_exp(logits)
    loss = np.empty(shifted.shape[0], logits.dtype)
    _softmax_xent_kernel(shifted, labels.reshape(shifted.shape), backprop, loss)
    return loss.reshape(logits.shape[:-1]), backprop.reshape(logits.shape)


def _sparse_softmax_xent_loop(shifted, labels, e, loss):
    """As the dense loop with labels[i] a class id (one-hot row); returns how many ids were
    outside [0, classes) (then the caller lets the reference kernel raise the error):
        loss[i] = lse - shifted[i, labels[i]]
        e[i, j] = e[i, j] / sum_j e[i, j] - (1 if j == labels[i] else 0)
    """
    rows, cols = shifted.shape
    one = e.dtype.type(1)
    bad = 0
    for i in range(rows):
        label = labels[i]
        if label < 0 or label >= cols:
            bad += 1
            continue
        total = e.dtype.type(0)
        for j in range(cols):
            total += e[i, j]
        loss[i] = np.log(total) - shifted[i, label]
        for j in range(cols):
            e[i, j] = e[i, j] / total
        e[i, label] -= one
    return bad


_sparse_softmax_xent_kernel = njit_lazy(_sparse_softmax_xent_loop, "R2 I1 W2 W1 -> N",
                                        fastmath=SUM_FASTMATH)


@_fast("SparseSoftmaxCrossEntropyWithLogits")
def sparse_softmax_cross_entropy_with_logits(ctx, logits, labels):
    if not (_plain(logits) and isinstance(labels, np.ndarray) and labels.dtype.kind in "iu"
            and labels.shape == logits.shape[:-1]):
        return _reference("SparseSoftmaxCrossEntropyWithLogits")(ctx, logits, labels)
    ids = np.ascontiguousarray(labels.reshape(-1), dtype=np.int64)
    shifted, backprop = _shifted_and_exp(logits)
    loss = np.empty(shifted.shape[0], logits.dtype)
    if _sparse_softmax_xent_kernel(shifted, ids, backprop, loss):
        # a label out of range: the reference kernel raises the error that explains it
        return _reference("SparseSoftmaxCrossEntropyWithLogits")(ctx, logits, labels)
    return loss.reshape(logits.shape[:-1]), backprop.reshape(logits.shape)


# =========================================================================
# dropout: the same random draws as the reference kernel, one fused pass after them
# =========================================================================

def _dropout_loop(x, uniform, keep_prob, scale, out, mask):
    """for i: mask[i] = scale if uniform[i] < keep_prob else 0;  out[i] = x[i] * mask[i]
    (scale = 1 / keep_prob in x's dtype)"""
    zero = x.dtype.type(0)
    for i in range(x.size):
        m = scale if uniform[i] < keep_prob else zero
        mask[i] = m
        out[i] = x[i] * m


_dropout_kernel = njit_lazy(_dropout_loop, "R1 D1 D F W1 W1")


@_fast("Dropout")
def dropout(ctx, x, keep_prob, seed, seed2, noise_shape):
    if not (_plain(x) and noise_shape is None and np.ndim(keep_prob) == 0
            and 0 < float(keep_prob) <= 1):
        return _reference("Dropout")(ctx, x, keep_prob, seed=seed, seed2=seed2,
                                     noise_shape=noise_shape)
    keep_prob = float(keep_prob)
    uniform = ctx.rng().random(np.shape(x))          # the reference kernel's exact draw
    dt = x.dtype.type
    out, mask = np.empty_like(x), np.empty_like(x)
    _dropout_kernel(_flat(x), _flat(uniform), keep_prob, dt(1) / dt(keep_prob), _flat(out),
                    _flat(mask))
    return out, mask


# =========================================================================
# Optimizer updates: in place on the arrays the session keeps for the variable and its slots
# =========================================================================

def _state_arrays(ctx, count, grad):
    """Flat views of the variable and its slots (the op's first ``count`` inputs) when they
    are plain and shaped like ``grad``; else None (the reference kernel then handles it,
    including the error for a slot that was never initialized)."""
    if not _plain(grad):
        return None
    state, inputs = ctx.state, ctx.op.inputs
    arrays = []
    for k in range(count):
        array = state.get(inputs[k].op.name)
        if array is None or not _like(grad, array):
            return None
        arrays.append(array.reshape(-1))
    return arrays


def _scalars(dtype, *values):
    """Hyperparameters (0-d arrays or numbers) as scalars of the variable's dtype, or None."""
    for v in values:
        if np.ndim(v) != 0:
            return None
    return [dtype.type(v) for v in values]


def _gradient_descent_loop(var, alpha, delta):
    """for i: var[i] -= alpha * delta[i]"""
    for i in range(var.size):
        var[i] -= alpha * delta[i]


_gradient_descent_kernel = njit_lazy(_gradient_descent_loop, "W1 F R1")


@_fast("ApplyGradientDescent")
def apply_gradient_descent(ctx, alpha, delta):
    arrays = _state_arrays(ctx, 1, delta)
    hyper = arrays and _scalars(delta.dtype, alpha)
    if not hyper:
        return _reference("ApplyGradientDescent")(ctx, alpha, delta)
    _gradient_descent_kernel(arrays[0], hyper[0], _flat(delta))
    return ctx.state[ctx.key]


def _momentum_loop(var, accum, lr, grad, momentum, use_nesterov):
    """for i: accum[i] = momentum * accum[i] + grad[i]
              var[i] -= lr * (grad[i] + momentum * accum[i])  if use_nesterov
                        lr * accum[i]                          otherwise"""
    for i in range(var.size):
        a = accum[i] * momentum + grad[i]
        accum[i] = a
        if use_nesterov:
            var[i] -= lr * (grad[i] + momentum * a)
        else:
            var[i] -= lr * a


_momentum_kernel = njit_lazy(_momentum_loop, "W1 W1 F R1 F B")


@_fast("ApplyMomentum")
def apply_momentum(ctx, lr, grad, momentum, use_nesterov):
    arrays = _state_arrays(ctx, 2, grad)
    hyper = arrays and _scalars(grad.dtype, lr, momentum)
    if not hyper:
        return _reference("ApplyMomentum")(ctx, lr, grad, momentum, use_nesterov=use_nesterov)
    var, accum = arrays
    _momentum_kernel(var, accum, hyper[0], _flat(grad), hyper[1], bool(use_nesterov))
    return ctx.state[ctx.key]


def _adam_loop(var, m, v, grad, alpha, one_minus_beta1, one_minus_beta2, epsilon):
    """for i: m[i] += (grad[i] - m[i]) * (1 - beta1)
              v[i] += (grad[i]^2 - v[i]) * (1 - beta2)
              var[i] -= alpha * m[i] / (sqrt(v[i]) + epsilon)
    (alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t), computed once by the caller)"""
    for i in range(var.size):
        g = grad[i]
        mi = m[i] + (g - m[i]) * one_minus_beta1
        vi = v[i] + (g * g - v[i]) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        var[i] -= alpha * mi / (np.sqrt(vi) + epsilon)


_adam_kernel = njit_lazy(_adam_loop, "W1 W1 W1 R1 F F F F")


@_fast("ApplyAdam")
def apply_adam(ctx, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    arrays = _state_arrays(ctx, 3, grad)
    hyper = arrays and _scalars(grad.dtype, beta1_power, beta2_power, lr, beta1, beta2, epsilon)
    if not hyper:
        return _reference("ApplyAdam")(ctx, beta1_power, beta2_power, lr, beta1, beta2,
                                       epsilon, grad)
    beta1_power, beta2_power, lr, beta1, beta2, epsilon = hyper
    one = grad.dtype.type(1)
    alpha = lr * np.sqrt(one - beta2_power) / (one - beta1_power)    # as the reference does
    var, m, v = arrays
    _adam_kernel(var, m, v, _flat(grad), alpha, one - beta1, one - beta2, epsilon)
    return ctx.state[ctx.key]


def _rms_prop_loop(var, ms, mom, lr, one_minus_rho, momentum, epsilon, grad):
    """for i: ms[i] += (grad[i]^2 - ms[i]) * (1 - rho)
              mom[i] = momentum * mom[i] + lr * grad[i] / sqrt(ms[i] + epsilon)
              var[i] -= mom[i]"""
    for i in range(var.size):
        g = grad[i]
        s = ms[i] + (g * g - ms[i]) * one_minus_rho
        ms[i] = s
        step = mom[i] * momentum + lr * g / np.sqrt(s + epsilon)
        mom[i] = step
        var[i] -= step


_rms_prop_kernel = njit_lazy(_rms_prop_loop, "W1 W1 W1 F F F F R1")


@_fast("ApplyRMSProp")
def apply_rms_prop(ctx, lr, rho, momentum, epsilon, grad):
    arrays = _state_arrays(ctx, 3, grad)
    hyper = arrays and _scalars(grad.dtype, lr, rho, momentum, epsilon)
    if not hyper:
        return _reference("ApplyRMSProp")(ctx, lr, rho, momentum, epsilon, grad)
    lr, rho, momentum, epsilon = hyper
    var, ms, mom = arrays
    _rms_prop_kernel(var, ms, mom, lr, grad.dtype.type(1) - rho, momentum, epsilon, _flat(grad))
    return ctx.state[ctx.key]


def _centered_rms_prop_loop(var, mg, ms, mom, lr, one_minus_rho, momentum, epsilon, grad):
    """as _rms_prop_loop, with mg[i] += (grad[i] - mg[i]) * (1 - rho) and
    sqrt(ms[i] - mg[i]^2 + epsilon) in the denominator"""
    for i in range(var.size):
        g = grad[i]
        s = ms[i] + (g * g - ms[i]) * one_minus_rho
        a = mg[i] + (g - mg[i]) * one_minus_rho
        ms[i] = s
        mg[i] = a
        step = mom[i] * momentum + lr * g / np.sqrt(s - a * a + epsilon)
        mom[i] = step
        var[i] -= step


_centered_rms_prop_kernel = njit_lazy(_centered_rms_prop_loop, "W1 W1 W1 W1 F F F F R1")


@_fast("ApplyCenteredRMSProp")
def apply_centered_rms_prop(ctx, lr, rho, momentum, epsilon, grad):
    arrays = _state_arrays(ctx, 4, grad)
    hyper = arrays and _scalars(grad.dtype, lr, rho, momentum, epsilon)
    if not hyper:
        return _reference("ApplyCenteredRMSProp")(ctx, lr, rho, momentum, epsilon, grad)
    lr, rho, momentum, epsilon = hyper
    var, mg, ms, mom = arrays
    _centered_rms_prop_kernel(var, mg, ms, mom, lr, grad.dtype.type(1) - rho, momentum,
                              epsilon, _flat(grad))
    return ctx.state[ctx.key]


def _adagrad_loop(var, accum, lr, grad):
    """for i: accum[i] += grad[i]^2;  var[i] -= lr * grad[i] / sqrt(accum[i])"""
    for i in range(var.size):
        g = grad[i]
        a = accum[i] + g * g
        accum[i] = a
        var[i] -= lr * g / np.sqrt(a)


_adagrad_kernel = njit_lazy(_adagrad_loop, "W1 W1 F R1")


@_fast("ApplyAdagrad")
def apply_adagrad(ctx, lr, grad):
    arrays = _state_arrays(ctx, 2, grad)
    hyper = arrays and _scalars(grad.dtype, lr)
    if not hyper:
        return _reference("ApplyAdagrad")(ctx, lr, grad)
    var, accum = arrays
    _adagrad_kernel(var, accum, hyper[0], _flat(grad))
    return ctx.state[ctx.key]


def _adadelta_loop(var, accum, accum_update, lr, rho, one_minus_rho, epsilon, grad):
    """for i: accum[i] = rho * accum[i] + (1 - rho) * grad[i]^2
              update = sqrt(accum_update[i] + eps) / sqrt(accum[i] + eps) * grad[i]
              var[i] -= lr * update
              accum_update[i] = rho * accum_update[i] + (1 - rho) * update^2"""
    for i in range(var.size):
        g = grad[i]
        a = accum[i] * rho + one_minus_rho * g * g
        accum[i] = a
        update = np.sqrt(accum_update[i] + epsilon) / np.sqrt(a + epsilon) * g
        var[i] -= lr * update
        accum_update[i] = accum_update[i] * rho + one_minus_rho * update * update


_adadelta_kernel = njit_lazy(_adadelta_loop, "W1 W1 W1 F F F F R1")


@_fast("ApplyAdadelta")
def apply_adadelta(ctx, lr, rho, epsilon, grad):
    arrays = _state_arrays(ctx, 3, grad)
    hyper = arrays and _scalars(grad.dtype, lr, rho, epsilon)
    if not hyper:
        return _reference("ApplyAdadelta")(ctx, lr, rho, epsilon, grad)
    lr, rho, epsilon = hyper
    var, accum, accum_update = arrays
    _adadelta_kernel(var, accum, accum_update, lr, rho, grad.dtype.type(1) - rho, epsilon,
                     _flat(grad))
    return ctx.state[ctx.key]


# =========================================================================
# LSTM step (LSTMBlockCell): BLAS for [x, h] @ kernel, Numba for everything element-wise
# =========================================================================

def _step_arrays(dtype, *arrays):
    """The step's inputs as C-contiguous arrays of one float dtype (a view's copy is cheap
    next to the step), or None to use the reference kernel."""
    if dtype not in _FLOAT_DTYPES:
        return None
    out = []
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or a.size == 0:
            return None
        out.append(a if a.flags.c_contiguous else np.ascontiguousarray(a))
    return out


def _lstm_gates_loop(gates, bias, forget_bias, e):
    """Gate columns are [i | j | f | o], each ``units`` wide.  For every row and unit c:
        z = gates[row, c] + bias[c]  (+ forget_bias in the f block);  gates[row, c] = z
        e = -|z| for the three sigmoid blocks i, f, o   (e's columns: [i | f | o])
    (the caller then does e = np.exp(e): sigmoid(z) = 1/(1+e) if z >= 0 else e/(1+e))"""
    units = gates.shape[1] // 4
    b_i, b_j, b_f, b_o = bias[:units], bias[units:2 * units], bias[2 * units:3 * units], \
        bias[3 * units:]
    for row in range(gates.shape[0]):
        # each block of the row as its own 1-D view: simple loops that LLVM vectorises
        z_i, z_j = gates[row, :units], gates[row, units:2 * units]
        z_f, z_o = gates[row, 2 * units:3 * units], gates[row, 3 * units:]
        e_i, e_f, e_o = e[row, :units], e[row, units:2 * units], e[row, 2 * units:]
        for c in range(units):
            z = z_i[c] + b_i[c]
            z_i[c] = z
            e_i[c] = -abs(z)
            z_j[c] += b_j[c]                                   # the tanh block
            z = z_f[c] + b_f[c] + forget_bias
            z_f[c] = z
            e_f[c] = -abs(z)
            z = z_o[c] + b_o[c]
            z_o[c] = z
            e_o[c] = -abs(z)


_lstm_gates_kernel = njit_lazy(_lstm_gates_loop, "W2 R1 F W2")


def _lstm_cell_loop(gates, e, cs_prev, ci, cell_clip, clip, i, cs, f, o):
    """For every row and unit c (gates = pre-activations, e = exp(-|gate|) for i, f, o):
        i = sigmoid(z_i), f = sigmoid(z_f), o = sigmoid(z_o)
        cs = ci * i + cs_prev * f, clipped to [-cell_clip, cell_clip] if clip"""
    units = cs.shape[1]
    zero, one = cs.dtype.type(0), cs.dtype.type(1)
    for row in range(cs.shape[0]):
        z_i, z_f, z_o = gates[row, :units], gates[row, 2 * units:3 * units], \
            gates[row, 3 * units:]
        e_i, e_f, e_o = e[row, :units], e[row, units:2 * units], e[row, 2 * units:]
        for c in range(units):
            ii = one / (one + e_i[c]) if z_i[c] >= zero else e_i[c] / (one + e_i[c])
            ff = one / (one + e_f[c]) if z_f[c] >= zero else e_f[c] / (one + e_f[c])
            o[row, c] = one / (one + e_o[c]) if z_o[c] >= zero else e_o[c] / (one + e_o[c])
            i[row, c] = ii
            f[row, c] = ff
            s = ci[row, c] * ii + cs_prev[row, c] * ff
            if clip:
                s = min(max(s, -cell_clip), cell_clip)
            cs[row, c] = s


_lstm_cell_kernel = njit_lazy(_lstm_cell_loop, "R2 R2 R2 R2 F B W2 W2 W2 W2")


@_fast("LSTMBlockCell")
def lstm_block_cell(x, cs_prev, h_prev, kernel, bias, forget_bias, cell_clip):
    """gates = [x, h_prev] @ kernel (BLAS); then Numba adds the bias and finishes the gates;
    NumPy's SIMD exp and tanh do the transcendental parts on whole buffers."""
    arrays = _step_arrays(np.asarray(x).dtype, x, cs_prev, h_prev, kernel, bias)
    if arrays is None or not _lstm_shapes_ok(*arrays):
        return _reference("LSTMBlockCell")(x, cs_prev, h_prev, kernel, bias,
                                           forget_bias=forget_bias, cell_clip=cell_clip)
    x, cs_prev, h_prev, kernel, bias = arrays
    dt = x.dtype.type
    rows, units = cs_prev.shape
    gates = np.concatenate([x, h_prev], axis=1) @ kernel
    e = np.empty((rows, 3 * units), x.dtype)
    _lstm_gates_kernel(gates, bias, dt(forget_bias), e)
    np.exp(e, out=e)
    outputs = np.empty((7, rows, units), x.dtype)
    i, cs, f, o, ci, co, h = outputs
    np.tanh(gates[:, units:2 * units], out=ci)
    clip = cell_clip is not None
    _lstm_cell_kernel(gates, e, cs_prev, ci, dt(cell_clip if clip else 0), clip, i, cs, f, o)
    np.tanh(cs, out=co)
    np.multiply(co, o, out=h)
    return i, cs, f, o, ci, co, h


def _lstm_shapes_ok(x, cs_prev, h_prev, kernel, bias=None):
    if x.ndim != 2 or cs_prev.ndim != 2:
        return False
    rows, units = cs_prev.shape
    return (x.shape[0] == rows and h_prev.shape == (rows, units)
            and kernel.shape == (x.shape[1] + units, 4 * units)
            and (bias is None or bias.shape == (4 * units,)))


def _lstm_grad_loop(cs_prev, i, cs, f, o, ci, co, d_i, d_cs, d_f, d_o, d_ci, d_co, d_h,
                    cell_clip, clip, d_gates, d_cs_prev, d_bias):
    """For every row and unit c (s' = s (1 - s) for a sigmoid, 1 - t^2 for a tanh):
        d_o  += d_h * co;   d_co += d_h * o
        d_cs += d_co * (1 - co^2), then 0 where the clip cut cs (if clip)
        d_cs_prev = d_cs * f
        d_i += d_cs * ci;   d_ci += d_cs * i;   d_f += d_cs * cs_prev
        d_gates[row] = [d_i i (1 - i) | d_ci (1 - ci^2) | d_f f (1 - f) | d_o o (1 - o)]
        d_bias = d_gates summed over the rows"""
    units = cs.shape[1]
    zero, one = cs.dtype.type(0), cs.dtype.type(1)
    for c in range(4 * units):
        d_bias[c] = zero
    for row in range(cs.shape[0]):
        g_i, g_ci = d_gates[row, :units], d_gates[row, units:2 * units]
        g_f, g_o = d_gates[row, 2 * units:3 * units], d_gates[row, 3 * units:]
        for c in range(units):
            oo, cc = o[row, c], co[row, c]
            g_co = d_co[row, c] + d_h[row, c] * oo
            g_cs = d_cs[row, c] + g_co * (one - cc * cc)
            if clip and not abs(cs[row, c]) < cell_clip:
                g_cs = zero * g_cs                       # the clip cut cs here
            ii, ff, cii = i[row, c], f[row, c], ci[row, c]
            d_cs_prev[row, c] = g_cs * ff
            g_i[c] = (d_i[row, c] + g_cs * cii) * ii * (one - ii)
            g_ci[c] = (d_ci[row, c] + g_cs * ii) * (one - cii * cii)
            g_f[c] = (d_f[row, c] + g_cs * cs_prev[row, c]) * ff * (one - ff)
            g_o[c] = (d_o[row, c] + d_h[row, c] * cc) * oo * (one - oo)
        for c in range(4 * units):
            d_bias[c] += d_gates[row, c]


_lstm_grad_kernel = njit_lazy(
    _lstm_grad_loop, "R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 F B W2 W2 W1")


@_fast("LSTMBlockCellGrad")
def lstm_block_cell_grad(x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co,
                         d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip):
    """Numba computes d_gates and d_cs_prev in one pass (when only cs and h have gradients,
    the usual case, with the BlockLSTM loop that reads no gate gradients); BLAS does
    d_kernel = [x, h_prev]^T d_gates and [d_x, d_h_prev] = d_gates kernel^T."""
    inputs = (x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, d_i, d_cs, d_f, d_o, d_ci,
              d_co, d_h)
    state_only = all(_is_zero_scalar(g) for g in (d_i, d_f, d_o, d_ci, d_co))
    grads = (d_cs, d_h) if state_only else inputs[10:]
    arrays = _step_arrays(np.asarray(x).dtype, *inputs[:10],
                          *_full_gradients(grads, np.shape(cs)))
    if arrays is None or not _lstm_grad_shapes_ok(arrays):
        return _reference("LSTMBlockCellGrad")(*inputs, cell_clip=cell_clip)
    x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co = arrays[:10]
    dt = x.dtype.type
    rows, units = cs_prev.shape
    n = x.shape[1]
    d_gates = np.empty((rows, 4 * units), x.dtype)
    d_cs_prev = np.empty((rows, units), x.dtype)
    clip = cell_clip is not None
    if state_only:
        d_cs, d_h = arrays[10:]
        zeros = _full_gradients((np.zeros((), x.dtype),), cs.shape)[0]
        _block_lstm_grad_kernel(cs_prev, i, cs, f, o, ci, co, d_cs, d_h, zeros, zeros,
                                dt(cell_clip if clip else 0), clip, d_gates, d_cs_prev)
        d_bias = d_gates.sum(axis=0)
    else:
        d_bias = np.empty(4 * units, x.dtype)
        _lstm_grad_kernel(cs_prev, i, cs, f, o, ci, co, *arrays[10:],
                          dt(cell_clip if clip else 0), clip, d_gates, d_cs_prev, d_bias)
    d_kernel = np.concatenate([x, h_prev], axis=1).T @ d_gates
    d_xh = d_gates @ kernel.T
    return d_xh[:, :n], d_cs_prev, d_xh[:, n:], d_kernel, d_bias


def _is_zero_scalar(g):
    return type(g) is np.ndarray and g.ndim == 0 and g == 0


_ZEROS = {}      # (shape, dtype) -> a read-only zero array, shared by every call


def _full_gradients(grads, shape):
    """An output nothing depended on has the gradient 0, a scalar (``rnn_ops._zero_for_none``):
    give the loops a full-size array, a cached read-only zero array for 0 (no fill per step)."""
    out = []
    for g in grads:
        if type(g) is np.ndarray and g.ndim == 0 and len(shape) and g == 0:
            key = (tuple(shape), g.dtype)
            zeros = _ZEROS.get(key)
            if zeros is None:
                zeros = _ZEROS[key] = np.zeros(shape, g.dtype)
                zeros.flags.writeable = False
            g = zeros
        elif type(g) is np.ndarray and g.shape != tuple(shape):
            g = np.broadcast_to(g, shape)           # made contiguous by _step_arrays
        out.append(g)
    return out


def _lstm_grad_shapes_ok(arrays):
    x, cs_prev, h_prev, kernel = arrays[:4]
    return (_lstm_shapes_ok(x, cs_prev, h_prev, kernel)
            and all(a.shape == cs_prev.shape for a in arrays[4:]))


# =========================================================================
# LSTM over a whole sequence (BlockLSTM): one BLAS product per step each way, plus one over
# all the steps for x @ kernel[:input_size] and one for the kernel's gradient
# =========================================================================

def _block_lstm_gates_loop(gates, x_part, bias, e):
    """Like _lstm_gates_loop, for gates = h @ kernel[input_size:] and x_part = x[t] @
    kernel[:input_size] (``bias`` already holds the forget bias in its f block):
        z = gates[row, c] + x_part[row, c] + bias[c];  gates[row, c] = z
        e = -|z| for the three sigmoid blocks i, f, o   (e's columns: [i | f | o])"""
    units = gates.shape[1] // 4
    for row in range(gates.shape[0]):
        z_row, x_row = gates[row], x_part[row]
        e_i, e_f, e_o = e[row, :units], e[row, units:2 * units], e[row, 2 * units:]
        for c in range(4 * units):
            z_row[c] += x_row[c] + bias[c]
        for c in range(units):
            e_i[c] = -abs(z_row[c])
            e_f[c] = -abs(z_row[2 * units + c])
            e_o[c] = -abs(z_row[3 * units + c])


_block_lstm_gates_kernel = njit_lazy(_block_lstm_gates_loop, "W2 R2 R1 W2")


@_fast("BlockLSTM")
def block_lstm(x, cs_prev, h_prev, kernel, bias, forget_bias, cell_clip):
    """x @ kernel[:input_size] for all steps (BLAS, once); then per step h @ kernel[input_size:]
    (BLAS) and the element-wise rest as in lstm_block_cell, written straight into the outputs."""
    arrays = _step_arrays(np.asarray(x).dtype, x, cs_prev, h_prev, kernel, bias)
    if arrays is None or not _block_lstm_shapes_ok(*arrays):
        return _reference("BlockLSTM")(x, cs_prev, h_prev, kernel, bias,
                                       forget_bias=forget_bias, cell_clip=cell_clip)
    x, cs_prev, h_prev, kernel, bias = arrays
    dt = x.dtype.type
    steps, rows, n = x.shape
    units = cs_prev.shape[1]
    bias = bias.copy()
    bias[2 * units:3 * units] += dt(forget_bias)
    x_part = (x.reshape(steps * rows, n) @ kernel[:n]).reshape(steps, rows, 4 * units)
    w_h = kernel[n:]
    outputs = np.empty((7, steps, rows, units), x.dtype)
    gates = np.empty((rows, 4 * units), x.dtype)
    e = np.empty((rows, 3 * units), x.dtype)
    clip = cell_clip is not None
    clip_value = dt(cell_clip if clip else 0)
    cs, h = cs_prev, h_prev
    for t in range(steps):
        i, cs_t, f, o, ci, co, h_t = outputs[:, t]
        np.matmul(h, w_h, out=gates)
        _block_lstm_gates_kernel(gates, x_part[t], bias, e)
        np.exp(e, out=e)
        np.tanh(gates[:, units:2 * units], out=ci)
        _lstm_cell_kernel(gates, e, cs, ci, clip_value, clip, i, cs_t, f, o)
        np.tanh(cs_t, out=co)
        np.multiply(co, o, out=h_t)
        cs, h = cs_t, h_t
    return tuple(outputs)


def _block_lstm_shapes_ok(x, cs_prev, h_prev, kernel, bias=None):
    return x.ndim == 3 and _lstm_shapes_ok(x[0], cs_prev, h_prev, kernel, bias)


def _block_lstm_grad_loop(cs_prev, i, cs, f, o, ci, co, d_cs, d_h, d_cs_next, d_h_next,
                          cell_clip, clip, d_gates, d_cs_prev):
    """_lstm_grad_loop for step t of a sequence whose gate outputs (i, f, o, ci, co) get no
    gradient of their own (the usual case: a loss reads only h and cs).  The state gradients
    sent back by step t + 1 (d_cs_next, d_h_next) join the outputs' own (d_cs, d_h); no bias:
        g_h  = d_h + d_h_next
        g_cs = d_cs + d_cs_next + g_h * o * (1 - co^2), then 0 where the clip cut cs (if clip)
        d_cs_prev = g_cs * f
        d_gates[row] = [g_cs ci i (1 - i) | g_cs i (1 - ci^2) | g_cs cs_prev f (1 - f) |
                        g_h co o (1 - o)]"""
    units = cs.shape[1]
    zero, one = cs.dtype.type(0), cs.dtype.type(1)
    for row in range(cs.shape[0]):
        g_i, g_ci = d_gates[row, :units], d_gates[row, units:2 * units]
        g_f, g_o = d_gates[row, 2 * units:3 * units], d_gates[row, 3 * units:]
        for c in range(units):
            oo, cc = o[row, c], co[row, c]
            g_h = d_h[row, c] + d_h_next[row, c]
            g_cs = d_cs[row, c] + d_cs_next[row, c] + g_h * oo * (one - cc * cc)
            if clip and not abs(cs[row, c]) < cell_clip:
                g_cs = zero * g_cs                       # the clip cut cs here
            ii, ff, cii = i[row, c], f[row, c], ci[row, c]
            d_cs_prev[row, c] = g_cs * ff
            g_i[c] = g_cs * cii * ii * (one - ii)
            g_ci[c] = g_cs * ii * (one - cii * cii)
            g_f[c] = g_cs * cs_prev[row, c] * ff * (one - ff)
            g_o[c] = g_h * cc * oo * (one - oo)


_block_lstm_grad_kernel = njit_lazy(
    _block_lstm_grad_loop, "R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 R2 F B W2 W2")


@_fast("BlockLSTMGrad")
def block_lstm_grad(x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, h,
                    d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip):
    """Backwards over the steps: Numba computes d_gates[t] and d_cs_prev, BLAS d_h_prev =
    d_gates[t] @ kernel[input_size:]^T; then one BLAS product over all the steps for each
    part of d_kernel (x rows, h rows).  Handles the usual case, where only h and cs have
    gradients (i, f, o, ci, co's are the scalar 0 of ``rnn_ops._zero_for_none``); a
    gradient on a gate output goes to the reference kernel."""
    inputs = (x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, h, d_i, d_cs, d_f, d_o, d_ci,
              d_co, d_h)
    gate_grads = (d_i, d_f, d_o, d_ci, d_co)
    arrays = None
    if all(_is_zero_scalar(g) for g in gate_grads):
        arrays = _step_arrays(np.asarray(x).dtype, *inputs[:11],
                              *_full_gradients((d_cs, d_h), np.shape(cs)))
    if arrays is None or not _block_lstm_grad_shapes_ok(arrays):
        return _reference("BlockLSTMGrad")(*inputs, cell_clip=cell_clip)
    x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, h, d_cs, d_h = arrays
    dt = x.dtype.type
    steps, rows, n = x.shape
    units = cs_prev.shape[1]
    w_h_t = np.ascontiguousarray(kernel[n:].T)    # BLAS: 15 % faster than the transposed view
    d_gates = np.empty((steps, rows, 4 * units), x.dtype)
    d_cs_next = np.zeros((rows, units), x.dtype)
    d_h_next = np.zeros((rows, units), x.dtype)
    d_cs_prev = np.empty((rows, units), x.dtype)
    clip = cell_clip is not None
    clip_value = dt(cell_clip if clip else 0)
    for t in range(steps - 1, -1, -1):
        c_before = cs[t - 1] if t > 0 else cs_prev
        _block_lstm_grad_kernel(c_before, i[t], cs[t], f[t], o[t], ci[t], co[t], d_cs[t],
                                d_h[t], d_cs_next, d_h_next, clip_value, clip, d_gates[t],
                                d_cs_prev)
        d_cs_next, d_cs_prev = d_cs_prev, d_cs_next
        np.matmul(d_gates[t], w_h_t, out=d_h_next)
    flat = d_gates.reshape(steps * rows, 4 * units)
    d_kernel = np.empty((n + units, 4 * units), x.dtype)
    np.matmul(x.reshape(steps * rows, n).T, flat, out=d_kernel[:n])
    np.matmul(h_prev.T, d_gates[0], out=d_kernel[n:])
    if steps > 1:
        d_kernel[n:] += h[:-1].reshape((steps - 1) * rows, units).T @ flat[rows:]
    d_bias = flat.sum(axis=0)
    return d_gates, d_cs_next, d_h_next, d_kernel, d_bias


def _block_lstm_grad_shapes_ok(arrays):
    x, cs_prev, h_prev, kernel = arrays[:4]
    return (_block_lstm_shapes_ok(x, cs_prev, h_prev, kernel)
            and all(a.shape == x.shape[:2] + cs_prev.shape[1:] for a in arrays[4:]))


# =========================================================================
# GRU step (GRUBlockCell)
# =========================================================================

def _gru_gates_loop(gates, bias, e):
    """for r, c: z = gates[r, c] + bias[c];  gates[r, c] = z;  e[r, c] = -|z|
    (the caller then does e = np.exp(e), for sigmoid(z))"""
    rows, width = gates.shape
    for r in range(rows):
        for c in range(width):
            z = gates[r, c] + bias[c]
            gates[r, c] = z
            e[r, c] = -abs(z)


_gru_gates_kernel = njit_lazy(_gru_gates_loop, "W2 R1 W2")


def _gru_reset_loop(gates, e, x, h_prev, r, u, x_rh):
    """[r | u] = sigmoid(gates) (e = exp(-|gates|));  x_rh = [x | r * h_prev]"""
    units = h_prev.shape[1]
    n = x.shape[1]
    zero, one = h_prev.dtype.type(0), h_prev.dtype.type(1)
    for row in range(h_prev.shape[0]):
        z_r, z_u = gates[row, :units], gates[row, units:]
        e_r, e_u = e[row, :units], e[row, units:]
        x_rh[row, :n] = x[row]
        rh = x_rh[row, n:]
        for c in range(units):
            rr = one / (one + e_r[c]) if z_r[c] >= zero else e_r[c] / (one + e_r[c])
            u[row, c] = one / (one + e_u[c]) if z_u[c] >= zero else e_u[c] / (one + e_u[c])
            r[row, c] = rr
            rh[c] = rr * h_prev[row, c]


_gru_reset_kernel = njit_lazy(_gru_reset_loop, "R2 R2 R2 R2 W2 W2 W2")


def _gru_output_loop(u, h_prev, c, h):
    """for r, k: h[r, k] = u[r, k] * h_prev[r, k] + (1 - u[r, k]) * c[r, k]"""
    rows, units = h.shape
    one = h.dtype.type(1)
    for r in range(rows):
        for k in range(units):
            h[r, k] = u[r, k] * h_prev[r, k] + (one - u[r, k]) * c[r, k]


_gru_output_kernel = njit_lazy(_gru_output_loop, "R2 R2 R2 W2")


def _gru_shapes_ok(x, h_prev, w_ru, w_c, b_ru=None, b_c=None):
    if x.ndim != 2 or h_prev.ndim != 2 or x.shape[0] != h_prev.shape[0]:
        return False
    width = x.shape[1] + h_prev.shape[1]
    units = h_prev.shape[1]
    return (w_ru.shape == (width, 2 * units) and w_c.shape == (width, units)
            and (b_ru is None or b_ru.shape == (2 * units,))
            and (b_c is None or b_c.shape == (units,)))


@_fast("GRUBlockCell")
def gru_block_cell(x, h_prev, w_ru, w_c, b_ru, b_c):
    """BLAS for the two products; Numba for bias + sigmoid + reset, and for the new state."""
    arrays = _step_arrays(np.asarray(x).dtype, x, h_prev, w_ru, w_c, b_ru, b_c)
    if arrays is None or not _gru_shapes_ok(*arrays):
        return _reference("GRUBlockCell")(x, h_prev, w_ru, w_c, b_ru, b_c)
    x, h_prev, w_ru, w_c, b_ru, b_c = arrays
    rows, units = h_prev.shape
    gates = np.concatenate([x, h_prev], axis=1) @ w_ru
    e = np.empty_like(gates)
    _gru_gates_kernel(gates, b_ru, e)
    np.exp(e, out=e)
    outputs = np.empty((4, rows, units), x.dtype)
    r, u, c, h = outputs
    x_rh = np.empty((rows, x.shape[1] + units), x.dtype)
    _gru_reset_kernel(gates, e, x, h_prev, r, u, x_rh)
    np.matmul(x_rh, w_c, out=c)
    c += b_c
    np.tanh(c, out=c)
    _gru_output_kernel(u, h_prev, c, h)
    return r, u, c, h


def _gru_candidate_grad_loop(u, h_prev, c, r, x, d_c, d_h, d_c_bar, d_b_c, x_rh):
    """for each row and unit k:
        d_c_bar = (d_c + d_h * (1 - u)) * (1 - c^2);   d_b_c = d_c_bar summed over rows
        x_rh = [x | r * h_prev]     (the candidate's input, for d_w_c = x_rh^T d_c_bar)"""
    units = h_prev.shape[1]
    n = x.shape[1]
    one = h_prev.dtype.type(1)
    for k in range(units):
        d_b_c[k] = 0
    for row in range(h_prev.shape[0]):
        x_rh[row, :n] = x[row]
        rh = x_rh[row, n:]
        for k in range(units):
            cc = c[row, k]
            d_c_bar[row, k] = (d_c[row, k] + d_h[row, k] * (one - u[row, k])) * (one - cc * cc)
            rh[k] = r[row, k] * h_prev[row, k]
        for k in range(units):
            d_b_c[k] += d_c_bar[row, k]


_gru_candidate_grad_kernel = njit_lazy(_gru_candidate_grad_loop,
                                       "R2 R2 R2 R2 R2 R2 R2 W2 W1 W2")


def _gru_gates_grad_loop(d_xrh, h_prev, r, u, c, d_r, d_u, d_h, d_ru_bar, d_b_ru, d_h_prev):
    """for each row and unit k (d_rh = d_xrh[:, n:], the gradient of r * h_prev):
        d_r' = d_r + d_rh * h_prev;          d_u' = d_u + d_h * (h_prev - c)
        d_h_prev = d_h * u + d_rh * r        (the rest comes from d_ru_bar @ w_ru^T)
        d_ru_bar = [d_r' r (1 - r) | d_u' u (1 - u)];   d_b_ru = d_ru_bar summed over rows"""
    units = h_prev.shape[1]
    n = d_xrh.shape[1] - units
    one = h_prev.dtype.type(1)
    for k in range(2 * units):
        d_b_ru[k] = 0
    for row in range(h_prev.shape[0]):
        d_rh = d_xrh[row, n:]
        g_r, g_u = d_ru_bar[row, :units], d_ru_bar[row, units:]
        for k in range(units):
            hp, rr, uu = h_prev[row, k], r[row, k], u[row, k]
            g_r[k] = (d_r[row, k] + d_rh[k] * hp) * rr * (one - rr)
            g_u[k] = (d_u[row, k] + d_h[row, k] * (hp - c[row, k])) * uu * (one - uu)
            d_h_prev[row, k] = d_h[row, k] * uu + d_rh[k] * rr
        for k in range(2 * units):
            d_b_ru[k] += d_ru_bar[row, k]


_gru_gates_grad_kernel = njit_lazy(_gru_gates_grad_loop, "R2 R2 R2 R2 R2 R2 R2 R2 W2 W1 W2")


@_fast("GRUBlockCellGrad")
def gru_block_cell_grad(x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h):
    inputs = (x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h)
    arrays = _step_arrays(np.asarray(x).dtype, *inputs)
    if arrays is None or not _gru_grad_shapes_ok(arrays):
        return _reference("GRUBlockCellGrad")(*inputs)
    x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h = arrays
    rows, units = h_prev.shape
    n = x.shape[1]
    dtype = x.dtype
    d_c_bar = np.empty((rows, units), dtype)
    d_b_c = np.empty(units, dtype)
    x_rh = np.empty((rows, n + units), dtype)
    _gru_candidate_grad_kernel(u, h_prev, c, r, x, d_c, d_h, d_c_bar, d_b_c, x_rh)
    d_w_c = x_rh.T @ d_c_bar
    d_xrh = d_c_bar @ w_c.T
    d_ru_bar = np.empty((rows, 2 * units), dtype)
    d_b_ru = np.empty(2 * units, dtype)
    d_h_prev = np.empty((rows, units), dtype)
    _gru_gates_grad_kernel(d_xrh, h_prev, r, u, c, d_r, d_u, d_h, d_ru_bar, d_b_ru, d_h_prev)
    d_w_ru = np.concatenate([x, h_prev], axis=1).T @ d_ru_bar
    d_xh = d_ru_bar @ w_ru.T
    d_x = d_xrh[:, :n] + d_xh[:, :n]
    d_h_prev += d_xh[:, n:]
    return d_x, d_h_prev, d_w_ru, d_w_c, d_b_ru, d_b_c


def _gru_grad_shapes_ok(arrays):
    x, h_prev, w_ru, w_c = arrays[:4]
    return (_gru_shapes_ok(x, h_prev, w_ru, w_c)
            and all(a.shape == h_prev.shape for a in arrays[4:]))


# =========================================================================
# warmup: pay the JIT cost up front, and see it
# =========================================================================

WarmupReport = collections.namedtuple(
    "WarmupReport", "kernels compiled from_cache compile_seconds run_seconds")


def warmup(verbose=True):
    """Compile every CPU kernel now (float32 and float64), then call each once.

    The first process on a machine compiles (a few seconds in all); later processes load
    the compiled code from Numba's on-disk cache in a fraction of that.  Without warmup the
    same cost is paid silently by the first ``Session.run`` that uses each kernel, which
    makes the first training step look slow.  Returns a :data:`WarmupReport`.
    """
    if not numba_available():
        if verbose:
            print("numba is not installed: using the NumPy reference kernels.")
        return WarmupReport(0, 0, 0, 0.0, 0.0)
    everything = kernels()
    pending = [k for k in everything if not k.compiled]
    if verbose and pending:
        print("compiling kernels (first run only)...", flush=True)
    start = time.perf_counter()
    import_numba()
    for k in pending:
        k.compile()
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for k in everything:
        for dtype in _FLOAT_DTYPES:
            k(*k.example_arguments(dtype))
    run_seconds = time.perf_counter() - start
    from_cache = sum(1 for k in pending if k.cache_hits >= 2)
    if verbose:
        print("%d kernels ready: compiling took %.2f s (%d of %d loaded from the cache); "
              "calling each once took %.1f ms." % (len(everything), compile_seconds,
                                                  from_cache, len(pending),
                                                  run_seconds * 1e3))
    return WarmupReport(len(everything), len(pending), from_cache, compile_seconds,
                        run_seconds)
