"""static_rnn / dynamic_rnn / bidirectional RNNs against a NumPy loop; masking, names, gradients."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework.errors import ShapeError
from minitensor.nn.rnn import (bidirectional_dynamic_rnn, dynamic_rnn, stack_bidirectional_dynamic_rnn,
                               static_bidirectional_rnn, static_rnn)
from minitensor.nn.rnn_cell import (BasicLSTMCell, BasicRNNCell, GRUCell, LSTMStateTuple,
                                    MultiRNNCell)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------------------
# NumPy reference: cells (p = {variable name inside the cell's scope: value}) and the loop
# ---------------------------------------------------------------------------------------

def np_lstm(x, state, p):
    c, h = state
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ p["kernel"] + p["bias"], 4, axis=1)
    c = sigmoid(f + 1.0) * c + sigmoid(i) * np.tanh(j)
    h = np.tanh(c) * sigmoid(o)
    return h, (c, h)


def np_gru(x, h, p):
    r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ p["gates/kernel"] + p["gates/bias"]),
                    2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ p["candidate/kernel"] + p["candidate/bias"])
    h = u * h + (1 - u) * c
    return h, h


def np_basic_rnn(x, h, p):
    h = np.tanh(np.concatenate([x, h], 1) @ p["kernel"] + p["bias"])
    return h, h


def np_stack(steps_and_params):
    """A NumPy MultiRNNCell: [(step, params), ...] -> a step over a tuple of states."""
    def step(x, states, _):
        new = []
        for (fn, p), s in zip(steps_and_params, states):
            x, s = fn(x, s, p)
            new.append(s)
        return x, tuple(new)
    return step


def np_rnn(step, params, xs, state, lengths=None):
    """xs [batch, time, input]; TF's sequence_length semantics. Returns outputs, final state."""
    batch, time = xs.shape[:2]
    lengths = np.full(batch, time) if lengths is None else np.asarray(lengths)
    outputs = []
    for t in range(time):
        out, new = step(xs[:, t], state, params)
        alive = (t < lengths)[:, None]
        outputs.append(np.where(alive, out, 0.0))
        state = _np_map(lambda n, o: np.where(alive, n, o), new, state)
    return np.stack(outputs, 1), state


def np_reverse(xs, lengths):
    out = xs.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = xs[b, :n][::-1]
    return out


def _np_map(fn, a, b):
    if isinstance(a, tuple):
        return tuple(_np_map(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)


def _assert_close(got, want):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_close(g, w)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def randomize(sess, cell, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for v in cell.variables:
        value = rng.uniform(-0.8, 0.8, v.shape.as_list())
        v.load(value, sess)
        params[v.name[len(cell.name) + 1:].split(":")[0]] = value
    return params


def zeros_state(batch, units, lstm):
    z = np.zeros((batch, units))
    return (z, z) if lstm else z


# ---------------------------------------------------------------------------------------
# dynamic_rnn and static_rnn against NumPy
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("time_major", [False, True])
def test_dynamic_rnn_matches_numpy(kind, time_major):
    cell = BasicLSTMCell(3) if kind == "lstm" else GRUCell(3)
    step = np_lstm if kind == "lstm" else np_gru
    xs = np.random.default_rng(0).standard_normal((2, 4, 5))
    shape = [4, None, 5] if time_major else [None, 4, 5]
    x = tf.placeholder(tf.float64, shape)
    outputs, state = dynamic_rnn(cell, x, dtype=tf.float64, time_major=time_major)
    assert outputs.shape.as_list() == ([4, None, 3] if time_major else [None, 4, 3])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize(sess, cell)
        feed = xs.transpose(1, 0, 2) if time_major else xs
        got_out, got_state = sess.run([outputs, state], {x: feed})
    want_out, want_state = np_rnn(step, params, xs, zeros_state(2, 3, kind == "lstm"))
    _assert_close(got_out.transpose(1, 0, 2) if time_major else got_out, want_out)
    _assert_close(tuple(got_state) if kind == "lstm" else got_state, want_state)
    if kind == "lstm":
        assert isinstance(got_state, LSTMStateTuple)


def test_static_rnn_with_initial_state_matches_numpy():
    cell = BasicRNNCell(4)
    rng = np.random.default_rng(1)
    xs, h0 = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 4))
    inputs = [tf.placeholder(tf.float64, [None, 2]) for _ in range(5)]
    init = tf.placeholder(tf.float64, [None, 4])
    outputs, state = static_rnn(cell, inputs, initial_state=init)
    assert len(outputs) == 5 and cell.variables[0].name == "rnn/basic_rnn_cell/kernel:0"
    feed = {init: h0, **{p: xs[:, t] for t, p in enumerate(inputs)}}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize(sess, cell)
        got_out, got_state = sess.run([outputs, state], feed)
    want_out, want_state = np_rnn(np_basic_rnn, params, xs, h0)
    _assert_close(np.stack(got_out, 1), want_out)
    _assert_close(got_state, want_state)


