"""Fused LSTM / GRU step ops against their gate-by-gate twins, NumPy and finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework.errors import DTypeError, NoGradientError, ShapeError
from minitensor.ops import rnn_ops

SIZES = [(1, 1, 1), (3, 5, 4), (7, 2, 9)]       # (batch, input, units)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, c, h, kernel, bias, forget_bias=1.0, cell_clip=None):
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    c = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
    if cell_clip is not None:
        c = np.clip(c, -cell_clip, cell_clip)
    return c, np.tanh(c) * sigmoid(o)


def np_gru(x, h, w_ru, w_c, b_ru, b_c):
    r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ w_ru + b_ru), 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ w_c + b_c)
    return u * h + (1 - u) * c


def lstm_problem(batch, n_in, units, seed=0, dtype=tf.float64):
    rng = np.random.default_rng(seed)
    names = ["x", "c", "h", "kernel", "bias"]
    shapes = [(batch, n_in), (batch, units), (batch, units), (n_in + units, 4 * units),
              (4 * units,)]
    phs = [tf.placeholder(dtype, s, name=n) for n, s in zip(names, shapes)]
    np_dtype = np.float64 if dtype == tf.float64 else np.float32
    values = [rng.standard_normal(s).astype(np_dtype) for s in shapes]
    values[3] *= 0.7
    return phs, dict(zip(phs, values)), values


def gru_problem(batch, n_in, units, seed=0):
    rng = np.random.default_rng(seed)
    names = ["x", "h", "w_ru", "w_c", "b_ru", "b_c"]
    shapes = [(batch, n_in), (batch, units), (n_in + units, 2 * units), (n_in + units, units),
              (2 * units,), (units,)]
    phs = [tf.placeholder(tf.float64, s, name=n) for n, s in zip(names, shapes)]
    values = [rng.standard_normal(s) for s in shapes]
    return phs, dict(zip(phs, values)), values


def weighted_sum(tensors, seed=1):
    """A scalar that depends on every element of every tensor with a different weight."""
    rng = np.random.default_rng(seed)
    return tf.add_n([tf.reduce_sum(t * rng.standard_normal(t.shape.as_list())) for t in tensors])


# ---------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("forget_bias,cell_clip", [(1.0, None), (0.0, None), (1.0, 0.6)])
@pytest.mark.parametrize("batch,n_in,units", SIZES)
def test_lstm_fused_matches_simple_twin_value_and_gradient(batch, n_in, units, forget_bias,
                                                           cell_clip):
    phs, feed, values = lstm_problem(batch, n_in, units)
    fused = rnn_ops.lstm_step(*phs, forget_bias=forget_bias, cell_clip=cell_clip)
    simple = rnn_ops.lstm_step(*phs, forget_bias=forget_bias, cell_clip=cell_clip, fused=False)
    assert fused[0].op.type == "LSTMBlockCell"
    assert "LSTMBlockCell" not in {op.type for op in tf.get_default_graph().get_operations()
                                   if op is not fused[0].op}
    g_fused = tf.gradients(weighted_sum(fused), phs)
    g_simple = tf.gradients(weighted_sum(simple), phs)
    with tf.Session() as sess:
        (c1, h1), (c2, h2), g1, g2 = sess.run([fused, simple, g_fused, g_simple], feed)
    want_c, want_h = np_lstm(*values, forget_bias=forget_bias, cell_clip=cell_clip)
    np.testing.assert_allclose(c1, want_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h1, want_h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c2, want_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h2, want_h, rtol=1e-12, atol=1e-12)
    if cell_clip is not None and batch * units > 4:
        assert np.any(np.abs(c1) == cell_clip), "the clip should bite somewhere in this test"
    for name, a, b in zip(["x", "c", "h", "kernel", "bias"], g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg="d/d" + name)


@pytest.mark.parametrize("cell_clip", [None, 0.6])
def test_lstm_fused_gradient_check_every_output(cell_clip):
    """Finite differences through all seven outputs (gates too), w.r.t. all five inputs."""
    phs, feed, _ = lstm_problem(3, 5, 4, seed=3)
    outputs = rnn_ops.lstm_block_cell(*phs, cell_clip=cell_clip)
    gradient_check(tf.concat(list(outputs), 1), phs, feed)


def test_lstm_block_cell_outputs_are_tfs_seven():
    phs, feed, values = lstm_problem(2, 3, 2)
    i, cs, f, o, ci, co, h = rnn_ops.lstm_block_cell(*phs, forget_bias=0.5)
    x, c_prev, h_prev, kernel, bias = values
    gi, gj, gf, go = np.split(np.concatenate([x, h_prev], 1) @ kernel + bias, 4, axis=1)
    with tf.Session() as sess:
        got = sess.run([i, cs, f, o, ci, co, h], feed)
    want_cs = sigmoid(gf + 0.5) * c_prev + sigmoid(gi) * np.tanh(gj)
    want = [sigmoid(gi), want_cs, sigmoid(gf + 0.5), sigmoid(go), np.tanh(gj),
            np.tanh(want_cs), np.tanh(want_cs) * sigmoid(go)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_lstm_fused_float32_agrees_with_float64():
    phs32, feed32, values = lstm_problem(4, 3, 5, dtype=tf.float32)
    c32, h32 = rnn_ops.lstm_step(*phs32)
    g32 = tf.gradients(tf.reduce_sum(h32), phs32[3])[0]
    with tf.Session() as sess:
        c, h, g = sess.run([c32, h32, g32], feed32)
    assert c.dtype == h.dtype == g.dtype == np.float32
    want_c, want_h = np_lstm(*[v.astype(np.float64) for v in values])
    np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, want_c, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch,n_in,units", SIZES)
def test_gru_fused_matches_simple_twin_value_and_gradient(batch, n_in, units):
    phs, feed, values = gru_problem(batch, n_in, units)
    fused = rnn_ops.gru_step(*phs)
    simple = rnn_ops.gru_step(*phs, fused=False)
    assert fused.op.type == "GRUBlockCell"
    g_fused = tf.gradients(weighted_sum([fused]), phs)
    g_simple = tf.gradients(weighted_sum([simple]), phs)
    with tf.Session() as sess:
        h1, h2, g1, g2 = sess.run([fused, simple, g_fused, g_simple], feed)
    want = np_gru(*values)
    np.testing.assert_allclose(h1, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h2, want, rtol=1e-12, atol=1e-12)
    for name, a, b in zip(["x", "h", "w_ru", "w_c", "b_ru", "b_c"], g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg="d/d" + name)


def test_gru_fused_gradient_check_every_output():
    phs, feed, _ = gru_problem(3, 5, 4, seed=5)
    outputs = rnn_ops.gru_block_cell(*phs)
    gradient_check(tf.concat(list(outputs), 1), phs, feed)


@settings(deadline=None, max_examples=12)
@given(batch=st.integers(1, 5), n_in=st.integers(1, 6), units=st.integers(1, 6),
       seed=st.integers(0, 2 ** 16))
def test_fused_and_simple_agree_for_any_size(batch, n_in, units, seed):
    with tf.Graph().as_default():
        phs, feed, _ = lstm_problem(batch, n_in, units, seed=seed)
        gphs, gfeed, _ = gru_problem(batch, n_in, units, seed=seed)
        lstm = [rnn_ops.lstm_step(*phs, fused=f) for f in (True, False)]
        gru = [rnn_ops.gru_step(*gphs, fused=f) for f in (True, False)]
        grads = [tf.gradients(weighted_sum(list(s)), phs) for s in lstm] + \
            [tf.gradients(weighted_sum([s]), gphs) for s in gru]
        with tf.Session() as sess:
            lf, ls, gf, gs = sess.run([lstm[0], lstm[1], gru[0], gru[1]], {**feed, **gfeed})
            d = sess.run(grads, {**feed, **gfeed})
    np.testing.assert_allclose(lf, ls, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gf, gs, rtol=1e-12, atol=1e-12)
    for a, b in zip(d[0] + d[2], d[1] + d[3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------
# Second order, errors
# ---------------------------------------------------------------------------------------

def test_gradient_ops_refuse_second_order_and_name_the_fix():
    phs, _, _ = lstm_problem(2, 3, 2)
    _, h = rnn_ops.lstm_step(*phs)
    dkernel = tf.gradients(tf.reduce_sum(h), phs[3])[0]
    assert dkernel.op.type == "LSTMBlockCellGrad"
    with pytest.raises(NoGradientError, match="fused=False"):
        tf.gradients(tf.reduce_sum(dkernel * dkernel), phs[0])
    gphs, _, _ = gru_problem(2, 3, 2)
    dw = tf.gradients(tf.reduce_sum(rnn_ops.gru_step(*gphs)), gphs[2])[0]
    with pytest.raises(NoGradientError, match="gru_step_simple"):
        tf.gradients(tf.reduce_sum(dw), gphs[0])


def test_simple_twin_can_be_differentiated_twice():
    phs, feed, _ = lstm_problem(2, 3, 2)
    _, h = rnn_ops.lstm_step(*phs, fused=False)
    dx = tf.gradients(tf.reduce_sum(h), phs[0])[0]
    gradient_check(dx, [phs[0], phs[3]], feed)


def test_wrong_kernel_shape_names_the_kernel():
    x = tf.placeholder(tf.float32, [4, 3])
    c = tf.placeholder(tf.float32, [4, 5])
    kernel = tf.placeholder(tf.float32, [3 + 5, 5], name="my_kernel")
    bias = tf.placeholder(tf.float32, [20])
    with pytest.raises(ShapeError, match=r"kernel must have shape \(8, 20\).*my_kernel"):
        rnn_ops.lstm_block_cell(x, c, c, kernel, bias)


def test_sequence_input_to_one_step_is_explained():
    x = tf.placeholder(tf.float32, [4, 7, 3])
    h = tf.placeholder(tf.float32, [4, 2])
    w = tf.placeholder(tf.float32, [5, 4])
    with pytest.raises(ShapeError, match="dynamic_rnn"):
        rnn_ops.gru_block_cell(x, h, w, tf.placeholder(tf.float32, [5, 2]),
                               tf.placeholder(tf.float32, [4]), tf.placeholder(tf.float32, [2]))


def test_dtype_mismatch_is_an_error():
    phs, _, _ = lstm_problem(2, 3, 2)
    h32 = tf.placeholder(tf.float32, [2, 2], name="h32")
    with pytest.raises(DTypeError, match="h32"):
        rnn_ops.lstm_block_cell(phs[0], phs[1], h32, phs[3], phs[4])


# ---------------------------------------------------------------------------------------
# reverse_sequence
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("seq_axis,batch_axis", [(1, 0), (0, 1)])
def test_reverse_sequence_value_and_gradient(seq_axis, batch_axis):
    rng = np.random.default_rng(0)
    lengths = np.array([4, 0, 2])
    shape = [3, 4, 2] if batch_axis == 0 else [4, 3, 2]
    value = rng.standard_normal(shape)
    x = tf.placeholder(tf.float64, shape)
    y = rnn_ops.reverse_sequence(x, lengths, seq_axis=seq_axis, batch_axis=batch_axis)
    with tf.Session() as sess:
        got = sess.run(y, {x: value})
    batch_major = value if batch_axis == 0 else value.transpose(1, 0, 2)
    want = batch_major.copy()
    for b, n in enumerate(lengths):
        want[b, :n] = batch_major[b, :n][::-1]
    if batch_axis == 1:
        want = want.transpose(1, 0, 2)
    np.testing.assert_array_equal(got, want)
    gradient_check(y, [x], {x: value})


def test_reverse_sequence_length_too_long_is_reported():
    x = tf.placeholder(tf.float32, [2, 3])
    y = rnn_ops.reverse_sequence(x, [1, 5], seq_axis=1, batch_axis=0)
    with tf.Session() as sess, pytest.raises(ValueError, match=r"seq_lengths\[1\] = 5"):
        sess.run(y, {x: np.zeros((2, 3), np.float32)})


# ---------------------------------------------------------------------------------------
# BlockLSTM: a whole sequence in one op
# ---------------------------------------------------------------------------------------

def sequence_problem(steps, batch, n_in, units, seed=0, dtype=tf.float64):
    phs, feed, values = lstm_problem(batch, n_in, units, seed, dtype)
    xs = np.random.default_rng(seed + 7).standard_normal((steps, batch, n_in))
    xs = xs.astype(values[0].dtype)
    x = tf.placeholder(dtype, (steps, batch, n_in), name="xs")
    del feed[phs[0]]
    feed[x] = xs
    return [x] + phs[1:], feed, [xs] + values[1:]


def np_lstm_sequence(xs, c, h, kernel, bias, forget_bias=1.0, cell_clip=None):
    cs, hs = [], []
    for x in xs:
        c, h = np_lstm(x, c, h, kernel, bias, forget_bias, cell_clip)
        cs.append(c)
        hs.append(h)
    return np.array(cs), np.array(hs)


@pytest.mark.parametrize("kernels", ["reference", "auto"])
@pytest.mark.parametrize("forget_bias,cell_clip", [(1.0, None), (0.5, 0.6)])
def test_block_lstm_matches_numpy_and_the_per_step_op(kernels, forget_bias, cell_clip):
    phs, feed, values = sequence_problem(5, 3, 4, 6)
    outs = rnn_ops.block_lstm(*phs, forget_bias=forget_bias, cell_clip=cell_clip)
    assert [t.shape.as_list() for t in outs] == [[5, 3, 6]] * 7
    c, h = phs[1], phs[2]
    steps = []
    for x in tf.unstack(phs[0]):
        step = rnn_ops.lstm_block_cell(x, c, h, phs[3], phs[4], forget_bias, cell_clip)
        c, h = step[1], step[6]
        steps.append(step)
    with tf.Session(config=tf.ConfigProto(kernels=kernels)) as sess:
        got, per_step = sess.run([list(outs), [list(s) for s in steps]], feed)
    want_c, want_h = np_lstm_sequence(*values, forget_bias, cell_clip)
    np.testing.assert_allclose(got[1], want_c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[6], want_h, rtol=1e-12, atol=1e-12)
    for k in range(7):
        np.testing.assert_allclose(got[k], np.array([s[k] for s in per_step]), rtol=1e-12,
                                   atol=1e-13)


@pytest.mark.parametrize("kernels", ["reference", "auto"])
@pytest.mark.parametrize("cell_clip", [None, 0.6])
@pytest.mark.parametrize("outputs_used", ["h and final c", "every output"])
def test_block_lstm_gradient_check(kernels, cell_clip, outputs_used):
    """Finite differences in float64, with respect to the inputs, states and weights.
    "h and final c" is a training loss (the Numba kernel's fast path); "every output"
    also puts gradients on the gate outputs (the reference kernel's path)."""
    phs, feed, _ = sequence_problem(4, 3, 2, 5, seed=2)
    outs = rnn_ops.block_lstm(*phs, forget_bias=1.0, cell_clip=cell_clip)
    used = [outs[6], outs[1][-1]] if outputs_used == "h and final c" else list(outs)
    sess = tf.Session(config=tf.ConfigProto(kernels=kernels))
    gradient_check(weighted_sum(used), phs, feed, session=sess)


def test_block_lstm_gradients_equal_the_per_step_ops():
    phs, feed, _ = sequence_problem(6, 2, 3, 4, seed=3)
    outs = rnn_ops.block_lstm(*phs, cell_clip=0.7)
    c, h = phs[1], phs[2]
    hs = []
    for x in tf.unstack(phs[0]):
        step = rnn_ops.lstm_block_cell(x, c, h, phs[3], phs[4], cell_clip=0.7)
        c, h = step[1], step[6]
        hs.append(h)
    fused = tf.gradients(weighted_sum([outs[6], outs[1][-1]]), phs)
    per_step = tf.gradients(weighted_sum([tf.stack(hs), c]), phs)
    with tf.Session() as sess:
        for got, want in zip(*sess.run([fused, per_step], feed)):
            np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)


def test_block_lstm_d_x_is_not_computed_when_nothing_needs_it():
    """d_x = d_gates @ kernel[:n]^T is a MatMul of its own: training (x a placeholder)
    skips it; asking for d_x runs it."""
    phs, feed, _ = sequence_problem(3, 2, 3, 4)
    kernel = tf.Variable(feed[phs[3]], name="kernel")
    outs = rnn_ops.block_lstm(phs[0], phs[1], phs[2], kernel, phs[4])
    loss = tf.reduce_sum(outs[6])
    d_kernel, d_x = tf.gradients(loss, [kernel, phs[0]])
    assert d_x.op.inputs[0].op.type == "MatMul"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(d_kernel, feed)
        plan = list(sess._plans.values())[-1]
        assert not [op for op in plan.ops if op.type == "MatMul"], plan.ops
        assert sess.run(d_x, feed).shape == (3, 2, 3)


def test_block_lstm_shape_errors_teach():
    x = tf.placeholder(tf.float32, [None, 4], name="one_step")
    c = tf.placeholder(tf.float32, [None, 5])
    kernel = tf.placeholder(tf.float32, [9, 20])
    bias = tf.placeholder(tf.float32, [20])
    with pytest.raises(ShapeError, match="time-major.*one_step"):
        rnn_ops.block_lstm(x, c, c, kernel, bias)
    seq = tf.placeholder(tf.float32, [7, None, 3], name="seq")
    with pytest.raises(ShapeError, match="kernel must have shape \\(8, 20\\)"):
        rnn_ops.block_lstm(seq, c, c, kernel, bias)
    unknown = tf.placeholder(tf.float32, [7, None, None], name="unknown")
    with pytest.raises(ShapeError, match="input size"):
        rnn_ops.block_lstm(unknown, c, c, kernel, bias)


def test_fused_cell_gradients_make_no_zero_arrays_for_unused_outputs():
    """tf.gradients used to fill a zeros_like array for each of the five gate outputs of
    every LSTMBlockCell step; the gradient op now takes a scalar 0 for them."""
    x = tf.placeholder(tf.float32, [None, 6, 3])
    cell = tf.nn.rnn_cell.BasicLSTMCell(4)
    outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    loss = tf.reduce_sum(outputs[:, -1])
    tf.gradients(loss, cell.variables)
    ops = tf.get_default_graph().get_operations()
    assert sum(op.type == "LSTMBlockCellGrad" for op in ops) == 6
    assert not [op.name for op in ops if op.type == "ZerosLike"]
