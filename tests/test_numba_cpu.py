"""The Numba CPU kernels against the NumPy reference kernels they stand in for.

Every fast kernel is called next to its op's reference kernel on odd shapes (17x33, 1x1,
empty), in float32 and float64, and must give the same dtype, shape and values.  A spy on
the reference kernel tells whether the fast path ran or the kernel handed the inputs on
(other dtypes, non-contiguous views, empty arrays, other axes): both are tested.  Then a
small MLP and a small LSTM train with kernels="reference" and kernels="auto" and must give
the same losses.
"""
import os
import subprocess
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitensor as tf
from minitensor.kernels import fusion
import minitensor.kernels.numba_cpu as fast
from minitensor.framework.errors import InvalidArgumentError
from minitensor.framework.registry import get_op_def
from minitensor.kernels import jit, threads
import minitensor.ops.rnn_ops  # noqa: F401  (registers the fused cell ops)

pytestmark = pytest.mark.skipif(not jit.numba_available(), reason="numba is not installed")

FLOATS = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13),
       np.float16: dict(rtol=1e-3, atol=1e-3)}
SHAPES = [(17, 33), (1, 1), (3, 4, 5), (6,)]


def rng(seed=0):
    return np.random.default_rng(seed)


def random(shape, dtype, seed=0, scale=2.0):
    return np.asarray(rng(seed).standard_normal(shape) * scale, dtype=dtype)


class ReferenceSpy:
    """Replaces an op's reference kernel for the duration of a ``with``; counts the calls."""

    def __init__(self, op_type):
        self.op_def = get_op_def(op_type)
        self.real = self.op_def.kernels["reference"]
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)

    def __enter__(self):
        self.op_def.kernels["reference"] = self
        return self

    def __exit__(self, *exc):
        self.op_def.kernels["reference"] = self.real


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def assert_same(got, want, dtype, what=""):
    got, want = as_tuple(got), as_tuple(want)
    assert len(got) == len(want), what
    for k, (g, w) in enumerate(zip(got, want)):
        assert np.shape(g) == np.shape(w), "%s output %d: shape %s vs %s" % (
            what, k, np.shape(g), np.shape(w))
        assert np.asarray(g).dtype == np.asarray(w).dtype, "%s output %d dtype" % (what, k)
        np.testing.assert_allclose(g, w, err_msg="%s output %d" % (what, k), **TOL[dtype])


def compare(op_type, args, attrs=None, fast_path=True, dtype=np.float32, ctx=None):
    """Run the fast kernel and the reference kernel on copies of ``args``; check the results
    agree, the inputs were not modified, and whether the fast path ran."""
    attrs = attrs or {}
    kernel = get_op_def(op_type).kernels["numba_cpu"]
    reference = get_op_def(op_type).kernels["reference"]
    before = [np.copy(a) for a in args]
    lead = (ctx,) if ctx is not None else ()
    with np.errstate(all="ignore"):                 # as Session.run calls kernels
        want = reference(*lead, *[np.copy(a) for a in args], **attrs)
        with ReferenceSpy(op_type) as spy:
            got = kernel(*lead, *args, **attrs)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, err_msg="%s modified an input" % op_type)
    assert_same(got, want, dtype, op_type)
    assert spy.calls == (0 if fast_path else 1), (
        "%s: expected the %s path" % (op_type, "fast" if fast_path else "reference"))
    return got


# =========================================================================
# Element-wise
# =========================================================================

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_elementwise_kernels_match_reference(dtype, shape):
    x = random(shape, dtype, 1)
    y = random(shape, dtype, 2)
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    compare("Relu", [x], dtype=dtype)
    compare("ReluGrad", [y, x], dtype=dtype)
    compare("Sigmoid", [x * 20], dtype=dtype)
    compare("SigmoidGrad", [s.astype(dtype), y], dtype=dtype)
    compare("TanhGrad", [np.tanh(x), y], dtype=dtype)


@settings(deadline=None, max_examples=15)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=3), st.sampled_from(FLOATS),
       st.integers(0, 2 ** 31))
def test_elementwise_kernels_on_random_shapes(shape, dtype, seed):
    x = random(tuple(shape), dtype, seed, scale=10.0)
    y = random(tuple(shape), dtype, seed + 1)
    for op_type, args in [("Relu", [x]), ("ReluGrad", [y, x]), ("Sigmoid", [x]),
                          ("SigmoidGrad", [y, x]), ("TanhGrad", [y, x])]:
        compare(op_type, args, dtype=dtype)


def test_sigmoid_is_stable_at_both_ends():
    x = np.array([-1e4, -100, -20, -1e-3, 0, 1e-3, 20, 100, 1e4], np.float32)
    got = compare("Sigmoid", [x])
    assert got[0] == 0 and got[-1] == 1 and np.all(np.isfinite(got))
    assert got[2] > 0          # exp(-|x|) form: sigmoid(-20) ~ 2e-9 is not rounded to 0


