"""CUDA kernels (Numba) for the ops of a training step, registered for the "cuda" device.

A value on the GPU is a Numba device array: float32, C-contiguous.  The session copies fed
values to the GPU, fetched values back, and values that cross between a CPU op and a GPU op
(``kernels/placement.py`` decides where each op runs and adds those copies); everything in
between stays on the GPU, including the variables' values between ``Session.run`` calls.

Read a kernel as the loop in its docstring with the loop taken away: the GPU runs the body
once per index, in thousands of threads at a time, and ``cuda.grid(1)`` says which index
this thread is.  Each kernel is a plain ``def`` jitted on the next line.  Without a GPU,
Numba's CUDA simulator runs them as Python threads (``NUMBA_ENABLE_CUDASIM=1``, set before
``numba.cuda`` is first imported): slow, but a breakpoint inside a kernel stops there, in
one thread, with its variables in scope.  ``tutorials/ch09_cuda_kernel.py`` builds the
kernels step by step, from one thread per element to the tiled matmul at the end of this
file.

Every kernel works in float32 and says so: constants are typed (``ZERO``, ``ONE``, or
``float32(0.5)``), because ``1 - y`` with a Python ``1`` would silently compute in float64.

The op kernels at the bottom (``@register_kernel("Add", "cuda")`` ...) have the reference
kernels' signatures and results; they take and return device arrays.  ``supports(op)``
says whether an op can run here (float32 data, the attributes these kernels handle);
``tests/cuda/`` checks every kernel against its NumPy reference kernel.

This module imports Numba; only ``placement.py`` imports it, and only when a GPU is there.
"""
import math
import os

import numba
import numpy as np
from numba import cuda

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.registry import get_op_def, register_kernel
from ..train.update_util import ref_values
from .cuda_launch import gpu_kernel

if "NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS" not in os.environ:
    # Small arrays give small grids, and Numba warns about each; the warning is about the
    # size of a learner's data, not about a mistake.
    numba.config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

float32 = numba.float32
ZERO = float32(0.0)
_FLOAT32 = np.dtype(np.float32)
_SIMULATED = bool(numba.config.ENABLE_CUDASIM)
if not _SIMULATED:
    from numba.cuda.cudadrv.devicearray import DeviceNDArray as _DeviceNDArray
ONE = float32(1.0)

THREADS = 256            # threads per block for the one-thread-per-element kernels
MAX_DIMS = 6             # broadcasting kernels handle up to 6 dimensions (after merging)


_ON_GPU = {}


def device_ints(values):
    """A tuple of ints as an int64 array on the GPU, made once per distinct tuple (the
    broadcasting kernels read shapes and strides from these: one pointer per launch)."""
    array = _ON_GPU.get(values)
    if array is None:
        if len(_ON_GPU) > 4096:
            _ON_GPU.clear()
        array = _ON_GPU[values] = cuda.to_device(np.array(values, dtype=np.int64))
    return array


def blocks_for(n, threads=THREADS):
    """How many blocks of ``threads`` cover ``n`` elements."""
    return (n + threads - 1) // threads


# =========================================================================
# Element-wise kernels: each thread does ITEMS elements, THREADS apart
# =========================================================================
#
# One element per thread (tutorials/ch09_cuda_kernel.py, step 1) is the simplest way, and
# correct; but each thread then has one 4-byte load in flight, and that is too few to keep
# the H200's memory busy: ReLU moved 2536 GB/s against PyTorch's 3919.  Here a block of
# THREADS threads covers THREADS * ITEMS elements; thread t of block b takes elements
#     first = b * THREADS * ITEMS + t,  first + THREADS,  first + 2 THREADS, ...
# (so the 32 threads of a warp still read 32 neighbouring floats at each step), and issues
# all ITEMS loads before it uses any of them: 3284 GB/s for ReLU, 3734 for Add (bench/gpu.py).
# The ITEMS values sit in a ``cuda.local.array`` that the compiler unrolls into registers
# (the PTX test checks no local memory is used).

ITEMS = 4                # elements per thread

def sigmoid_scalar(x):
    """1 / (1 + e^-x), arranged so that e^-x never overflows"""
    if x >= ZERO:
        return ONE / (ONE + math.exp(-x))
    e = math.exp(x)
    return e / (ONE + e)
sigmoid_scalar_gpu = cuda.jit(device=True)(sigmoid_scalar)  # noqa: E305


def first_item():
    """The first of this thread's ITEMS elements; the others follow THREADS apart."""
    return cuda.blockIdx.x * (THREADS * ITEMS) + cuda.threadIdx.x
first_item_gpu = cuda.jit(device=True)(first_item)  # noqa: E305


def load(x, i):
    """x[i], or 0 past the end of x"""
    if i < x.size:
        return x[i]
    return ZERO
load_gpu = cuda.jit(device=True)(load)  # noqa: E305


def items_blocks(n):
    """How many blocks of THREADS threads, ITEMS elements each, cover ``n`` elements."""
    return blocks_for(n, THREADS * ITEMS)


def relu_elementwise(out, x):
    """for i in range(x.size): out[i] = max(x[i], 0)   (NaN stays NaN, as in NumPy)"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = ZERO if v[j] < ZERO else v[j]
relu_elementwise_gpu = gpu_kernel(relu_elementwise)  # noqa: E305


def sigmoid_elementwise(out, x):
    """for i in range(x.size): out[i] = 1 / (1 + exp(-x[i]))"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = sigmoid_scalar_gpu(v[j])
sigmoid_elementwise_gpu = gpu_kernel(sigmoid_elementwise)  # noqa: E305


def tanh_elementwise(out, x):
    """for i in range(x.size): out[i] = tanh(x[i])"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = math.tanh(v[j])
tanh_elementwise_gpu = gpu_kernel(tanh_elementwise)  # noqa: E305


def neg_elementwise(out, x):
    """for i in range(x.size): out[i] = -x[i]"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = -v[j]
neg_elementwise_gpu = gpu_kernel(neg_elementwise)  # noqa: E305


def square_elementwise(out, x):
    """for i in range(x.size): out[i] = x[i] * x[i]"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = v[j] * v[j]
square_elementwise_gpu = gpu_kernel(square_elementwise)  # noqa: E305


def scaled_copy(out, x, scale):
    """for i in range(x.size): out[i] = scale * x[i]"""
    first = first_item_gpu()
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        v[j] = load_gpu(x, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = v[j] * scale
scaled_copy_gpu = gpu_kernel(scaled_copy)  # noqa: E305


def fill(out, value):
    """for i in range(out.size): out[i] = value"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = value
fill_gpu = gpu_kernel(fill)  # noqa: E305


# --- gradients of the activations (inputs of one shape) ---------------------

def relu_grad_elementwise(out, grad, features):
    """for i: out[i] = grad[i] if features[i] > 0 else 0 * grad[i]"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(grad, first + j * THREADS)
        v[j] = load_gpu(features, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = u[j] * (ONE if v[j] > ZERO else ZERO)
relu_grad_elementwise_gpu = gpu_kernel(relu_grad_elementwise)  # noqa: E305


def sigmoid_grad_elementwise(out, y, dy):
    """for i: out[i] = dy[i] * y[i] * (1 - y[i])      (y = sigmoid(x))"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(y, first + j * THREADS)
        v[j] = load_gpu(dy, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = v[j] * (u[j] * (ONE - u[j]))
sigmoid_grad_elementwise_gpu = gpu_kernel(sigmoid_grad_elementwise)  # noqa: E305


def tanh_grad_elementwise(out, y, dy):
    """for i: out[i] = dy[i] * (1 - y[i]^2)           (y = tanh(x))"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(y, first + j * THREADS)
        v[j] = load_gpu(dy, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = v[j] * (ONE - u[j] * u[j])
tanh_grad_elementwise_gpu = gpu_kernel(tanh_grad_elementwise)  # noqa: E305


# --- broadcasting: where output element i reads from each input ------------

# --8<-- [start:broadcast]
def broadcast_offset(i, shape, strides, ndim):
    """Unravel output index ``i`` over the last ``ndim`` dimensions of ``shape`` and dot it
    with the input's ``strides`` (0 along the dimensions the input is broadcast over)."""
    offset = 0
    for d in range(MAX_DIMS - 1, MAX_DIMS - 1 - ndim, -1):
        size = shape[d]
        offset += (i % size) * strides[d]
        i //= size
    return offset
broadcast_offset_gpu = cuda.jit(device=True)(broadcast_offset)  # noqa: E305


def add_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] + y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  + y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
add_broadcast_gpu = gpu_kernel(add_broadcast)  # noqa: E305
# --8<-- [end:broadcast]