def test_stacked_lstm_dynamic_rnn_matches_numpy():
    cell = MultiRNNCell([BasicLSTMCell(3), BasicLSTMCell(2)])
    xs = np.random.default_rng(2).standard_normal((2, 3, 4))
    x = tf.placeholder(tf.float64, [2, 3, 4])
    outputs, state = dynamic_rnn(cell, x, dtype=tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p = [randomize(sess, c, seed=i) for i, c in enumerate(cell._cells)]
        got_out, got_state = sess.run([outputs, state], {x: xs})
    step = np_stack([(np_lstm, p[0]), (np_lstm, p[1])])
    want_out, want_state = np_rnn(step, None, xs, (zeros_state(2, 3, True),
                                                   zeros_state(2, 2, True)))
    _assert_close(got_out, want_out)
    _assert_close(tuple(tuple(s) for s in got_state), want_state)


# ---------------------------------------------------------------------------------------
# sequence_length
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_sequence_length_zeroes_outputs_and_carries_state(kind):
    cell = BasicLSTMCell(3) if kind == "lstm" else GRUCell(3)
    step = np_lstm if kind == "lstm" else np_gru
    lengths = np.array([5, 2, 0, 3])
    xs = np.random.default_rng(3).standard_normal((4, 5, 2))
    x = tf.placeholder(tf.float64, [None, 5, 2])
    seq = tf.placeholder(tf.int32, [None])
    outputs, state = dynamic_rnn(cell, x, sequence_length=seq, dtype=tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize(sess, cell)
        got_out, got_state = sess.run([outputs, state], {x: xs, seq: lengths})
    want_out, want_state = np_rnn(step, params, xs, zeros_state(4, 3, kind == "lstm"), lengths)
    _assert_close(got_out, want_out)
    _assert_close(tuple(got_state) if kind == "lstm" else got_state, want_state)
    for b, n in enumerate(lengths):
        assert not np.any(got_out[b, n:]), "outputs past the end must be exactly zero"
        assert not np.any(np.signbit(got_out[b, n:])), "no -0.0 either"
    # the final state is the state at each sequence's own last step
    short, _ = np_rnn(step, params, xs[1:2, :2], zeros_state(1, 3, kind == "lstm"))
    np.testing.assert_allclose(got_out[1, 1], short[0, 1], rtol=1e-12)
    final_h = got_state.h if kind == "lstm" else got_state
    np.testing.assert_allclose(final_h[1], short[0, 1], rtol=1e-12)
    np.testing.assert_array_equal(final_h[2], 0.0)


def test_static_rnn_sequence_length():
    cell = GRUCell(2)
    xs = np.random.default_rng(4).standard_normal((3, 4, 2))
    inputs = [tf.placeholder(tf.float64, [3, 2]) for _ in range(4)]
    outputs, state = static_rnn(cell, inputs, dtype=tf.float64, sequence_length=[1, 4, 2])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize(sess, cell)
        got_out, got_state = sess.run([outputs, state], dict(zip(inputs, xs.transpose(1, 0, 2))))
    want_out, want_state = np_rnn(np_gru, params, xs, np.zeros((3, 2)), [1, 4, 2])
    _assert_close(np.stack(got_out, 1), want_out)
    _assert_close(got_state, want_state)


# ---------------------------------------------------------------------------------------
# Bidirectional
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("with_lengths", [False, True])
def test_bidirectional_dynamic_rnn_matches_numpy(with_lengths):
    fw, bw = BasicLSTMCell(3), GRUCell(2)
    lengths = np.array([4, 1, 3]) if with_lengths else np.array([4, 4, 4])
    xs = np.random.default_rng(5).standard_normal((3, 4, 2))
    x = tf.placeholder(tf.float64, [None, 4, 2])
    (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=lengths if with_lengths else None, dtype=tf.float64)
    assert [v.name for v in tf.trainable_variables()] == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel:0",
        "bidirectional_rnn/fw/basic_lstm_cell/bias:0",
        "bidirectional_rnn/bw/gru_cell/gates/kernel:0",
        "bidirectional_rnn/bw/gru_cell/gates/bias:0",
        "bidirectional_rnn/bw/gru_cell/candidate/kernel:0",
        "bidirectional_rnn/bw/gru_cell/candidate/bias:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p_fw, p_bw = randomize(sess, fw, 1), randomize(sess, bw, 2)
        got = sess.run([out_fw, out_bw, state_fw, state_bw], {x: xs})
    want_fw, want_state_fw = np_rnn(np_lstm, p_fw, xs, zeros_state(3, 3, True), lengths)
    rev_out, want_state_bw = np_rnn(np_gru, p_bw, np_reverse(xs, lengths), np.zeros((3, 2)),
                                    lengths)
    _assert_close(got[0], want_fw)
    _assert_close(got[1], np_reverse(rev_out, lengths))
    _assert_close(tuple(got[2]), want_state_fw)
    _assert_close(got[3], want_state_bw)
    # the backward output at step 0 has read the whole (unpadded) sequence
    assert got[1][0, 0] == pytest.approx(want_state_bw[0])


def test_static_bidirectional_rnn_concatenates_fw_and_bw():
    fw, bw = BasicRNNCell(3), BasicRNNCell(2)
    xs = np.random.default_rng(6).standard_normal((2, 3, 2))
    inputs = [tf.placeholder(tf.float64, [2, 2]) for _ in range(3)]
    outputs, state_fw, state_bw = static_bidirectional_rnn(fw, bw, inputs, dtype=tf.float64,
                                                           sequence_length=[3, 2])
    assert len(outputs) == 3 and outputs[0].shape.as_list() == [2, 5]
    assert fw.variables[0].name == "bidirectional_rnn/fw/basic_rnn_cell/kernel:0"
    assert bw.variables[0].name == "bidirectional_rnn/bw/basic_rnn_cell/kernel:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p_fw, p_bw = randomize(sess, fw, 1), randomize(sess, bw, 2)
        got, s_fw, s_bw = sess.run([outputs, state_fw, state_bw],
                                   dict(zip(inputs, xs.transpose(1, 0, 2))))
    lengths = [3, 2]
    want_fw, want_s_fw = np_rnn(np_basic_rnn, p_fw, xs, np.zeros((2, 3)), lengths)
    rev, want_s_bw = np_rnn(np_basic_rnn, p_bw, np_reverse(xs, lengths), np.zeros((2, 2)),
                            lengths)
    want = np.concatenate([want_fw, np_reverse(rev, lengths)], 2)
    _assert_close(np.stack(got, 1), want)
    _assert_close(s_fw, want_s_fw)
    _assert_close(s_bw, want_s_bw)


def test_deep_bidirectional_with_multi_rnn_cells():
    fw = MultiRNNCell([GRUCell(3), GRUCell(3)])
    bw = MultiRNNCell([GRUCell(3), GRUCell(3)])
    xs = np.random.default_rng(7).standard_normal((2, 3, 2))
    x = tf.placeholder(tf.float64, [2, 3, 2])
    (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(fw, bw, x,
                                                                       dtype=tf.float64)
    names = [v.name for v in tf.trainable_variables()]
    assert "bidirectional_rnn/fw/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0" in names
    assert "bidirectional_rnn/bw/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0" in names
    assert len(names) == 16
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        pf = [randomize(sess, c, i) for i, c in enumerate(fw._cells)]
        pb = [randomize(sess, c, 5 + i) for i, c in enumerate(bw._cells)]
        got_fw, got_bw, got_sb = sess.run([out_fw, out_bw, state_bw], {x: xs})
    z = np.zeros((2, 3))
    want_fw, _ = np_rnn(np_stack([(np_gru, pf[0]), (np_gru, pf[1])]), None, xs, (z, z))
    rev, want_sb = np_rnn(np_stack([(np_gru, pb[0]), (np_gru, pb[1])]), None, xs[:, ::-1],
                          (z, z))
    _assert_close(got_fw, want_fw)
    _assert_close(got_bw, rev[:, ::-1])
    _assert_close(tuple(got_sb), want_sb)


def test_stack_bidirectional_dynamic_rnn_feeds_concatenated_outputs_up():
    cells_fw, cells_bw = [BasicRNNCell(2), BasicRNNCell(2)], [BasicRNNCell(3), BasicRNNCell(1)]
    xs = np.random.default_rng(8).standard_normal((2, 4, 3))
    x = tf.placeholder(tf.float64, [2, 4, 3])
    outputs, states_fw, states_bw = stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, x,
                                                                    dtype=tf.float64)
    assert outputs.shape.as_list() == [2, 4, 3] and len(states_fw) == 2
    assert cells_fw[1].variables[0].name == \
        "stack_bidirectional_rnn/cell_1/bidirectional_rnn/fw/basic_rnn_cell/kernel:0"
    assert cells_fw[1].variables[0].shape.as_list() == [5 + 2, 2]   # layer 1 reads 2 + 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p = [[randomize(sess, c, 10 * k + d) for d, c in enumerate(pair)]
             for k, pair in enumerate(zip(cells_fw, cells_bw))]
        got = sess.run(outputs, {x: xs})
    layer_in = xs
    for k, (units_fw, units_bw) in enumerate([(2, 3), (2, 1)]):
        f, _ = np_rnn(np_basic_rnn, p[k][0], layer_in, np.zeros((2, units_fw)))
        b, _ = np_rnn(np_basic_rnn, p[k][1], layer_in[:, ::-1], np.zeros((2, units_bw)))
        layer_in = np.concatenate([f, b[:, ::-1]], 2)
    _assert_close(got, layer_in)


# ---------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make_cell", [lambda: BasicLSTMCell(2), lambda: GRUCell(2),
                                       lambda: BasicLSTMCell(2, fused=False)],
                         ids=["lstm", "gru", "lstm_simple"])