def test_nan_and_inf_propagate_like_numpy():
    x = np.array([np.nan, -np.inf, np.inf, -1, 0, 2], np.float32)
    for op_type, args in [("Relu", [x]), ("Sigmoid", [x]), ("ReluGrad", [x, x]),
                          ("TanhGrad", [x, x]), ("SigmoidGrad", [x, x])]:
        kernel = get_op_def(op_type).kernels["numba_cpu"]
        reference = get_op_def(op_type).kernels["reference"]
        with np.errstate(all="ignore"):             # the session runs kernels like this
            np.testing.assert_array_equal(kernel(*args), reference(*args), err_msg=op_type)


@pytest.mark.parametrize("op_type,arity", [("Relu", 1), ("ReluGrad", 2), ("Sigmoid", 1),
                                           ("SigmoidGrad", 2), ("TanhGrad", 2)])
def test_elementwise_fallbacks(op_type, arity):
    x = random((17, 33), np.float64)
    cases = [np.zeros((0, 5), np.float32), x.T, x[:, ::2]]       # empty, views
    if op_type == "Relu":
        cases.append(np.arange(-5, 5, dtype=np.int32))
    for value in cases:
        compare(op_type, [value] * arity, fast_path=False, dtype=np.float64)
    half = x.astype(np.float16)
    compare(op_type, [half] * arity, fast_path=False, dtype=np.float16)


@pytest.mark.parametrize("dtype", FLOATS)
def test_scalars_take_the_fast_path(dtype):
    x = np.array(-0.75, dtype)
    for op_type, args in [("Relu", [x]), ("Sigmoid", [x]), ("TanhGrad", [x, x])]:
        got = compare(op_type, args, dtype=dtype)
        assert got.shape == ()


def test_read_only_inputs_take_the_fast_path():
    x = random((17, 33), np.float32)
    x.flags.writeable = False          # constants are stored read-only
    compare("Relu", [x])
    compare("ReluGrad", [x, x])


def test_mixed_dtypes_fall_back():
    x32, x64 = random((4, 5), np.float32), random((4, 5), np.float64)
    compare("ReluGrad", [x32, x64], fast_path=False)


# =========================================================================
# bias_add, reductions
# =========================================================================

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (2, 3, 7)])
def test_bias_add_and_its_gradient(dtype, shape):
    value = random(shape, dtype, 1)
    bias = random(shape[-1:], dtype, 2)
    for axis in (-1, len(shape) - 1):
        compare("BiasAdd", [value, bias], {"axis": axis}, dtype=dtype)
        compare("BiasAddGrad", [value], {"axis": axis}, dtype=dtype)


def test_bias_add_channels_first_and_empty_fall_back():
    value = random((2, 3, 4, 5), np.float32)
    bias = random((3,), np.float32)
    compare("BiasAdd", [value, bias], {"axis": 1}, fast_path=False)
    compare("BiasAddGrad", [value], {"axis": 1}, fast_path=False)
    empty = np.zeros((0, 4), np.float32)
    compare("BiasAdd", [empty, random((4,), np.float32)], {"axis": 1}, fast_path=False)
    compare("BiasAddGrad", [empty], {"axis": 1}, fast_path=False)


@pytest.mark.parametrize("op_type", ["ReduceSum", "ReduceMean"])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (100, 256)])
@pytest.mark.parametrize("axis", [None, (0,), (1,), (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_rows_columns_and_everything(op_type, dtype, shape, axis, keepdims):
    x = random(shape, dtype)
    got = compare(op_type, [x], {"axis": axis, "keepdims": keepdims}, dtype=dtype)
    if axis is None and not keepdims:
        assert isinstance(got, np.generic)          # a NumPy scalar, like np.sum returns


@pytest.mark.filterwarnings("ignore:Mean of empty slice")     # the reference, on 0 x 3
@pytest.mark.parametrize("op_type", ["ReduceSum", "ReduceMean"])
def test_reductions_of_other_arrays(op_type):
    compare(op_type, [random((7,), np.float32)], {"axis": None, "keepdims": False})
    compare(op_type, [random((7,), np.float64)], {"axis": (0,), "keepdims": True},
            dtype=np.float64)
    compare(op_type, [random((2, 3, 4), np.float32)], {"axis": None, "keepdims": True})
    for x, axis in [(random((2, 3, 4), np.float32), (1,)),          # middle axis of 3-D
                    (np.zeros((0, 3), np.float32), (0,)),            # empty
                    (np.arange(12).reshape(3, 4), (1,)),             # int
                    (random((4, 6), np.float64)[:, ::2], (1,)),      # strided view
                    (np.array(2.0, np.float32), None)]:              # 0-d
        compare(op_type, [x], {"axis": axis, "keepdims": False}, fast_path=False,
                dtype=np.float64 if x.dtype == np.float64 else np.float32)


# =========================================================================
# softmax, log_softmax, the fused cross-entropies
# =========================================================================

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (3, 4, 5), (10,)])
def test_softmax_and_log_softmax(dtype, shape):
    x = random(shape, dtype, scale=5)
    axis = len(shape) - 1
    compare("Softmax", [x], {"axis": axis}, dtype=dtype)
    compare("LogSoftmax", [x], {"axis": axis}, dtype=dtype)
    if len(shape) > 1:
        compare("Softmax", [x], {"axis": 0}, fast_path=False, dtype=dtype)
        compare("LogSoftmax", [x], {"axis": 0}, fast_path=False, dtype=dtype)


def one_hot_labels(rows, classes, dtype, seed=3):
    ids = rng(seed).integers(0, classes, size=rows)
    return np.eye(classes, dtype=dtype)[ids], ids


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rows,classes", [(17, 33), (1, 1), (100, 10), (5, 2)])
def test_softmax_cross_entropy_dense(dtype, rows, classes):
    logits = random((rows, classes), dtype, scale=3)
    labels, _ = one_hot_labels(rows, classes, dtype)
    compare("SoftmaxCrossEntropyWithLogits", [logits, labels], {"axis": 1}, dtype=dtype)
    soft = rng(4).dirichlet(np.ones(classes), size=rows).astype(dtype)   # soft labels
    compare("SoftmaxCrossEntropyWithLogits", [logits, soft], {"axis": -1}, dtype=dtype)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0], [-1e4, -1e4, -1e4]], np.float32)
    labels = np.array([[0, 1, 0], [1, 0, 0]], np.float32)
    loss, backprop = compare("SoftmaxCrossEntropyWithLogits", [logits, labels], {"axis": 1})
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(backprop))
    np.testing.assert_allclose(loss, [2e4, np.log(3)], rtol=1e-6)   # no digit lost