def sub_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] - y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  - y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
sub_broadcast_gpu = gpu_kernel(sub_broadcast)  # noqa: E305


def mul_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] * y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  * y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
mul_broadcast_gpu = gpu_kernel(mul_broadcast)  # noqa: E305


def div_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] / y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  / y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
div_broadcast_gpu = gpu_kernel(div_broadcast)  # noqa: E305


def copy_broadcast(out, x, shape, x_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x]   (materialise a broadcast)"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
copy_broadcast_gpu = gpu_kernel(copy_broadcast)  # noqa: E305


# =========================================================================
# Reductions: a block of threads per output, partial sums combined in shared memory
# =========================================================================

# --8<-- [start:sum_rows]
def sum_rows(out, x, n, scale):
    """for r in range(rows): out[r] = scale * sum(x[r*n : (r+1)*n])

    One block of T threads per row (T a power of 2, at most 256): thread t adds x[r, t],
    x[r, t+T], ... (neighbouring threads read neighbouring elements), then the T partial
    sums are halved pairwise in shared memory, T/2 + T/2, T/4 + T/4, ..., with a barrier
    between the rounds."""
    partial = cuda.shared.array(256, float32)
    t = cuda.threadIdx.x
    threads = cuda.blockDim.x
    row = cuda.blockIdx.x
    acc = ZERO
    for j in range(t, n, threads):
        acc += x[row * n + j]
    partial[t] = acc
    cuda.syncthreads()
    step = threads // 2
    while step > 0:
        if t < step:
            partial[t] += partial[t + step]
        cuda.syncthreads()
        step //= 2
    if t == 0:
        out[row] = partial[0] * scale
sum_rows_gpu = gpu_kernel(sum_rows)  # noqa: E305
# --8<-- [end:sum_rows]


def sum_columns(out, x, n, inner, col_blocks, scale):
    """for o in range(outer): for c in range(inner):
           out[o, c] = scale * sum(x[o, :, c])          (x viewed as [outer, n, inner])

    A block of 32 x 8 threads handles 32 neighbouring columns of one ``o``: thread (tx, ty)
    adds rows ty, ty+8, ty+16, ... of column tx (the 32 threads of a warp read 32
    neighbouring floats), then the 8 partial sums per column are combined in shared memory.
    This is the bias gradient: the sum over the batch of every unit's gradient."""
    partial = cuda.shared.array((8, 32), float32)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    o = cuda.blockIdx.x // col_blocks
    col = (cuda.blockIdx.x % col_blocks) * 32 + tx
    acc = ZERO
    if col < inner:
        for r in range(ty, n, 8):
            acc += x[(o * n + r) * inner + col]
    partial[ty, tx] = acc
    cuda.syncthreads()
    step = 4
    while step > 0:
        if ty < step:
            partial[ty, tx] += partial[ty + step, tx]
        cuda.syncthreads()
        step //= 2
    if ty == 0 and col < inner:
        out[o * inner + col] = partial[0, tx] * scale
sum_columns_gpu = gpu_kernel(sum_columns)  # noqa: E305


# =========================================================================
# Softmax and cross-entropy: one thread per row (rows of a few classes: MNIST has 10)
# =========================================================================

def softmax_rows(out, x, rows, n):
    """for r in range(rows): out[r] = exp(x[r] - max x[r]) / sum(exp(x[r] - max x[r]))"""
    r = cuda.grid(1)
    if r < rows:
        base = r * n
        biggest = x[base]
        for j in range(1, n):
            biggest = max(biggest, x[base + j])
        total = ZERO
        for j in range(n):
            e = math.exp(x[base + j] - biggest)
            out[base + j] = e
            total += e
        for j in range(n):
            out[base + j] = out[base + j] / total
softmax_rows_gpu = gpu_kernel(softmax_rows)  # noqa: E305


def softmax_xent_rows(loss, backprop, logits, labels, rows, n):
    """for r in range(rows):
           log_p = logits[r] - max - log(sum(exp(logits[r] - max)))      (log_softmax)
           loss[r] = -sum(labels[r] * log_p)
           backprop[r] = exp(log_p) - labels[r]        (d loss / d logits: softmax - labels)"""
    r = cuda.grid(1)
    if r < rows:
        base = r * n
        biggest = logits[base]
        for j in range(1, n):
            biggest = max(biggest, logits[base + j])
        total = ZERO
        for j in range(n):
            total += math.exp(logits[base + j] - biggest)
        log_total = math.log(total)
        acc = ZERO
        for j in range(n):
            log_p = logits[base + j] - biggest - log_total
            acc -= labels[base + j] * log_p
            backprop[base + j] = math.exp(log_p) - labels[base + j]
        loss[r] = acc
softmax_xent_rows_gpu = gpu_kernel(softmax_xent_rows)  # noqa: E305


# =========================================================================
# The optimizer's update, in place on the variable's GPU array
# =========================================================================

def sgd_update(var, alpha, delta):
    """for i in range(var.size): var[i] -= alpha * delta[i]     (alpha: a 1-element array)"""
    i = cuda.grid(1)
    if i < var.size:
        var[i] -= alpha[0] * delta[i]
sgd_update_gpu = gpu_kernel(sgd_update)  # noqa: E305


# =========================================================================
# Same-shape binary ops: no broadcasting arithmetic at all (the common case, and the
# fastest: one read of each input, one write, neighbouring threads on neighbouring floats)
# =========================================================================

