"""RNN cells: TF 1.x variable names and shapes, values against NumPy, state handling, errors."""
import warnings

import numpy as np
import pytest

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework.errors import ShapeError
from minitensor.nn import rnn_cell
from minitensor.nn.rnn import dynamic_rnn, static_rnn
from minitensor.nn.rnn_cell import (BasicLSTMCell, BasicRNNCell, DropoutWrapper, GRUCell,
                                    LSTMCell, LSTMStateTuple, MultiRNNCell)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------------------------
# NumPy re-implementations of one step, p = {variable name inside the cell scope: value}
# ---------------------------------------------------------------------------------------

def np_basic_rnn(x, h, p):
    h = np.tanh(np.concatenate([x, h], 1) @ p["kernel"] + p["bias"])
    return h, h


def np_lstm(x, state, p, forget_bias=1.0, cell_clip=None, peepholes=False, proj=False,
            proj_clip=None, activation=np.tanh):
    c, m = state
    i, j, f, o = np.split(np.concatenate([x, m], 1) @ p["kernel"] + p["bias"], 4, axis=1)
    if peepholes:
        c = sigmoid(f + forget_bias + p["w_f_diag"] * c) * c + \
            sigmoid(i + p["w_i_diag"] * c) * activation(j)
    else:
        c = sigmoid(f + forget_bias) * c + sigmoid(i) * activation(j)
    if cell_clip is not None:
        c = np.clip(c, -cell_clip, cell_clip)
    m = sigmoid(o + p["w_o_diag"] * c if peepholes else o) * activation(c)
    if proj:
        m = m @ p["projection/kernel"]
        if proj_clip is not None:
            m = np.clip(m, -proj_clip, proj_clip)
    return m, (c, m)


def np_gru(x, h, p, activation=np.tanh):
    r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ p["gates/kernel"] + p["gates/bias"]),
                    2, axis=1)
    c = activation(np.concatenate([x, r * h], 1) @ p["candidate/kernel"] + p["candidate/bias"])
    h = u * h + (1 - u) * c
    return h, h


def randomize_variables(sess, cell, seed=0):
    """Give every variable (biases too) random values; return {name in cell scope: value}."""
    rng = np.random.default_rng(seed)
    params = {}
    for v in cell.variables:
        value = rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(v.dtype.base_dtype.as_numpy_dtype)
        v.load(value, sess)
        params[v.name[len(cell.name) + 1:].split(":")[0]] = value
    return params


# ---------------------------------------------------------------------------------------
# Variables: names, shapes, counts
# ---------------------------------------------------------------------------------------