def test_softmax_cross_entropy_fallbacks():
    logits = random((4, 6), np.float32)
    labels, _ = one_hot_labels(4, 6, np.float32)
    compare("SoftmaxCrossEntropyWithLogits", [logits, labels], {"axis": 0}, fast_path=False)
    compare("SoftmaxCrossEntropyWithLogits", [logits, labels[:1]], {"axis": 1},
            fast_path=False)                             # broadcast labels
    compare("SoftmaxCrossEntropyWithLogits", [logits.T.copy().T, labels], {"axis": 1},
            fast_path=False)                             # Fortran-ordered logits


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (5,), ()])
def test_l2_loss_and_sigmoid_cross_entropy(dtype, shape):
    x = random(shape, dtype, 1, scale=10)
    z = rng(2).uniform(size=shape).astype(dtype)
    got = compare("L2Loss", [x], dtype=dtype)
    assert got.shape == () and got.dtype == dtype
    compare("SigmoidCrossEntropyWithLogits", [x, z], dtype=dtype)


def test_sigmoid_cross_entropy_is_stable_and_falls_back():
    x = np.array([-1e4, -50, 0, 50, 1e4], np.float32)
    z = np.array([0, 1, 0.5, 0, 1], np.float32)
    loss = compare("SigmoidCrossEntropyWithLogits", [x, z])
    assert np.all(np.isfinite(loss))
    compare("SigmoidCrossEntropyWithLogits", [x, z[:1]], fast_path=False)     # broadcast
    compare("L2Loss", [random((4, 6), np.float64).T], fast_path=False, dtype=np.float64)


def sparse_ctx(name="xent"):
    return types.SimpleNamespace(op=types.SimpleNamespace(name=name))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("rows,classes", [(17, 33), (1, 1), (100, 10)])
def test_sparse_softmax_cross_entropy(dtype, label_dtype, rows, classes):
    logits = random((rows, classes), dtype, scale=3)
    _, ids = one_hot_labels(rows, classes, dtype)
    compare("SparseSoftmaxCrossEntropyWithLogits", [logits, ids.astype(label_dtype)],
            dtype=dtype, ctx=sparse_ctx())


def test_sparse_softmax_cross_entropy_out_of_range_label_raises_the_reference_error():
    kernel = get_op_def("SparseSoftmaxCrossEntropyWithLogits").kernels["numba_cpu"]
    logits = random((3, 4), np.float32)
    for bad in (4, -1):
        with pytest.raises(InvalidArgumentError, match="outside the valid range of \\[0, 4\\)"):
            kernel(sparse_ctx(), logits, np.array([0, bad, 1], np.int32))


def test_sparse_softmax_cross_entropy_fallbacks():
    logits = random((2, 3, 4), np.float32)
    ids = rng().integers(0, 4, size=(2, 3)).astype(np.int64)
    compare("SparseSoftmaxCrossEntropyWithLogits", [logits, ids], ctx=sparse_ctx())  # 3-D: fast
    compare("SparseSoftmaxCrossEntropyWithLogits", [logits.astype(np.float16), ids],
            ctx=sparse_ctx(), fast_path=False, dtype=np.float16)


# =========================================================================
# dropout
# =========================================================================

def dropout_ctx(seed):
    generator = np.random.default_rng(seed)
    return types.SimpleNamespace(op=types.SimpleNamespace(name="dropout"),
                                 rng=lambda: generator)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (100, 256)])
@pytest.mark.parametrize("keep_prob", [0.5, 0.9, 1.0])
def test_dropout_draws_the_same_mask_as_the_reference(dtype, shape, keep_prob):
    x = random(shape, dtype)
    kernel = get_op_def("Dropout").kernels["numba_cpu"]
    reference = get_op_def("Dropout").kernels["reference"]
    attrs = dict(seed=1, seed2=2, noise_shape=None)
    want = reference(dropout_ctx(7), x, np.asarray(keep_prob, dtype), **attrs)
    with ReferenceSpy("Dropout") as spy:
        got = kernel(dropout_ctx(7), x, np.asarray(keep_prob, dtype), **attrs)
    assert spy.calls == 0
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