def add_elementwise(out, x, y):
    """for i in range(out.size): out[i] = x[i] + y[i]"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(x, first + j * THREADS)
        v[j] = load_gpu(y, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = u[j] + v[j]
add_elementwise_gpu = gpu_kernel(add_elementwise)  # noqa: E305


def sub_elementwise(out, x, y):
    """for i in range(out.size): out[i] = x[i] - y[i]"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(x, first + j * THREADS)
        v[j] = load_gpu(y, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = u[j] - v[j]
sub_elementwise_gpu = gpu_kernel(sub_elementwise)  # noqa: E305


def mul_elementwise(out, x, y):
    """for i in range(out.size): out[i] = x[i] * y[i]"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(x, first + j * THREADS)
        v[j] = load_gpu(y, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = u[j] * v[j]
mul_elementwise_gpu = gpu_kernel(mul_elementwise)  # noqa: E305


def div_elementwise(out, x, y):
    """for i in range(out.size): out[i] = x[i] / y[i]"""
    first = first_item_gpu()
    u = cuda.local.array(ITEMS, float32)
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: 2 ITEMS in flight at once
        u[j] = load_gpu(x, first + j * THREADS)
        v[j] = load_gpu(y, first + j * THREADS)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = u[j] / v[j]
div_elementwise_gpu = gpu_kernel(div_elementwise)  # noqa: E305


# =========================================================================
# Momentum and Adam: the update of every element of a variable in one kernel, in place
# (hyperparameters are 1-element arrays: they may be tensors computed on the GPU)
# =========================================================================

def momentum_update(var, accum, lr, grad, momentum, use_nesterov):
    """for i: accum[i] = momentum * accum[i] + grad[i]
              var[i] -= lr * (grad[i] + momentum * accum[i])   if use_nesterov
                        lr * accum[i]                           otherwise"""
    i = cuda.grid(1)
    if i < var.size:
        a = accum[i] * momentum[0] + grad[i]
        accum[i] = a
        if use_nesterov:
            var[i] -= lr[0] * (grad[i] + momentum[0] * a)
        else:
            var[i] -= lr[0] * a
momentum_update_gpu = gpu_kernel(momentum_update)  # noqa: E305


def adam_update(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    """alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
       for i: m[i] += (grad[i] - m[i]) * (1 - beta1)
              v[i] += (grad[i]^2 - v[i]) * (1 - beta2)
              var[i] -= alpha * m[i] / (sqrt(v[i]) + epsilon)"""
    i = cuda.grid(1)
    if i < var.size:
        alpha = lr[0] * math.sqrt(ONE - beta2_power[0]) / (ONE - beta1_power[0])
        g = grad[i]
        mi = m[i] + (g - m[i]) * (ONE - beta1[0])
        vi = v[i] + (g * g - v[i]) * (ONE - beta2[0])
        m[i] = mi
        v[i] = vi
        var[i] -= alpha * mi / (math.sqrt(vi) + epsilon[0])
adam_update_gpu = gpu_kernel(adam_update)  # noqa: E305


# =========================================================================
# LSTM and GRU steps: the matrix products go to the matmul kernel; what is left of a step
# is element-wise, one thread per (batch row b, unit j)
# =========================================================================

def concat_columns(out, a, b, rows, na, nb):
    """for r in range(rows): out[r] = [a[r, 0:na], b[r, 0:nb]]       ([x, h_prev])"""
    i = cuda.grid(1)
    width = na + nb
    if i < rows * width:
        r = i // width
        j = i % width
        if j < na:
            out[i] = a[r * na + j]
        else:
            out[i] = b[r * nb + j - na]
concat_columns_gpu = gpu_kernel(concat_columns)  # noqa: E305


def split_columns(a, b, src, rows, na, nb):
    """for r in range(rows): a[r] = src[r, 0:na];  b[r] = src[r, na:na+nb]"""
    i = cuda.grid(1)
    width = na + nb
    if i < rows * width:
        r = i // width
        j = i % width
        if j < na:
            a[r * na + j] = src[i]
        else:
            b[r * nb + j - na] = src[i]
split_columns_gpu = gpu_kernel(split_columns)  # noqa: E305


def lstm_gates(i_out, cs_out, f_out, o_out, ci_out, co_out, h_out, gates, bias, cs_prev,
               rows, units, forget_bias, cell_clip):
    """for b in range(rows): for j in range(units):       (g = gates[b] + bias, 4 * units)
           i = sigmoid(g[j]);  ci = tanh(g[units + j])
           f = sigmoid(g[2 units + j] + forget_bias);  o = sigmoid(g[3 units + j])
           cs = clip(ci * i + cs_prev[b, j] * f, -cell_clip, cell_clip)   (cell_clip > 0)
           co = tanh(cs);  h = co * o"""
    t = cuda.grid(1)
    if t < rows * units:
        b = t // units
        j = t % units
        g = b * 4 * units
        i = sigmoid_scalar_gpu(gates[g + j] + bias[j])
        ci = math.tanh(gates[g + units + j] + bias[units + j])
        f = sigmoid_scalar_gpu(gates[g + 2 * units + j] + bias[2 * units + j] + forget_bias)
        o = sigmoid_scalar_gpu(gates[g + 3 * units + j] + bias[3 * units + j])
        cs = ci * i + cs_prev[t] * f
        if cell_clip > ZERO:
            cs = min(max(cs, -cell_clip), cell_clip)
        co = math.tanh(cs)
        i_out[t] = i
        cs_out[t] = cs
        f_out[t] = f
        o_out[t] = o
        ci_out[t] = ci
        co_out[t] = co
        h_out[t] = co * o
lstm_gates_gpu = gpu_kernel(lstm_gates)  # noqa: E305


def lstm_gates_grad(d_gates, d_cs_prev, i, cs, f, o, ci, co, cs_prev,
                    d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, rows, units, cell_clip):
    """for b, j (t = b * units + j):
           do = d_o + d_h co;  dco = d_co + d_h o;  dcs = d_cs + dco (1 - co^2)
           dcs = 0 where the clip cut cs;  d_cs_prev = dcs f
           di = d_i + dcs ci;  dci = d_ci + dcs i;  df = d_f + dcs cs_prev
           d_gates[b] = [di i (1 - i), dci (1 - ci^2), df f (1 - f), do o (1 - o)]"""
    t = cuda.grid(1)
    if t < rows * units:
        b = t // units
        j = t % units
        g = b * 4 * units
        do = d_o[t] + d_h[t] * co[t]
        dco = d_co[t] + d_h[t] * o[t]
        dcs = d_cs[t] + dco * (ONE - co[t] * co[t])
        if cell_clip > ZERO and not abs(cs[t]) < cell_clip:
            dcs = dcs * ZERO
        d_cs_prev[t] = dcs * f[t]
        di = d_i[t] + dcs * ci[t]
        dci = d_ci[t] + dcs * i[t]
        df = d_f[t] + dcs * cs_prev[t]
        d_gates[g + j] = di * i[t] * (ONE - i[t])
        d_gates[g + units + j] = dci * (ONE - ci[t] * ci[t])
        d_gates[g + 2 * units + j] = df * f[t] * (ONE - f[t])
        d_gates[g + 3 * units + j] = do * o[t] * (ONE - o[t])
lstm_gates_grad_gpu = gpu_kernel(lstm_gates_grad)  # noqa: E305


def activate(v, kind):
    """relu(v) (kind 0), sigmoid(v) (1) or tanh(v) (2)"""
    if kind == 0:
        return ZERO if v <= ZERO else v
    if kind == 1:
        return sigmoid_scalar_gpu(v)
    return math.tanh(v)
activate_gpu = cuda.jit(device=True)(activate)  # noqa: E305


def bias_activation(out, x, b, kind):
    """for i in range(out.size): out[i] = act(x[i] + b[i % b.size])
    (x + b then the activation, in one pass: kernels/fusion.py; act by ``activate``)"""
    first = first_item_gpu()
    n = b.size
    v = cuda.local.array(ITEMS, float32)
    for j in range(ITEMS):                       # the loads first: ITEMS in flight at once
        i = first + j * THREADS
        v[j] = load_gpu(x, i) + load_gpu(b, i % n)
    for j in range(ITEMS):
        i = first + j * THREADS
        if i < out.size:
            out[i] = activate_gpu(v[j], kind)
bias_activation_gpu = gpu_kernel(bias_activation)  # noqa: E305


def gru_output(c_out, h_out, c_pre, b_c, u, h_prev, rows, units):
    """for b, j (t = b * units + j):
           c[t] = tanh(c_pre[t] + b_c[j]);  h[t] = u[t] * h_prev[t] + (1 - u[t]) * c[t]"""
    t = cuda.grid(1)
    if t < rows * units:
        c = math.tanh(c_pre[t] + b_c[t % units])
        c_out[t] = c
        h_out[t] = u[t] * h_prev[t] + (ONE - u[t]) * c
gru_output_gpu = gpu_kernel(gru_output)  # noqa: E305


def gru_output_grad(d_c_bar, d_u_total, d_h_prev, u, h_prev, c, d_u, d_c, d_h, rows, units):
    """for t:  d_h_prev = d_h u;  d_u_total = d_u + d_h (h_prev - c)
               d_c_bar = (d_c + d_h (1 - u)) (1 - c^2)"""
    t = cuda.grid(1)
    if t < rows * units:
        d_h_prev[t] = d_h[t] * u[t]
        d_u_total[t] = d_u[t] + d_h[t] * (h_prev[t] - c[t])
        d_c_bar[t] = (d_c[t] + d_h[t] * (ONE - u[t])) * (ONE - c[t] * c[t])
gru_output_grad_gpu = gpu_kernel(gru_output_grad)  # noqa: E305


def gru_gates_grad(d_ru_bar, d_h_prev, d_xrh, r, u, h_prev, d_r, d_u_total, rows, n, units):
    """for b, j (t = b * units + j), with d_rh = d_xrh[b, n + j]:
           dr = d_r + d_rh h_prev;  d_h_prev += d_rh r
           d_ru_bar[b] = [dr r (1 - r), d_u_total u (1 - u)]"""
    t = cuda.grid(1)
    if t < rows * units:
        b = t // units
        j = t % units
        d_rh = d_xrh[b * (n + units) + n + j]
        dr = d_r[t] + d_rh * h_prev[t]
        d_h_prev[t] += d_rh * r[t]
        d_ru_bar[b * 2 * units + j] = dr * r[t] * (ONE - r[t])
        d_ru_bar[b * 2 * units + units + j] = d_u_total[t] * u[t] * (ONE - u[t])
gru_gates_grad_gpu = gpu_kernel(gru_gates_grad)  # noqa: E305


def gru_input_grads(d_x, d_h_prev, d_xrh, d_xh, rows, n, units):
    """for b: d_x[b] = d_xrh[b, :n] + d_xh[b, :n];  d_h_prev[b] += d_xh[b, n:]"""
    t = cuda.grid(1)
    width = n + units
    if t < rows * width:
        b = t // width
        j = t % width
        if j < n:
            d_x[b * n + j] = d_xrh[t] + d_xh[t]
        else:
            d_h_prev[b * units + j - n] += d_xh[t]
gru_input_grads_gpu = gpu_kernel(gru_input_grads)  # noqa: E305


# =========================================================================
# Matrix product: tiled, register-blocked
# =========================================================================

# --8<-- [start:matmul]
TILE = 64          # a block computes a 64 x 64 tile of C ...
TILE_K = 16        # ... walking along k 16 columns of A / rows of B at a time,
BLOCK = 16         # with 16 x 16 threads, each computing 4 x 4 outputs


def store_inside(c, base, m, n, row, col, value):
    """c[base + row * n + col] = value, unless (row, col) is outside the m x n matrix"""
    if row < m and col < n:
        c[base + row * n + col] = value
store_inside_gpu = cuda.jit(device=True)(store_inside)  # noqa: E305


def matmul_tiled(c, a, b, m, n, k, a_row_stride, a_k_stride, b_k_stride, b_col_stride):
    """C[m, n] = A[m, k] @ B[k, n], where A[i, p] = a[i*a_row_stride + p*a_k_stride] and
    B[p, j] = b[p*b_k_stride + j*b_col_stride] (strides are how transposes are read).

    for each 64 x 64 tile of C (one block of 16 x 16 threads):
        for p0 in range(0, k, 16):                   (split-k: over this block's chunk)
            copy A[tile rows, p0:p0+16] and B[p0:p0+16, tile columns] into shared memory
            (zeros where the tile sticks out of the matrix)             -- syncthreads
            for p in range(16):   thread (tx, ty) updates its 16 outputs
                C[ty + 16u, tx + 16v] += A[ty + 16u, p] * B[p, tx + 16v]   (u, v in 0..3)
                                                                        -- syncthreads
        write the 16 outputs (those inside the matrix)

    Each element of A and B is read from global memory once per block instead of once per
    output, and each value read from shared memory is used 4 times from a register.

    Split-k: a grid S blocks deep (``cuda.gridDim.z`` = S) cuts the k loop into S chunks;
    the blocks at depth z sum their chunk only and write C_z, the z-th m x n matrix in c,
    and the caller adds C_0 + ... + C_(S-1).  That keeps the GPU busy when C is small and k
    is long (a weight gradient: 784 x 256 outputs summed over a batch of 10,000).
    The 16 accumulators are 16 named scalars so that they live in registers whatever the
    optimizer does (a local array stays in registers only if every loop over it is fully
    unrolled; otherwise it lands in slow local memory)."""
    tile_a = cuda.shared.array((TILE, TILE_K), float32)
    tile_b = cuda.shared.array((TILE_K, TILE), float32)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    row0 = cuda.blockIdx.y * TILE
    col0 = cuda.blockIdx.x * TILE
    thread = ty * BLOCK + tx                     # 0..255: who loads what
    chunk = (k + cuda.gridDim.z - 1) // cuda.gridDim.z
    chunk = (chunk + TILE_K - 1) // TILE_K * TILE_K  # this block's k range, whole k steps:
    k_begin = cuda.blockIdx.z * chunk
    k_end = min(k, k_begin + chunk)
    out = cuda.blockIdx.z * m * n                # where its m x n partial product goes
    c00 = c01 = c02 = c03 = ZERO
    c10 = c11 = c12 = c13 = ZERO
    c20 = c21 = c22 = c23 = ZERO
    c30 = c31 = c32 = c33 = ZERO
    for p0 in range(k_begin, k_end, TILE_K):
        # 1024 elements of each tile, 4 per thread; neighbouring threads load neighbours
        for e in range(thread, TILE * TILE_K, BLOCK * BLOCK):
            r = e // TILE_K
            p = e % TILE_K
            if row0 + r < m and p0 + p < k_end:
                tile_a[r, p] = a[(row0 + r) * a_row_stride + (p0 + p) * a_k_stride]
            else:
                tile_a[r, p] = ZERO
            p = e // TILE
            j = e % TILE
            if p0 + p < k_end and col0 + j < n:
                tile_b[p, j] = b[(p0 + p) * b_k_stride + (col0 + j) * b_col_stride]
            else:
                tile_b[p, j] = ZERO
        cuda.syncthreads()                       # the tiles are complete
        for p in range(TILE_K):
            a0 = tile_a[ty, p]
            a1 = tile_a[ty + 16, p]
            a2 = tile_a[ty + 32, p]
            a3 = tile_a[ty + 48, p]
            b0 = tile_b[p, tx]
            b1 = tile_b[p, tx + 16]
            b2 = tile_b[p, tx + 32]
            b3 = tile_b[p, tx + 48]
            c00 += a0 * b0
            c01 += a0 * b1
            c02 += a0 * b2
            c03 += a0 * b3
            c10 += a1 * b0
            c11 += a1 * b1
            c12 += a1 * b2
            c13 += a1 * b3
            c20 += a2 * b0
            c21 += a2 * b1
            c22 += a2 * b2
            c23 += a2 * b3
            c30 += a3 * b0
            c31 += a3 * b1
            c32 += a3 * b2
            c33 += a3 * b3
        cuda.syncthreads()                       # everyone is done with the tiles
    r0 = row0 + ty
    j0 = col0 + tx
    store_inside_gpu(c, out, m, n, r0, j0, c00)
    store_inside_gpu(c, out, m, n, r0, j0 + 16, c01)
    store_inside_gpu(c, out, m, n, r0, j0 + 32, c02)
    store_inside_gpu(c, out, m, n, r0, j0 + 48, c03)
    store_inside_gpu(c, out, m, n, r0 + 16, j0, c10)
    store_inside_gpu(c, out, m, n, r0 + 16, j0 + 16, c11)
    store_inside_gpu(c, out, m, n, r0 + 16, j0 + 32, c12)
    store_inside_gpu(c, out, m, n, r0 + 16, j0 + 48, c13)
    store_inside_gpu(c, out, m, n, r0 + 32, j0, c20)
    store_inside_gpu(c, out, m, n, r0 + 32, j0 + 16, c21)
    store_inside_gpu(c, out, m, n, r0 + 32, j0 + 32, c22)
    store_inside_gpu(c, out, m, n, r0 + 32, j0 + 48, c23)
    store_inside_gpu(c, out, m, n, r0 + 48, j0, c30)
    store_inside_gpu(c, out, m, n, r0 + 48, j0 + 16, c31)
    store_inside_gpu(c, out, m, n, r0 + 48, j0 + 32, c32)
    store_inside_gpu(c, out, m, n, r0 + 48, j0 + 48, c33)
matmul_tiled_gpu = gpu_kernel(matmul_tiled)  # noqa: E305
# --8<-- [end:matmul]


# --- the same, written out for speed: 4 x 4 and 8 x 8 outputs per thread ---------------
# tools/gen_matmul.py writes them into numba_cuda_matmul.py and says what they change;
# matmul() below uses them.

from .numba_cuda_matmul import BIG_TILE, matmul_tiled_4x4_gpu, matmul_tiled_8x8_gpu  # noqa



# =========================================================================
# Launching: device arrays in, device arrays out
# =========================================================================

def empty(shape):
    """A new float32 array on the GPU (not initialised).

    ``cuda.device_array(shape, np.float32)`` does this; on a real GPU the same array is made
    here without Numba looking up the current CUDA context again each time (~30 us a call
    on an H200, for dozens of arrays per training step)."""
    shape = tuple(int(d) for d in shape)
    size = math.prod(shape)
    if size == 0 or _SIMULATED:
        return cuda.device_array(shape, dtype=np.float32)
    return _DeviceNDArray(shape, _c_strides(shape), _FLOAT32,
                          gpu_data=_context().memalloc(4 * size))


def _c_strides(shape):
    strides, step = [], 4
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


_CONTEXT = []


def _context():
    """Numba's CUDA context for this process's GPU (looked up once)."""
    if not _CONTEXT:
        _CONTEXT.append(cuda.current_context())
    return _CONTEXT[0]


def to_device(value):
    """Copy a host value to the GPU (as a C-contiguous float32 array).

    The copy is queued on the default stream, behind the kernels already launched, without
    waiting for them (``cuMemcpyHtoDAsync``; the driver reads the host array before it
    returns).  A plain ``cuda.to_device`` would first wait for the GPU to finish everything
    queued: a scalar computed on the CPU in the middle of a training step (the mean's
    gradient divides by a count) would stall the step there."""
    array = np.asarray(value, dtype=np.float32)
    if not array.flags.c_contiguous:      # (np.ascontiguousarray would make a 0-d array 1-d)
        array = array.copy(order="C")
    if _SIMULATED or array.size == 0:
        return cuda.to_device(array)
    out = empty(array.shape)
    out.copy_to_device(array, stream=_default_stream())
    return out


_STREAM = []


def _default_stream():
    """Numba's handle on the default stream (the one every kernel here is launched on)."""
    if not _STREAM:
        _STREAM.append(cuda.default_stream())
    return _STREAM[0]


def to_host(value):
    """Copy a GPU array back into a new NumPy array."""
    return value.copy_to_host()


def flat(x):
    """The 1-D view of a C-contiguous device array that the kernels index."""
    if x.size == 0:
        return empty((0,))
    if x.ndim == 1:
        return x
    if not x.is_c_contiguous():
        raise ValueError("the CUDA kernels need C-contiguous arrays, got strides %s"
                         % (x.strides,))
    if _SIMULATED or x.dtype != _FLOAT32:
        return x.reshape(x.size)
    return _DeviceNDArray((x.size,), (4,), _FLOAT32, gpu_data=x.gpu_data)   # a 1-D view


def reshaped(x, shape):
    """``x`` viewed with another shape (same elements, no copy)."""
    shape = tuple(int(d) for d in shape)
    if x.size == 0:
        return empty(shape)
    if tuple(x.shape) == shape:
        return x
    return x.reshape(shape)


def map_elements(kernel, x):
    """out[i] = f(x[i]), ITEMS elements per thread."""
    out = empty(x.shape)
    if out.size:
        kernel[items_blocks(out.size), THREADS](flat(out), flat(x))
    return out


def zip_elements(kernel, x, y):
    """out[i] = f(x[i], y[i]) for two inputs of one shape."""
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError("inputs of shapes %s and %s: this kernel needs one shape"
                         % (tuple(x.shape), tuple(y.shape)))
    out = empty(x.shape)
    if out.size:
        kernel[items_blocks(out.size), THREADS](flat(out), flat(x), flat(y))
    return out


def _input_strides(out_shape, in_shape):
    """Element strides of a C-contiguous input seen through broadcasting (0 where the input
    has size 1 or no such dimension), aligned with ``out_shape``."""
    strides = [0] * len(out_shape)
    step = 1
    for d in range(1, len(in_shape) + 1):
        if in_shape[-d] != 1:
            strides[-d] = step
        step *= in_shape[-d]
    return strides


def broadcast_layout(out_shape, *in_shapes):
    """``(shape, [strides per input], ndim)`` for the broadcasting kernels.

    Dimensions of size 1 are dropped and neighbouring dimensions merged wherever every input
    walks them as one (a (17, 33) + (17, 33) sum becomes one dimension of 561; a (17, 33) +
    (33,) sum stays two), then everything is padded on the left to MAX_DIMS."""
    per_input = [_input_strides(out_shape, s) for s in in_shapes]
    merged = []                     # [(size, [stride per input])]
    for d, size in enumerate(out_shape):
        if size == 1:
            continue
        strides = [s[d] for s in per_input]
        if merged and all(outer == inner * size
                          for outer, inner in zip(merged[-1][1], strides)):
            merged[-1] = (merged[-1][0] * size, strides)
        else:
            merged.append((size, strides))
    if len(merged) > MAX_DIMS:
        raise ValueError("the CUDA kernels broadcast over at most %d dimensions, these shapes "
                         "need %d: %s" % (MAX_DIMS, len(merged), in_shapes))
    pad = MAX_DIMS - len(merged)
    shape = tuple([1] * pad + [size for size, _ in merged])
    strides = [tuple([0] * pad + [s[i] for _, s in merged]) for i in range(len(in_shapes))]
    return shape, strides, len(merged)


def broadcast_binary(kernel, x, y):
    """out = x (op) y with NumPy broadcasting, one thread per output element."""
    out_shape = np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
    out = empty(out_shape)
    if out.size and tuple(x.shape) == tuple(y.shape):
        same_shape = _SAME_SHAPE[kernel]          # no index arithmetic needed
        same_shape[items_blocks(out.size), THREADS](flat(out), flat(x), flat(y))
    elif out.size:
        shape, (xs, ys), ndim = broadcast_layout(out_shape, tuple(x.shape), tuple(y.shape))
        kernel[blocks_for(out.size), THREADS](flat(out), flat(x), flat(y), device_ints(shape),
                                              device_ints(xs), device_ints(ys), ndim)
    return out


_SAME_SHAPE = {add_broadcast_gpu: add_elementwise_gpu, sub_broadcast_gpu: sub_elementwise_gpu,
               mul_broadcast_gpu: mul_elementwise_gpu, div_broadcast_gpu: div_elementwise_gpu}


def broadcast_to(x, out_shape):
    """x broadcast to ``out_shape``, materialised."""
    out_shape = tuple(int(d) for d in out_shape)
    np.broadcast_shapes(tuple(x.shape), out_shape)       # raises if they do not fit
    out = empty(out_shape)
    if out.size:
        shape, (xs,), ndim = broadcast_layout(out_shape, tuple(x.shape))
        copy_broadcast_gpu[blocks_for(out.size), THREADS](flat(out), flat(x), device_ints(shape),
                                                          device_ints(xs), ndim)
    return out


def _runs(axes):
    """[(first, last)] of neighbouring axes: (0, 2, 3) -> [(0, 0), (2, 3)]"""
    runs = []
    for a in axes:
        if runs and runs[-1][1] == a - 1:
            runs[-1] = (runs[-1][0], a)
        else:
            runs.append((a, a))
    return runs


def reduce_sum(x, axes, scale=1.0):
    """``scale * sum(x, axis=axes)`` (axes sorted, non-negative; the reduced axes dropped).

    Each run of neighbouring axes is one launch over x viewed as [outer, n, inner]:
    ``sum_rows`` when inner == 1 (summing along memory), else ``sum_columns``."""
    shape = tuple(x.shape)
    runs = _runs(sorted(axes))
    if not runs:
        out = empty(shape)
        if out.size:
            scaled_copy_gpu[items_blocks(out.size), THREADS](flat(out), flat(x), float32(scale))
        return out
    values = flat(x)
    for first, last in reversed(runs):
        outer = int(np.prod(shape[:first], dtype=np.int64))
        n = int(np.prod(shape[first:last + 1], dtype=np.int64))
        inner = int(np.prod(shape[last + 1:], dtype=np.int64))
        s = float32(scale if (first, last) == runs[0] else 1.0)
        out = empty((outer * inner,))
        if out.size and inner == 1:
            threads = min(256, max(32, 1 << max(n - 1, 0).bit_length()))   # a power of 2 >= n
            sum_rows_gpu[outer, threads](out, values, n, s)
        elif out.size:
            col_blocks = blocks_for(inner, 32)
            sum_columns_gpu[outer * col_blocks, (32, 8)](out, values, n, inner, col_blocks, s)
        shape = shape[:first] + shape[last + 1:]
        values = out
    return reshaped(values, shape)


def _axes(axis, ndim):
    """A reduction's ``axis`` attribute (None, or ints maybe negative) as sorted axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted({int(a) % max(ndim, 1) for a in axis}))


def _kept(shape, axes):
    return tuple(1 if d in axes else size for d, size in enumerate(shape))


# --8<-- [start:launch_matmul]
def matmul(a, b, transpose_a=False, transpose_b=False):
    """A @ B for 2-D device arrays (each maybe transposed): ``matmul_tiled`` written out for
    speed -- with 4 x 4 outputs per thread, or 8 x 8 for matrices big enough to keep the GPU
    busy with 128 x 128 tiles -- and split-k when C is small and k long."""
    m, k = (a.shape[1], a.shape[0]) if transpose_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if transpose_b else b.shape
    if k != k_b:
        raise ValueError("matmul: the inner dimensions differ: (%d, %d) @ (%d, %d)"
                         % (m, k, k_b, n))
    a_row_stride, a_k_stride = (1, a.shape[1]) if transpose_a else (a.shape[1], 1)
    b_k_stride, b_col_stride = (1, b.shape[1]) if transpose_b else (b.shape[1], 1)
    if m * n == 0:
        return empty((m, n))
    kernel, tile = _MATMULS[matmul_kernel_for(m, n)]
    splits = split_k_for(m, n, k) if tile == TILE else 1
    c = empty((splits, m, n) if splits > 1 else (m, n))
    grid = (blocks_for(n, tile), blocks_for(m, tile), splits)
    kernel[grid, (BLOCK, BLOCK)](flat(c), flat(a), flat(b), m, n, k, a_row_stride,
                                 a_k_stride, b_k_stride, b_col_stride)
    if splits > 1:                   # C = C_0 + ... + C_(S-1)
        c = reshaped(reduce_sum(c, (0,)), (m, n))
    return c
# --8<-- [end:launch_matmul]


_MATMULS = {"readable": (matmul_tiled_gpu, TILE), "4x4": (matmul_tiled_4x4_gpu, TILE),
            "8x8": (matmul_tiled_8x8_gpu, BIG_TILE)}


def matmul_kernel_for(m, n):
    """"4x4" or "8x8": which kernel computes an m x n product.

    The 8 x 8 kernel does more work per thread and so needs fewer, bigger blocks; it pays
    once its 128 x 128 tiles give every multiprocessor of the GPU about four blocks (at least
    64 blocks: the simulator says it has one multiprocessor).  On an H200: 4096 x 4096,
    8x8 20.9 TFLOP/s against 4x4 18.8; 1024 x 1024, 9.1 against 15.1; 10000 x 256 (158
    tiles of 128), 12.4 against 13.4.  ``MINITENSOR_CUDA_MATMUL=4x4``,
    ``=8x8`` or ``=readable`` (``matmul_tiled`` itself) forces one, to compare them."""
    forced = os.environ.get("MINITENSOR_CUDA_MATMUL", "auto")
    if forced in _MATMULS:
        return forced
    tiles = blocks_for(m, BIG_TILE) * blocks_for(n, BIG_TILE)
    return "8x8" if tiles >= 4 * max(_multiprocessors(), 16) else "4x4"


def split_k_for(m, n, k):
    """Into how many chunks to cut k (split-k, see ``matmul_tiled``): 1 when C has at least
    one 64 x 64 tile per multiprocessor, or k is short; else enough chunks for two blocks
    per multiprocessor, each chunk at least 64 long, at most 32 of them.  (On an H200 a
    1024 x 1024 product -- 256 tiles for 132 multiprocessors -- split in two ran at 8.3
    TFLOP/s instead of 15.1.)"""
    tiles = blocks_for(m, TILE) * blocks_for(n, TILE)
    processors = max(_multiprocessors(), 16)
    if tiles >= processors or k < 512:
        return 1
    return int(min(-(-2 * processors // tiles), k // 64, 32))


_SM_COUNT = []


def _multiprocessors():
    """How many multiprocessors the current GPU has (looked up once; 1 in the simulator)."""
    if not _SM_COUNT:
        try:
            _SM_COUNT.append(int(cuda.get_current_device().MULTIPROCESSOR_COUNT))
        except Exception:            # the simulator's device has no such attribute
            _SM_COUNT.append(1)
    return _SM_COUNT[0]


def concat_columns_of(a, b):
    """[a, b] along axis 1 for two 2-D device arrays with the same number of rows."""
    rows, na = a.shape
    nb = b.shape[1]
    out = empty((rows, na + nb))
    if out.size:
        concat_columns_gpu[blocks_for(out.size), THREADS](flat(out), flat(a), flat(b), rows,
                                                          na, nb)
    return out


def split_columns_of(src, na):
    """(src[:, :na], src[:, na:]) as two new C-contiguous device arrays."""
    rows, width = src.shape
    a, b = empty((rows, na)), empty((rows, width - na))
    if src.size:
        split_columns_gpu[blocks_for(src.size), THREADS](flat(a), flat(b), flat(src), rows,
                                                         na, width - na)
    return a, b


def softmax_last_axis(x):
    n = tuple(x.shape)[-1]
    out = empty(x.shape)
    if out.size:
        rows = out.size // n
        softmax_rows_gpu[blocks_for(rows), THREADS](flat(out), flat(x), rows, n)
    return out


# =========================================================================
# Op kernels: the reference kernels' signatures, on device arrays
# =========================================================================

def device_state(ctx, key):
    """The variable's value on the GPU.  A value still on the host (set by ``load``, a
    checkpoint restore, or an op that ran on the CPU) is copied up once and kept there."""
    value = ctx.state[key]
    if isinstance(value, np.ndarray):
        value = ctx.state[key] = to_device(value)
        ctx.session.transfers["variable"] += 1
    return value


@register_kernel("Add", "cuda")
def cuda_add(x, y):
    return broadcast_binary(add_broadcast_gpu, x, y)


@register_kernel("Sub", "cuda")
def cuda_sub(x, y):
    return broadcast_binary(sub_broadcast_gpu, x, y)


@register_kernel("Mul", "cuda")
def cuda_mul(x, y):
    return broadcast_binary(mul_broadcast_gpu, x, y)


@register_kernel("RealDiv", "cuda")
def cuda_realdiv(x, y):
    return broadcast_binary(div_broadcast_gpu, x, y)


@register_kernel("Neg", "cuda")
def cuda_neg(x):
    return map_elements(neg_elementwise_gpu, x)


@register_kernel("Square", "cuda")
def cuda_square(x):
    return map_elements(square_elementwise_gpu, x)


# --8<-- [start:register]
@register_kernel("Relu", "cuda")
def cuda_relu(x):
    return map_elements(relu_elementwise_gpu, x)
# --8<-- [end:register]


@register_kernel("Sigmoid", "cuda")
def cuda_sigmoid(x):
    return map_elements(sigmoid_elementwise_gpu, x)


@register_kernel("Tanh", "cuda")
def cuda_tanh(x):
    return map_elements(tanh_elementwise_gpu, x)


@register_kernel("ReluGrad", "cuda")
def cuda_relu_grad(grad, features):
    return zip_elements(relu_grad_elementwise_gpu, grad, features)


@register_kernel("SigmoidGrad", "cuda")
def cuda_sigmoid_grad(y, dy):
    return zip_elements(sigmoid_grad_elementwise_gpu, y, dy)


@register_kernel("TanhGrad", "cuda")
def cuda_tanh_grad(y, dy):
    return zip_elements(tanh_grad_elementwise_gpu, y, dy)


@register_kernel("ReduceSum", "cuda")
def cuda_reduce_sum(x, axis, keepdims):
    axes = _axes(axis, x.ndim)
    out = reduce_sum(x, axes)
    return reshaped(out, _kept(x.shape, axes)) if keepdims else out


@register_kernel("ReduceMean", "cuda")
def cuda_reduce_mean(x, axis, keepdims):
    axes = _axes(axis, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    out = reduce_sum(x, axes, scale=1.0 / count if count else float("nan"))
    return reshaped(out, _kept(x.shape, axes)) if keepdims else out


@register_kernel("SumToShape", "cuda")
def cuda_sum_to_shape(grad, like):
    """sum grad over leading extra axes and over axes where ``like`` has size 1"""
    target = tuple(like.shape)
    if tuple(grad.shape) == target:
        return grad
    extra = grad.ndim - len(target)
    axes = tuple(range(extra)) + tuple(extra + i for i, size in enumerate(target)
                                       if size == 1 and grad.shape[extra + i] != 1)
    return reshaped(reduce_sum(grad, axes), target)


@register_kernel("BroadcastToLike", "cuda")
def cuda_broadcast_to_like(x, like):
    return broadcast_to(x, like.shape)


@register_kernel("BiasAdd", "cuda")
def cuda_bias_add(value, bias, axis):
    if axis in (-1, value.ndim - 1):
        return broadcast_binary(add_broadcast_gpu, value, bias)
    shape = [1] * (value.ndim - axis)           # (C, 1, 1) for channels-first data
    shape[0] = bias.shape[0]
    return broadcast_binary(add_broadcast_gpu, value, reshaped(bias, shape))


@register_kernel("BiasAddGrad", "cuda")
def cuda_bias_add_grad(grad, axis):
    axis = axis % grad.ndim
    return reduce_sum(grad, tuple(a for a in range(grad.ndim) if a != axis))


@register_kernel("Softmax", "cuda")
def cuda_softmax(x, axis):
    return softmax_last_axis(x)


@register_kernel("SoftmaxCrossEntropyWithLogits", "cuda")
def cuda_softmax_xent(logits, labels, axis):
    if tuple(labels.shape) != tuple(logits.shape):
        raise ValueError("labels of shape %s and logits of shape %s: on the GPU they must have "
                         "one shape" % (tuple(labels.shape), tuple(logits.shape)))
    n = tuple(logits.shape)[-1]
    loss, backprop = empty(tuple(logits.shape)[:-1]), empty(logits.shape)
    if loss.size and n == 0:
        fill_gpu[blocks_for(loss.size), THREADS](flat(loss), ZERO)
    elif loss.size:
        rows = loss.size
        softmax_xent_rows_gpu[blocks_for(rows), THREADS](flat(loss), flat(backprop),
                                                         flat(logits), flat(labels), rows, n)
    return loss, backprop


@register_kernel("MatMul", "cuda")
def cuda_matmul(a, b, transpose_a, transpose_b):
    return matmul(a, b, transpose_a, transpose_b)


@register_kernel("ApplyGradientDescent", "cuda")
def cuda_apply_gradient_descent(ctx, alpha, delta):
    """var -= alpha * delta (in place, on the GPU)"""
    var, = device_refs(ctx, 1)
    _check_update(var, delta)
    if var.size:
        sgd_update_gpu[blocks_for(var.size), THREADS](flat(var), flat(alpha), flat(delta))
    return var


def device_refs(ctx, count):
    """The GPU arrays of an update op's first ``count`` reference inputs: the variable, then
    its slots (momentum, running averages), each copied up once if still on the host."""
    ref_values(ctx, count)                     # says which slot is uninitialized, if one is
    return [device_state(ctx, ctx.op.inputs[i].op.name) for i in range(count)]


def _check_update(var, grad):
    if tuple(var.shape) != tuple(grad.shape):
        raise ValueError("the variable has shape %s but its gradient has shape %s"
                         % (tuple(var.shape), tuple(grad.shape)))


@register_kernel("ApplyMomentum", "cuda")
def cuda_apply_momentum(ctx, lr, grad, momentum, use_nesterov):
    """accum = momentum * accum + grad; var -= lr * accum (or Nesterov's), in place"""
    var, accum = device_refs(ctx, 2)
    _check_update(var, grad)
    if var.size:
        momentum_update_gpu[blocks_for(var.size), THREADS](
            flat(var), flat(accum), flat(lr), flat(grad), flat(momentum), bool(use_nesterov))
    return var


@register_kernel("ApplyAdam", "cuda")
def cuda_apply_adam(ctx, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    """Adam's update of var, m and v, in place (see ``adam_update``)"""
    var, m, v = device_refs(ctx, 3)
    _check_update(var, grad)
    if var.size:
        adam_update_gpu[blocks_for(var.size), THREADS](
            flat(var), flat(m), flat(v), flat(beta1_power), flat(beta2_power), flat(lr),
            flat(beta1), flat(beta2), flat(epsilon), flat(grad))
    return var


_ACTIVATION_KINDS = {"Relu": 0, "Sigmoid": 1, "Tanh": 2}


def bias_then(kind, x, b):
    """act(x + b) for x [..., n] and b [n] in one kernel (``bias_activation``)."""
    out = empty(x.shape)
    if out.size:
        bias_activation_gpu[items_blocks(out.size), THREADS](flat(out), flat(x), flat(b), kind)
    return out


def fused_bias_activation(activation):
    """The fused kernel for x + b followed by ``activation`` ("Relu", "Sigmoid", "Tanh"):
    a function (x, b) -> act(x + b) on device arrays (kernels/fusion.py uses it)."""
    kind = _ACTIVATION_KINDS[activation]

    def kernel(x, b):
        return bias_then(kind, x, b)
    kernel.__name__ = "cuda_bias_" + activation.lower()
    return kernel


def _units_launch(rows, units):
    return blocks_for(rows * units), THREADS


def _full(values, shape):
    """``values`` as a C-contiguous array of ``shape``: an output gradient that arrives as a
    scalar 0 (nothing depended on that output) is broadcast, since the kernels index it."""
    return values if tuple(values.shape) == tuple(shape) else broadcast_to(values, shape)


@register_kernel("LSTMBlockCell", "cuda")
def cuda_lstm_block_cell(x, cs_prev, h_prev, kernel, bias, forget_bias, cell_clip):
    """gates = [x, h_prev] @ kernel (matmul kernel), then ``lstm_gates`` for the rest"""
    rows, units = tuple(h_prev.shape)
    gates = matmul(concat_columns_of(x, h_prev), kernel)
    outs = [empty((rows, units)) for _ in range(7)]       # i, cs, f, o, ci, co, h
    if rows * units:
        lstm_gates_gpu[_units_launch(rows, units)](
            *[flat(t) for t in outs], flat(gates), flat(bias), flat(cs_prev), rows, units,
            float32(forget_bias), float32(cell_clip or 0.0))
    return tuple(outs)


@register_kernel("LSTMBlockCellGrad", "cuda")
def cuda_lstm_block_cell_grad(x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co,
                              d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip):
    """d_gates by ``lstm_gates_grad``; d_kernel, d_bias and [d_x, d_h_prev] from it with the
    matmul and reduction kernels (the reference kernel's docstring has the math)"""
    rows, units = tuple(h_prev.shape)
    d_i, d_cs, d_f, d_o, d_ci, d_co, d_h = (_full(g, (rows, units)) for g in
                                            (d_i, d_cs, d_f, d_o, d_ci, d_co, d_h))
    d_gates, d_cs_prev = empty((rows, 4 * units)), empty((rows, units))
    if rows * units:
        lstm_gates_grad_gpu[_units_launch(rows, units)](
            flat(d_gates), flat(d_cs_prev), flat(i), flat(cs), flat(f), flat(o), flat(ci),
            flat(co), flat(cs_prev), flat(d_i), flat(d_cs), flat(d_f), flat(d_o), flat(d_ci),
            flat(d_co), flat(d_h), rows, units, float32(cell_clip or 0.0))
    d_kernel = matmul(concat_columns_of(x, h_prev), d_gates, transpose_a=True)
    d_bias = reduce_sum(d_gates, (0,))
    d_x, d_h_prev = split_columns_of(matmul(d_gates, kernel, transpose_b=True), x.shape[1])
    return d_x, d_cs_prev, d_h_prev, d_kernel, d_bias


@register_kernel("GRUBlockCell", "cuda")
def cuda_gru_block_cell(x, h_prev, w_ru, w_c, b_ru, b_c):
    """r, u = sigmoid([x, h_prev] @ w_ru + b_ru); c = tanh([x, r h_prev] @ w_c + b_c);
    h = u h_prev + (1 - u) c"""
    rows, units = tuple(h_prev.shape)
    ru = bias_then(1, matmul(concat_columns_of(x, h_prev), w_ru), b_ru)
    r, u = split_columns_of(ru, units)
    c_pre = matmul(concat_columns_of(x, cuda_mul(r, h_prev)), w_c)
    c, h = empty((rows, units)), empty((rows, units))
    if rows * units:
        gru_output_gpu[_units_launch(rows, units)](flat(c), flat(h), flat(c_pre), flat(b_c),
                                                   flat(u), flat(h_prev), rows, units)
    return r, u, c, h


@register_kernel("GRUBlockCellGrad", "cuda")
def cuda_gru_block_cell_grad(x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h):
    """the reference kernel's steps, element-wise parts in ``gru_output_grad``,
    ``gru_gates_grad`` and ``gru_input_grads``, products in the matmul kernel"""
    rows, units = tuple(h_prev.shape)
    n = x.shape[1]
    d_r, d_u, d_c, d_h = (_full(g, (rows, units)) for g in (d_r, d_u, d_c, d_h))
    launch = _units_launch(rows, units)
    d_c_bar, d_u_total, d_h_prev = (empty((rows, units)) for _ in range(3))
    if rows * units:
        gru_output_grad_gpu[launch](flat(d_c_bar), flat(d_u_total), flat(d_h_prev), flat(u),
                                    flat(h_prev), flat(c), flat(d_u), flat(d_c), flat(d_h),
                                    rows, units)
    d_w_c = matmul(concat_columns_of(x, cuda_mul(r, h_prev)), d_c_bar, transpose_a=True)
    d_b_c = reduce_sum(d_c_bar, (0,))
    d_xrh = matmul(d_c_bar, w_c, transpose_b=True)
    d_ru_bar = empty((rows, 2 * units))
    if rows * units:
        gru_gates_grad_gpu[launch](flat(d_ru_bar), flat(d_h_prev), flat(d_xrh), flat(r),
                                   flat(u), flat(h_prev), flat(d_r), flat(d_u_total), rows, n,
                                   units)
    d_w_ru = matmul(concat_columns_of(x, h_prev), d_ru_bar, transpose_a=True)
    d_b_ru = reduce_sum(d_ru_bar, (0,))
    d_xh = matmul(d_ru_bar, w_ru, transpose_b=True)
    d_x = empty((rows, n))
    if rows * (n + units):
        gru_input_grads_gpu[blocks_for(rows * (n + units)), THREADS](
            flat(d_x), flat(d_h_prev), flat(d_xrh), flat(d_xh), rows, n, units)
    return d_x, d_h_prev, d_w_ru, d_w_c, d_b_ru, d_b_c


@register_kernel("VariableV2", "cuda")
def cuda_variable(ctx, shape, dtype):
    """the variable's current value in this session, on the GPU"""
    return device_state(ctx, ctx.key)


@register_kernel("Assign", "cuda")
def cuda_assign(ctx, value, validate_shape):
    """ref = value: into the variable's GPU array when the shapes agree (so reads later in the
    same run see it), else into a new one"""
    old = ctx.state.get(ctx.key)
    if validate_shape and old is not None and tuple(np.shape(old)) != tuple(value.shape):
        raise InvalidArgumentError(
            "Assign to variable '%s': it has shape %s, the new value has shape %s."
            % (ctx.key, tuple(np.shape(old)), tuple(value.shape)),
            hint="assign a value of the variable's shape, or create it with "
                 "validate_shape=False.")
    if old is None or isinstance(old, np.ndarray) or tuple(old.shape) != tuple(value.shape):
        old = ctx.state[ctx.key] = empty(value.shape)
    if value.size:
        old.copy_to_device(value)                  # a copy from GPU memory to GPU memory
    return old


@register_kernel("Identity", "cuda")
def cuda_identity(x):
    return x


register_kernel("StopGradient", "cuda")(cuda_identity)


@register_kernel("Reshape", "cuda")
def cuda_reshape(x, shape):
    shape = tuple(int(d) for d in shape)
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    if -1 in shape and known:
        shape = tuple(x.size // known if d == -1 else d for d in shape)
    if int(np.prod(shape, dtype=np.int64)) != x.size or -1 in shape:
        raise InvalidArgumentError("Cannot reshape a value of shape %s (%d elements) into %s."
                                   % (tuple(x.shape), x.size, shape))
    return reshaped(x, shape)


@register_kernel("ReshapeLike", "cuda")
def cuda_reshape_like(x, like):
    return reshaped(x, like.shape)


@register_kernel("ExpandDims", "cuda")
def cuda_expand_dims(x, axis):
    out_rank = x.ndim + len(axis)
    dims = list(x.shape)
    for a in sorted(int(a) % out_rank for a in axis):
        dims.insert(a, 1)
    return reshaped(x, dims)


@register_kernel("OnesLike", "cuda")
def cuda_ones_like(x, dtype):
    out = empty(x.shape)
    if out.size:
        fill_gpu[blocks_for(out.size), THREADS](flat(out), ONE)
    return out


@register_kernel("ZerosLike", "cuda")
def cuda_zeros_like(x, dtype):
    out = empty(x.shape)
    if out.size:
        fill_gpu[blocks_for(out.size), THREADS](flat(out), ZERO)
    return out


@register_kernel("NoOp", "cuda")
def cuda_no_op():
    return None


def _drawn_on_the_host(op_type):
    """Random numbers are drawn by the CPU kernel -- the same generator, so a seed gives the
    same numbers on both devices -- and copied to the GPU (they initialise variables once)."""
    reference = get_op_def(op_type).kernels["reference"]

    def kernel(ctx, **attrs):
        ctx.session.transfers["random"] += 1
        return to_device(reference(ctx, **attrs))
    kernel.__name__ = "cuda_" + op_type
    kernel.__doc__ = _drawn_on_the_host.__doc__
    return kernel


for _op_type in ("RandomNormal", "TruncatedNormal", "RandomUniform"):
    if get_op_def(_op_type) is not None and "reference" in get_op_def(_op_type).kernels:
        register_kernel(_op_type, "cuda")(_drawn_on_the_host(_op_type))


# =========================================================================
# What runs here
# =========================================================================

def _last_axis(op):
    axis, ndims = op.attrs.get("axis", -1), op.inputs[0].shape.ndims
    if axis == -1 or (ndims is not None and axis == ndims - 1):
        return None
    return "on the GPU it works along the last axis only (axis=%s here)" % axis


def _matrices(op):
    ranks = [t.shape.ndims for t in op.inputs]
    if ranks == [2, 2]:
        return None
    return "on the GPU it multiplies 2-D matrices only (input ranks %s here)" % ranks


_CHECKS = {"MatMul": _matrices, "Softmax": _last_axis,
           "SoftmaxCrossEntropyWithLogits": _last_axis}


def unsupported_reason(op):
    """None when ``op`` can run on the GPU, else a short reason (for placement errors)."""
    op_def = get_op_def(op.type)
    if op_def is None or "cuda" not in op_def.kernels:
        return "there is no GPU kernel for %s" % op.type
    for t in list(op.inputs) + list(op.outputs):
        if t.dtype.base_dtype != dtypes.float32:
            return ("%s is %s and the GPU kernels take float32 only"
                    % (t.name, t.dtype.base_dtype.name))
    check = _CHECKS.get(op.type)
    return check(op) if check is not None else None


def supports(op):
    return unsupported_reason(op) is None


def kernel_for(op):
    return get_op_def(op.type).kernels["cuda"]


__all__ = ["supports", "unsupported_reason", "kernel_for", "to_device", "to_host", "matmul",
           "reduce_sum", "broadcast_binary"]