def test_gradient_check_through_a_masked_unroll(make_cell):
    cell = make_cell()
    x = tf.placeholder(tf.float64, [3, 3, 2])
    outputs, state = dynamic_rnn(cell, x, sequence_length=[3, 1, 2], dtype=tf.float64)
    y = tf.concat([tf.reshape(outputs, [3, -1])] +
                  (list(state) if isinstance(state, tuple) else [state]), 1)
    snapshots = [v.value() for v in cell.variables]
    rng = np.random.default_rng(0)
    feed = {x: rng.standard_normal((3, 3, 2))}
    feed.update({s: rng.uniform(-1, 1, s.shape.as_list()) for s in snapshots})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        gradient_check(y, [x] + snapshots, feed, session=sess)


def test_gradient_check_bidirectional_with_initial_states():
    fw, bw = GRUCell(2), BasicLSTMCell(2)
    x = tf.placeholder(tf.float64, [2, 3, 2])
    h0 = tf.placeholder(tf.float64, [2, 2])
    c0 = tf.placeholder(tf.float64, [2, 2])
    (o_fw, o_bw), _ = bidirectional_dynamic_rnn(
        fw, bw, x, sequence_length=[3, 2], initial_state_fw=h0,
        initial_state_bw=LSTMStateTuple(c0, h0))
    rng = np.random.default_rng(1)
    feed = {x: rng.standard_normal((2, 3, 2)), h0: rng.standard_normal((2, 2)),
            c0: rng.standard_normal((2, 2))}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        gradient_check(tf.concat([o_fw, o_bw], 2), [x, h0, c0], feed, session=sess)


