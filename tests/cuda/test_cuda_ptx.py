"""Compile every CUDA kernel for a real GPU (to PTX), without needing one.

The simulator runs kernels as Python, so it cannot catch what only the CUDA compiler sees:
an operation Numba cannot type on the GPU, float32 math that silently became float64 (a
Python ``1`` or ``0.5`` in a float32 kernel), or an array that lands in slow local memory.
``numba.cuda.compile_ptx`` compiles a kernel with NVVM and needs no GPU, only NVVM itself
(``pip install "cuda-toolkit[nvvm,nvrtc]==13.*"``, or numba-cuda's ``cu12``/``cu13`` extra).
Run by ``tests/test_numba_cuda.py`` without the simulator; see ``tests/cuda/conftest.py``.
"""
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "") not in ("", "0"):
    pytest.skip("compile_ptx needs the real numba.cuda, not the simulator",
                allow_module_level=True)

from numba import cuda, types  # noqa: E402

from minitensor.kernels import numba_cuda as k  # noqa: E402
from minitensor.kernels import numba_cuda_matmul  # noqa: E402


def plain(name):
    """The kernel's plain function (the generated matmuls live in numba_cuda_matmul)."""
    return getattr(k, name, None) or getattr(numba_cuda_matmul, name)

A = types.Array(types.float32, 1, "C")     # what flat() hands the kernels
I64, F32 = types.int64, types.float32
T6 = types.Array(types.int64, 1, "C")        # shapes and strides: int64 arrays (device_ints)

KERNELS = {
    "relu_elementwise": (A, A), "sigmoid_elementwise": (A, A), "tanh_elementwise": (A, A),
    "neg_elementwise": (A, A), "square_elementwise": (A, A), "scaled_copy": (A, A, F32),
    "fill": (A, F32), "relu_grad_elementwise": (A, A, A), "sigmoid_grad_elementwise": (A, A, A),
    "tanh_grad_elementwise": (A, A, A),
    "add_broadcast": (A, A, A, T6, T6, T6, I64), "sub_broadcast": (A, A, A, T6, T6, T6, I64),
    "mul_broadcast": (A, A, A, T6, T6, T6, I64), "div_broadcast": (A, A, A, T6, T6, T6, I64),
    "copy_broadcast": (A, A, T6, T6, I64),
    "sum_rows": (A, A, I64, F32), "sum_columns": (A, A, I64, I64, I64, F32),
    "softmax_rows": (A, A, I64, I64), "softmax_xent_rows": (A, A, A, A, I64, I64),
    "sgd_update": (A, A, A),
    "matmul_tiled": (A, A, A) + (I64,) * 7, "matmul_tiled_8x8": (A, A, A) + (I64,) * 7,
    "matmul_tiled_4x4": (A, A, A) + (I64,) * 7,
    "add_elementwise": (A, A, A), "sub_elementwise": (A, A, A), "mul_elementwise": (A, A, A),
    "div_elementwise": (A, A, A),
    "momentum_update": (A, A, A, A, A, types.boolean), "adam_update": (A,) * 10,
    "concat_columns": (A, A, A, I64, I64, I64), "split_columns": (A, A, A, I64, I64, I64),
    "lstm_gates": (A,) * 10 + (I64, I64, F32, F32),
    "lstm_gates_grad": (A,) * 16 + (I64, I64, F32),
    "bias_activation": (A, A, A, I64), "gru_output": (A,) * 6 + (I64, I64),
    "gru_output_grad": (A,) * 9 + (I64, I64), "gru_gates_grad": (A,) * 8 + (I64,) * 3,
    "gru_input_grads": (A,) * 4 + (I64,) * 3,
}


class _PretendDevice:
    compute_capability = (8, 0)


@pytest.fixture(autouse=True)
def _device_functions_compile_without_a_gpu(monkeypatch):
    """Numba compiles a device function (called from a kernel) for the *current* device; with
    no GPU there is none, so pretend to be a compute-capability-8.0 one."""
    if not cuda.is_available():
        import numba.cuda.dispatcher as dispatcher
        monkeypatch.setattr(dispatcher, "get_current_device", lambda: _PretendDevice())


def _nvvm_missing():
    try:
        cuda.compile_ptx(k.fill, (A, F32), cc=(8, 0))
    except Exception as e:      # NVVM/NVRTC not found, or too old
        return "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
    return None


_MISSING = _nvvm_missing()
pytestmark = pytest.mark.skipif(
    _MISSING is not None,
    reason="NVVM is not installed, so kernels cannot be compiled for a GPU here (%s); "
           "install it with: pip install \"cuda-toolkit[nvvm,nvrtc]==13.*\"" % _MISSING)


def test_every_kernel_is_in_the_table():
    jitted = {name[:-4] for name in dir(k) if name.endswith("_gpu")}
    device_functions = {"sigmoid_scalar", "broadcast_offset", "store_inside", "first_item",
                        "load", "activate"}
    assert jitted - device_functions == set(KERNELS)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_compiles_for_a_gpu_in_float32(name):
    ptx, _ = cuda.compile_ptx(plain(name), KERNELS[name], cc=(8, 0))
    assert ".entry" in ptx
    # float32 kernels must not compute in float64 (a Python 1.0 promotes silently)
    f64 = [line.strip() for line in ptx.splitlines() if ".f64" in line]
    assert not f64, "%s computes in float64:\n%s" % (name, "\n".join(f64[:5]))


@pytest.mark.parametrize("name", sorted(n for n in KERNELS if "elementwise" in n)
                         + ["scaled_copy"])
def test_element_wise_kernels_keep_their_items_in_registers(name):
    ptx, _ = cuda.compile_ptx(plain(name), KERNELS[name], cc=(8, 0))
    assert ".local" not in ptx
    assert ptx.count("ld.global") >= k.ITEMS      # unrolled: every item's load is there


@pytest.mark.parametrize("name", ["matmul_tiled", "matmul_tiled_4x4", "matmul_tiled_8x8"])
def test_matmul_keeps_its_accumulators_out_of_local_memory(name):
    ptx, _ = cuda.compile_ptx(plain(name), KERNELS[name], cc=(8, 0))
    assert ".local" not in ptx
    assert ptx.count("bar.sync") >= 2          # two barriers per k step
    assert "fma.rn.f32" in ptx

