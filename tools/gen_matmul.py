"""Write ``matmul_tiled_8x8``, the hand-unrolled CUDA matmul in minitensor/kernels/numba_cuda.py.

Its 64 accumulators must be 64 named scalars (a ``cuda.local.array`` indexed in loops can
land in slow local memory), which nobody should type by hand.  This script prints the
kernel; tests/cuda/test_cuda_kernels.py checks that the module holds exactly this text.
``source(tile_k=16, prefetch=True, name=...)`` writes variants (bench/gpu.py --variants
times them on a GPU).

    python tools/gen_matmul.py            # print it
"""
R = 8                # outputs per thread along each axis

DEFAULT = dict(tile_k=8, prefetch=True)      # the variant numba_cuda.py holds


def source(tile_k=DEFAULT["tile_k"], prefetch=DEFAULT["prefetch"], name="matmul_tiled_8x8"):
    """The kernel's source text."""
    lines = []
    w = lines.append
    w('def %s(c, a, b, m, n, k, a_row_stride, a_k_stride, b_k_stride, b_col_stride):' % name)
    w('    """C[m, n] = A[m, k] @ B[k, n] like ``matmul_tiled``, with twice the tile each way:')
    w('')
    w('    for each 128 x 128 tile of C (one block of 16 x 16 threads):')
    w('        for p0 in range(0, k, %d):' % tile_k)
    w('            copy A[tile rows, p0:p0+%d] and B[p0:p0+%d, tile columns] into shared memory'
      % (tile_k, tile_k))
    if prefetch:
        w('            (loaded into registers during the previous step, so that the wait for')
        w('            global memory hides behind the multiply-adds)')
    w('            for p in range(%d):   thread (tx, ty) updates its 64 outputs' % tile_k)
    w('                C[ty + 16u, tx + 16v] += A[ty + 16u, p] * B[p, tx + 16v]   (u, v in 0..7)')
    w('        write the 64 outputs (those inside the matrix)')
    w('')
    w('    Each value read from shared memory now feeds 8 multiply-adds instead of 4, so the')
    w('    arithmetic units wait less on shared memory.  The price is 64 accumulators per thread,')
    w('    written out as 64 named scalars (c00 ... c77) so that they stay in registers: this body')
    w('    is ``matmul_tiled`` unrolled by hand (``tools/gen_matmul.py`` writes it), and')
    w('    ``matmul_tiled`` is the one to read."""')
    tk = 'BIG_TILE_K' if tile_k == 8 else str(tile_k)
    w('    tile_a = cuda.shared.array((BIG_TILE, %s), float32)' % tk)
    w('    tile_b = cuda.shared.array((%s, BIG_TILE), float32)' % tk)
    w('    tx = cuda.threadIdx.x')
    w('    ty = cuda.threadIdx.y')
    w('    row0 = cuda.blockIdx.y * BIG_TILE')
    w('    col0 = cuda.blockIdx.x * BIG_TILE')
    w('    thread = ty * BLOCK + tx')
    for u in range(R):
        w('    ' + ' = '.join('c%d%d' % (u, v) for v in range(R)) + ' = ZERO')
    if prefetch:
        _prefetching_loads(w, tk, tile_k)
    else:
        w('    for p0 in range(0, k, %s):' % tk)
        w('        for e in range(thread, BIG_TILE * %s, BLOCK * BLOCK):' % tk)
        w('            r = e // %s' % tk)
        w('            p = e %% %s' % tk)
        w('            if row0 + r < m and p0 + p < k:')
        w('                tile_a[r, p] = a[(row0 + r) * a_row_stride + (p0 + p) * a_k_stride]')
        w('            else:')
        w('                tile_a[r, p] = ZERO')
        w('            p = e // BIG_TILE')
        w('            j = e % BIG_TILE')
        w('            if p0 + p < k and col0 + j < n:')
        w('                tile_b[p, j] = b[(p0 + p) * b_k_stride + (col0 + j) * b_col_stride]')
        w('            else:')
        w('                tile_b[p, j] = ZERO')
        w('        cuda.syncthreads()')
    w('        for p in range(%s):' % tk)
    for u in range(R):
        w('            a%d = tile_a[ty + %d, p]' % (u, 16 * u) if u else '            a0 = tile_a[ty, p]')
    for v in range(R):
        w('            b%d = tile_b[p, tx + %d]' % (v, 16 * v) if v else '            b0 = tile_b[p, tx]')
    for u in range(R):
        for v in range(R):
            w('            c%d%d += a%d * b%d' % (u, v, u, v))
    w('        cuda.syncthreads()')
    w('    r0 = row0 + ty')
    w('    j0 = col0 + tx')
    for u in range(R):
        for v in range(R):
            rr = 'r0' + (' + %d' % (16 * u) if u else '')
            jj = 'j0' + (' + %d' % (16 * v) if v else '')
            w('    store_inside_gpu(c, 0, m, n, %s, %s, c%d%d)' % (rr, jj, u, v))
    w('%s_gpu = gpu_kernel(%s)  # noqa: E305' % (name, name))
    return "\n".join(lines) + "\n"


def _prefetching_loads(w, tk, tile_k):
    """The k loop's head when the next tiles' elements are loaded into registers (named
    ra0, rb0, ...) while the current tiles are used."""
    per_thread = 128 * tile_k // 256
    for q in range(per_thread):
        w('    e%d = thread + %d' % (q, 256 * q))
        w('    ar%d, ap%d = e%d // %s, e%d %% %s' % (q, q, q, tk, q, tk))
        w('    bp%d, bj%d = e%d // BIG_TILE, e%d %% BIG_TILE' % (q, q, q, q))

    def loads(indent, p0):
        for q in range(per_thread):
            w(indent + 'ra%d = ZERO' % q)
            w(indent + 'if row0 + ar%d < m and %s + ap%d < k:' % (q, p0, q))
            w(indent + '    ra%d = a[(row0 + ar%d) * a_row_stride + (%s + ap%d) * a_k_stride]'
              % (q, q, p0, q))
            w(indent + 'rb%d = ZERO' % q)
            w(indent + 'if %s + bp%d < k and col0 + bj%d < n:' % (p0, q, q))
            w(indent + '    rb%d = b[(%s + bp%d) * b_k_stride + (col0 + bj%d) * b_col_stride]'
              % (q, p0, q, q))
    loads('    ', '0')
    w('    for p0 in range(0, k, %s):' % tk)
    for q in range(per_thread):
        w('        tile_a[ar%d, ap%d] = ra%d' % (q, q, q))
        w('        tile_b[bp%d, bj%d] = rb%d' % (q, q, q))
    w('        cuda.syncthreads()')
    w('        nxt = p0 + %s' % tk)
    loads('        ', 'nxt')


if __name__ == "__main__":
    print(source(), end="")