def test_dropout_fallbacks():
    kernel = get_op_def("Dropout").kernels["numba_cpu"]
    x = random((4, 6), np.float32)
    with ReferenceSpy("Dropout") as spy:
        kernel(dropout_ctx(1), x, 0.5, seed=None, seed2=None, noise_shape=(4, 1))
        with pytest.raises(InvalidArgumentError, match="keep_prob must be in"):
            kernel(dropout_ctx(1), x, 1.5, seed=None, seed2=None, noise_shape=None)
    assert spy.calls == 2


# =========================================================================
# Optimizer updates (in place on the session's arrays)
# =========================================================================

def update_ctx(state, names):
    inputs = [types.SimpleNamespace(op=types.SimpleNamespace(name=n)) for n in names]
    session = types.SimpleNamespace(
        _uninitialized_error=lambda missing: InvalidArgumentError("uninitialized %s" % missing))
    return types.SimpleNamespace(state=state, op=types.SimpleNamespace(inputs=inputs),
                                 key=names[0], session=session)


OPTIMIZERS = [
    # op type, slot count, slot initial values, hyperparameters, attrs
    ("ApplyGradientDescent", 0, [], [0.1], {}),
    ("ApplyMomentum", 1, [0.0], [0.1, "grad", 0.9], {"use_nesterov": False}),
    ("ApplyMomentum", 1, [0.0], [0.1, "grad", 0.9], {"use_nesterov": True}),
    ("ApplyAdam", 2, [0.0, 0.0], [0.9 ** 3, 0.999 ** 3, 0.01, 0.9, 0.999, 1e-8, "grad"], {}),
    ("ApplyRMSProp", 2, [1.0, 0.0], [0.01, 0.9, 0.5, 1e-10, "grad"], {}),
    ("ApplyCenteredRMSProp", 3, [0.0, 1.0, 0.0], [0.01, 0.9, 0.5, 1e-10, "grad"], {}),
    ("ApplyAdagrad", 1, [0.1], [0.1, "grad"], {}),
    ("ApplyAdadelta", 2, [0.0, 0.0], [1.0, 0.95, 1e-6, "grad"], {}),
]


def run_update(op_type, kernel_kind, slots, hyper, attrs, shape, dtype, grads):
    """Apply the update once per gradient to fresh state; return the state arrays."""
    names = ["var"] + ["var/slot_%d" % k for k in range(len(slots))]
    state = {"var": random(shape, dtype, 11)}
    for name, value in zip(names[1:], slots):
        state[name] = np.full(shape, value, dtype)
    kernel = get_op_def(op_type).kernels[kernel_kind]
    ctx = update_ctx(state, names)
    for grad in grads:
        args = [grad if h == "grad" else np.asarray(h, dtype) for h in hyper]
        if op_type == "ApplyGradientDescent":
            args.append(grad)
        with np.errstate(all="ignore"):
            result = kernel(ctx, *args, **attrs)
        assert result is state["var"]                  # in place, and returned
    return state


@pytest.mark.parametrize("op_type,count,slots,hyper,attrs", OPTIMIZERS,
                         ids=[o[0] + ("_nesterov" if o[4].get("use_nesterov") else "")
                              for o in OPTIMIZERS])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (7,)])
def test_optimizer_updates_match_reference(op_type, count, slots, hyper, attrs, dtype, shape):
    grads = [random(shape, dtype, 20 + k) for k in range(4)]
    want = run_update(op_type, "reference", slots, hyper, attrs, shape, dtype, grads)
    with ReferenceSpy(op_type) as spy:
        got = run_update(op_type, "numba_cpu", slots, hyper, attrs, shape, dtype, grads)
    assert spy.calls == 0
    for name in want:
        np.testing.assert_allclose(got[name], want[name], err_msg=name, **TOL[dtype])


def test_division_by_zero_gives_nan_and_inf_like_numpy():
    """error_model="numpy": 0/0 is nan and 1/0 inf, as in the reference, not an exception."""
    shape, grads = (3, 4), [np.zeros((3, 4), np.float32)]
    want = run_update("ApplyAdagrad", "reference", [0.0], [0.1, "grad"], {}, shape,
                      np.float32, grads)
    got = run_update("ApplyAdagrad", "numba_cpu", [0.0], [0.1, "grad"], {}, shape,
                     np.float32, grads)
    assert np.all(np.isnan(got["var"])) and np.all(np.isnan(want["var"]))
    logits = np.zeros((2, 3), np.float32)
    labels = np.array([[np.inf, 0, 0], [0, 1, 0]], np.float32)
    compare("SoftmaxCrossEntropyWithLogits", [logits, labels], {"axis": 1})