NAME_CASES = [
    (lambda: BasicRNNCell(5),
     [("rnn/basic_rnn_cell/kernel", (8, 5)), ("rnn/basic_rnn_cell/bias", (5,))]),
    (lambda: BasicLSTMCell(5),
     [("rnn/basic_lstm_cell/kernel", (8, 20)), ("rnn/basic_lstm_cell/bias", (20,))]),
    (lambda: LSTMCell(5),
     [("rnn/lstm_cell/kernel", (8, 20)), ("rnn/lstm_cell/bias", (20,))]),
    (lambda: rnn_cell.LSTMBlockCell(5),
     [("rnn/lstm_cell/kernel", (8, 20)), ("rnn/lstm_cell/bias", (20,))]),
    (lambda: LSTMCell(5, use_peepholes=True, num_proj=2),
     [("rnn/lstm_cell/kernel", (5, 20)), ("rnn/lstm_cell/bias", (20,)),
      ("rnn/lstm_cell/w_f_diag", (5,)), ("rnn/lstm_cell/w_i_diag", (5,)),
      ("rnn/lstm_cell/w_o_diag", (5,)), ("rnn/lstm_cell/projection/kernel", (5, 2))]),
    (lambda: GRUCell(5),
     [("rnn/gru_cell/gates/kernel", (8, 10)), ("rnn/gru_cell/gates/bias", (10,)),
      ("rnn/gru_cell/candidate/kernel", (8, 5)), ("rnn/gru_cell/candidate/bias", (5,))]),
    (lambda: MultiRNNCell([BasicLSTMCell(5), GRUCell(4)]),
     [("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", (8, 20)),
      ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias", (20,)),
      ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel", (9, 8)),
      ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias", (8,)),
      ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel", (9, 4)),
      ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias", (4,))]),
    (lambda: DropoutWrapper(BasicLSTMCell(5), output_keep_prob=0.5),
     [("rnn/basic_lstm_cell/kernel", (8, 20)), ("rnn/basic_lstm_cell/bias", (20,))]),
]


@pytest.mark.parametrize("make_cell,expected", NAME_CASES)
def test_variable_names_and_shapes_are_tfs(make_cell, expected):
    cell = make_cell()
    dynamic_rnn(cell, tf.placeholder(tf.float32, [None, 4, 3]), dtype=tf.float32)
    got = [(v.name, tuple(v.shape.as_list())) for v in tf.trainable_variables()]
    assert got == [(name + ":0", shape) for name, shape in expected]
    assert [v.name for v in cell.variables] == [name + ":0" for name, _ in expected]


@pytest.mark.parametrize("make_cell,count", [
    (lambda: BasicRNNCell(16), 16 * (28 + 16) + 16),          # the seed's SimpleRNN(16): 720
    (lambda: BasicLSTMCell(128), 80384),                       # Keras LSTM(128) on 28 inputs
    (lambda: GRUCell(128), 60288),                             # Keras GRU(128), reset_after=False
])
def test_parameter_counts_match_tf(make_cell, count):
    static_rnn(make_cell(), [tf.placeholder(tf.float32, [None, 28])] * 3, dtype=tf.float32)
    assert sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables()) == count


def test_cells_outside_rnn_get_default_scopes_and_reuse_on_later_calls():
    x = tf.placeholder(tf.float32, [2, 3])
    a, b = BasicLSTMCell(4), BasicLSTMCell(4)
    _, state = a(x, a.zero_state(2, tf.float32))
    a(x, state)                                   # the next step: same variables
    b(x, b.zero_state(2, tf.float32))
    assert [v.name for v in tf.global_variables()] == [
        "basic_lstm_cell/kernel:0", "basic_lstm_cell/bias:0",
        "basic_lstm_cell_1/kernel:0", "basic_lstm_cell_1/bias:0"]
    with tf.variable_scope("encoder"):
        c = GRUCell(2, name="my_gru")
        c(x, c.zero_state(2, tf.float32))
    assert c.variables[0].name == "encoder/my_gru/gates/kernel:0"
    assert c.name == "encoder/my_gru"


def test_gru_gate_bias_starts_at_one_and_other_biases_at_zero():
    gru, lstm = GRUCell(3), BasicLSTMCell(3)
    x = tf.placeholder(tf.float32, [1, 2])
    gru(x, gru.zero_state(1, tf.float32))
    lstm(x, lstm.zero_state(1, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        gates_bias, cand_bias, lstm_bias = sess.run([gru.variables[1], gru.variables[3],
                                                     lstm.variables[1]])
    np.testing.assert_array_equal(gates_bias, np.ones(6))
    np.testing.assert_array_equal(cand_bias, np.zeros(3))
    np.testing.assert_array_equal(lstm_bias, np.zeros(12))


class MinimalRNNCell(rnn_cell.RNNCell):
    """A custom cell written the TF 1.x way: build(inputs_shape) + add_variable + call."""

    def __init__(self, units, name=None):
        super().__init__(name=name)
        self._units = units

    @property
    def state_size(self):
        return self._units

    @property
    def output_size(self):
        return self._units

    def build(self, inputs_shape):
        self.kernel = self.add_variable("kernel", [inputs_shape[-1].value, self._units])
        self.recurrent = self.add_weight("recurrent_kernel", [self._units, self._units])
        self.built = True

    def call(self, inputs, state):
        h = tf.tanh(tf.matmul(inputs, self.kernel) + tf.matmul(state, self.recurrent))
        return h, h


def test_a_custom_cell_written_the_tf_way():
    cell = MinimalRNNCell(3)
    xs = np.random.default_rng(0).standard_normal((2, 4, 5))
    x = tf.placeholder(tf.float64, [2, 4, 5])
    outputs, state = dynamic_rnn(cell, x, dtype=tf.float64)
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn/minimal_rnn_cell/kernel:0", "rnn/minimal_rnn_cell/recurrent_kernel:0"]
    assert cell.built and cell.dtype == tf.float64
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k, r = sess.run(cell.variables)
        got = sess.run(state, {x: xs})
    h = np.zeros((2, 3))
    for t in range(4):
        h = np.tanh(xs[:, t] @ k + h @ r)
    np.testing.assert_allclose(got, h, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Values against NumPy
# ---------------------------------------------------------------------------------------

def _np_lstm_tuple(**kw):
    return lambda x, s, p: np_lstm(x, s, p, **kw)


VALUE_CASES = {
    "basic_rnn": (lambda: BasicRNNCell(4), np_basic_rnn),
    "basic_rnn_sigmoid": (lambda: BasicRNNCell(4, activation=tf.sigmoid),
                          lambda x, h, p: (lambda y: (y, y))(
                              sigmoid(np.concatenate([x, h], 1) @ p["kernel"] + p["bias"]))),
    "basic_lstm_fused": (lambda: BasicLSTMCell(4, forget_bias=0.7),
                         _np_lstm_tuple(forget_bias=0.7)),
    "basic_lstm_simple": (lambda: BasicLSTMCell(4, forget_bias=0.7, fused=False),
                          _np_lstm_tuple(forget_bias=0.7)),
    "basic_lstm_sigmoid": (lambda: BasicLSTMCell(4, activation=tf.sigmoid),
                           _np_lstm_tuple(activation=sigmoid)),
    "lstm_fused": (lambda: LSTMCell(4), _np_lstm_tuple()),
    "lstm_block_cell": (lambda: rnn_cell.LSTMBlockCell(4, forget_bias=0.3, cell_clip=0.3),
                        _np_lstm_tuple(forget_bias=0.3, cell_clip=0.3)),
    "lstm_clip_fused": (lambda: LSTMCell(4, cell_clip=0.3), _np_lstm_tuple(cell_clip=0.3)),
    "lstm_clip_simple": (lambda: LSTMCell(4, cell_clip=0.3, fused=False),
                         _np_lstm_tuple(cell_clip=0.3)),
    "lstm_peephole_projection": (
        lambda: LSTMCell(4, use_peepholes=True, num_proj=3, proj_clip=0.2, cell_clip=0.5,
                         forget_bias=0.5),
        _np_lstm_tuple(peepholes=True, proj=True, proj_clip=0.2, cell_clip=0.5,
                       forget_bias=0.5)),
    "gru_fused": (lambda: GRUCell(4), np_gru),
    "gru_simple": (lambda: GRUCell(4, fused=False), np_gru),
    "gru_sigmoid": (lambda: GRUCell(4, activation=tf.sigmoid),
                    lambda x, h, p: np_gru(x, h, p, activation=sigmoid)),
}


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_three_steps_match_numpy(case):
    make_cell, np_step = VALUE_CASES[case]
    cell = make_cell()
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((3, 2, 3))               # 3 steps, batch 2, 3 features
    inputs = [tf.placeholder(tf.float64, [2, 3]) for _ in range(3)]
    outputs, state = static_rnn(cell, inputs, dtype=tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize_variables(sess, cell)
        got_outputs, got_state = sess.run([outputs, state], dict(zip(inputs, xs)))
    zeros = np.zeros((2, 4))
    np_state = (zeros, zeros[:, :3] if "projection" in case else zeros) \
        if isinstance(cell.state_size, tuple) else zeros
    for t in range(3):
        out, np_state = np_step(xs[t], np_state, params)
        np.testing.assert_allclose(got_outputs[t], out, rtol=1e-10, atol=1e-12)
    if isinstance(got_state, LSTMStateTuple):
        np.testing.assert_allclose(got_state.c, np_state[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got_state.h, np_state[1], rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(got_state, np_state, rtol=1e-10, atol=1e-12)
    if "clip" in case:
        assert np.isclose(np.abs(got_state.c), 0.3 if "lstm_clip" in case else 0.5).any()


def test_fused_cells_use_one_op_per_step():
    x = [tf.placeholder(tf.float32, [2, 3]) for _ in range(5)]
    static_rnn(BasicLSTMCell(4), x, dtype=tf.float32, scope="a")
    static_rnn(GRUCell(4), x, dtype=tf.float32, scope="b")
    static_rnn(BasicLSTMCell(4, fused=False), x, dtype=tf.float32, scope="c")
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert types.count("LSTMBlockCell") == 5 and types.count("GRUBlockCell") == 5
    assert [op.name for op in tf.get_default_graph().get_operations()
            if op.type == "LSTMBlockCell"][:2] == ["a/basic_lstm_cell/LSTMBlockCell",
                                                   "a/basic_lstm_cell/LSTMBlockCell_1"]


def test_state_is_tuple_false_concatenates_c_and_h():
    cell_t, cell_c = BasicLSTMCell(3), BasicLSTMCell(3, state_is_tuple=False)
    assert cell_t.state_size == (3, 3) and cell_c.state_size == 6
    x = [tf.placeholder(tf.float64, [2, 2]) for _ in range(2)]
    _, s_t = static_rnn(cell_t, x, dtype=tf.float64, scope="t")
    _, s_c = static_rnn(cell_c, x, dtype=tf.float64, scope="c")
    feed = {p: np.random.default_rng(i).standard_normal((2, 2)) for i, p in enumerate(x)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        params = randomize_variables(sess, cell_t)
        for v, value in zip(cell_c.variables, [params["kernel"], params["bias"]]):
            v.load(value, sess)
        tup, cat = sess.run([s_t, s_c], feed)
    assert cat.shape == (2, 6)
    np.testing.assert_allclose(cat, np.concatenate([tup.c, tup.h], 1), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# zero_state, MultiRNNCell, DropoutWrapper
# ---------------------------------------------------------------------------------------

def test_zero_state_static_and_dynamic_batch():
    cell = MultiRNNCell([BasicLSTMCell(3), GRUCell(2)])
    static = cell.zero_state(4, tf.float64)
    assert isinstance(static[0], LSTMStateTuple) and static[0].c.shape.as_list() == [4, 3]
    assert static[1].shape.as_list() == [4, 2] and static[1].dtype == tf.float64
    x = tf.placeholder(tf.float32, [None, 5])
    dynamic = cell.zero_state(tf.shape(x)[0], tf.float32)
    assert dynamic[0].h.shape.as_list() == [None, 3]
    with tf.Session() as sess:
        got = sess.run(dynamic, {x: np.zeros((7, 5), np.float32)})
    assert got[0].c.shape == (7, 3) and got[1].shape == (7, 2)
    assert not np.any(got[0].c) and not np.any(got[1])


def test_multi_rnn_cell_feeds_each_layer_the_one_below():
    cell = MultiRNNCell([BasicRNNCell(3), BasicRNNCell(2)])
    assert cell.state_size == (3, 2) and cell.output_size == 2
    x = tf.placeholder(tf.float64, [2, 4])
    out, (s0, s1) = cell(x, cell.zero_state(2, tf.float64))
    xv = np.random.default_rng(0).standard_normal((2, 4))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p0 = randomize_variables(sess, cell._cells[0], seed=1)
        p1 = randomize_variables(sess, cell._cells[1], seed=2)
        got_out, got0 = sess.run([out, s0], {x: xv})
    h0, _ = np_basic_rnn(xv, np.zeros((2, 3)), p0)
    h1, _ = np_basic_rnn(h0, np.zeros((2, 2)), p1)
    np.testing.assert_allclose(got0, h0, rtol=1e-12)
    np.testing.assert_allclose(got_out, h1, rtol=1e-12)


def test_multi_rnn_cell_state_not_tuple():
    cell = MultiRNNCell([GRUCell(3), GRUCell(2)], state_is_tuple=False)
    assert cell.state_size == 5
    outputs, state = static_rnn(cell, [tf.placeholder(tf.float32, [4, 2])] * 2,
                                dtype=tf.float32)
    assert state.shape.as_list() == [4, 5] and outputs[-1].shape.as_list() == [4, 2]


def test_dropout_wrapper_drops_outputs_and_scales_the_rest():
    inner = BasicRNNCell(50)
    cell = DropoutWrapper(inner, output_keep_prob=0.5, seed=3)
    x = tf.placeholder(tf.float32, [20, 4])
    state = cell.zero_state(20, tf.float32)
    dropped, _ = cell(x, state)
    plain, _ = inner(x, state)                    # the same variables, no dropout
    assert len(tf.trainable_variables()) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        d, p = sess.run([dropped, plain], {x: np.random.default_rng(0).standard_normal((20, 4))})
    kept = d != 0
    np.testing.assert_allclose(d[kept], 2 * p[kept], rtol=1e-6)
    assert 0.35 < kept.mean() < 0.65


def test_dropout_wrapper_state_dropout_leaves_lstm_memory_alone():
    inner = BasicLSTMCell(40)
    cell = DropoutWrapper(inner, state_keep_prob=0.5, seed=1)
    x = tf.placeholder(tf.float32, [10, 3])
    s0 = cell.zero_state(10, tf.float32)
    _, dropped = cell(x, s0)
    _, plain = inner(x, s0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        d, p = sess.run([dropped, plain], {x: np.random.default_rng(0).standard_normal((10, 3))})
    np.testing.assert_array_equal(d.c, p.c)
    kept = d.h != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(d.h[kept], 2 * p.h[kept], rtol=1e-6)


def test_dropout_wrapper_keep_prob_placeholder_and_input_dropout():
    keep = tf.placeholder_with_default(tf.constant(1.0), [])
    cell = DropoutWrapper(GRUCell(3), input_keep_prob=keep)
    x = tf.placeholder(tf.float32, [200, 30])
    out, _ = cell(x, cell.zero_state(200, tf.float32))
    drop_ops = [op for op in tf.get_default_graph().get_operations() if op.type == "Dropout"]
    assert len(drop_ops) == 1
    masked_input = drop_ops[0].outputs[0]
    xv = np.ones((200, 30), np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(masked_input, {x: xv}), xv)
        half = sess.run(masked_input, {x: xv, keep: 0.25})
    assert set(np.unique(half)) <= {0.0, 4.0} and 0.2 < (half != 0).mean() < 0.3


def test_dropout_wrapper_rejects_a_drop_rate():
    with pytest.raises(ValueError, match="KEEPING"):
        DropoutWrapper(GRUCell(2), output_keep_prob=0.0)


# ---------------------------------------------------------------------------------------
# DropoutWrapper(variational_recurrent=True): one mask per Session.run for every time step
# ---------------------------------------------------------------------------------------

class IdentityCell(rnn_cell.RNNCell):
    """output = inputs, state passed on unchanged: shows what the wrapper did to the inputs."""

    def __init__(self, depth):
        super().__init__()
        self._depth = depth

    @property
    def state_size(self):
        return self._depth

    @property
    def output_size(self):
        return self._depth

    def call(self, inputs, state):
        return inputs, state


class AccumulatorCell(IdentityCell):
    """new_state = state + inputs, output = new_state (so state dropout shows in outputs)."""

    def call(self, inputs, state):
        new_state = state + inputs
        return new_state, new_state


def variational(cell, **kw):
    kw.setdefault("dtype", tf.float32)
    return DropoutWrapper(cell, variational_recurrent=True, **kw)


@pytest.mark.parametrize("is_variational", [True, False])
def test_variational_input_mask_is_one_pattern_for_every_step_and_sequence(is_variational):
    cell = DropoutWrapper(IdentityCell(40), input_keep_prob=0.5, dtype=tf.float32,
                          variational_recurrent=is_variational, input_size=40)
    x = tf.placeholder(tf.float32, [4, 6, 40])
    outputs, _ = dynamic_rnn(cell, x, dtype=tf.float32)
    with tf.Session() as sess:
        out = sess.run(outputs, {x: np.ones((4, 6, 40), np.float32)})
    assert set(np.unique(out)) <= {0.0, 2.0}              # kept units scaled by 1/keep_prob
    assert 0.25 < (out != 0).mean() < 0.75
    same_everywhere = bool(np.all(out == out[0, 0]))      # every step, every sequence
    assert same_everywhere == is_variational


def test_variational_output_mask_scales_by_one_over_keep_prob():
    cell = variational(IdentityCell(30), output_keep_prob=0.25)
    x = tf.placeholder(tf.float32, [3, 5, 30])
    outputs, _ = dynamic_rnn(cell, x, dtype=tf.float32)
    xv = np.random.default_rng(0).uniform(0.5, 1.5, (3, 5, 30)).astype(np.float32)
    with tf.Session() as sess:
        out = sess.run(outputs, {x: xv})
    mask = out[0, 0] / xv[0, 0]
    np.testing.assert_allclose(np.unique(np.round(mask, 5)), [0.0, 4.0])
    np.testing.assert_allclose(out, xv * mask, rtol=1e-6)


def test_variational_state_mask_is_the_same_at_every_step():
    cell = variational(AccumulatorCell(30), state_keep_prob=0.5)
    x = tf.placeholder(tf.float32, [3, 5, 30])
    outputs, final = dynamic_rnn(cell, x, dtype=tf.float32)
    with tf.Session() as sess:
        out, last = sess.run([outputs, final], {x: np.ones((3, 5, 30), np.float32)})
    mask = out[:, 1] - 1                       # step 1 outputs state_0 * mask + 1
    assert set(np.unique(mask)) == {0.0, 2.0} and np.all(mask == mask[0])
    state, expected = np.zeros((3, 30)), []
    for _ in range(5):
        new = state + 1
        expected.append(new)
        state = new * mask                     # the one mask, at every step
    np.testing.assert_allclose(out, np.stack(expected, 1))
    np.testing.assert_allclose(last, state)


def test_variational_state_dropout_leaves_lstm_memory_alone_unless_the_filter_says():
    inner = BasicLSTMCell(40)
    cell = variational(inner, state_keep_prob=0.5, seed=2)
    x = tf.placeholder(tf.float32, [10, 3])
    s0 = cell.zero_state(10, tf.float32)
    _, dropped = cell(x, s0)
    _, plain = inner(x, s0)
    also_c = variational(inner, state_keep_prob=0.5, dropout_state_filter_visitor=lambda s: True)
    _, both = also_c(x, s0)
    xv = np.random.default_rng(0).standard_normal((10, 3))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        d, p, b = sess.run([dropped, plain, both], {x: xv})
    np.testing.assert_array_equal(d.c, p.c)
    kept = d.h != 0
    assert np.all(kept == kept[0]) and 0.25 < kept.mean() < 0.75
    np.testing.assert_allclose(d.h[kept], 2 * p.h[kept], rtol=1e-6)
    kept_c = b.c != 0
    assert np.all(kept_c == kept_c[0]) and 0.25 < kept_c.mean() < 0.75
    np.testing.assert_allclose(b.c[kept_c], 2 * p.c[kept_c], rtol=1e-6)


def test_variational_keep_prob_one_is_the_identity():
    tf.set_random_seed(3)        # the keep 0.5 run below must drop something: not by chance
    inner = GRUCell(4)
    fixed = variational(inner)                     # all 1.0: no input_size needed, no ops
    keep = tf.placeholder_with_default(tf.constant(1.0), [])
    fed = variational(inner, input_keep_prob=keep, output_keep_prob=keep,
                      state_keep_prob=keep, input_size=3)
    x = tf.placeholder(tf.float32, [2, 5, 3])
    plain, plain_state = dynamic_rnn(inner, x, dtype=tf.float32, scope="plain")
    n_ops = len(tf.get_default_graph().get_operations())
    via_fixed, _ = dynamic_rnn(fixed, x, dtype=tf.float32, scope="fixed")
    assert not [op for op in tf.get_default_graph().get_operations()[n_ops:]
                if op.type == "Dropout"]
    via_fed, fed_state = dynamic_rnn(fed, x, dtype=tf.float32, scope="fed")
    xv = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        p, ps, f, v, vs = sess.run([plain, plain_state, via_fixed, via_fed, fed_state], {x: xv})
        half = sess.run(via_fed, {x: xv, keep: 0.5})
    np.testing.assert_array_equal(f, p)
    np.testing.assert_allclose(v, p, rtol=1e-6)
    np.testing.assert_allclose(vs, ps, rtol=1e-6)
    assert np.all((half[:, :, :] == 0) == (half[0, 0] == 0))   # output mask, every step
    assert np.any(half == 0)


def test_variational_masks_are_made_once_whatever_the_sequence_length():
    keep = tf.placeholder_with_default(tf.constant(1.0), [])
    cells = [variational(GRUCell(4), input_keep_prob=keep, output_keep_prob=keep,
                         state_keep_prob=keep, input_size=size) for size in (3, 4)]
    x = tf.placeholder(tf.float32, [2, 7, 3])
    outputs, _ = dynamic_rnn(MultiRNNCell(cells), x, dtype=tf.float32)
    drops = [op for op in tf.get_default_graph().get_operations() if op.type == "Dropout"]
    assert len(drops) == 6                          # 2 layers x (input, state, output)
    masks = [m for c in cells for m in c._masks.values()]
    assert sorted(m.shape.as_list() for m in masks) == [[1, 3], [1, 4], [1, 4], [1, 4],
                                                        [1, 4], [1, 4]]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(outputs, {x: np.ones((2, 7, 3), np.float32), keep: 0.5})
    assert out.shape == (2, 7, 4) and np.all((out == 0) == (out[0, 0] == 0))


def test_variational_masks_are_redrawn_each_run_and_a_seed_repeats_them():
    def build_and_run():
        tf.reset_default_graph()
        cell = variational(IdentityCell(64), output_keep_prob=0.5, seed=5)
        x = tf.placeholder(tf.float32, [2, 3, 64])
        outputs, _ = dynamic_rnn(cell, x, dtype=tf.float32)
        feed = {x: np.ones((2, 3, 64), np.float32)}
        with tf.Session() as sess:
            return [sess.run(outputs, feed) for _ in range(3)]
    first, second = build_and_run(), build_and_run()
    assert not np.array_equal(first[0], first[1])           # a new mask each run
    assert not np.array_equal(first[1], first[2])
    for a, b in zip(first, second):                         # the same sequence of masks
        np.testing.assert_array_equal(a, b)


def test_variational_gradient_is_the_mask_of_this_run():
    cell = variational(IdentityCell(20), input_keep_prob=0.5, output_keep_prob=0.5,
                       input_size=20)
    x = tf.placeholder(tf.float32, [2, 4, 20])
    outputs, _ = dynamic_rnn(cell, x, dtype=tf.float32)
    grad, = tf.gradients(tf.reduce_sum(outputs), [x])
    with tf.Session() as sess:
        for _ in range(3):                                  # out = x * mask, d out/dx = mask
            out, g = sess.run([outputs, grad], {x: np.ones((2, 4, 20), np.float32)})
            np.testing.assert_array_equal(g, out)
            assert set(np.unique(g)) <= {0.0, 4.0} and np.any(g == 0)


def test_variational_gradient_check_with_fixed_masks():
    cell = variational(GRUCell(3), input_keep_prob=0.6, output_keep_prob=0.7,
                       state_keep_prob=0.8, input_size=2, dtype=tf.float64)
    x = [tf.placeholder(tf.float64, [2, 2]) for _ in range(3)]
    outputs, state = static_rnn(cell, x, dtype=tf.float64)
    snapshots = [v.value() for v in cell.variables]
    rng = np.random.default_rng(0)
    # Random ops draw anew at every run, so the check feeds each mask a fixed draw.
    feed = {m: (rng.random(m.shape.as_list()) < 0.6) / 0.6 for m in cell._masks.values()}
    assert len(feed) == 3 and all(np.any(v == 0) for v in feed.values())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed.update({s: rng.uniform(-0.8, 0.8, s.shape.as_list()) for s in snapshots})
        feed.update({p: rng.standard_normal((2, 2)) for p in x})
        y = tf.concat(outputs + [state], 1)
        gradient_check(y, x + snapshots, feed, session=sess)


def test_variational_needs_input_size_and_dtype():
    with pytest.raises(ValueError, match=r"input_size=28"):
        DropoutWrapper(GRUCell(2), input_keep_prob=0.5, variational_recurrent=True,
                       dtype=tf.float32)
    keep = tf.placeholder(tf.float32, [])
    with pytest.raises(ValueError, match=r"needs input_size"):     # unknown keep_prob too
        DropoutWrapper(GRUCell(2), input_keep_prob=keep, variational_recurrent=True,
                       dtype=tf.float32)
    with pytest.raises(ValueError, match=r"dtype=tf.float32"):
        DropoutWrapper(GRUCell(2), output_keep_prob=0.5, variational_recurrent=True)
    DropoutWrapper(GRUCell(2), output_keep_prob=0.5, variational_recurrent=True,
                   dtype=tf.float32)                        # no input dropout: no input_size
    DropoutWrapper(GRUCell(2), input_keep_prob=0.5, variational_recurrent=True,
                   input_size=tf.TensorShape([5]), dtype=tf.float32)


def test_variational_wrong_input_size_or_dtype_is_explained():
    cell = variational(GRUCell(2), input_keep_prob=0.5, input_size=3)
    x = tf.placeholder(tf.float32, [2, 4, 5])
    explained = r"input_size=3.*test_rnn_cell.py.*\(2, 5\).*\n.*input_size=5"
    with pytest.raises(ShapeError, match=explained):
        dynamic_rnn(cell, x, dtype=tf.float32)
    tf.reset_default_graph()
    cell = variational(GRUCell(2), output_keep_prob=0.5)
    x64 = tf.placeholder(tf.float64, [2, 4, 5])
    with pytest.raises(TypeError, match=r"float32.*float64.*\n.*dtype=tf.float64"):
        dynamic_rnn(cell, x64, dtype=tf.float64)


# ---------------------------------------------------------------------------------------
# Gradients through cells (float64 finite differences, w.r.t. inputs, state and variables)
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make_cell", [
    lambda: BasicLSTMCell(3), lambda: GRUCell(3), lambda: BasicRNNCell(3),
    lambda: LSTMCell(3, use_peepholes=True, num_proj=2, cell_clip=0.9),
], ids=["basic_lstm", "gru", "basic_rnn", "lstm_peephole_proj"])
def test_gradient_check_two_steps(make_cell):
    cell = make_cell()
    x = [tf.placeholder(tf.float64, [2, 2]) for _ in range(2)]
    outputs, state = static_rnn(cell, x, dtype=tf.float64)
    snapshots = [v.value() for v in cell.variables]
    rng = np.random.default_rng(0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {s: rng.uniform(-0.8, 0.8, s.shape.as_list()) for s in snapshots}
        feed.update({p: rng.standard_normal((2, 2)) for p in x})
        y = tf.concat(outputs + [t for t in rnn_cell._flatten(state)], 1)
        gradient_check(y, x + snapshots, feed, session=sess)


# ---------------------------------------------------------------------------------------
# Errors that teach
# ---------------------------------------------------------------------------------------

def test_one_cell_in_every_layer_is_explained():
    cell = BasicLSTMCell(4)
    with pytest.warns(UserWarning, match="same BasicLSTMCell object"):
        stack = MultiRNNCell([cell] * 2)
    with pytest.raises(ShapeError) as info:
        dynamic_rnn(stack, tf.placeholder(tf.float32, [None, 5, 3]), dtype=tf.float32)
    message = str(info.value)
    assert "built for inputs of size 3" in message and "size 4" in message
    assert "MultiRNNCell([BasicLSTMCell(4) for _ in range(k)])" in message
    assert "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel" in message


def test_distinct_cells_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiRNNCell([BasicLSTMCell(4) for _ in range(3)])


def test_sequence_given_to_a_cell_is_explained():
    cell = GRUCell(3)
    with pytest.raises(ShapeError, match="(?s)one time step.*dynamic_rnn"):
        cell(tf.placeholder(tf.float32, [None, 10, 3]), cell.zero_state(2, tf.float32))


def test_unknown_input_size_is_explained():
    cell = BasicRNNCell(3)
    with pytest.raises(ShapeError, match="input size"):
        cell(tf.placeholder(tf.float32, [None, None]), cell.zero_state(2, tf.float32))


def test_lstm_state_must_be_a_pair():
    cell = BasicLSTMCell(3)
    with pytest.raises(TypeError, match="LSTMStateTuple"):
        cell(tf.placeholder(tf.float32, [2, 3]), tf.zeros([2, 3]))


def test_multi_rnn_cell_state_must_have_one_entry_per_layer():
    cell = MultiRNNCell([GRUCell(3), GRUCell(3)])
    with pytest.raises(TypeError, match="tuple of 2 states"):
        cell(tf.placeholder(tf.float32, [2, 3]), tf.zeros([2, 3]))
    lstm_stack = MultiRNNCell([BasicLSTMCell(3), GRUCell(2)])
    with pytest.raises(TypeError, match=r"layer 0 \(BasicLSTMCell\) expects a state"):
        lstm_stack(tf.placeholder(tf.float32, [2, 3]), lstm_stack.zero_state(2, tf.float32)[0])


def test_cell_used_again_after_reset_default_graph_is_explained():
    cell = GRUCell(2)
    cell(tf.placeholder(tf.float32, [1, 2]), cell.zero_state(1, tf.float32))
    tf.reset_default_graph()
    with pytest.raises(ValueError, match="reset_default_graph"):
        cell(tf.placeholder(tf.float32, [1, 2]), cell.zero_state(1, tf.float32))
