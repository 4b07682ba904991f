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

if "NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS" not in os.environ:
    # Small arrays give small grids, and Numba warns about each; the warning is about the
    # size of a learner's data, not about a mistake.
    numba.config.CUDA_LOW_OCCUPANCY_WARNINGS = 0

float32 = numba.float32
ZERO = float32(0.0)
ONE = float32(1.0)

THREADS = 256            # threads per block for the one-thread-per-element kernels
MAX_DIMS = 6             # broadcasting kernels handle up to 6 dimensions (after merging)


def blocks_for(n, threads=THREADS):
    """How many blocks of ``threads`` cover ``n`` elements."""
    return (n + threads - 1) // threads


# =========================================================================
# Element-wise kernels: one thread per element
# =========================================================================

def sigmoid_scalar(x):
    """1 / (1 + e^-x), arranged so that e^-x never overflows"""
    if x >= ZERO:
        return ONE / (ONE + math.exp(-x))
    e = math.exp(x)
    return e / (ONE + e)
sigmoid_scalar_gpu = cuda.jit(device=True)(sigmoid_scalar)  # noqa: E305


def relu_elementwise(out, x):
    """for i in range(x.size): out[i] = max(x[i], 0)   (NaN stays NaN, as in NumPy)"""
    i = cuda.grid(1)
    if i < out.size:
        v = x[i]
        out[i] = ZERO if v < ZERO else v
relu_elementwise_gpu = cuda.jit(cache=True)(relu_elementwise)  # noqa: E305


def sigmoid_elementwise(out, x):
    """for i in range(x.size): out[i] = 1 / (1 + exp(-x[i]))"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = sigmoid_scalar_gpu(x[i])
sigmoid_elementwise_gpu = cuda.jit(cache=True)(sigmoid_elementwise)  # noqa: E305


def tanh_elementwise(out, x):
    """for i in range(x.size): out[i] = tanh(x[i])"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = math.tanh(x[i])
tanh_elementwise_gpu = cuda.jit(cache=True)(tanh_elementwise)  # noqa: E305


def neg_elementwise(out, x):
    """for i in range(x.size): out[i] = -x[i]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = -x[i]
neg_elementwise_gpu = cuda.jit(cache=True)(neg_elementwise)  # noqa: E305


def square_elementwise(out, x):
    """for i in range(x.size): out[i] = x[i] * x[i]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i] * x[i]
square_elementwise_gpu = cuda.jit(cache=True)(square_elementwise)  # noqa: E305


def scaled_copy(out, x, scale):
    """for i in range(x.size): out[i] = scale * x[i]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[i] * scale
scaled_copy_gpu = cuda.jit(cache=True)(scaled_copy)  # noqa: E305


def fill(out, value):
    """for i in range(out.size): out[i] = value"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = value
fill_gpu = cuda.jit(cache=True)(fill)  # noqa: E305


# --- gradients of the activations (inputs of one shape) ---------------------

def relu_grad_elementwise(out, grad, features):
    """for i: out[i] = grad[i] if features[i] > 0 else 0 * grad[i]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = grad[i] * (ONE if features[i] > ZERO else ZERO)
relu_grad_elementwise_gpu = cuda.jit(cache=True)(relu_grad_elementwise)  # noqa: E305


def sigmoid_grad_elementwise(out, y, dy):
    """for i: out[i] = dy[i] * y[i] * (1 - y[i])      (y = sigmoid(x))"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = dy[i] * (y[i] * (ONE - y[i]))
sigmoid_grad_elementwise_gpu = cuda.jit(cache=True)(sigmoid_grad_elementwise)  # noqa: E305


