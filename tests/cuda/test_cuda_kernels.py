"""Every CUDA kernel against the op's NumPy reference kernel, on small odd shapes.

Run by ``tests/test_numba_cuda.py`` (in the CUDA simulator, and on a GPU when there is
one); see ``tests/cuda/conftest.py``.  The simulator runs ~150 us per GPU thread, so the
shapes stay small: 17 x 33 (561 threads), 1 x 1, empty, and a few that cross the matmul's
64 x 64 tiles and 16-wide k steps.
"""
import numpy as np
import pytest
from numba import cuda
from hypothesis import given, settings
from hypothesis import strategies as st

import minitensor as tf
from minitensor.framework.registry import get_op_def
from minitensor.kernels import numba_cuda
from strategies import broadcastable_shapes

if not cuda.is_available():
    pytest.skip("no CUDA GPU here (numba.cuda.is_available() is False); run with "
                "NUMBA_ENABLE_CUDASIM=1 to use Numba's CUDA simulator", allow_module_level=True)

RNG = np.random.default_rng(1234)


def normal(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, size=shape).astype(np.float32)


def scalar(value):
    return np.array(value, dtype=np.float32)


def one_hot(rows, n):
    labels = np.zeros((rows, n), np.float32)
    if rows and n:
        labels[np.arange(rows), RNG.integers(0, n, size=rows)] = 1
    return labels


def run_both(op_type, inputs, attrs):
    """(reference result, CUDA result copied back) for one op."""
    kernels = get_op_def(op_type).kernels
    reference = kernels["reference"](*[np.array(x) for x in inputs], **attrs)
    on_gpu = kernels["cuda"](*[numba_cuda.to_device(x) for x in inputs], **attrs)
    if isinstance(on_gpu, tuple):
        return reference, tuple(v.copy_to_host() for v in on_gpu)
    return reference, on_gpu.copy_to_host()


def check(op_type, inputs, attrs=None, rtol=1e-5, atol=1e-6):
    reference, on_gpu = run_both(op_type, inputs, attrs or {})
    pairs = zip(reference, on_gpu) if isinstance(on_gpu, tuple) else [(reference, on_gpu)]
    for ref, got in pairs:
        ref = np.asarray(ref)
        assert got.dtype == np.float32
        assert got.shape == ref.shape, "%s: shape %s, reference %s" % (op_type, got.shape,
                                                                       ref.shape)
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg="%s on the GPU differs from the reference" % op_type)


# --- element-wise --------------------------------------------------------------------------

BINARY_SHAPES = [
    ((17, 33), (17, 33)),
    ((17, 33), (33,)),           # a row vector: the bias of a dense layer
    ((17, 1), (1, 33)),          # an outer sum
    ((33,), (17, 33)),
    ((), (17, 33)),              # a scalar
    ((1, 1), (1, 1)),
    ((0, 5), (5,)),              # empty
    ((2, 3, 4, 5), (3, 1, 5)),
]


@pytest.mark.parametrize("op_type", ["Add", "Sub", "Mul", "RealDiv"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_broadcasting_binary_ops(op_type, shapes):
    x = normal(*shapes[0])
    y = positive(*shapes[1]) if op_type == "RealDiv" else normal(*shapes[1])
    check(op_type, [x, y])


@settings(deadline=None, max_examples=10)
@given(broadcastable_shapes(max_rank=4, max_side=3))
def test_add_broadcasts_like_numpy(shapes):
    check("Add", [normal(*shapes[0]), normal(*shapes[1])])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # the simulator divides in NumPy
def test_division_by_zero_gives_inf_and_nan_like_numpy():
    with np.errstate(all="ignore"):
        check("RealDiv", [np.array([1, -1, 0], np.float32), np.zeros(3, np.float32)])


UNARY_INPUTS = {
    "17x33": normal(17, 33, scale=3.0),
    "1x1": normal(1, 1),
    "empty": normal(0, 5),
    "extremes": np.array([-100, -20, -1e-3, 0, 1e-3, 20, 100, np.nan], np.float32),
}


@pytest.mark.parametrize("op_type", ["Relu", "Sigmoid", "Tanh", "Neg", "Square"])
@pytest.mark.parametrize("name", list(UNARY_INPUTS))
def test_unary_ops(op_type, name):
    check(op_type, [UNARY_INPUTS[name]])


@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (0, 5)], ids=str)
def test_activation_gradients(shape):
    x = normal(*shape)
    x.flat[::7] = 0.0                         # relu's kink: the gradient there is 0
    grad = normal(*shape)
    check("ReluGrad", [grad, x])
    sig = 1 / (1 + np.exp(-x))
    check("SigmoidGrad", [sig.astype(np.float32), grad])
    check("TanhGrad", [np.tanh(x), grad])