def test_a_thousand_step_unroll_builds_runs_and_differentiates():
    steps = 1000
    cell = BasicLSTMCell(2)
    x = tf.placeholder(tf.float32, [3, steps, 1])
    outputs, state = dynamic_rnn(cell, x, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(outputs[:, -1] - 0.5))
    grads = tf.gradients(loss, [x] + cell.variables)
    xs = np.random.default_rng(0).uniform(-1, 1, (3, steps, 1)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = {v.name.split("/")[-1].split(":")[0]: sess.run(v) for v in cell.variables}
        out, dx, dkernel, dbias = sess.run([outputs, *grads], {x: xs})
    assert out.shape == (3, steps, 2) and dkernel.shape == (3, 8)
    assert np.all(np.isfinite(dkernel)) and np.any(dkernel != 0) and np.any(dbias != 0)
    assert np.any(dx[:, -1] != 0)
    _, (c, h) = np_rnn(np_lstm, params, xs.astype(np.float64), zeros_state(3, 2, True))
    np.testing.assert_allclose(out[:, -1], h, rtol=1e-4, atol=1e-5)


def test_training_an_lstm_reduces_the_loss():
    rng = np.random.default_rng(0)
    xs = rng.uniform(0, 1, (16, 6, 1)).astype(np.float32)
    ys = xs.sum(axis=(1, 2))[:, None].astype(np.float32) / 6
    x = tf.placeholder(tf.float32, [None, 6, 1])
    y = tf.placeholder(tf.float32, [None, 1])
    tf.set_random_seed(1)
    outputs, state = dynamic_rnn(GRUCell(4), x, dtype=tf.float32)
    w = tf.get_variable("w", [4, 1])
    loss = tf.reduce_mean(tf.square(tf.matmul(state, w) - y))
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: ys})
        for _ in range(40):
            sess.run(train, {x: xs, y: ys})
        last = sess.run(loss, {x: xs, y: ys})
    assert last < 0.2 * first


