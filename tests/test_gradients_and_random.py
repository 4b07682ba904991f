"""tf.gradients semantics, the optimizer core, and TF's random-seed rules."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.debug import gradient_check


def test_gradients_are_graph_tensors_with_tf_names():
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.reduce_sum(x * x)
    (g,) = tf.gradients(y, [x])
    assert isinstance(g, tf.Tensor) and g.name.startswith("gradients/")
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])


def test_unconnected_gradient_is_none_or_zero():
    x = tf.placeholder(tf.float32, [2])
    z = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(x)
    assert tf.gradients(y, [z]) == [None]
    (gz,) = tf.gradients(y, [z], unconnected_gradients="zero")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(gz, {z: [1.0, 2.0]}), [0.0, 0.0])


def test_integer_paths_give_no_gradient():
    x = tf.placeholder(tf.float32, [3])
    y = tf.reduce_sum(tf.cast(tf.cast(x, tf.int32), tf.float32))
    assert tf.gradients(y, x) == [None]


def test_gradient_sums_over_ys_and_uses_grad_ys():
    x = tf.placeholder(tf.float64, [2])
    y1, y2 = x * 2.0, x * x
    g = tf.gradients([y1, y2], x)[0]
    gw = tf.gradients(y2, x, grad_ys=[np.array([1.0, 10.0])])[0]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [1.0, 3.0]}), [4.0, 8.0])
        np.testing.assert_allclose(sess.run(gw, {x: [1.0, 3.0]}), [2.0, 60.0])


def test_broadcasting_is_undone_in_gradients():
    a = tf.placeholder(tf.float64, [2, 3])
    b = tf.placeholder(tf.float64, [3])
    c = tf.placeholder(tf.float64, [2, 1])
    y = a * b + c / b - tf.reduce_mean(a, axis=0, keepdims=True) * c
    feed = {a: np.random.rand(2, 3) + 0.5, b: np.random.rand(3) + 0.5, c: np.random.rand(2, 1)}
    gradient_check(y, [a, b, c], feed)
    ga, gb, gc = tf.gradients(y, [a, b, c])
    assert ga.shape.as_list() == [2, 3] and gb.shape.as_list() == [3]
    assert gc.shape.as_list() == [2, 1]


def test_second_derivatives():
    x = tf.placeholder(tf.float64, [])
    y = x ** 3 + tf.sin(x)
    g = tf.gradients(y, x)[0]
    h = tf.gradients(g, x)[0]
    with tf.Session() as sess:
        gv, hv = sess.run([g, h], {x: 0.7})
    assert gv == pytest.approx(3 * 0.7 ** 2 + np.cos(0.7))
    assert hv == pytest.approx(6 * 0.7 - np.sin(0.7))


def test_gradient_wrt_variable_and_stop_gradient():
    w = tf.Variable([1.0, 2.0])
    y = tf.reduce_sum(w * tf.stop_gradient(w * 3.0))
    (g,) = tf.gradients(y, [w])
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_allclose(sess.run(g), [3.0, 6.0])


def test_gradient_descent_minimize_and_compute_apply():
    x = tf.constant(np.array([[1.0], [2.0], [3.0]], np.float32))
    y = tf.constant(np.array([[2.0], [4.0], [6.0]], np.float32))
    w = tf.Variable([[0.0]])
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    opt = tf.train.GradientDescentOptimizer(0.1)
    grads_and_vars = opt.compute_gradients(loss)
    assert grads_and_vars[0][1] is w
    train = opt.apply_gradients(grads_and_vars)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        g0 = sess.run(grads_and_vars[0][0])
        np.testing.assert_allclose(g0, [[-2 * (2 + 8 + 18) / 3.0]], rtol=1e-6)
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), -0.1 * g0, rtol=1e-6)
        for _ in range(100):
            sess.run(train)
        assert sess.run(w)[0, 0] == pytest.approx(2.0, abs=1e-3)


def test_minimize_with_var_list_only_updates_those():
    a = tf.Variable(1.0)
    b = tf.Variable(1.0)
    loss = tf.square(a * b - 3.0)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[a])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        assert sess.run(b) == 1.0 and sess.run(a) != 1.0


# --- random ops -------------------------------------------------------------

def test_graph_seed_reproduces_in_a_new_session_and_reruns_draw_anew():
    tf.set_random_seed(42)
    r = tf.random_normal([3])
    with tf.Session() as s1:
        first, second = s1.run(r), s1.run(r)
    with tf.Session() as s2:
        again = s2.run(r)
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(first, again)


def test_adding_an_op_does_not_change_other_ops_draws():
    tf.set_random_seed(7)
    a = tf.random_uniform([4], name="a")
    with tf.Session() as sess:
        before = sess.run(a)
    tf.reset_default_graph()
    tf.set_random_seed(7)
    tf.random_normal([10], name="extra")
    a = tf.random_uniform([4], name="a")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(a), before)


def test_op_seed_alone_is_reproducible_and_no_seed_is_not():
    r = tf.random_normal([5], seed=3)
    u = tf.random_normal([5])
    with tf.Session() as s1:
        a, ua = s1.run([r, u])
    with tf.Session() as s2:
        b, ub = s2.run([r, u])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(ua, ub)


def test_distributions_have_the_right_moments():
    tf.set_random_seed(0)
    n = tf.random_normal([20000], mean=2.0, stddev=3.0)
    t = tf.truncated_normal([20000], stddev=1.0)
    u = tf.random_uniform([20000], minval=-1, maxval=3)
    g = tf.random_gamma([20000], alpha=2.0, beta=4.0)
    i = tf.random_uniform([1000], minval=0, maxval=5, dtype=tf.int32)
    with tf.Session() as sess:
        nv, tv, uv, gv, iv = sess.run([n, t, u, g, i])
    assert nv.mean() == pytest.approx(2.0, abs=0.1) and nv.std() == pytest.approx(3.0, abs=0.1)
    assert np.abs(tv).max() <= 2.0
    assert uv.min() >= -1 and uv.max() < 3 and uv.mean() == pytest.approx(1.0, abs=0.05)
    assert gv.mean() == pytest.approx(0.5, abs=0.03)
    assert iv.dtype == np.int32 and set(np.unique(iv)) == {0, 1, 2, 3, 4}


def test_initializers_through_get_variable():
    tf.set_random_seed(1)
    w = tf.get_variable("w", [100, 50])          # glorot uniform by default
    z = tf.get_variable("z", [3], initializer=tf.zeros_initializer())
    c = tf.get_variable("c", [2, 2], initializer=tf.constant_initializer(0.5))
    loc = tf.get_local_variable("loc", [1], initializer=tf.ones_initializer())
    assert loc in tf.local_variables() and loc not in tf.trainable_variables()
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        wv, zv, cv = sess.run([w, z, c])
    limit = np.sqrt(6.0 / 150)
    assert np.abs(wv).max() <= limit and wv.std() > limit / 3
    np.testing.assert_array_equal(zv, 0)
    np.testing.assert_array_equal(cv, 0.5)
