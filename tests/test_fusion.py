"""x + b followed by an activation runs as one kernel (minitensor/kernels/fusion.py) -- when
that is safe, with the same results as the two ops one by one."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.kernels import fusion
from minitensor.kernels.jit import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="fusion uses a Numba kernel")

RNG = np.random.default_rng(7)


def fused_steps(sess):
    """(activation op name, kernel) of every fused step in the session's plans."""
    return [(op.name, kernel) for plan in sess._plans.values()
            for kernel, _, _, op in plan.steps if kernel is fusion.bias_relu_cpu]


def dense(x, units, bias_add=False, seed=0):
    rng = np.random.default_rng(seed)
    w = tf.Variable(rng.standard_normal((int(x.shape[-1]), units)).astype(np.float32))
    b = tf.Variable(rng.standard_normal(units).astype(np.float32))
    pre = tf.nn.bias_add(tf.matmul(x, w), b) if bias_add else tf.matmul(x, w) + b
    return pre, w, b


@pytest.mark.parametrize("bias_add", [False, True], ids=["add", "bias_add"])
def test_a_dense_layer_runs_its_bias_and_relu_as_one_kernel(bias_add):
    x = tf.placeholder(tf.float32, [None, 5])
    pre, w, b = dense(x, 7, bias_add)
    h = tf.nn.relu(pre)
    data = RNG.standard_normal((9, 5)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(h, {x: data})
        assert fused_steps(sess) == [(h.op.name, fusion.bias_relu_cpu)]
        w_value, b_value = sess.run([w, b])
    np.testing.assert_allclose(got, np.maximum(data @ w_value + b_value, 0), rtol=1e-5,
                               atol=1e-6)


def test_training_with_fusion_matches_the_reference_kernels_step_for_step():
    x = tf.placeholder(tf.float32, [None, 6])
    y = tf.placeholder(tf.float32, [None, 3])
    pre, w1, b1 = dense(x, 8, seed=1)
    logits, w2, b2 = dense(tf.nn.relu(pre), 3, bias_add=True, seed=2)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(0.3).minimize(loss)
    data = {x: RNG.standard_normal((10, 6)).astype(np.float32),
            y: np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 10)]}
    runs = []
    for kernels in ("auto", "reference"):
        with tf.Session(config=tf.ConfigProto(kernels=kernels)) as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([train, loss], data)[1] for _ in range(4)]
            runs.append((losses, sess.run([w1, b1, w2, b2]), fused_steps(sess)))
    (fused_losses, fused_weights, fused), (losses, weights, none) = runs
    assert fused and not none             # fused with the fast kernels, never with reference
    np.testing.assert_allclose(fused_losses, losses, rtol=1e-5)
    for a, b in zip(fused_weights, weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_no_fusion_when_the_sum_is_fetched_or_read_elsewhere():
    x = tf.placeholder(tf.float32, [None, 4])
    pre, _, _ = dense(x, 3)
    h = tf.nn.relu(pre)
    data = RNG.standard_normal((2, 4)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        h_value, pre_value = sess.run([h, pre], {x: data})       # pre is fetched
        np.testing.assert_array_equal(h_value, np.maximum(pre_value, 0))
        assert fused_steps(sess) == []
        twice = h + pre                                            # pre read by two ops
        sess.run(twice, {x: data})
        assert fused_steps(sess) == []


def test_no_fusion_for_a_sum_that_is_not_a_bias():
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 4])
    h = tf.nn.relu(x + y)                                          # a matrix, not a vector
    with tf.Session() as sess:
        out = sess.run(h, {x: np.ones((2, 4)), y: -np.ones((2, 4)) * 2})
        assert fused_steps(sess) == []
    np.testing.assert_array_equal(out, 0)


def test_the_placement_log_says_what_was_fused(capsys):
    x = tf.placeholder(tf.float32, [None, 4])
    pre, _, _ = dense(x, 3)
    h = tf.nn.relu(pre, name="hidden")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(h, {x: np.ones((2, 4), np.float32)})
    assert "fused %s + hidden: one kernel (x + b, then Relu) on /device:CPU:0" % pre.op.name \
        in capsys.readouterr().out


def test_find_first_nonfinite_still_names_the_add():
    from minitensor.debug import find_first_nonfinite
    x = tf.placeholder(tf.float32, [None, 2])
    total = x + tf.constant([3e38, 0.0], tf.float32)          # overflows: inf
    h = tf.nn.relu(total)
    with tf.Session() as sess:
        report = find_first_nonfinite(sess, h, {x: np.full((3, 2), 3e38, np.float32)})
    assert report.op is total.op


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(17, 33), (1, 1), (3, 4, 5)])
def test_the_fused_kernel_matches_the_two_reference_kernels(shape, dtype):
    x = RNG.standard_normal(shape).astype(dtype)
    b = RNG.standard_normal(shape[-1]).astype(dtype)
    x.flat[0] = np.nan
    got = fusion.bias_relu_cpu(x, b)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.maximum(x + b, 0))


def test_the_fused_kernel_hands_odd_inputs_to_numpy():
    x = RNG.standard_normal((6, 4))[:, ::2]                        # not contiguous
    b = RNG.standard_normal(2)
    np.testing.assert_array_equal(fusion.bias_relu_cpu(x, b), np.maximum(x + b, 0))
    xi, bi = np.arange(6).reshape(2, 3) - 3, np.array([1, -1, 0])  # integers
    np.testing.assert_array_equal(fusion.bias_relu_cpu(xi, bi), np.maximum(xi + bi, 0))