def test_optimizer_updates_fall_back_for_views_and_missing_slots():
    kernel = get_op_def("ApplyMomentum").kernels["numba_cpu"]
    grad = random((6, 4), np.float32)
    state = {"var": random((6, 4), np.float32), "var/m": np.zeros((6, 4), np.float32)}
    with ReferenceSpy("ApplyMomentum") as spy:
        kernel(update_ctx(state, ["var", "var/m"]), np.float32(0.1), grad.T.copy().T,
               np.float32(0.9), use_nesterov=False)                 # Fortran-ordered grad
        with pytest.raises(InvalidArgumentError, match="uninitialized"):
            kernel(update_ctx(state, ["var", "var/missing"]), np.float32(0.1), grad,
                   np.float32(0.9), use_nesterov=False)
    assert spy.calls == 2


# =========================================================================
# LSTM and GRU steps
# =========================================================================

def lstm_inputs(dtype, batch=5, n=3, units=4, seed=0):
    r = rng(seed)
    x = r.standard_normal((batch, n)).astype(dtype)
    c = r.standard_normal((batch, units)).astype(dtype)
    h = r.standard_normal((batch, units)).astype(dtype)
    kernel = (r.standard_normal((n + units, 4 * units)) * 0.7).astype(dtype)
    bias = (r.standard_normal(4 * units) * 0.5).astype(dtype)
    return x, c, h, kernel, bias


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch,n,units", [(5, 3, 4), (1, 1, 1), (17, 33, 8)])
@pytest.mark.parametrize("cell_clip", [None, 0.8])
def test_lstm_block_cell_and_its_gradient(dtype, batch, n, units, cell_clip):
    x, c, h, kernel, bias = lstm_inputs(dtype, batch, n, units)
    attrs = {"forget_bias": 1.0, "cell_clip": cell_clip}
    outputs = compare("LSTMBlockCell", [x, c, h, kernel, bias], attrs, dtype=dtype)
    grads = [random((batch, units), dtype, 30 + k) for k in range(7)]
    compare("LSTMBlockCellGrad", [x, c, h, kernel, *outputs[:6], *grads],
            {"cell_clip": cell_clip}, dtype=dtype)


def test_lstm_views_are_made_contiguous_and_other_dtypes_fall_back():
    x, c, h, kernel, bias = lstm_inputs(np.float32, 6, 3, 4)
    attrs = {"forget_bias": 0.5, "cell_clip": None}
    wide = np.concatenate([h, h], axis=1)
    outputs = compare("LSTMBlockCell", [x, c, wide[:, :4], kernel, bias], attrs)
    grads = [random((6, 4), np.float32, k) for k in range(7)]
    grads[6] = np.asfortranarray(grads[6])               # a transposed-looking d_h
    compare("LSTMBlockCellGrad", [x, c, h, kernel, *outputs[:6], *grads], {"cell_clip": None})
    half = [a.astype(np.float16) for a in (x, c, h, kernel, bias)]
    compare("LSTMBlockCell", half, attrs, fast_path=False, dtype=np.float16)


def sequence_inputs(dtype, steps, batch, n, units, seed=0):
    x, c, h, kernel, bias = lstm_inputs(dtype, batch, n, units, seed)
    xs = rng(seed + 1).standard_normal((steps, batch, n)).astype(dtype)
    return xs, c, h, kernel, bias


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("steps,batch,n,units", [(4, 5, 3, 4), (1, 1, 1, 1), (7, 17, 33, 9)])
@pytest.mark.parametrize("cell_clip", [None, 0.8])
def test_block_lstm_and_its_gradient(dtype, steps, batch, n, units, cell_clip):
    """The whole-sequence op on odd shapes; its gradient on the fast path (only h and cs get
    gradients: the others are the scalar 0 that rnn_ops passes for "no gradient")."""
    x, c, h, kernel, bias = sequence_inputs(dtype, steps, batch, n, units)
    attrs = {"forget_bias": 1.0, "cell_clip": cell_clip}
    outputs = compare("BlockLSTM", [x, c, h, kernel, bias], attrs, dtype=dtype)
    zero = np.zeros((), dtype)
    d_cs, d_h = (random((steps, batch, units), dtype, 40 + k) for k in range(2))
    compare("BlockLSTMGrad", [x, c, h, kernel, *outputs, zero, d_cs, zero, zero, zero, zero,
                              d_h], {"cell_clip": cell_clip}, dtype=dtype)
    # d_cs as the scalar 0 too (a loss that reads only h)
    compare("BlockLSTMGrad", [x, c, h, kernel, *outputs, zero, zero, zero, zero, zero, zero,
                              d_h], {"cell_clip": cell_clip}, dtype=dtype)


def test_block_lstm_gradient_on_gate_outputs_uses_the_reference_kernel():
    x, c, h, kernel, bias = sequence_inputs(np.float32, 3, 4, 2, 5)
    outputs = compare("BlockLSTM", [x, c, h, kernel, bias], {"forget_bias": 1.0,
                                                             "cell_clip": None})
    grads = [random((3, 4, 5), np.float32, 50 + k) for k in range(7)]
    compare("BlockLSTMGrad", [x, c, h, kernel, *outputs, *grads], {"cell_clip": None},
            fast_path=False)


