"""Write the hand-unrolled CUDA matmul kernels in minitensor/kernels/numba_cuda.py.

``matmul_tiled`` there is the kernel to read: 64 x 64 tiles, 4 x 4 outputs per thread, a
loop over k.  On a GPU two things in it cost more than the arithmetic:

- Numba turns every ``tile_a[ty + 16, p]`` inside ``for p in range(16)`` into index
  arithmetic plus a negative-index check (Python's ``a[-1]``): in the PTX it wrote, the
  loop body was 201 instructions for 64 multiply-adds.  Written out with ``p`` a constant,
  each read of shared memory is one instruction (646 instructions for 512 multiply-adds;
  on an H200, 4096 x 4096: 10.0 -> 20.9 TFLOP/s, 1024 x 1024: 6.3 -> 15.1);
- each step waits for its tiles to arrive from global memory.  Loading the *next* tiles
  into registers while the current ones are used hides that wait.

This script writes ``matmul_tiled`` that way -- the k loop unrolled, the next tiles
prefetched -- for 4 x 4 outputs per thread (``matmul_tiled_4x4``, 64 x 64 tiles) and
8 x 8 (``matmul_tiled_8x8``, 128 x 128 tiles; each value read from shared memory then feeds
8 multiply-adds instead of 4).  Their accumulators are named scalars (c00, c01, ...): a
``cuda.local.array`` indexed in loops can land in slow local memory.  Nobody should type
them by hand; tests/cuda/test_cuda_kernels.py checks that the module holds exactly what
this script writes.

    python tools/gen_matmul.py > minitensor/kernels/numba_cuda_matmul.py
"""

KERNELS = (    # (name, outputs per thread along each axis, k step): what numba_cuda.py holds
    ("matmul_tiled_4x4", 4, 16),
    ("matmul_tiled_8x8", 8, 8),
)


def source(name="matmul_tiled_8x8", r=8, tile_k=8):
    """One kernel's source text: ``r`` x ``r`` outputs per thread, k in steps of ``tile_k``."""
    tile = 16 * r
    lines = []
    w = lines.append
    w('def %s(c, a, b, m, n, k, a_row_stride, a_k_stride, b_k_stride, b_col_stride):' % name)
    w('    """C[m, n] = A[m, k] @ B[k, n], as ``matmul_tiled`` computes it (split-k included),')
    w('    with %d x %d outputs per thread and the loops written out:' % (r, r))
    w('')
    w('    for each %d x %d tile of C (one block of 16 x 16 threads):' % (tile, tile))
    w('        for p0 in range(k_begin, k_end, %d):' % tile_k)
    w('            copy A[tile rows, p0:p0+%d] and B[p0:p0+%d, tile columns] into shared memory'
      % (tile_k, tile_k))
    w('            (loaded into registers during the previous step, so that the wait for')
    w('            global memory hides behind the multiply-adds)')
    w('            for p in range(%d):   thread (tx, ty) updates its %d outputs' % (tile_k, r * r))
    w('                C[ty + 16u, tx + 16v] += A[ty + 16u, p] * B[p, tx + 16v]   (u, v < %d)' % r)
    w('            (written out %d times: with p a constant, each read of shared memory is' % tile_k)
    w('            one instruction; in a loop Numba adds index arithmetic to each)')
    w('        write the outputs (those inside the matrix)')
    w('')
    w('    Written by tools/gen_matmul.py, which says why; ``matmul_tiled`` is the one to read."""')
    w('    tile_a = cuda.shared.array((%d, %d), float32)' % (tile, tile_k))
    w('    tile_b = cuda.shared.array((%d, %d), float32)' % (tile_k, tile))
    w('    tx = cuda.threadIdx.x')
    w('    ty = cuda.threadIdx.y')
    w('    row0 = cuda.blockIdx.y * %d' % tile)
    w('    col0 = cuda.blockIdx.x * %d' % tile)
    w('    thread = ty * BLOCK + tx')
    w('    chunk = (k + cuda.gridDim.z - 1) // cuda.gridDim.z')
    w('    chunk = (chunk + %d) // %d * %d' % (tile_k - 1, tile_k, tile_k))
    w('    k_begin = cuda.blockIdx.z * chunk')
    w('    k_end = min(k, k_begin + chunk)')
    w('    out = cuda.blockIdx.z * m * n')
    for u in range(r):
        w('    ' + ' = '.join('c%d%d' % (u, v) for v in range(r)) + ' = ZERO')
    _prefetching_loads(w, tile, tile_k)
    for p in range(tile_k):
        w('        # p = %d' % p)
        _multiply_adds(w, '        ', str(p), r)
    w('        cuda.syncthreads()')
    w('    r0 = row0 + ty')
    w('    j0 = col0 + tx')
    for u in range(r):
        for v in range(r):
            rr = 'r0' + (' + %d' % (16 * u) if u else '')
            jj = 'j0' + (' + %d' % (16 * v) if v else '')
            w('    store_inside_gpu(c, out, m, n, %s, %s, c%d%d)' % (rr, jj, u, v))
    w('%s_gpu = gpu_kernel(%s)  # noqa: E305' % (name, name))
    return "\n".join(lines) + "\n"