# ---------------------------------------------------------------------------------------
# Errors that teach
# ---------------------------------------------------------------------------------------

def test_unknown_number_of_steps_is_explained():
    x = tf.placeholder(tf.float32, [None, None, 28], name="images")
    with pytest.raises(ShapeError) as info:
        dynamic_rnn(GRUCell(3), x, dtype=tf.float32)
    assert "images" in str(info.value) and "[None, 28, 28]" in str(info.value)
    assert "sequence_length" in str(info.value)


def test_missing_dtype_is_explained():
    with pytest.raises(ValueError, match="dtype=tf.float32"):
        dynamic_rnn(GRUCell(3), tf.placeholder(tf.float32, [None, 4, 2]))


def test_static_rnn_wants_a_list():
    x = tf.placeholder(tf.float32, [None, 4, 2], name="seq")
    with pytest.raises(TypeError, match=r"(?s)seq.*tf.unstack\(x, axis=1\)"):
        static_rnn(GRUCell(3), x, dtype=tf.float32)


def test_two_dimensional_input_to_dynamic_rnn_is_explained():
    x = tf.placeholder(tf.float32, [None, 12])
    with pytest.raises(ShapeError, match="expand_dims"):
        dynamic_rnn(GRUCell(3), x, dtype=tf.float32)


