"""kernels/cuda_launch.py: the parameters it packs are the ones Numba's own launch packs.

Runs without the simulator, GPU or not: device arrays are made on a pretend allocation (no
GPU memory is touched), and Numba's argument marshalling is called directly.
"""
import ctypes
import os

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "") not in ("", "0"):
    pytest.skip("the simulator launches kernels as Python: nothing to pack",
                allow_module_level=True)

from numba import types  # noqa: E402
from numba.cuda import dispatcher  # noqa: E402
from numba.cuda.cudadrv import driver  # noqa: E402
from numba.cuda.cudadrv.devicearray import DeviceNDArray  # noqa: E402

from minitensor.kernels import cuda_launch  # noqa: E402


def pretend_array(shape, dtype=np.float32, address=0x7F0000001000):
    dtype = np.dtype(dtype)
    strides, step = [], dtype.itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= d
    memory = driver.MemoryPointer(None, address, max(step, 1))
    return DeviceNDArray(shape, tuple(reversed(strides)), dtype, gpu_data=memory)


class _Numba:
    extensions = []


def numbas_params(argument_types, args):
    params = []
    for t, v in zip(argument_types, args):
        dispatcher._Kernel._prepare_args(_Numba(), t, v, 0, [], params)
    return params


def comparable(params):
    return [(type(p).__name__, p.value) if isinstance(p, ctypes._SimpleCData) else
            ("int", int(p)) for p in params]


def test_packed_parameters_equal_numbas():
    argument_types = [types.Array(types.float32, 1, "C"), types.Array(types.float32, 2, "C"),
                      types.Array(types.int64, 1, "C"), types.int64, types.float32,
                      types.boolean]
    args = [pretend_array((17,)), pretend_array((3, 5), address=0x7F0000002000),
            pretend_array((6,), np.int64, address=0x7F0000003000), 561,
            np.float32(0.5), True]
    ours = []
    for pack, value in zip(cuda_launch.packers_for(argument_types), args):
        pack(ours, value)
    assert comparable(ours) == comparable(numbas_params(argument_types, args))


def test_argument_kinds_it_does_not_pack_keep_numbas_launch():
    assert cuda_launch.packers_for([types.float64]) is None
    assert cuda_launch.packers_for([types.complex64]) is None
    assert cuda_launch.packers_for([types.Array(types.float32, 2, "F")]) is None


class _CompilingDispatcher:
    """Stands in for Numba's dispatcher: 'compiles' on the first launch."""

    def __init__(self):
        self._cache_misses = {}
        self.launches = 0

    def __getitem__(self, launch):
        def run(*args):
            self.launches += 1
            self._cache_misses[("sig",)] = 1
        return run


def test_the_first_compiled_gpu_kernel_says_so_once(capsys, monkeypatch):
    from minitensor.kernels import jit, numba_cuda
    monkeypatch.setattr(jit, "_announced", [])
    monkeypatch.delenv("MINITENSOR_QUIET_JIT", raising=False)
    kernel = cuda_launch.gpu_kernel(numba_cuda.fill)
    kernel.dispatcher = _CompilingDispatcher()
    kernel[1, 32]("out", 0.0)
    kernel[1, 32]("out", 0.0)
    err = capsys.readouterr().err
    assert err.count("minitensor: compiling kernels") == 1
    assert "the GPU kernel fill took" in err
    assert kernel.dispatcher.launches == 2