def tanh_grad_elementwise(out, y, dy):
    """for i: out[i] = dy[i] * (1 - y[i]^2)           (y = tanh(x))"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = dy[i] * (ONE - y[i] * y[i])
tanh_grad_elementwise_gpu = cuda.jit(cache=True)(tanh_grad_elementwise)  # noqa: E305


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
add_broadcast_gpu = cuda.jit(cache=True)(add_broadcast)  # noqa: E305
# --8<-- [end:broadcast]


def sub_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] - y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  - y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
sub_broadcast_gpu = cuda.jit(cache=True)(sub_broadcast)  # noqa: E305


def mul_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] * y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  * y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
mul_broadcast_gpu = cuda.jit(cache=True)(mul_broadcast)  # noqa: E305


def div_broadcast(out, x, y, shape, x_strides, y_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x] / y[where i reads y]"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
                  / y[broadcast_offset_gpu(i, shape, y_strides, ndim)])
div_broadcast_gpu = cuda.jit(cache=True)(div_broadcast)  # noqa: E305


def copy_broadcast(out, x, shape, x_strides, ndim):
    """for i in range(out.size): out[i] = x[where i reads x]   (materialise a broadcast)"""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = x[broadcast_offset_gpu(i, shape, x_strides, ndim)]
copy_broadcast_gpu = cuda.jit(cache=True)(copy_broadcast)  # noqa: E305


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
sum_rows_gpu = cuda.jit(cache=True)(sum_rows)  # noqa: E305
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
sum_columns_gpu = cuda.jit(cache=True)(sum_columns)  # noqa: E305


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
softmax_rows_gpu = cuda.jit(cache=True)(softmax_rows)  # noqa: E305


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
softmax_xent_rows_gpu = cuda.jit(cache=True)(softmax_xent_rows)  # noqa: E305


# =========================================================================
# The optimizer's update, in place on the variable's GPU array
# =========================================================================

def sgd_update(var, alpha, delta):
    """for i in range(var.size): var[i] -= alpha * delta[i]     (alpha: a 1-element array)"""
    i = cuda.grid(1)
    if i < var.size:
        var[i] -= alpha[0] * delta[i]
sgd_update_gpu = cuda.jit(cache=True)(sgd_update)  # noqa: E305


# =========================================================================
# Matrix product: tiled, register-blocked
# =========================================================================

# --8<-- [start:matmul]
TILE = 64          # a block computes a 64 x 64 tile of C ...
TILE_K = 16        # ... walking along k 16 columns of A / rows of B at a time,
BLOCK = 16         # with 16 x 16 threads, each computing 4 x 4 outputs


def store_inside(c, m, n, row, col, value):
    """c[row, col] = value, unless (row, col) is outside the m x n matrix"""
    if row < m and col < n:
        c[row * n + col] = value
store_inside_gpu = cuda.jit(device=True)(store_inside)  # noqa: E305


def matmul_tiled(c, a, b, m, n, k, a_row_stride, a_k_stride, b_k_stride, b_col_stride):
    """C[m, n] = A[m, k] @ B[k, n], where A[i, p] = a[i*a_row_stride + p*a_k_stride] and
    B[p, j] = b[p*b_k_stride + j*b_col_stride] (strides are how transposes are read).

    for each 64 x 64 tile of C (one block of 16 x 16 threads):
        for p0 in range(0, k, 16):
            copy A[tile rows, p0:p0+16] and B[p0:p0+16, tile columns] into shared memory
            (zeros where the tile sticks out of the matrix)             -- syncthreads
            for p in range(16):   thread (tx, ty) updates its 16 outputs
                C[ty + 16u, tx + 16v] += A[ty + 16u, p] * B[p, tx + 16v]   (u, v in 0..3)
                                                                        -- syncthreads
        write the 16 outputs (those inside the matrix)

    Each element of A and B is read from global memory once per block instead of once per
    output, and each value read from shared memory is used 4 times from a register.
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
    c00 = c01 = c02 = c03 = ZERO
    c10 = c11 = c12 = c13 = ZERO
    c20 = c21 = c22 = c23 = ZERO
    c30 = c31 = c32 = c33 = ZERO
    for p0 in range(0, k, TILE_K):
        # 1024 elements of each tile, 4 per thread; neighbouring threads load neighbours
        for e in range(thread, TILE * TILE_K, BLOCK * BLOCK):
            r = e // TILE_K
            p = e % TILE_K
            if row0 + r < m and p0 + p < k:
                tile_a[r, p] = a[(row0 + r) * a_row_stride + (p0 + p) * a_k_stride]
            else:
                tile_a[r, p] = ZERO
            p = e // TILE
            j = e % TILE
            if p0 + p < k and col0 + j < n:
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
    store_inside_gpu(c, m, n, r0, j0, c00)
    store_inside_gpu(c, m, n, r0, j0 + 16, c01)
    store_inside_gpu(c, m, n, r0, j0 + 32, c02)
    store_inside_gpu(c, m, n, r0, j0 + 48, c03)
    store_inside_gpu(c, m, n, r0 + 16, j0, c10)
    store_inside_gpu(c, m, n, r0 + 16, j0 + 16, c11)
    store_inside_gpu(c, m, n, r0 + 16, j0 + 32, c12)
    store_inside_gpu(c, m, n, r0 + 16, j0 + 48, c13)
    store_inside_gpu(c, m, n, r0 + 32, j0, c20)
    store_inside_gpu(c, m, n, r0 + 32, j0 + 16, c21)
    store_inside_gpu(c, m, n, r0 + 32, j0 + 32, c22)
    store_inside_gpu(c, m, n, r0 + 32, j0 + 48, c23)
    store_inside_gpu(c, m, n, r0 + 48, j0, c30)
    store_inside_gpu(c, m, n, r0 + 48, j0 + 16, c31)
    store_inside_gpu(c, m, n, r0 + 48, j0 + 32, c32)
    store_inside_gpu(c, m, n, r0 + 48, j0 + 48, c33)