def _multiply_adds(w, indent, p, r):
    """One step p of the k loop: r values of A and r of B into registers, r * r
    multiply-adds."""
    for u in range(r):
        w(indent + ('a%d = tile_a[ty + %d, %s]' % (u, 16 * u, p) if u else 'a0 = tile_a[ty, %s]' % p))
    for v in range(r):
        w(indent + ('b%d = tile_b[%s, tx + %d]' % (v, p, 16 * v) if v else 'b0 = tile_b[%s, tx]' % p))
    for u in range(r):
        for v in range(r):
            w(indent + 'c%d%d += a%d * b%d' % (u, v, u, v))


def _prefetching_loads(w, tile, tile_k):
    """The k loop's head when the next tiles' elements are loaded into registers (ra0,
    rb0, ...) while the current tiles are used."""
    per_thread = tile * tile_k // 256
    for q in range(per_thread):
        w('    e%d = thread + %d' % (q, 256 * q))
        w('    ar%d, ap%d = e%d // %d, e%d %% %d' % (q, q, q, tile_k, q, tile_k))
        w('    bp%d, bj%d = e%d // %d, e%d %% %d' % (q, q, q, tile, q, tile))

    def loads(indent, p0):
        for q in range(per_thread):
            w(indent + 'ra%d = ZERO' % q)
            w(indent + 'if row0 + ar%d < m and %s + ap%d < k_end:' % (q, p0, q))
            w(indent + '    ra%d = a[(row0 + ar%d) * a_row_stride + (%s + ap%d) * a_k_stride]'
              % (q, q, p0, q))
            w(indent + 'rb%d = ZERO' % q)
            w(indent + 'if %s + bp%d < k_end and col0 + bj%d < n:' % (p0, q, q))
            w(indent + '    rb%d = b[(%s + bp%d) * b_k_stride + (col0 + bj%d) * b_col_stride]'
              % (q, p0, q, q))
    loads('    ', 'k_begin')
    w('    for p0 in range(k_begin, k_end, %d):' % tile_k)
    for q in range(per_thread):
        w('        tile_a[ar%d, ap%d] = ra%d' % (q, q, q))
        w('        tile_b[bp%d, bj%d] = rb%d' % (q, q, q))
    w('        cuda.syncthreads()')
    w('        nxt = p0 + %d' % tile_k)
    loads('        ', 'nxt')


HEADER = '''"""GENERATED by tools/gen_matmul.py -- edit that, not this file.

``matmul_tiled`` (numba_cuda.py) written out for speed: the k loop unrolled so that each
read of shared memory is one instruction, the next tiles loaded into registers while the
current ones are used, and 4 x 4 or 8 x 8 outputs per thread.  tools/gen_matmul.py says why;
``matmul_tiled`` is the kernel to read.  numba_cuda.matmul() launches these.
"""
from numba import cuda

from .cuda_launch import gpu_kernel
from .numba_cuda import BLOCK, ZERO, float32, store_inside_gpu

BIG_TILE = 128       # matmul_tiled_8x8 computes 128 x 128 tiles of C
'''


def module_source():
    """The whole of minitensor/kernels/numba_cuda_matmul.py."""
    return HEADER + "".join("\n\n" + source(name, r, tile_k) for name, r, tile_k in KERNELS)


if __name__ == "__main__":
    print(module_source(), end="")
