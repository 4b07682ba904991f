"""Chapter 9: writing a CUDA kernel -- from one thread per element to a tiled matmul.

Five steps, each a kernel you can run, read and step through:

1. one thread per element: ``out[i] = x[i] + y[i]``;
2. a 2-D grid, one thread per output: the naive matrix product;
3. shared memory: threads of a block load 16 x 16 tiles together and reuse them;
4. register blocking: each thread computes 4 x 4 outputs of a 64 x 64 tile -- minitensor's
   own kernel, ``minitensor/kernels/numba_cuda.py:matmul_tiled``;
5. the kernel inside minitensor: ``tf.matmul`` placed on the GPU.

    python tutorials/ch09_cuda_kernel.py

Without an NVIDIA GPU this runs in Numba's CUDA simulator (each GPU thread is a Python
thread: slow, so the sizes are small -- and a breakpoint inside a kernel stops in one
thread, with ``cuda.threadIdx`` and its variables in scope).  With a GPU it runs on the
GPU, at larger sizes, and prints how fast each step is.  ``NUMBA_ENABLE_CUDASIM=1`` or
``=0`` chooses explicitly.  Needs numba-cuda: ``pip install 'minitensor[cuda]'``.

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch09_cuda_kernel.md shows; they do nothing here.
"""
# --8<-- [start:setup]
import math
import os
import time

if "NUMBA_ENABLE_CUDASIM" not in os.environ and not os.path.exists("/dev/nvidiactl"):
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"      # no NVIDIA driver: simulate (before numba)

import numba                                       # noqa: E402
import numpy as np                                 # noqa: E402
from numba import cuda                             # noqa: E402

import minitensor as tf                            # noqa: E402

SIMULATED = numba.config.ENABLE_CUDASIM
float32 = numba.float32
ZERO = float32(0.0)
rng = np.random.default_rng(0)
if SIMULATED:
    print("running in Numba's CUDA simulator")
else:
    name = cuda.get_current_device().name
    print("running on the GPU:", name.decode() if isinstance(name, bytes) else name)


def report(step, what, got, expected, seconds=None, flops=None):
    error = float(np.max(np.abs(got - expected))) if got.size else 0.0
    speed = ""
    if seconds is not None and not SIMULATED:
        speed = ", %.3f ms" % (seconds * 1e3)
        if flops:
            speed += ", %.0f GFLOP/s" % (flops / seconds / 1e9)
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-4), (step, error)
    print("step %d: %s matches NumPy (max error %.1e%s)" % (step, what, error, speed))


def timed(launch, repeat=1 if SIMULATED else 10):
    """Seconds per call of ``launch()`` (the GPU runs asynchronously: wait for it)."""
    launch()
    cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeat):
        launch()
    cuda.synchronize()
    return (time.perf_counter() - start) / repeat
# --8<-- [end:setup]


# --8<-- [start:step1]
# --- Step 1: one thread per element --------------------------------------------------
def add_arrays(out, x, y):
    """for i in range(out.size): out[i] = x[i] + y[i]  -- the loop is the grid of threads"""
    i = cuda.grid(1)              # this thread's index: blockIdx.x * blockDim.x + threadIdx.x
    if i < out.size:              # the last block sticks out past the end of the arrays
        out[i] = x[i] + y[i]
add_arrays_gpu = cuda.jit(add_arrays)  # noqa: E305


n = 1000 if SIMULATED else 10_000_000
x = rng.standard_normal(n).astype(np.float32)
y = rng.standard_normal(n).astype(np.float32)
x_gpu, y_gpu = cuda.to_device(x), cuda.to_device(y)      # copy the inputs to the GPU
out_gpu = cuda.device_array(n, dtype=np.float32)          # room for the result, on the GPU
threads = 256                                             # threads per block
blocks = (n + threads - 1) // threads                     # enough blocks to cover n
seconds = timed(lambda: add_arrays_gpu[blocks, threads](out_gpu, x_gpu, y_gpu))
report(1, "add of %d elements in %d blocks of %d threads" % (n, blocks, threads),
       out_gpu.copy_to_host(), x + y, seconds)
# --8<-- [end:step1]

# --8<-- [start:step2]
# --- Step 2: a 2-D grid, one thread per output of C = A @ B --------------------------
def matmul_naive(c, a, b):
    """for i in range(m): for j in range(n): c[i, j] = sum(a[i, p] * b[p, j] for p in range(k))

    Every thread reads a whole row of A and a whole column of B from global memory.
    x (the fastest-changing thread index) walks along a row of C, so the 32 threads of a
    warp read 32 neighbouring floats of B at once ("coalesced"), and the same float of A."""
    j, i = cuda.grid(2)                 # column from the x index, row from the y index
    if i < c.shape[0] and j < c.shape[1]:
        total = ZERO
        for p in range(a.shape[1]):
            total += a[i, p] * b[p, j]
        c[i, j] = total