def test_block_lstm_views_are_made_contiguous_and_other_dtypes_fall_back():
    x, c, h, kernel, bias = sequence_inputs(np.float32, 3, 4, 2, 5)
    attrs = {"forget_bias": 0.5, "cell_clip": None}
    batch_major = np.ascontiguousarray(x.transpose(1, 0, 2))
    compare("BlockLSTM", [batch_major.transpose(1, 0, 2), c, h, kernel, bias], attrs)
    half = [a.astype(np.float16) for a in (x, c, h, kernel, bias)]
    compare("BlockLSTM", half, attrs, fast_path=False, dtype=np.float16)


def test_lstm_cell_gradient_with_scalar_zero_output_gradients():
    """LSTMBlockCellGrad as tf.gradients now builds it: unused outputs get a scalar 0."""
    x, c, h, kernel, bias = lstm_inputs(np.float32, 6, 3, 4)
    outputs = compare("LSTMBlockCell", [x, c, h, kernel, bias], {"forget_bias": 1.0,
                                                                 "cell_clip": 0.7})
    zero = np.zeros((), np.float32)
    d_cs, d_h = random((6, 4), np.float32, 7), random((6, 4), np.float32, 8)
    compare("LSTMBlockCellGrad", [x, c, h, kernel, *outputs[:6], zero, d_cs, zero, zero,
                                  zero, zero, d_h], {"cell_clip": 0.7})


def gru_inputs(dtype, batch=5, n=3, units=4, seed=0):
    r = rng(seed)
    x = r.standard_normal((batch, n)).astype(dtype)
    h = r.standard_normal((batch, units)).astype(dtype)
    w_ru = (r.standard_normal((n + units, 2 * units)) * 0.7).astype(dtype)
    w_c = (r.standard_normal((n + units, units)) * 0.7).astype(dtype)
    b_ru = r.standard_normal(2 * units).astype(dtype)
    b_c = r.standard_normal(units).astype(dtype)
    return x, h, w_ru, w_c, b_ru, b_c


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch,n,units", [(5, 3, 4), (1, 1, 1), (17, 33, 8)])
def test_gru_block_cell_and_its_gradient(dtype, batch, n, units):
    x, h, w_ru, w_c, b_ru, b_c = gru_inputs(dtype, batch, n, units)
    outputs = compare("GRUBlockCell", [x, h, w_ru, w_c, b_ru, b_c], dtype=dtype)
    grads = [random((batch, units), dtype, 40 + k) for k in range(4)]
    compare("GRUBlockCellGrad", [x, h, w_ru, w_c, *outputs[:3], *grads], dtype=dtype)


def test_gru_shape_mismatch_falls_back_to_the_reference_error():
    x, h, w_ru, w_c, b_ru, b_c = gru_inputs(np.float32)
    kernel = get_op_def("GRUBlockCell").kernels["numba_cpu"]
    with ReferenceSpy("GRUBlockCell") as spy, pytest.raises(ValueError):
        kernel(x, h, w_ru[:-1], w_c, b_ru, b_c)
    assert spy.calls == 1


# =========================================================================
# The plain functions, NUMBA_DISABLE_JIT, warmup, threads, import time
# =========================================================================

def test_plain_python_loop_is_the_same_function():
    x = random((4, 5), np.float32).reshape(-1)
    out_plain, out_jit = np.empty_like(x), np.empty_like(x)
    fast._relu_loop(x, out_plain)                       # the plain def, as Python
    fast._relu_kernel(x, out_jit)
    np.testing.assert_array_equal(out_plain, out_jit)
    assert fast._relu_kernel.py_func is fast._relu_loop
    assert "out[i]" in fast._relu_kernel.__doc__


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter; ``env`` adds variables (None removes one)."""
    full_env = dict(os.environ)
    for name, value in env.items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=full_env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


DISABLE_JIT_SCRIPT = """
import types, numpy as np
import minitensor, minitensor.ops.rnn_ops, minitensor.kernels.numba_cpu as fast
from minitensor.framework.registry import get_op_def
r = np.random.default_rng(0)
def arr(*shape):
    return r.standard_normal(shape).astype(np.float32)
ctx = types.SimpleNamespace(op=types.SimpleNamespace(name="xent"))
x, c, h = arr(3, 2), arr(3, 4), arr(3, 4)
cases = [("Sigmoid", (arr(3, 5),), {}), ("Relu", (arr(7),), {}),
         ("SoftmaxCrossEntropyWithLogits", (arr(3, 5), np.eye(5, dtype=np.float32)[:3]),
          {"axis": 1}),
         ("SparseSoftmaxCrossEntropyWithLogits", (ctx, arr(3, 5), np.array([0, 4, 2])), {}),
         ("ReduceMean", (arr(3, 5),), {"axis": (1,), "keepdims": False}),
         ("LSTMBlockCell", (x, c, h, arr(6, 16), arr(16)), {"forget_bias": 1.0,
                                                             "cell_clip": 0.5}),
         ("GRUBlockCell", (x, h, arr(6, 8), arr(6, 4), arr(8), arr(4)), {})]
outs = get_op_def("LSTMBlockCell").kernels["reference"](*cases[-2][1], **cases[-2][2])
cases.append(("LSTMBlockCellGrad", (x, c, h, arr(6, 16), *outs[:6],
                                    *[arr(3, 4) for _ in range(7)]), {"cell_clip": 0.5}))
