"""Launching Numba CUDA kernels with less Python in the way.

``relu_gpu = gpu_kernel(relu)`` is ``cuda.jit(cache=True)(relu)``, launched the usual way --
``relu_gpu[blocks, threads](out, x)`` -- but cheaper from the second launch on.

Why: a Numba launch does a lot of Python before the GPU hears of it.  It types every
argument to find (or compile) the kernel's version for those types, then turns each
argument into the values the compiled kernel takes -- a device array becomes seven numbers:
two unused pointers, its size, its item size, its data pointer, its shape and its strides.
On an H200 that was ~50 us per launch, more than most of minitensor's kernels run; a
training step at batch 100 is ~35 launches, all of it overhead.  With the direct launch
below it is ~10 us (the MNIST MLP step at batch 10,000: 7.4 -> 5.1 ms).

What this module does instead, once the first launch (through Numba) has compiled the
kernel's one version:

1. ``MINITENSOR_CUDA_LAUNCH=compiled``: hand the arguments straight to that compiled kernel
   (``kernel.launch``), skipping the typing;
2. ``MINITENSOR_CUDA_LAUNCH=direct`` (the default): also turn the arguments into the
   kernel's parameters here -- only the three kinds minitensor's kernels take: arrays,
   integers, float32 (and booleans) -- and call CUDA's launch with a launch configuration
   made once per grid shape;
3. ``MINITENSOR_CUDA_LAUNCH=numba``: always launch through Numba.

If a kernel is ever launched with a second set of types, or a launch raises TypeError (a
numba-cuda whose internals differ), that kernel goes back to Numba's launch for good.  In
Numba's simulator every launch goes through Numba.
"""
import ctypes
import functools
import os
import time

from numba import cuda, types
from numba.cuda.errors import normalize_kernel_dimensions

from .jit import _announce_first_compile


def _mode():
    mode = os.environ.get("MINITENSOR_CUDA_LAUNCH", "direct")
    return mode if mode in ("direct", "compiled", "numba") else "direct"


class gpu_kernel:  # noqa: N801  (used like a decorator: ``relu_gpu = gpu_kernel(relu)``)
    """A jitted kernel (``cuda.jit(cache=True)(fn)``) with a cheaper launch; see the module
    docstring.  ``kernel[grid, block](*args)`` launches it on the default stream."""

    def __init__(self, fn):
        self.dispatcher = cuda.jit(cache=True)(fn)
        self.py_func = fn
        self.__doc__ = fn.__doc__
        self.compiled = None          # Numba's compiled kernel, once there is exactly one
        self.stream = 0               # the default stream, as the compiled kernel wants it
        self.direct = None            # (CUDA kernel handle, per-argument packers)
        self.configs = {}             # (grid, block) -> CUDA launch configuration

    def __getitem__(self, launch):
        grid, block = launch
        return functools.partial(self._launch, grid, block)

    def _launch(self, grid, block, *args):
        if self.compiled:
            try:
                if self.direct:
                    return self._launch_direct(grid, block, args)
                grid, block = normalize_kernel_dimensions(grid, block)
                return self.compiled.launch(args, grid, block, self.stream, 0)
            except TypeError:         # another numba-cuda: launch as Numba does, from now on
                self.compiled = False
        if self.compiled is None:
            start = time.perf_counter()
            self.dispatcher[grid, block](*args)
            self._announce_if_compiled(time.perf_counter() - start)
            self._remember_compiled()
        else:
            self.dispatcher[grid, block](*args)

    def _announce_if_compiled(self, seconds):
        """The first GPU kernel compiled (not loaded from Numba's on-disk cache) in this
        process says so, like the CPU kernels (kernels/jit.py): the first training step on a
        GPU compiles ~40 kernels, a few seconds in all."""
        misses = getattr(self.dispatcher, "_cache_misses", None)   # absent in the simulator
        if misses:
            _announce_first_compile("the GPU kernel " + self.py_func.__name__, seconds)

    def _remember_compiled(self):
        overloads = getattr(self.dispatcher, "overloads", None)   # None in the simulator
        mode = _mode()
        if overloads is None or len(overloads) != 1 or mode == "numba":
            return
        from numba.cuda.cudadrv import driver
        self.compiled = next(iter(overloads.values()))
        to_core_stream = getattr(driver, "_to_core_stream", None)
        self.stream = to_core_stream(0) if to_core_stream is not None else 0
        if mode == "direct":
            self.direct = _direct_launcher(self.compiled)

    def _launch_direct(self, grid, block, args):
        config = self.configs.get((grid, block))
        if config is None:
            config = self.configs[(grid, block)] = _launch_config(
                *normalize_kernel_dimensions(grid, block))
        handle, packers, launch = self.direct
        params = []
        for pack, value in zip(packers, args):
            pack(params, value)
        launch(self.stream, config, handle, *params)


# --- turning arguments into kernel parameters (what Numba's launch does, for our types) ---

def _pack_array(params, array):
    """A device array is passed as: meminfo, parent (unused: 0), size, item size, data
    pointer, shape..., strides (bytes)..."""
    params.append(0)
    params.append(0)
    params.append(array.size)
    params.append(array.dtype.itemsize)
    params.append(array.device_ctypes_pointer.value or 0)
    params.extend(array.shape)
    params.extend(array.strides)


def _pack_float32(params, value):
    params.append(ctypes.c_float(value))


def _pack_as_is(params, value):
    params.append(value)


def _integer_packer(numba_type):
    c_type = getattr(ctypes, "c_%s" % numba_type)

    def pack(params, value):
        params.append(c_type(value))
    return pack


def packers_for(argument_types):
    """One packer per argument type, or None when one is of a kind this module does not
    pack (then the compiled kernel's own launch is used)."""
    packers = []
    for t in argument_types:
        if isinstance(t, types.Array) and t.layout in ("C", "A"):
            packers.append(_pack_array)
        elif isinstance(t, types.Integer):
            packers.append(_integer_packer(t))
        elif t == types.float32:
            packers.append(_pack_float32)
        elif t == types.boolean:
            packers.append(_pack_as_is)
        else:
            return None
    return packers


def _direct_launcher(compiled):
    """(CUDA kernel handle, packers, CUDA's launch function), or None when this kernel
    needs Numba's own launch (debug or cooperative kernels, argument extensions, argument
    kinds not packed here, another numba-cuda)."""
    if getattr(compiled, "debug", False) or getattr(compiled, "cooperative", False) \
            or getattr(compiled, "extensions", None):
        return None
    packers = packers_for(compiled.argument_types)
    if packers is None:
        return None
    try:
        import cuda.core
        handle = compiled._codelibrary.get_cufunc().kernel
        launch, _ = cuda.core.launch, cuda.core.LaunchConfig
    except Exception:                                   # another numba-cuda / cuda.core
        return None
    return handle, packers, launch


def _launch_config(grid, block):
    from cuda.core import LaunchConfig
    try:
        return LaunchConfig(grid=grid, block=block, shmem_size=0, is_cooperative=False)
    except TypeError:                                   # cuda.core before 1.0
        return LaunchConfig(grid=grid, block=block, shmem_size=0, cooperative_launch=False)