matmul_naive_gpu = cuda.jit(matmul_naive)  # noqa: E305


m, k, n = (37, 45, 29) if SIMULATED else (1024, 1024, 1024)   # not multiples of anything
a = rng.standard_normal((m, k)).astype(np.float32)
b = rng.standard_normal((k, n)).astype(np.float32)
a_gpu, b_gpu = cuda.to_device(a), cuda.to_device(b)
c_gpu = cuda.device_array((m, n), dtype=np.float32)
block = (16, 16)
grid = (math.ceil(n / 16), math.ceil(m / 16))     # x covers the columns, y the rows
seconds = timed(lambda: matmul_naive_gpu[grid, block](c_gpu, a_gpu, b_gpu))
report(2, "naive matmul %dx%d @ %dx%d" % (m, k, k, n), c_gpu.copy_to_host(), a @ b,
       seconds, 2 * m * n * k)
# --8<-- [end:step2]

# --8<-- [start:step3]
# --- Step 3: shared memory -- a block loads tiles together, then reuses them ----------
TILE = 16


def matmul_shared(c, a, b):
    """The same product, one 16 x 16 tile of C per block:

    for p0 in range(0, k, 16):
        the block copies A[tile rows, p0:p0+16] and B[p0:p0+16, tile cols] to shared memory
        (0 where the tile sticks out of the matrix)                   -- syncthreads
        each thread adds its 16 products from the shared tiles        -- syncthreads

    Each element of A and B now comes from global memory once per block, not once per
    thread.  The first barrier waits until the tiles are complete; the second until every
    thread is done with them, before the next iteration overwrites them."""
    tile_a = cuda.shared.array((TILE, TILE), float32)
    tile_b = cuda.shared.array((TILE, TILE), float32)
    j, i = cuda.grid(2)
    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
    m, k, n = a.shape[0], a.shape[1], b.shape[1]
    total = ZERO
    for p0 in range(0, k, TILE):
        tile_a[ty, tx] = a[i, p0 + tx] if i < m and p0 + tx < k else ZERO
        tile_b[ty, tx] = b[p0 + ty, j] if p0 + ty < k and j < n else ZERO
        cuda.syncthreads()
        for p in range(TILE):
            total += tile_a[ty, p] * tile_b[p, tx]
        cuda.syncthreads()
    if i < m and j < n:
        c[i, j] = total
matmul_shared_gpu = cuda.jit(matmul_shared)  # noqa: E305


seconds = timed(lambda: matmul_shared_gpu[grid, block](c_gpu, a_gpu, b_gpu))
report(3, "shared-memory matmul, 16x16 tiles", c_gpu.copy_to_host(), a @ b, seconds,
       2 * m * n * k)
# --8<-- [end:step3]

# --8<-- [start:step4]
# --- Step 4: register blocking -- minitensor's kernel --------------------------------
# Each thread of a 16 x 16 block now computes 4 x 4 outputs of a 64 x 64 tile, walking
# along k 16 at a time: every value it reads from shared memory is used 4 times from a
# register, and the 16 sums live in 16 named float32 variables (registers).  Read it in
# minitensor/kernels/numba_cuda.py: matmul_tiled (the loads handle transposes too).
from minitensor.kernels import numba_cuda  # noqa: E402

grid_64 = (math.ceil(n / 64), math.ceil(m / 64))      # blockIdx.x: columns, .y: rows
c_flat = c_gpu.reshape(m * n)


def launch_tiled():
    numba_cuda.matmul_tiled_gpu[grid_64, (16, 16)](
        c_flat, a_gpu.reshape(m * k), b_gpu.reshape(k * n), m, n, k,
        k, 1,                     # A[i, p] = a[i * k + p * 1]
        n, 1)                     # B[p, j] = b[p * n + j * 1]


seconds = timed(launch_tiled)
report(4, "register-blocked matmul, 64x64 tiles, 4x4 per thread", c_gpu.copy_to_host(),
       a @ b, seconds, 2 * m * n * k)
# --8<-- [end:step4]

# --8<-- [start:step5]
# --- Step 5: the kernel inside minitensor ------------------------------------------
# numba_cuda.py registers it for the op type "MatMul" on the "cuda" device; a session
# places tf.matmul on the GPU and copies the feeds up and the fetch down.
tf.reset_default_graph()
a_in = tf.placeholder(tf.float32, [None, k])
b_in = tf.placeholder(tf.float32, [k, n])
product = tf.matmul(a_in, b_in)
with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
    got = sess.run(product, {a_in: a, b_in: b})
    print("copies between devices:", dict(sess.transfers))
report(5, "tf.matmul on %s" % ("the simulated GPU" if SIMULATED else "the GPU"), got, a @ b)
# --8<-- [end:step5]
