"""How the fast CPU kernels share the cores with the BLAS library (read this before adding
``parallel=True`` to a kernel).

Measured on the 2-core development box (``shared/research/reference-figures-cpu.md``):

* Numba ``parallel=True`` kernels run on OpenMP threads that, by default, *spin* for a
  while after each parallel loop.  Interleaved with OpenBLAS matmuls (which have their own
  threads) the two pools fought for the two cores: an MLP epoch took 30-50 s instead of ~1 s.
  ``OMP_WAIT_POLICY=PASSIVE`` (threads sleep instead of spinning) fixed it, at ~45 us per
  parallel launch; Numba's ``workqueue`` layer fixed it too, at ~80 us per launch.
* A serial njit call costs ~0.3 us.  On 2 cores a parallel loop won only for compute-heavy
  work on more than ~10^6 elements; for the memory-bound element-wise work of training
  (ReLU, bias, optimizer updates) it never won (``bench/kernels_cpu.py --parallel``).

So every kernel in ``numba_cpu.py`` is serial, and nothing here can spin against BLAS.
:func:`prepare_numba` still sets ``OMP_WAIT_POLICY=PASSIVE`` (unless you set it yourself)
before Numba is first imported, so a ``parallel=True`` kernel you write while experimenting
cannot bring the 30-second epochs back.

``ConfigProto(intra_op_parallelism_threads=N)`` is honoured by :func:`set_intra_op_threads`
(the session calls it): it caps the BLAS threads and Numba's thread count at ``N``.

Memory is shared too: :func:`tune_memory_allocator` stops glibc from handing freed arrays
back to the operating system after every op.  A training step allocates and frees the same
few hundred arrays again and again; with glibc's defaults, arrays above 128 KiB came back
from the OS as fresh pages each time: ~4000 page faults per step of an LSTM(128) over 28
rows, and that step ran 20-25 % faster (reference and fast kernels alike) without them.
"""
import os
import sys

_requested_threads = None
_allocator_tuned = None


def prepare_numba():
    """Call before the first ``import numba`` (``jit.py`` does): threads must not spin."""
    if "numba" not in sys.modules:
        # Read once by the OpenMP runtime when it loads; too late once numba has loaded it.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def numba_imported():
    """Called by ``jit.py`` right after it imports numba: apply a thread count asked for earlier."""
    if _requested_threads is not None:
        _set_numba_threads(_requested_threads)


def set_intra_op_threads(n):
    """Use at most ``n`` threads inside one op (TF 1.x ``intra_op_parallelism_threads``).

    ``n`` <= 0 means "the libraries' defaults" and changes nothing.  Caps the BLAS library's
    threads (through ``threadpoolctl``, for the whole process) and Numba's threads (now if
    Numba is loaded, else when it is).  Numba is never imported just for this.
    """
    global _requested_threads
    n = int(n or 0)
    if n <= 0:
        return
    _requested_threads = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:           # optional: without it BLAS keeps its own default
        pass
    else:
        threadpool_limits(limits=n, user_api="blas")
    if "numba" in sys.modules:
        _set_numba_threads(n)


def _set_numba_threads(n):
    import numba
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def tune_memory_allocator():
    """Keep up to 256 MiB of freed memory in the process (glibc ``mallopt``), and serve
    arrays up to 32 MiB from it, instead of returning pages to the OS after each op.

    Linux with glibc only; does nothing if you set ``MALLOC_MMAP_THRESHOLD_`` or
    ``MALLOC_TRIM_THRESHOLD_`` yourself, or ``MINITENSOR_MALLOC=default``.  Safe to call
    more than once.  Returns True when the settings are in force.
    """
    global _allocator_tuned
    if _allocator_tuned is not None:
        return _allocator_tuned
    _allocator_tuned = False
    if (not sys.platform.startswith("linux") or os.environ.get("MINITENSOR_MALLOC") == "default"
            or "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ):
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):          # not glibc (musl, ...): leave it alone
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3           # from glibc's <malloc.h>
    _allocator_tuned = bool(mallopt(m_mmap_threshold, 32 << 20)
                            and mallopt(m_trim_threshold, 256 << 20))
    return _allocator_tuned


def describe():
    """A dict for benchmarks and bug reports: who runs on how many threads."""
    info = {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
            "requested_intra_op_threads": _requested_threads,
            "allocator_tuned": bool(_allocator_tuned),
            "numba_loaded": "numba" in sys.modules}
    if "numba" in sys.modules:
        import numba
        info["numba_threads"] = numba.get_num_threads()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        info["blas"] = ["%s %s, %d threads" % (p.get("internal_api"), p.get("version"),
                                               p.get("num_threads", 0))
                        for p in threadpool_info() if p.get("user_api") == "blas"]
    return info
