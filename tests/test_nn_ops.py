"""tf.nn: activations, softmax, bias_add, dropout, fused cross-entropies (against their
_simple twins and NumPy), l2 ops, top_k; forward against NumPy, gradients by central
differences in float64, and the errors that teach."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework import errors
from minitensor.ops import nn_ops

from strategies import NONZERO, shapes

SETTINGS = settings(deadline=None, max_examples=15)


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

ACTIVATIONS = [
    ("relu", tf.nn.relu, lambda x: np.maximum(x, 0)),
    ("relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6)),
    ("elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ("selu", tf.nn.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(x) - 1))),
    ("softplus", tf.nn.softplus, lambda x: np.log1p(np.exp(x))),
    ("softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    ("sigmoid", tf.nn.sigmoid, _np_sigmoid),
    ("tanh", tf.nn.tanh, np.tanh),
    ("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("softmax", tf.nn.softmax, _np_softmax),
    ("log_softmax", tf.nn.log_softmax, lambda x: np.log(_np_softmax(x))),
    ("l2_loss", tf.nn.l2_loss, lambda x: np.sum(x * x) / 2),
]


# =========================================================================
# Activations
# =========================================================================

@pytest.mark.parametrize("name,op,reference", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@SETTINGS
@given(data=st.data())
def test_activation_forward_and_gradient(name, op, reference, data):
    tf.reset_default_graph()
    shape = data.draw(shapes(min_rank=1, max_rank=3))
    seed = data.draw(st.integers(0, 2**16))
    value = NONZERO.sample(np.random.default_rng(seed), shape) * 1.5
    x = tf.placeholder(tf.float64, shape)
    y = op(x)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: value}), reference(value), rtol=1e-12,
                                   atol=1e-12)
        gradient_check(y, [x], {x: value}, session=sess)


@pytest.mark.parametrize("name,op,reference", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_keeps_float32(name, op, reference):
    x = tf.placeholder(tf.float32, [2, 3])
    value = np.array([[-2.0, 0.5, 7.0], [3.0, -0.1, 1.0]], np.float32)
    with tf.Session() as sess:
        out = sess.run(op(x), {x: value})
    assert np.asarray(out).dtype == np.float32
    np.testing.assert_allclose(out, reference(value.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", [tf.nn.elu, tf.nn.selu, tf.nn.softplus, tf.nn.softsign,
                                tf.nn.softmax, tf.nn.log_softmax])
def test_second_derivatives(op):
    x = tf.placeholder(tf.float64, [2, 3])
    value = np.array([[-1.3, 0.4, 2.1], [0.7, -0.6, -2.2]])
    g = tf.gradients(tf.reduce_sum(op(x) * np.arange(6.0).reshape(2, 3)), x)[0]
    gradient_check(g, [x], {x: value})


def test_relu_gradient_is_a_mask_and_relu_grad_is_differentiable():
    x = tf.placeholder(tf.float64, [4])
    value = np.array([-1.0, 2.0, -3.0, 0.5])
    g = tf.gradients(tf.nn.relu(x) * x, x)[0]          # d(relu(x) x)/dx = 2x where x>0
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: value}), [0, 4.0, 0, 1.0])
    gradient_check(g, [x], {x: value})
    y = tf.nn.relu(x)
    assert tf.gradients(y, x)[0].op.type == "ReluGrad"


def test_relu6_caps_at_6_and_gradient_zero_outside():
    x = tf.placeholder(tf.float64, [4])
    value = np.array([-1.0, 3.0, 7.0, 5.5])
    g = tf.gradients(tf.nn.relu6(x), x)[0]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(tf.nn.relu6(x), {x: value}), [0, 3, 6, 5.5])
        np.testing.assert_allclose(sess.run(g, {x: value}), [0, 1, 0, 1])


def test_softplus_is_stable_for_large_inputs():
    x = tf.constant([-1e4, 0.0, 1e4], dtype=tf.float32)
    with tf.Session() as sess:
        out = sess.run(tf.nn.softplus(x))
    np.testing.assert_allclose(out, [0.0, np.log(2), 1e4], rtol=1e-6)


def test_relu_accepts_ints_and_activations_refuse_ints_with_a_hint():
    with tf.Session() as sess:
        assert sess.run(tf.nn.relu(tf.constant([-2, 3]))).tolist() == [0, 3]
    with pytest.raises(errors.DTypeError, match="tf.cast"):
        tf.nn.softmax(tf.constant([1, 2, 3]))


# =========================================================================
# softmax / log_softmax
# =========================================================================

@pytest.mark.parametrize("kwargs", [{"axis": 0}, {"dim": 0}, {"axis": -2}])
def test_softmax_along_another_axis(kwargs):
    x = tf.placeholder(tf.float64, [3, 2])
    value = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.0]])
    y, ly = tf.nn.softmax(x, **kwargs), tf.nn.log_softmax(x, **kwargs)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: value}), _np_softmax(value, 0))
        np.testing.assert_allclose(sess.run(ly, {x: value}), np.log(_np_softmax(value, 0)))
    gradient_check(y, [x], {x: value})
    gradient_check(ly, [x], {x: value})


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    x = tf.constant([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=tf.float32)
    with tf.Session() as sess:
        p, lp = sess.run([tf.nn.softmax(x), tf.nn.log_softmax(x)])
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-7)
    assert np.isfinite(lp).all()
    np.testing.assert_allclose(lp[0], [0, -2e4, -1e4], rtol=1e-6)


def test_softmax_of_a_scalar_is_refused():
    with pytest.raises(errors.ShapeError, match="scalar"):
        tf.nn.softmax(tf.constant(1.0))


# =========================================================================
# bias_add, xw_plus_b
# =========================================================================

def test_bias_add_forward_and_gradients():
    v = tf.placeholder(tf.float64, [4, 3])
    b = tf.placeholder(tf.float64, [3])
    rng = np.random.default_rng(1)
    feed = {v: rng.standard_normal((4, 3)), b: rng.standard_normal(3)}
    y = tf.nn.bias_add(v, b)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, feed), feed[v] + feed[b])
        gb = tf.gradients(y * y, b)[0]
        assert gb.op.type == "BiasAddGrad"
        np.testing.assert_allclose(sess.run(gb, feed), (2 * (feed[v] + feed[b])).sum(0))
    gradient_check(y, [v, b], feed)
    gradient_check(tf.gradients(tf.reduce_sum(y * y * y), b)[0], [v, b], feed)


def test_bias_add_nchw():
    v = tf.placeholder(tf.float64, [2, 3, 2, 2])
    b = tf.placeholder(tf.float64, [3])
    rng = np.random.default_rng(2)
    feed = {v: rng.standard_normal((2, 3, 2, 2)), b: rng.standard_normal(3)}
    y = tf.nn.bias_add(v, b, data_format="NCHW")
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, feed), feed[v] + feed[b][:, None, None])
    gradient_check(y, [v, b], feed)
    gradient_check(tf.gradients(tf.reduce_sum(y * y * y), b)[0], [v, b], feed)


def test_bias_add_errors_name_the_tensors():
    value = tf.placeholder(tf.float32, [None, 10], name="hidden")
    bias = tf.Variable(tf.zeros([5]), name="bias")
    with pytest.raises(errors.ShapeError, match=r"hidden.*10 channels.*bias.*5 entries"):
        tf.nn.bias_add(value, bias)
    with pytest.raises(errors.ShapeError, match="must be 1-D"):
        tf.nn.bias_add(value, tf.zeros([1, 10]))


def test_xw_plus_b_and_relu_layer():
    x = np.array([[1.0, 2.0]], np.float32)
    w = np.array([[1.0, -1.0], [0.5, -2.0]], np.float32)
    b = np.array([0.5, 1.0], np.float32)
    with tf.Session() as sess:
        out, r = sess.run([tf.nn.xw_plus_b(x, w, b), tf.nn.relu_layer(x, w, b)])
    np.testing.assert_allclose(out, x @ w + b)
    np.testing.assert_allclose(r, np.maximum(x @ w + b, 0))


# =========================================================================
# dropout
# =========================================================================

def test_dropout_keeps_a_fraction_and_scales_by_one_over_keep_prob():
    keep_prob = tf.placeholder(tf.float32, [])
    x = tf.ones([200, 100])
    y = tf.nn.dropout(x, keep_prob, seed=1)
    with tf.Session() as sess:
        out = sess.run(y, {keep_prob: 0.25})
        assert set(np.unique(out).tolist()) <= {0.0, 4.0}
        assert abs((out != 0).mean() - 0.25) < 0.02
        np.testing.assert_array_equal(sess.run(y, {keep_prob: 1.0}), np.ones((200, 100)))
        # a new mask at every run
        assert not np.array_equal(sess.run(y, {keep_prob: 0.5}), sess.run(y, {keep_prob: 0.5}))


def test_dropout_rate_argument_and_seed_repeatability():
    tf.set_random_seed(3)
    x = tf.ones([50, 40])
    y = tf.nn.dropout(x, rate=0.75)
    with tf.Session() as sess:
        first = sess.run(y)
    with tf.Session() as sess:
        again = sess.run(y)
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first).tolist()) <= {0.0, 4.0}
    assert abs((first != 0).mean() - 0.25) < 0.05


def test_dropout_gradient_uses_the_same_mask():
    x = tf.placeholder(tf.float64, [30, 20])
    y = tf.nn.dropout(x, 0.5, seed=4)
    g = tf.gradients(tf.reduce_sum(y * 3.0), x)[0]
    value = np.random.default_rng(0).uniform(1, 2, (30, 20))
    with tf.Session() as sess:
        out, grad = sess.run([y, g], {x: value})
    np.testing.assert_allclose(grad, np.where(out != 0, 6.0, 0.0))


def test_dropout_noise_shape_drops_whole_columns():
    x = tf.ones([8, 50])
    y = tf.nn.dropout(x, 0.5, noise_shape=[1, 50], seed=5)
    with tf.Session() as sess:
        out = sess.run(y)
    assert (out == out[0]).all()          # the same mask in every row
    assert 0 < (out[0] != 0).sum() < 50


def test_dropout_keep_prob_one_is_identity_and_bad_values_are_refused():
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, 1.0) is x
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
        tf.nn.dropout(x, 0.0)
    with pytest.raises(ValueError, match="exactly one of keep_prob"):
        tf.nn.dropout(x, 0.5, rate=0.5)
    keep_prob = tf.placeholder(tf.float32, [])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="value given at run time is 1.5"):
            sess.run(tf.nn.dropout(x, keep_prob), {keep_prob: 1.5})


# =========================================================================
# l2 ops, moments, embedding_lookup, top_k
# =========================================================================

def test_l2_normalize_and_moments_match_numpy():
    x = tf.placeholder(tf.float64, [3, 4])
    value = np.random.default_rng(3).standard_normal((3, 4))
    mean, var = tf.nn.moments(x, axes=[0])
    mean_k, var_k = tf.nn.moments(x, axes=[1], keep_dims=True)
    with tf.Session() as sess:
        n, m, v, mk, vk = sess.run([tf.nn.l2_normalize(x, axis=1), mean, var, mean_k, var_k],
                                   {x: value})
    np.testing.assert_allclose(n, value / np.linalg.norm(value, axis=1, keepdims=True))
    np.testing.assert_allclose(m, value.mean(0))
    np.testing.assert_allclose(v, value.var(0))
    np.testing.assert_allclose(mk, value.mean(1, keepdims=True))
    np.testing.assert_allclose(vk, value.var(1, keepdims=True))
    gradient_check(var, [x], {x: value})
    gradient_check(tf.nn.l2_normalize(x, dim=0), [x], {x: value})


def test_l2_loss_value_and_gradient():
    x = tf.placeholder(tf.float64, [2, 2])
    value = np.array([[1.0, -2.0], [3.0, 0.5]])
    with tf.Session() as sess:
        assert sess.run(tf.nn.l2_loss(x), {x: value}) == pytest.approx(7.125)
        np.testing.assert_allclose(sess.run(tf.gradients(tf.nn.l2_loss(x), x)[0], {x: value}),
                                   value)


def test_embedding_lookup_is_gather():
    params = tf.placeholder(tf.float64, [5, 3])
    ids = tf.constant([[4, 0], [2, 2]])
    value = np.arange(15.0).reshape(5, 3)
    y = tf.nn.embedding_lookup(params, ids)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {params: value}), value[[[4, 0], [2, 2]]])
        g = sess.run(tf.gradients(y, params)[0], {params: value})
    np.testing.assert_allclose(g[:, 0], [1, 0, 2, 0, 1])
    with tf.Session() as sess:
        out = sess.run(tf.nn.embedding_lookup([params], [1]), {params: value})
    np.testing.assert_allclose(out, value[[1]])


def test_top_k_and_in_top_k():
    logits = tf.placeholder(tf.float64, [2, 4])
    value = np.array([[0.1, 0.9, 0.5, 0.3], [2.0, -1.0, 3.0, 2.5]])
    values, indices = tf.nn.top_k(logits, k=2)
    labels = tf.constant([2, 3])
    with tf.Session() as sess:
        v, i = sess.run([values, indices], {logits: value})
        hit1 = sess.run(tf.nn.in_top_k(logits, labels, 1), {logits: value})
        hit2 = sess.run(tf.nn.in_top_k(logits, labels, 2), {logits: value})
    np.testing.assert_allclose(v, [[0.9, 0.5], [3.0, 2.5]])
    assert i.tolist() == [[1, 2], [2, 3]]
    assert hit1.tolist() == [False, False] and hit2.tolist() == [True, True]
    gradient_check(values, [logits], {logits: value})


# =========================================================================
# softmax cross-entropy: fused vs simple, stability, gradients to labels
# =========================================================================

@st.composite
def logits_and_labels(draw):
    batch, classes = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((batch, classes)) * 3
    labels = rng.dirichlet(np.ones(classes), batch)
    return logits, labels


@SETTINGS
@given(logits_and_labels())
def test_softmax_xent_fused_matches_simple_in_value_and_gradient(pair):
    tf.reset_default_graph()
    logits_v, labels_v = pair
    logits = tf.placeholder(tf.float64, logits_v.shape)
    labels = tf.placeholder(tf.float64, labels_v.shape)
    feed = {logits: logits_v, labels: labels_v}
    fused = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    simple = nn_ops.softmax_cross_entropy_with_logits_simple(labels, logits)
    expected = -(labels_v * np.log(_np_softmax(logits_v))).sum(-1)
    weights = np.arange(1.0, logits_v.shape[0] + 1)
    g_fused = tf.gradients(fused * weights, [logits, labels])
    g_simple = tf.gradients(simple * weights, [logits, labels])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(fused, feed), expected, rtol=1e-12)
        np.testing.assert_allclose(sess.run(simple, feed), expected, rtol=1e-12)
        for a, b in zip(sess.run(g_fused, feed), sess.run(g_simple, feed)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        gradient_check(fused, [logits, labels], feed, session=sess)


def test_softmax_xent_has_two_outputs_like_tf():
    logits = tf.constant([[2.0, 1.0, 0.1]], dtype=tf.float64)
    labels = tf.constant([[0.0, 1.0, 0.0]], dtype=tf.float64)
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert loss.op.type == "SoftmaxCrossEntropyWithLogits" and len(loss.op.outputs) == 2
    with tf.Session() as sess:
        backprop = sess.run(loss.op.outputs[1])
        grad = sess.run(tf.gradients(loss, logits)[0])
    p = _np_softmax(np.array([[2.0, 1.0, 0.1]]))
    np.testing.assert_allclose(backprop, p - [[0, 1, 0]])
    np.testing.assert_allclose(grad, backprop)


def test_softmax_xent_second_derivative():
    logits = tf.placeholder(tf.float64, [2, 3])
    labels = tf.placeholder(tf.float64, [2, 3])
    feed = {logits: np.array([[0.3, -1.0, 2.0], [1.0, 1.5, -0.5]]),
            labels: np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])}
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    g = tf.gradients(loss * [1.0, 2.0], logits)[0]
    gradient_check(g, [logits, labels], feed)


def test_softmax_xent_is_stable_for_logits_of_1e4():
    logits = tf.constant([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=tf.float32)
    labels = tf.constant([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], dtype=tf.float32)
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0], logits=logits)
    g = tf.gradients(tf.reduce_sum(loss), logits)[0]
    with tf.Session() as sess:
        out, s, grad = sess.run([loss, sparse, g])
    assert np.isfinite(out).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(out, [2e4, 0.5 * (2e4 + np.log(2)) + 0.5 * np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(s, [2e4, 2e4 + np.log(2)], rtol=1e-6)


def test_softmax_xent_v1_stops_label_gradients_v2_does_not():
    logits = tf.placeholder(tf.float64, [2, 3])
    labels = tf.placeholder(tf.float64, [2, 3])
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert tf.gradients(v1, labels)[0] is None
    value = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 1.0]])
    with tf.Session() as sess:
        g = sess.run(tf.gradients(v2, labels)[0], {logits: value, labels: np.eye(3)[:2]})
    np.testing.assert_allclose(g, -np.log(_np_softmax(value)))


def test_softmax_xent_along_axis_0():
    logits = tf.placeholder(tf.float64, [3, 2])
    labels = tf.placeholder(tf.float64, [3, 2])
    rng = np.random.default_rng(7)
    feed = {logits: rng.standard_normal((3, 2)), labels: rng.dirichlet(np.ones(3), 2).T}
    fused = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=0)
    assert fused.shape.as_list() == [2]
    expected = -(feed[labels] * np.log(_np_softmax(feed[logits], 0))).sum(0)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(fused, feed), expected)
    gradient_check(fused, [logits, labels], feed)


def test_softmax_xent_refuses_positional_arguments_and_class_ids():
    logits = tf.placeholder(tf.float32, [None, 10], name="logits")
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits(logits, logits)
    ids = tf.placeholder(tf.int64, [None], name="digit")
    with pytest.raises(errors.ShapeError, match=r"(?s)labels look like class ids.*sparse_softmax"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=ids, logits=logits)
    column = tf.placeholder(tf.float32, [None, 1], name="column")
    with pytest.raises(errors.ShapeError, match=r"class ids \(shape \(any, 1\)\)") as info:
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=column, logits=logits)
    assert "tf.one_hot(tf.reshape(labels, [-1]), 10)" in str(info.value)
    int_onehot = tf.placeholder(tf.int32, [None, 10], name="onehot_int")
    with pytest.raises(errors.DTypeError, match=r"(?s)onehot_int.*tf.cast\(labels, tf.float32\)"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=int_onehot, logits=logits)
    with pytest.raises(errors.ShapeError, match="same shape"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.zeros([4, 9]), logits=logits)


# =========================================================================
# sparse softmax cross-entropy
# =========================================================================

@SETTINGS
@given(logits_and_labels(), st.sampled_from([tf.int32, tf.int64]))
def test_sparse_xent_fused_matches_simple_and_dense(pair, label_dtype):
    tf.reset_default_graph()
    logits_v, probs = pair
    ids_v = probs.argmax(-1)
    logits = tf.placeholder(tf.float64, logits_v.shape)
    ids = tf.placeholder(label_dtype, ids_v.shape)
    feed = {logits: logits_v, ids: ids_v}
    fused = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
    simple = nn_ops.sparse_softmax_cross_entropy_with_logits_simple(ids, logits)
    dense = tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.one_hot(ids, logits_v.shape[1], dtype=tf.float64), logits=logits)
    expected = -np.log(_np_softmax(logits_v))[np.arange(len(ids_v)), ids_v]
    w = np.linspace(1, 2, len(ids_v))
    with tf.Session() as sess:
        for t in (fused, simple, dense):
            np.testing.assert_allclose(sess.run(t, feed), expected, rtol=1e-9, atol=1e-14)
        gf, gs = sess.run([tf.gradients(fused * w, logits)[0],
                           tf.gradients(simple * w, logits)[0]], feed)
        np.testing.assert_allclose(gf, gs, rtol=1e-10, atol=1e-12)
        gradient_check(fused, [logits], feed, session=sess)


def test_sparse_xent_second_derivative_and_rank_3():
    logits = tf.placeholder(tf.float64, [2, 2, 3])
    ids = tf.constant([[0, 2], [1, 1]])
    value = np.random.default_rng(5).standard_normal((2, 2, 3))
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
    assert loss.shape.as_list() == [2, 2]
    with tf.Session() as sess:
        expected = -np.take_along_axis(np.log(_np_softmax(value)), np.array(
            [[0, 2], [1, 1]])[..., None], -1)[..., 0]
        np.testing.assert_allclose(sess.run(loss, {logits: value}), expected)
    g = tf.gradients(loss * [[1.0, 2.0], [3.0, -1.0]], logits)[0]
    gradient_check(g, [logits], {logits: value})


def test_sparse_xent_errors_teach():
    logits = tf.placeholder(tf.float32, [None, 10], name="logits")
    onehot = tf.placeholder(tf.float32, [None, 10], name="y_onehot")
    with pytest.raises(errors.ShapeError) as info:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
    message = str(info.value)
    assert ("labels look one-hot (shape (any, 10)); sparse_softmax_cross_entropy_with_logits "
            "expects class ids of shape (any,). Use softmax_cross_entropy_with_logits or "
            "tf.argmax(labels, 1).") in message
    assert "y_onehot" in message and "logits" in message
    column = tf.placeholder(tf.int32, [None, 1], name="ids_column")
    with pytest.raises(errors.ShapeError, match=r"(?s)a column.*ids_column.*tf.reshape\(labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=column, logits=logits)
    float_ids = tf.placeholder(tf.float32, [None], name="float_ids")
    with pytest.raises(errors.DTypeError, match=r"(?s)float_ids.*tf.cast\(labels, tf.int32\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=float_ids, logits=logits)
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(column, logits)


def test_sparse_xent_label_out_of_range_at_run_time():
    logits = tf.placeholder(tf.float32, [None, 3])
    ids = tf.placeholder(tf.int32, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"label value of 3 which is outside the valid range of \[0, 3\)"):
            sess.run(loss, {logits: np.zeros((2, 3)), ids: [0, 3]})


# =========================================================================
# sigmoid cross-entropy
# =========================================================================

@SETTINGS
@given(data=st.data())
def test_sigmoid_xent_fused_matches_simple_and_naive(data):
    tf.reset_default_graph()
    shape = data.draw(shapes(min_rank=1, max_rank=2))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x_v = NONZERO.sample(rng, shape) * 2
    z_v = rng.uniform(0, 1, shape)
    x, z = tf.placeholder(tf.float64, shape), tf.placeholder(tf.float64, shape)
    feed = {x: x_v, z: z_v}
    fused = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    simple = nn_ops.sigmoid_cross_entropy_with_logits_simple(z, x)
    p = _np_sigmoid(x_v)
    expected = -z_v * np.log(p) - (1 - z_v) * np.log(1 - p)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(fused, feed), expected, rtol=1e-10)
        np.testing.assert_allclose(sess.run(simple, feed), expected, rtol=1e-10)
        a = sess.run(tf.gradients(fused, [x, z]), feed)
        b = sess.run(tf.gradients(simple, [x, z]), feed)
        for ga, gb in zip(a, b):
            np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-12)
        gradient_check(fused, [x, z], feed, session=sess)


def test_sigmoid_xent_stable_and_shape_checked():
    x = tf.constant([-1e4, 1e4, 0.0], dtype=tf.float32)
    z = tf.constant([1.0, 0.0, 1.0], dtype=tf.float32)
    with tf.Session() as sess:
        out = sess.run(tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x))
    np.testing.assert_allclose(out, [1e4, 1e4, np.log(2)], rtol=1e-6)
    logits = tf.placeholder(tf.float32, [None, 1], name="logit_col")
    labels = tf.placeholder(tf.float32, [None], name="y_vec")
    with pytest.raises(errors.ShapeError, match=r"y_vec.*logit_col.*\(N, N\)"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def test_weighted_cross_entropy_matches_formula():
    x_v = np.array([-2.0, 0.5, 3.0])
    z_v = np.array([1.0, 0.0, 0.3])
    x, z = tf.placeholder(tf.float64, [3]), tf.placeholder(tf.float64, [3])
    y = tf.nn.weighted_cross_entropy_with_logits(z, x, pos_weight=2.5)
    p = _np_sigmoid(x_v)
    expected = -2.5 * z_v * np.log(p) - (1 - z_v) * np.log(1 - p)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: x_v, z: z_v}), expected)
    gradient_check(y, [x, z], {x: x_v, z: z_v})