# ---------------------------------------------------------------------------------------
# tf.contrib.rnn.LSTMBlockFusedCell: the whole sequence as one BlockLSTM op
# ---------------------------------------------------------------------------------------

def test_lstm_block_fused_cell_matches_numpy_and_dynamic_rnn():
    rng = np.random.default_rng(4)
    data = rng.standard_normal((5, 3, 2)).astype(np.float32)            # [time, batch, in]
    x = tf.placeholder(tf.float32, [5, None, 2])
    fused = tf.contrib.rnn.LSTMBlockFusedCell(4)
    outputs, state = fused(x, dtype=tf.float32)
    kernel, bias = fused.variables
    assert (kernel.name, bias.name) == ("lstm_fused_cell/kernel:0", "lstm_fused_cell/bias:0")
    assert kernel.shape.as_list() == [6, 16] and outputs.shape.as_list() == [5, None, 4]
    assert isinstance(state, LSTMStateTuple)
    cell = BasicLSTMCell(4)
    outputs_2, state_2 = dynamic_rnn(cell, x, time_major=True, dtype=tf.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for src, dst in zip(fused.variables, cell.variables):
            dst.load(sess.run(src), sess)
        got, got_state, want, want_state, p = sess.run(
            [outputs, state, outputs_2, state_2, {"kernel": kernel, "bias": bias}], {x: data})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state.c, want_state.c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state.h, got[-1])
    c = h = np.zeros((3, 4), np.float32)
    for t in range(5):
        h, (c, h) = np_lstm(data[t], (c, h), p)
    np.testing.assert_allclose(got_state.h, h, rtol=1e-5, atol=1e-6)


def test_lstm_block_fused_cell_list_inputs_initial_state_and_gradient():
    rng = np.random.default_rng(5)
    steps = [tf.placeholder(tf.float64, [2, 3]) for _ in range(4)]
    c0, h0 = tf.placeholder(tf.float64, [2, 5]), tf.placeholder(tf.float64, [2, 5])
    cell = tf.contrib.rnn.LSTMBlockFusedCell(5, forget_bias=0.5, cell_clip=2.0)
    outputs, (c, h) = cell(steps, initial_state=(c0, h0))
    assert isinstance(outputs, list) and len(outputs) == 4
    feed = {t: rng.standard_normal((2, 3)) for t in steps}
    feed.update({c0: rng.standard_normal((2, 5)), h0: rng.standard_normal((2, 5))})
    loss = tf.reduce_sum(tf.add_n(outputs) * np.arange(5.0)) + tf.reduce_sum(c * c)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        gradient_check(loss, steps + [c0, h0], feed, session=sess)
        kernel = cell.variables[0]
        g_fused = sess.run(tf.gradients(loss, kernel)[0], feed)
        assert np.abs(g_fused).sum() > 0


def test_lstm_block_fused_cell_explains_what_it_cannot_do():
    x = tf.placeholder(tf.float32, [None, 3], name="one_step")
    with pytest.raises(ShapeError, match="whole sequence.*one_step"):
        tf.contrib.rnn.LSTMBlockFusedCell(4)(x, dtype=tf.float32)
    seq = tf.placeholder(tf.float32, [5, None, 3])
    with pytest.raises(ValueError, match="(?s)sequence_length.*dynamic_rnn"):
        tf.contrib.rnn.LSTMBlockFusedCell(4)(seq, dtype=tf.float32, sequence_length=[5, 5])
    with pytest.raises(ValueError, match="use_peepholes=True"):
        tf.contrib.rnn.LSTMBlockFusedCell(4, use_peephole=True)
