"""Write ``matmul_tiled_8x8``, the hand-unrolled CUDA matmul in minitensor/kernels/numba_cuda.py.

Its 64 accumulators must be 64 named scalars (a ``cuda.local.array`` indexed in loops can
land in slow local memory), which nobody should type by hand.  This script prints the
kernel; tests/cuda/test_cuda_kernels.py checks that the module holds exactly this text.

    python tools/gen_matmul.py            # print it
"""
R = 8                # outputs per thread along each axis


def source():
    """The kernel's source text."""
    lines = []
    w = lines.append
    w('def matmul_tiled_8x8(c, a, b, m, n, k, a_row_stride, a_k_stride, b_k_stride, b_col_stride):')
    w('    """C[m, n] = A[m, k] @ B[k, n] like ``matmul_tiled``, with twice the tile each way:')
    w('')
    w('    for each 128 x 128 tile of C (one block of 16 x 16 threads):')
    w('        for p0 in range(0, k, 8):')
    w('            copy A[tile rows, p0:p0+8] and B[p0:p0+8, tile columns] into shared memory')
    w('            for p in range(8):   thread (tx, ty) updates its 64 outputs')
    w('                C[ty + 16u, tx + 16v] += A[ty + 16u, p] * B[p, tx + 16v]   (u, v in 0..7)')
    w('        write the 64 outputs (those inside the matrix)')
    w('')
    w('    Each value read from shared memory now feeds 8 multiply-adds instead of 4, so the')
    w('    arithmetic units wait less on shared memory.  The price is 64 accumulators per thread,')
    w('    written out as 64 named scalars (c00 ... c77) so that they stay in registers: this body')
    w('    is ``matmul_tiled`` unrolled by hand (``tools/gen_matmul.py`` writes it), and')
    w('    ``matmul_tiled`` is the one to read."""')
    w('    tile_a = cuda.shared.array((BIG_TILE, BIG_TILE_K), float32)')
    w('    tile_b = cuda.shared.array((BIG_TILE_K, BIG_TILE), float32)')
    w('    tx = cuda.threadIdx.x')
    w('    ty = cuda.threadIdx.y')
    w('    row0 = cuda.blockIdx.y * BIG_TILE')
    w('    col0 = cuda.blockIdx.x * BIG_TILE')
    w('    thread = ty * BLOCK + tx')
    for u in range(R):
        w('    ' + ' = '.join('c%d%d' % (u, v) for v in range(R)) + ' = ZERO')
    w('    for p0 in range(0, k, BIG_TILE_K):')
    w('        for e in range(thread, BIG_TILE * BIG_TILE_K, BLOCK * BLOCK):')
    w('            r = e // BIG_TILE_K')
    w('            p = e % BIG_TILE_K')
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
    w('        for p in range(BIG_TILE_K):')
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
    w('matmul_tiled_8x8_gpu = gpu_kernel(matmul_tiled_8x8)  # noqa: E305')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(source(), end="")