matmul_tiled_gpu = cuda.jit(cache=True)(matmul_tiled)  # noqa: E305
# --8<-- [end:matmul]


# =========================================================================
# Launching: device arrays in, device arrays out
# =========================================================================

def empty(shape):
    """A new float32 array on the GPU (not initialised)."""
    return cuda.device_array(tuple(int(d) for d in shape), dtype=np.float32)


def to_device(value):
    """Copy a host value to the GPU (as a C-contiguous float32 array)."""
    array = np.asarray(value, dtype=np.float32)
    if not array.flags.c_contiguous:      # (np.ascontiguousarray would make a 0-d array 1-d)
        array = array.copy(order="C")
    return cuda.to_device(array)


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
    return x.reshape(x.size)


def reshaped(x, shape):
    """``x`` viewed with another shape (same elements, no copy)."""
    shape = tuple(int(d) for d in shape)
    if x.size == 0:
        return empty(shape)
    if tuple(x.shape) == shape:
        return x
    return x.reshape(shape)


def map_elements(kernel, x):
    """out[i] = f(x[i]) with one thread per element."""
    out = empty(x.shape)
    if out.size:
        kernel[blocks_for(out.size), THREADS](flat(out), flat(x))
    return out


def zip_elements(kernel, x, y):
    """out[i] = f(x[i], y[i]) for two inputs of one shape."""
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError("inputs of shapes %s and %s: this kernel needs one shape"
                         % (tuple(x.shape), tuple(y.shape)))
    out = empty(x.shape)
    if out.size:
        kernel[blocks_for(out.size), THREADS](flat(out), flat(x), flat(y))
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
    if out.size:
        shape, (xs, ys), ndim = broadcast_layout(out_shape, tuple(x.shape), tuple(y.shape))
        kernel[blocks_for(out.size), THREADS](flat(out), flat(x), flat(y), shape, xs, ys, ndim)
    return out


def broadcast_to(x, out_shape):
    """x broadcast to ``out_shape``, materialised."""
    out_shape = tuple(int(d) for d in out_shape)
    np.broadcast_shapes(tuple(x.shape), out_shape)       # raises if they do not fit
    out = empty(out_shape)
    if out.size:
        shape, (xs,), ndim = broadcast_layout(out_shape, tuple(x.shape))
        copy_broadcast_gpu[blocks_for(out.size), THREADS](flat(out), flat(x), shape, xs, ndim)
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
            scaled_copy_gpu[blocks_for(out.size), THREADS](flat(out), flat(x), float32(scale))
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
    """A @ B for 2-D device arrays (each maybe transposed), with ``matmul_tiled``."""
    m, k = (a.shape[1], a.shape[0]) if transpose_a else a.shape
    k_b, n = (b.shape[1], b.shape[0]) if transpose_b else b.shape
    if k != k_b:
        raise ValueError("matmul: the inner dimensions differ: (%d, %d) @ (%d, %d)"
                         % (m, k, k_b, n))
    a_row_stride, a_k_stride = (1, a.shape[1]) if transpose_a else (a.shape[1], 1)
    b_k_stride, b_col_stride = (1, b.shape[1]) if transpose_b else (b.shape[1], 1)
    c = empty((m, n))
    if c.size:
        grid = (blocks_for(n, TILE), blocks_for(m, TILE))
        matmul_tiled_gpu[grid, (BLOCK, BLOCK)](flat(c), flat(a), flat(b), m, n, k,
                                               a_row_stride, a_k_stride, b_k_stride,
                                               b_col_stride)
    return c
# --8<-- [end:launch_matmul]


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
    var = device_state(ctx, ctx.key)
    if tuple(var.shape) != tuple(delta.shape):
        raise ValueError("the variable has shape %s but its gradient has shape %s"
                         % (tuple(var.shape), tuple(delta.shape)))
    if var.size:
        sgd_update_gpu[blocks_for(var.size), THREADS](flat(var), flat(alpha), flat(delta))
    return var


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