# --- reductions ----------------------------------------------------------------------------

REDUCTIONS = [
    ((17, 33), None, False),
    ((17, 33), (0,), False),            # over the batch: the bias gradient's pattern
    ((17, 33), (1,), True),             # along memory (sum_rows)
    ((17, 33), (0, 1), True),
    ((1, 1), None, False),
    ((0, 5), (0,), False),              # sum over nothing: zeros (mean: NaN)
    ((2, 3, 5), (0, 2), False),         # two separate runs of axes
    ((2, 3, 5), (1,), True),
    ((300,), None, False),              # more than one block's worth of threads per row
]


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.parametrize("op_type", ["ReduceSum", "ReduceMean"])
@pytest.mark.parametrize("shape,axis,keepdims", REDUCTIONS, ids=str)
def test_reductions(op_type, shape, axis, keepdims):
    with np.errstate(all="ignore"):
        check(op_type, [normal(*shape)], {"axis": axis, "keepdims": keepdims}, atol=1e-5)


@pytest.mark.parametrize("shapes", [((17, 33), (33,)), ((17, 33), (17, 1)),
                                    ((2, 3, 4), (3, 1)), ((17, 33), (17, 33)),
                                    ((0, 5), (5,))], ids=str)
def test_sum_to_shape(shapes):
    check("SumToShape", [normal(*shapes[0]), np.zeros(shapes[1], np.float32)], atol=1e-5)


@pytest.mark.parametrize("shapes", [((33,), (17, 33)), ((17, 1), (17, 33)), ((), (2, 3)),
                                    ((1, 1), (1, 1))], ids=str)
def test_broadcast_to_like(shapes):
    check("BroadcastToLike", [normal(*shapes[0]), np.zeros(shapes[1], np.float32)])


@pytest.mark.parametrize("value_shape,axis", [((17, 33), -1), ((2, 3, 4, 5), 1),
                                              ((1, 1), 1), ((0, 5), -1)], ids=str)
def test_bias_add_and_its_gradient(value_shape, axis):
    channels = value_shape[axis]
    check("BiasAdd", [normal(*value_shape), normal(channels)], {"axis": axis})
    check("BiasAddGrad", [normal(*value_shape)], {"axis": axis}, atol=1e-5)


# --- softmax and cross-entropy -------------------------------------------------------------

@pytest.mark.parametrize("x", [normal(17, 33, scale=3.0), normal(1, 1), normal(0, 5),
                               normal(2, 3, 4), np.array([[1e4, 0, -1e4]], np.float32)],
                         ids=["17x33", "1x1", "empty", "3-D", "huge"])
def test_softmax(x):
    check("Softmax", [x], {"axis": x.ndim - 1})


@pytest.mark.parametrize("rows,n", [(17, 33), (1, 1), (0, 5), (5, 10)])
def test_softmax_cross_entropy_forward_and_backward(rows, n):
    logits = normal(rows, n, scale=3.0)
    check("SoftmaxCrossEntropyWithLogits", [logits, one_hot(rows, n)], {"axis": 1}, atol=1e-5)
    soft_labels = positive(rows, n)
    soft_labels /= np.maximum(soft_labels.sum(axis=1, keepdims=True), 1e-6)
    check("SoftmaxCrossEntropyWithLogits", [logits, soft_labels], {"axis": 1}, atol=1e-5)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0, -1e4], [-1e4, -1e4, 1e4]], np.float32)
    check("SoftmaxCrossEntropyWithLogits", [logits, one_hot(2, 3)], {"axis": 1})