ok = []
for op_type, args, attrs in cases:
    kernels = get_op_def(op_type).kernels
    want, got = kernels["reference"](*args, **attrs), kernels["numba_cpu"](*args, **attrs)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    ok.append(all(np.allclose(g, w, rtol=1e-5, atol=1e-6) for g, w in zip(got, want)))
print(all(ok), [name for (name, _, _), good in zip(cases, ok) if not good],
      type(fast._sigmoid_finish_kernel._dispatcher).__name__)
"""


def test_numba_disable_jit_runs_the_kernels_as_python():
    """With NUMBA_DISABLE_JIT=1 every loop runs as the plain Python function it is."""
    out = run_python(DISABLE_JIT_SCRIPT, NUMBA_DISABLE_JIT="1")
    assert out.split() == ["True", "[]", "function"], out


def test_import_is_fast_and_does_not_import_numba():
    code = ("import sys, time\n"
            "t = time.perf_counter()\n"
            "import minitensor, minitensor.kernels.numba_cpu\n"
            "print(time.perf_counter() - t, 'numba' in sys.modules)\n")
    runs = [run_python(code).split() for _ in range(3)]
    assert all(r[1] == "False" for r in runs), runs
    assert min(float(r[0]) for r in runs) < 0.5, runs


def test_warmup_compiles_everything_and_reports_the_time(capsys):
    report = fast.warmup()
    printed = capsys.readouterr().out
    assert report.kernels == len(jit.kernels()) >= 25
    assert all(k.compiled for k in jit.kernels())
    assert "kernels ready" in printed and "compiling took" in printed
    assert report.compile_seconds >= 0 and report.run_seconds >= 0
    again = fast.warmup(verbose=False)                  # nothing left to compile
    assert again.compiled == 0


def test_kernel_signatures_expand_for_both_float_types():
    sig32 = jit.numba_signature("R2 W1 F I1 -> N", "float32")
    assert str(sig32) == ("(Array(float32, 2, 'C', True, aligned=True), "
                          "Array(float32, 1, 'C', False, aligned=True), float32, "
                          "Array(int64, 1, 'C', True, aligned=True)) -> int64")
    assert "float64" in str(jit.numba_signature("W1 F", "float64"))
    with pytest.raises(ValueError, match="unknown argument type"):
        jit.numba_signature("Q1", "float32")


def test_intra_op_threads_caps_blas_and_numba_threads():
    out = run_python(
        "from minitensor.kernels import threads, jit\n"
        "threads.set_intra_op_threads(1)\n"
        "jit.import_numba()\n"
        "info = threads.describe()\n"
        "print(info['numba_threads'], info['OMP_WAIT_POLICY'], "
        "all(b.endswith(' 1 threads') for b in info.get('blas', [])))\n",
        OMP_WAIT_POLICY=None)
    assert out.split() == ["1", "PASSIVE", "True"]


def test_a_wait_policy_set_by_the_user_is_kept():
    out = run_python("import os\nfrom minitensor.kernels import jit\njit.import_numba()\n"
                     "print(os.environ['OMP_WAIT_POLICY'])\n", OMP_WAIT_POLICY="ACTIVE")
    assert out.strip() == "ACTIVE"


def test_tuned_allocator_stops_the_page_faults_of_repeated_big_arrays():
    code = ("import resource, sys, numpy as np\n"
            "from minitensor.kernels import threads\n"
            "tuned = threads.tune_memory_allocator() if sys.argv[1:] else False\n"
            "def step():\n"
            "    keep = []\n"
            "    for k in range(100):\n"
            "        keep.append(np.ones((7, 100, 128), np.float32))\n"
            "        if len(keep) > 20: keep.pop(0)\n"
            "step()\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "for _ in range(5): step()\n"
            "print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n")
    if not sys.platform.startswith("linux"):
        pytest.skip("mallopt is glibc's; the tuning does nothing elsewhere")

    def faults(*argv):
        result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                                text=True, timeout=120,
                                env={k: v for k, v in os.environ.items()
                                     if not k.startswith("MALLOC_")})
        assert result.returncode == 0, result.stderr
        tuned, count = result.stdout.split()
        return tuned, int(count)

    default_tuned, default_faults = faults()
    tuned, tuned_faults = faults("tune")
    assert default_tuned == "False" and tuned == "True"
    assert tuned_faults * 10 < default_faults, (tuned_faults, default_faults)


def test_allocator_tuning_can_be_declined():
    out = run_python("from minitensor.kernels import threads\n"
                     "print(threads.tune_memory_allocator())\n", MINITENSOR_MALLOC="default")
    assert out.strip() == "False"


def test_threads_setting_zero_changes_nothing():
    before = threads._requested_threads
    threads.set_intra_op_threads(0)
    assert threads._requested_threads == before


# =========================================================================
# End to end: the same training run with reference and fast kernels
# =========================================================================

def fast_kernels_used(session):
    """The fast kernels in the session's cached plans (partials unwrapped)."""
    used = set()
    for plan in session._plans.values():
        for kernel, _ins, _out, op in plan.steps:
            fn = getattr(kernel, "func", kernel)
            if getattr(fn, "__module__", "") == fast.__name__:
                used.add(op.type)
            elif fn is fusion.bias_relu_cpu:            # x + b and Relu, fused
                used.add("bias+" + op.type)
    return used


