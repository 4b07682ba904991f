"""``njit_lazy``: Numba's ``@njit``, compiled on the first call instead of at import.

A kernel is written as a plain Python function over arrays and jitted on the next line::

    def _relu_loop(x, out):
        '''for i: out[i] = x[i] if x[i] > 0 else 0'''
        ...

    _relu_kernel = njit_lazy(_relu_loop, "R1 W1")

``_relu_kernel(x, out)`` runs the compiled loop; ``_relu_loop(x, out)`` is still the plain
Python function (step into it with a debugger), and ``NUMBA_DISABLE_JIT=1`` makes every
kernel run as plain Python.  Nothing here imports Numba until a kernel is first called, so
``import minitensor`` stays fast (Numba alone takes ~0.3 s to import).

The second argument lists the argument types, one token each, for BOTH float32 and float64
(each kernel is compiled for the two; other dtypes never reach it):

    R1, R2   read-only C-contiguous float array, 1-D / 2-D   (a writable one is accepted too)
    W1, W2   writable C-contiguous float array, 1-D / 2-D    (the kernel's outputs)
    F        float scalar (pass ``x.dtype.type(value)``, so float32 stays float32)
    D1, D    float64 array / scalar whatever the kernel's dtype
    I1       read-only C-contiguous int64 array
    N, B     int64 / bool scalar
    "... -> N" at the end: the kernel returns an int64 (default: returns nothing)

Compiled code is cached on disk (``cache=True``, in ``__pycache__`` next to the kernels'
module): the first process pays ~0.1-0.5 s per kernel, later ones load it in ~0.01 s.
:func:`warmup` compiles everything up front.  Numba re-compiles when the kernels' source file
changes, but NOT when only the options below change: after editing them, delete
``minitensor/kernels/__pycache__/*.nbi`` (or touch ``numba_cpu.py``).
"""
import os
import sys
import time

# fastmath flags that cannot change what a learner sees: fused multiply-add, ignoring the
# sign of zero, x/y as x*(1/y) (each off by an ulp at most).  Deliberately NOT "nnan"/"ninf"
# (NaN and inf must propagate: check_numerics finds them) and not "afn" (approximate exp).
SAFE_FASTMATH = frozenset({"contract", "nsz", "arcp"})

# Plus "reassoc" (reorder additions) for kernels that only SUM: LLVM then keeps 8-16
# partial sums in SIMD registers.  Not safe in general: in a cross-entropy it turned the
# stable (x - max) - lse into x - (max + lse), and with max = -1e4 the float32 loss lost
# four digits (tests/test_numba_cpu.py, test_softmax_cross_entropy_is_stable...).
SUM_FASTMATH = SAFE_FASTMATH | {"reassoc"}

_KERNELS = []           # every LazyKernel ever made, in declaration order (for warmup)
_numba_missing = None   # None: not looked yet; True/False after the first look


def numba_available():
    """Is Numba installed?  (Looks without importing it.)"""
    global _numba_missing
    if _numba_missing is None:
        import importlib.util
        _numba_missing = importlib.util.find_spec("numba") is None
    return not _numba_missing


_announced = []


def _announce_first_compile(name, seconds):
    """Say once per process why the first steps are slower (JIT cost is paid once, shown)."""
    if not _announced and os.environ.get("MINITENSOR_QUIET_JIT") != "1":
        _announced.append(True)
        print("minitensor: compiling kernels (first run only; %s took %.1f s, later runs load "
              "them from the on-disk cache; tf.warmup() compiles them all up front; "
              "MINITENSOR_QUIET_JIT=1 hides this line)" % (name, seconds), file=sys.stderr)