# --- matmul --------------------------------------------------------------------------------

TRANSPOSES = [(False, False), (True, False), (False, True), (True, True)]
MATMULS = [
    (shapes, ta, tb) for shapes in [
        ((17, 33), (33, 5)),   # nothing is a multiple of the 64 x 64 tile or the 16-wide k
        ((1, 1), (1, 1)),
        ((5, 70), (70, 3)),    # five k steps, the last one partial
        ((0, 3), (3, 4)),      # empty result
        ((3, 0), (0, 4)),      # empty sum: zeros
    ] for ta, tb in TRANSPOSES
] + [(((65, 17), (17, 66)), False, False)]     # 2 x 2 blocks sticking out (slow: once)


def _stored(shape, transposed):
    return normal(*(shape[::-1] if transposed else shape))


@pytest.mark.parametrize("shapes,transpose_a,transpose_b", MATMULS, ids=str)
def test_matmul(shapes, transpose_a, transpose_b):
    a, b = _stored(shapes[0], transpose_a), _stored(shapes[1], transpose_b)
    k = shapes[0][1]
    check("MatMul", [a, b], {"transpose_a": transpose_a, "transpose_b": transpose_b},
          rtol=1e-4, atol=1e-5 * max(k, 1))


@settings(deadline=None, max_examples=6)
@given(st.integers(1, 20), st.integers(1, 40), st.integers(1, 20))
def test_matmul_any_small_shape(m, k, n):
    check("MatMul", [normal(m, k), normal(k, n)], {"transpose_a": False, "transpose_b": False},
          rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernel", ["readable", "8x8"])
@pytest.mark.parametrize("shapes,transpose_a,transpose_b", [
    (((129, 3), (3, 5)), False, False),        # two 128-row tiles, the second one row deep
    (((4, 17), (17, 130)), True, True),        # two 128-column tiles, k one past 16
], ids=str)
def test_every_matmul_kernel_matches_the_reference(kernel, shapes, transpose_a, transpose_b,
                                                  monkeypatch):
    """(The default kernel, the generated 4 x 4 one, is the one test_matmul uses.)"""
    monkeypatch.setenv("MINITENSOR_CUDA_MATMUL", kernel)
    assert numba_cuda.matmul_kernel_for(*shapes[0]) == kernel
    a, b = _stored(shapes[0], transpose_a), _stored(shapes[1], transpose_b)
    check("MatMul", [a, b], {"transpose_a": transpose_a, "transpose_b": transpose_b},
          rtol=1e-4, atol=1e-4)


def test_the_generated_matmul_kernels_are_what_tools_gen_matmul_writes():
    import importlib.util
    import os
    from minitensor.kernels import numba_cuda_matmul
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "gen_matmul.py")
    spec = importlib.util.spec_from_file_location("gen_matmul", path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(numba_cuda_matmul.__file__) as f:
        assert f.read() == gen.module_source(), \
            "run: python tools/gen_matmul.py > minitensor/kernels/numba_cuda_matmul.py"


def test_small_products_use_the_4x4_kernel_and_big_ones_the_8x8_kernel(monkeypatch):
    monkeypatch.delenv("MINITENSOR_CUDA_MATMUL", raising=False)
    monkeypatch.setattr(numba_cuda, "_SM_COUNT", [132])
    assert numba_cuda.matmul_kernel_for(17, 33) == "4x4"
    assert numba_cuda.matmul_kernel_for(4096, 4096) == "8x8"


@pytest.mark.parametrize("kernel", ["readable", "4x4"])
@pytest.mark.parametrize("transpose_a", [False, True])
def test_a_long_k_is_split_into_chunks_and_summed(transpose_a, kernel, monkeypatch):
    """3 x 600 @ 600 x 4: one 64 x 64 tile and a long k -> 9 chunks of 80 (the last 40)."""
    assert numba_cuda.split_k_for(3, 4, 600) == 9
    monkeypatch.setenv("MINITENSOR_CUDA_MATMUL", kernel)
    a, b = _stored((3, 600), transpose_a), normal(600, 4)
    check("MatMul", [a, b], {"transpose_a": transpose_a, "transpose_b": False},
          rtol=1e-4, atol=1e-4)


def test_split_k_is_used_for_weight_gradients_only(monkeypatch):
    monkeypatch.setattr(numba_cuda, "_SM_COUNT", [132])          # an H200
    assert numba_cuda.split_k_for(784, 256, 10000) == 6           # x^T @ d, batch 10,000
    assert numba_cuda.split_k_for(10000, 256, 784) == 1           # the forward product
    assert numba_cuda.split_k_for(784, 256, 100) == 1             # batch 100: k is short
    assert numba_cuda.split_k_for(100, 256, 784) == 12            # forward at batch 100
    assert numba_cuda.split_k_for(1024, 1024, 1024) == 1          # 256 tiles: enough


def test_matmul_refuses_mismatched_inner_dimensions():
    with pytest.raises(ValueError, match="inner dimensions"):
        numba_cuda.matmul(numba_cuda.to_device(normal(2, 3)), numba_cuda.to_device(normal(4, 2)))


# --- shapes and fills ----------------------------------------------------------------------

def test_reshape_expand_dims_identity_and_fills():
    x = normal(17, 33)
    check("Reshape", [x], {"shape": (33, -1)})
    check("Reshape", [normal(0, 5)], {"shape": (5, 0)})
    check("ExpandDims", [x], {"axis": (1,)})
    check("ExpandDims", [x], {"axis": (-1,)})
    check("ReshapeLike", [x, np.zeros((561,), np.float32)])
    check("Identity", [x])
    check("StopGradient", [x])
    check("OnesLike", [x], {"dtype": tf.float32})
    check("ZerosLike", [normal(0, 3)], {"dtype": tf.float32})


def test_reshape_error_names_the_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\(17, 33\) \(561 elements\)"):
        get_op_def("Reshape").kernels["cuda"](numba_cuda.to_device(normal(17, 33)),
                                               shape=(5, -1))


# --- the layout helper the broadcasting kernels rely on ---------------------------------

def test_broadcast_layout_merges_dimensions_that_walk_together():
    shape, strides, ndim = numba_cuda.broadcast_layout((17, 33), (17, 33), (17, 33))
    assert ndim == 1 and shape[-1] == 561 and strides == [(0,) * 5 + (1,)] * 2
    shape, strides, ndim = numba_cuda.broadcast_layout((17, 33), (17, 33), (33,))
    assert ndim == 2 and shape[-2:] == (17, 33)
    assert strides[0][-2:] == (33, 1) and strides[1][-2:] == (0, 1)
    _, _, ndim = numba_cuda.broadcast_layout((1, 1), (1, 1))
    assert ndim == 0


def test_launches_after_the_first_skip_numbas_argument_typing():
    x = numba_cuda.to_device(normal(17, 33))
    kernel = numba_cuda.gpu_kernel(numba_cuda.neg_elementwise)
    for _ in range(3):
        out = numba_cuda.empty((17, 33))
        kernel[numba_cuda.blocks_for(out.size), numba_cuda.THREADS](numba_cuda.flat(out),
                                                                   numba_cuda.flat(x))
        np.testing.assert_array_equal(out.copy_to_host(), -x.copy_to_host())
    from numba.core import config
    assert (kernel.compiled is None) == bool(config.ENABLE_CUDASIM)


def test_the_fast_launch_hands_numbas_compiled_kernel_normalised_dimensions():
    """The launch path a real GPU takes after the first launch, with the compiled kernel
    replaced by a recorder (the simulator has no compiled kernels)."""
    calls = []

    class Recorder:
        def __init__(self, fail=False):
            self.fail = fail

        def launch(self, args, grid, block, stream, sharedmem):
            calls.append((args, grid, block, stream, sharedmem))
            if self.fail:
                raise TypeError("this numba-cuda launches differently")

    kernel = numba_cuda.gpu_kernel(numba_cuda.fill)
    kernel.compiled, kernel.stream = Recorder(), "the default stream"
    out = numba_cuda.empty((3,))
    kernel[1, 256](out, numba_cuda.ONE)
    assert calls == [((out, numba_cuda.ONE), (1, 1, 1), (256, 1, 1), "the default stream", 0)]
    kernel.compiled = Recorder(fail=True)            # a launch it cannot take: Numba's way
    kernel[1, 256](numba_cuda.flat(out), numba_cuda.ZERO)
    assert kernel.compiled is False
    np.testing.assert_array_equal(out.copy_to_host(), 0)


def test_the_kernels_are_plain_functions_jitted_on_the_next_line():
    assert numba_cuda.matmul_tiled.__doc__.lstrip().startswith("C[m, n] = A[m, k] @ B[k, n]")
    assert callable(numba_cuda.relu_elementwise)
    assert numba_cuda.relu_elementwise_gpu is not numba_cuda.relu_elementwise


# --- LSTM and GRU steps -------------------------------------------------------------------

RNN_SHAPES = [(3, 5, 7), (1, 1, 1)]          # (batch, inputs, units)


@pytest.mark.parametrize("cell_clip", [None, 0.5])
@pytest.mark.parametrize("rows,n,units", RNN_SHAPES)
def test_lstm_block_cell_and_its_gradient(rows, n, units, cell_clip):
    x, cs_prev, h_prev = normal(rows, n), normal(rows, units), normal(rows, units)
    kernel, bias = normal(n + units, 4 * units, scale=0.5), normal(4 * units)
    check("LSTMBlockCell", [x, cs_prev, h_prev, kernel, bias],
          {"forget_bias": 1.0, "cell_clip": cell_clip}, rtol=1e-4, atol=1e-5)
    outputs = get_op_def("LSTMBlockCell").kernels["reference"](
        x, cs_prev, h_prev, kernel, bias, forget_bias=1.0, cell_clip=cell_clip)
    i, cs, f, o, ci, co, _ = outputs
    grads = [normal(rows, units) for _ in range(7)]
    check("LSTMBlockCellGrad", [x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co] + grads,
          {"cell_clip": cell_clip}, rtol=1e-4, atol=1e-5)
    # outputs nothing depends on may send a scalar 0 as their gradient
    grads[0] = grads[2] = scalar(0.0)
    check("LSTMBlockCellGrad", [x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co] + grads,
          {"cell_clip": cell_clip}, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rows,n,units", RNN_SHAPES)
def test_gru_block_cell_and_its_gradient(rows, n, units):
    x, h_prev = normal(rows, n), normal(rows, units)
    w_ru, w_c = normal(n + units, 2 * units, scale=0.5), normal(n + units, units, scale=0.5)
    b_ru, b_c = normal(2 * units), normal(units)
    check("GRUBlockCell", [x, h_prev, w_ru, w_c, b_ru, b_c], rtol=1e-4, atol=1e-5)
    r, u, c, _ = get_op_def("GRUBlockCell").kernels["reference"](x, h_prev, w_ru, w_c, b_ru,
                                                                 b_c)
    grads = [normal(rows, units) for _ in range(4)]
    check("GRUBlockCellGrad", [x, h_prev, w_ru, w_c, r, u, c] + grads, rtol=1e-4, atol=1e-5)


# --- x + b and an activation, fused (kernels/fusion.py) -----------------------------------

@pytest.mark.parametrize("activation,numpy_twin", [
    ("Relu", lambda v: np.maximum(v, 0)),
    ("Sigmoid", lambda v: 1 / (1 + np.exp(-v))),
    ("Tanh", np.tanh),
])
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (3, 4, 5)])
def test_fused_bias_activation(activation, numpy_twin, shape):
    x, b = normal(*shape, scale=3.0), normal(shape[-1])
    kernel = numba_cuda.fused_bias_activation(activation)
    got = kernel(numba_cuda.to_device(x), numba_cuda.to_device(b)).copy_to_host()
    np.testing.assert_allclose(got, numpy_twin((x + b).astype(np.float64)), rtol=1e-5,
                               atol=1e-6)