def train_mlp(kernels, optimizer, steps=15, dtype=tf.float32):
    tf.reset_default_graph()
    r = np.random.default_rng(0)
    data = r.standard_normal((64, 20)).astype(dtype.as_numpy_dtype)
    labels = r.integers(0, 5, size=64)
    x = tf.placeholder(dtype, [None, 20])
    y = tf.placeholder(tf.int64, [None])
    w1 = tf.Variable(r.standard_normal((20, 32)).astype(dtype.as_numpy_dtype) * 0.3)
    b1 = tf.Variable(np.zeros(32, dtype.as_numpy_dtype))
    w2 = tf.Variable(r.standard_normal((32, 5)).astype(dtype.as_numpy_dtype) * 0.3)
    b2 = tf.Variable(np.zeros(5, dtype.as_numpy_dtype))
    hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    hidden2 = tf.sigmoid(hidden) * tf.tanh(hidden) + tf.nn.relu(-hidden)   # a Relu unfused
    logits = tf.nn.bias_add(tf.matmul(hidden2, w2), b2)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    dense = tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.one_hot(y, 5, dtype=dtype),
                                                       logits=logits)
    binary = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.one_hot(y, 5, dtype=dtype),
                                                     logits=logits)
    loss = tf.reduce_mean(sparse) + 0.5 * tf.reduce_mean(dense) + \
        0.01 * tf.reduce_sum(tf.reduce_sum(w1 * w1, axis=1)) + 0.01 * tf.nn.l2_loss(w2) + \
        0.1 * tf.reduce_mean(binary)
    train = optimizer.minimize(loss)
    losses = []
    with tf.Session(config=tf.ConfigProto(kernels=kernels)) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            batch = slice((step * 16) % 64, (step * 16) % 64 + 16)
            losses.append(sess.run([loss, train], {x: data[batch], y: labels[batch]})[0])
        used = fast_kernels_used(sess)
    return np.array(losses), used


@pytest.mark.parametrize("make_optimizer", [
    lambda: tf.train.GradientDescentOptimizer(0.5),
    lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    lambda: tf.train.AdamOptimizer(0.01),
    lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    lambda: tf.train.AdagradOptimizer(0.1),
    lambda: tf.train.AdadeltaOptimizer(1.0),
], ids=["sgd", "nesterov", "adam", "centered_rmsprop", "adagrad", "adadelta"])
def test_mlp_training_gives_the_same_losses_with_fast_kernels(make_optimizer):
    want, used_ref = train_mlp("reference", make_optimizer())
    got, used = train_mlp("auto", make_optimizer())
    assert not used_ref
    assert {"Relu", "ReluGrad", "BiasAdd", "BiasAddGrad", "Sigmoid", "SigmoidGrad",
            "TanhGrad", "SparseSoftmaxCrossEntropyWithLogits", "ReduceMean",
            "SoftmaxCrossEntropyWithLogits", "ReduceSum", "L2Loss",
            "SigmoidCrossEntropyWithLogits", "bias+Relu"} <= used, used
    assert any(t.startswith("Apply") for t in used), used
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert want[-1] < want[0]                           # it did train


def test_environment_variable_switches_to_reference_kernels(monkeypatch):
    monkeypatch.setenv("MINITENSOR_KERNELS", "reference")
    _, used = train_mlp(None, tf.train.GradientDescentOptimizer(0.1), steps=2)
    assert not used


@pytest.mark.parametrize("cell_name", ["lstm", "gru", "lstm_sequence"])
def test_rnn_training_gives_the_same_losses_with_fast_kernels(cell_name):
    def run(kernels):
        tf.reset_default_graph()
        r = np.random.default_rng(1)
        data = r.standard_normal((8, 6, 3)).astype(np.float32)
        target = r.standard_normal((8, 1)).astype(np.float32)
        x = tf.placeholder(tf.float32, [None, 6, 3])
        with tf.variable_scope("rnn", initializer=tf.random_uniform_initializer(-0.5, 0.5,
                                                                                seed=3)):
            if cell_name == "lstm_sequence":
                cell = tf.contrib.rnn.LSTMBlockFusedCell(5)
                _, (_, last) = cell(tf.transpose(x, [1, 0, 2]), dtype=tf.float32)
            else:
                cell = (tf.nn.rnn_cell.BasicLSTMCell(5) if cell_name == "lstm"
                        else tf.nn.rnn_cell.GRUCell(5))
                outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
                last = outputs[:, -1]
        w = tf.Variable(r.standard_normal((5, 1)).astype(np.float32))
        loss = tf.reduce_mean(tf.square(tf.matmul(last, w) - target))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        with tf.Session(config=tf.ConfigProto(kernels=kernels)) as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([loss, train], {x: data})[0] for _ in range(8)]
            return np.array(losses), fast_kernels_used(sess)

    want, _ = run("reference")
    got, used = run("auto")
    fused = {"lstm": "LSTMBlockCell", "gru": "GRUBlockCell",
             "lstm_sequence": "BlockLSTM"}[cell_name]
    assert {fused, fused + "Grad"} <= used, used
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert want[-1] < want[0]