class LazyKernel:
    """A plain function plus what Numba needs to compile it; compiled on first call."""

    def __init__(self, py_func, signature, fastmath=SAFE_FASTMATH, parallel=False):
        self.py_func = py_func
        self.signature = signature
        self.fastmath = fastmath
        self.parallel = parallel
        self.__name__ = py_func.__name__
        self.__doc__ = py_func.__doc__
        self.compile_seconds = None    # wall time of the compile (or cache load)
        self.cache_hits = 0            # signatures loaded from the on-disk cache
        self._dispatcher = None
        _KERNELS.append(self)

    def __call__(self, *args):
        dispatcher = self._dispatcher
        if dispatcher is None:
            dispatcher = self.compile()
        return dispatcher(*args)

    def compile(self):
        """Compile (or load from the cache) the float32 and float64 versions now."""
        if self._dispatcher is not None:
            return self._dispatcher
        numba = import_numba()
        start = time.perf_counter()
        signatures = [numba_signature(self.signature, dtype) for dtype in ("float32", "float64")]
        # error_model="numpy": x / 0 gives inf or nan, as in NumPy (the reference kernels),
        # instead of raising ZeroDivisionError; it also lets LLVM vectorise loops that
        # divide (the zero check of the "python" model is a branch in every iteration).
        dispatcher = numba.njit(signatures, cache=True, error_model="numpy",
                                fastmath=set(self.fastmath or ()) or False,
                                parallel=self.parallel)(self.py_func)
        self.compile_seconds = time.perf_counter() - start
        stats = getattr(dispatcher, "stats", None)          # absent with NUMBA_DISABLE_JIT=1
        self.cache_hits = sum(stats.cache_hits.values()) if stats is not None else 0
        if stats is not None and self.cache_hits < len(signatures):   # really compiled
            _announce_first_compile(self.__name__, self.compile_seconds)
        self._dispatcher = dispatcher
        return dispatcher

    @property
    def compiled(self):
        return self._dispatcher is not None

    def example_arguments(self, dtype):
        """Arguments of the right types with no elements (warmup calls every kernel once)."""
        import numpy as np
        args = []
        for token in self.signature.split("->")[0].split():
            kind, ndim = token[0], int(token[1:] or 0)
            if kind in "RW":
                args.append(np.zeros((0,) * ndim, dtype))
            elif kind == "D":
                args.append(np.zeros((0,) * ndim, np.float64) if ndim else 0.0)
            elif kind == "I":
                args.append(np.zeros((0,) * ndim, np.int64))
            elif kind == "F":
                args.append(np.dtype(dtype).type(0))
            elif kind == "N":
                args.append(0)
            elif kind == "B":
                args.append(False)
        return args

    def __repr__(self):
        return "<kernel %s (%s)%s>" % (self.__name__, self.signature,
                                       "" if self.compiled else ", not compiled yet")


def njit_lazy(py_func, signature, fastmath=SAFE_FASTMATH, parallel=False):
    """``numba.njit(signatures, cache=True, fastmath=...)`` applied on the first call."""
    return LazyKernel(py_func, signature, fastmath, parallel)


def import_numba():
    """Import numba, after the thread settings that must precede it (see threads.py)."""
    from . import threads
    threads.prepare_numba()
    import numba
    threads.numba_imported()
    return numba


def numba_signature(spec, float_name):
    """"R2 W1 F -> N" for float32 -> int64(float32[:, ::1] (read-only), float32[::1], float32)."""
    from numba import types
    flt = getattr(types, float_name)
    arguments, _, returns = spec.partition("->")

    def one(token):
        kind, ndim = token[0], int(token[1:] or 0)
        if kind == "R":
            return types.Array(flt, ndim, "C", readonly=True)
        if kind == "W":
            return types.Array(flt, ndim, "C")
        if kind == "D":
            return types.Array(types.float64, ndim, "C", readonly=True) if ndim else types.float64
        if kind == "I":
            return types.Array(types.int64, ndim, "C", readonly=True)
        if kind == "F":
            return flt
        if kind == "N":
            return types.int64
        if kind == "B":
            return types.boolean
        raise ValueError("unknown argument type %r in kernel signature %r" % (token, spec))

    result = one(returns.strip()) if returns.strip() else types.void
    return result(*[one(t) for t in arguments.split()])


def kernels():
    """Every kernel declared so far (import the kernel modules first)."""
    return list(_KERNELS)
