"""Optimizers (update rules against NumPy re-implementations of the published rules, slot
names, var_list, global step, uninitialized slots), learning-rate decay, and gradient
clipping (clip_by_value / clip_by_norm / global_norm / clip_by_global_norm)."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework import errors

STEPS = 5


# =========================================================================
# NumPy re-implementations of the update rules (as documented for TF 1.x)
# =========================================================================

def np_momentum(lr, momentum, nesterov=False):
    def init(var):
        return {"accum": np.zeros_like(var)}

    def step(var, g, s, t):
        s["accum"] = momentum * s["accum"] + g
        if nesterov:
            return var - lr * g - lr * momentum * s["accum"]
        return var - lr * s["accum"]
    return init, step


def np_adagrad(lr, initial=0.1):
    def init(var):
        return {"accum": np.full_like(var, initial)}

    def step(var, g, s, t):
        s["accum"] = s["accum"] + g * g
        return var - lr * g / np.sqrt(s["accum"])
    return init, step


def np_adadelta(lr, rho, eps):
    def init(var):
        return {"accum": np.zeros_like(var), "update": np.zeros_like(var)}

    def step(var, g, s, t):
        s["accum"] = rho * s["accum"] + (1 - rho) * g * g
        update = np.sqrt(s["update"] + eps) / np.sqrt(s["accum"] + eps) * g
        s["update"] = rho * s["update"] + (1 - rho) * update * update
        return var - lr * update
    return init, step


def np_rmsprop(lr, decay, momentum, eps, centered=False):
    def init(var):
        return {"ms": np.ones_like(var), "mg": np.zeros_like(var), "mom": np.zeros_like(var)}

    def step(var, g, s, t):
        s["ms"] = decay * s["ms"] + (1 - decay) * g * g
        denominator = s["ms"] + eps
        if centered:
            s["mg"] = decay * s["mg"] + (1 - decay) * g
            denominator = s["ms"] - s["mg"] ** 2 + eps
        s["mom"] = momentum * s["mom"] + lr * g / np.sqrt(denominator)
        return var - s["mom"]
    return init, step


def np_adam(lr, beta1, beta2, eps):
    def init(var):
        return {"m": np.zeros_like(var), "v": np.zeros_like(var)}

    def step(var, g, s, t):                 # t = 1, 2, ...
        lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        s["m"] = beta1 * s["m"] + (1 - beta1) * g
        s["v"] = beta2 * s["v"] + (1 - beta2) * g * g
        return var - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    return init, step


CASES = [
    ("momentum", lambda: tf.train.MomentumOptimizer(0.1, 0.9), np_momentum(0.1, 0.9)),
    ("nesterov", lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
     np_momentum(0.1, 0.9, nesterov=True)),
    ("adagrad", lambda: tf.train.AdagradOptimizer(0.3), np_adagrad(0.3)),
    ("adagrad_init", lambda: tf.train.AdagradOptimizer(0.3, initial_accumulator_value=2.0),
     np_adagrad(0.3, 2.0)),
    ("adadelta", lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-3),
     np_adadelta(1.0, 0.9, 1e-3)),
    ("rmsprop", lambda: tf.train.RMSPropOptimizer(0.05), np_rmsprop(0.05, 0.9, 0.0, 1e-10)),
    ("rmsprop_momentum", lambda: tf.train.RMSPropOptimizer(0.05, decay=0.8, momentum=0.5,
                                                           epsilon=1e-4),
     np_rmsprop(0.05, 0.8, 0.5, 1e-4)),
    ("rmsprop_centered", lambda: tf.train.RMSPropOptimizer(0.05, momentum=0.3, epsilon=1e-3,
                                                           centered=True),
     np_rmsprop(0.05, 0.9, 0.3, 1e-3, centered=True)),
    ("adam", lambda: tf.train.AdamOptimizer(0.1), np_adam(0.1, 0.9, 0.999, 1e-8)),
    ("adam_betas", lambda: tf.train.AdamOptimizer(0.05, beta1=0.5, beta2=0.8, epsilon=1e-3),
     np_adam(0.05, 0.5, 0.8, 1e-3)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,make,reference", CASES, ids=[c[0] for c in CASES])
def test_update_rule_matches_numpy_with_fed_gradients(name, make, reference, dtype):
    """loss = sum(w * g) has gradient g: feed a different g at each step."""
    rng = np.random.default_rng(1)
    w0 = {"w": rng.standard_normal((2, 3)).astype(dtype), "b": rng.standard_normal(3).astype(dtype)}
    grads = [{k: rng.standard_normal(v.shape).astype(dtype) for k, v in w0.items()}
             for _ in range(STEPS)]
    w, b = tf.Variable(w0["w"], name="w"), tf.Variable(w0["b"], name="b")
    gw = tf.placeholder(dtype, (2, 3))
    gb = tf.placeholder(dtype, (3,))
    loss = tf.reduce_sum(w * gw) + tf.reduce_sum(b * gb)
    train = make().minimize(loss)
    init, step = reference
    expected = {k: v.astype(np.float64) for k, v in w0.items()}
    state = {k: init(v) for k, v in expected.items()}
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for t, g in enumerate(grads, start=1):
            sess.run(train, {gw: g["w"], gb: g["b"]})
            for k in expected:
                expected[k] = step(expected[k], g[k].astype(np.float64), state[k], t)
            got_w, got_b = sess.run([w, b])
            assert got_w.dtype == dtype
            np.testing.assert_allclose(got_w, expected["w"], rtol=rtol, atol=rtol)
            np.testing.assert_allclose(got_b, expected["b"], rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name,make,reference", CASES, ids=[c[0] for c in CASES])
def test_update_rule_on_a_quadratic(name, make, reference):
    """loss = sum(a (w - c)^2 / 2): the gradient a (w - c) depends on w at each step."""
    a, c = np.array([1.0, 4.0, 0.5]), np.array([2.0, -1.0, 0.3])
    w = tf.Variable(np.zeros(3), name="w")
    loss = tf.reduce_sum(a * tf.square(w - c) / 2)
    train = make().minimize(loss)
    init, step = reference
    expected = np.zeros(3)
    state = init(expected)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for t in range(1, STEPS + 1):
            sess.run(train)
            expected = step(expected, a * (expected - c), state, t)
        np.testing.assert_allclose(sess.run(w), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [
    lambda: tf.train.GradientDescentOptimizer(0.1),
    lambda: tf.train.MomentumOptimizer(0.05, 0.9),
    lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    lambda: tf.train.AdagradOptimizer(0.5),
    lambda: tf.train.AdadeltaOptimizer(1.0, epsilon=1e-4),
    lambda: tf.train.RMSPropOptimizer(0.05),
    lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    lambda: tf.train.AdamOptimizer(0.1),
], ids=["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "rmsprop_centered",
        "adam"])
def test_minimize_fits_a_small_regression(make):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((64, 3)).astype(np.float32)
    ys = xs @ np.array([[1.0], [2.0], [-3.0]], np.float32) + 0.5
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([3, 1]))
    b = tf.Variable(tf.zeros([1]))
    loss = tf.losses.mean_squared_error(y, tf.matmul(x, w) + b)
    train = make().minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: ys})
        for _ in range(300):
            sess.run(train, {x: xs, y: ys})
        last = sess.run(loss, {x: xs, y: ys})
    assert first > 5 and last < 1e-2


# =========================================================================
# Slots, var_list, hyperparameters as tensors
# =========================================================================

@pytest.mark.parametrize("make,slots", [
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), ["w/Momentum"]),
    (lambda: tf.train.AdagradOptimizer(0.1), ["w/Adagrad"]),
    (lambda: tf.train.AdadeltaOptimizer(), ["w/Adadelta", "w/Adadelta_1"]),
    (lambda: tf.train.RMSPropOptimizer(0.1), ["w/RMSProp", "w/RMSProp_1"]),
    (lambda: tf.train.RMSPropOptimizer(0.1, centered=True),
     ["w/RMSProp", "w/RMSProp_1", "w/RMSProp_2"]),
    (lambda: tf.train.AdamOptimizer(), ["beta1_power", "beta2_power", "w/Adam", "w/Adam_1"]),
])
def test_slot_variables_have_tf_names(make, slots):
    with tf.variable_scope("model"):
        pass
    w = tf.Variable(tf.ones([2]), name="w")
    opt = make()
    with tf.name_scope("training"):
        opt.minimize(tf.reduce_sum(w * w))
    assert [v.op.name for v in opt.variables()] == slots
    assert all(not v.trainable for v in opt.variables())
    assert tf.trainable_variables() == [w]
    for name in opt.get_slot_names():
        assert opt.get_slot(w, name).shape.as_list() == [2]


def test_adam_slots_and_beta_powers_advance_once_per_step():
    w1 = tf.Variable(np.ones(2), name="w1")
    w2 = tf.Variable(np.ones(3), name="w2")
    opt = tf.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.9)
    train = opt.minimize(tf.reduce_sum(w1) + tf.reduce_sum(w2 * w2))
    beta1_power, beta2_power = opt._get_beta_accumulators()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(beta1_power) == pytest.approx(0.8 ** 4)
        assert sess.run(beta2_power) == pytest.approx(0.9 ** 4)
        np.testing.assert_allclose(sess.run(opt.get_slot(w1, "m")), 1 - 0.8 ** 3)
    second = tf.train.AdamOptimizer()
    second.minimize(tf.reduce_sum(w1))
    assert second._get_beta_accumulators()[0].op.name == "beta1_power_1"


def test_var_list_limits_what_is_trained():
    w = tf.Variable(1.0, name="w")
    frozen = tf.Variable(2.0, name="frozen")
    train = tf.train.AdamOptimizer(0.1).minimize(tf.square(w * frozen), var_list=[w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert sess.run(frozen) == 2.0
        assert sess.run(w) == pytest.approx(0.9)


def test_learning_rate_and_momentum_may_be_tensors():
    lr = tf.placeholder(tf.float32, [])
    w = tf.Variable(np.array([1.0, -1.0]), name="w")      # float64 variable, float32 lr
    train = tf.train.MomentumOptimizer(lr, tf.constant(0.5)).minimize(tf.reduce_sum(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.1})
        sess.run(train, {lr: 0.2})
        # accum: 1, then 1.5; w: 1 - 0.1 - 0.3
        np.testing.assert_allclose(sess.run(w), [0.6, -1.4])


def test_initializer_made_before_minimize_names_the_slot():
    w = tf.Variable(tf.ones([2]), name="weights")
    init = tf.global_variables_initializer()
    train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(tf.reduce_sum(w))
    with tf.Session() as sess:
        sess.run(init)
        with pytest.raises(errors.UninitializedVariableError) as info:
            sess.run(train)
    message = str(info.value)
    assert "weights/Momentum" in message
    assert "created after your initializer" in message


def test_adagrad_refuses_a_zero_accumulator():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


# =========================================================================
# Global step and learning-rate decay
# =========================================================================

def test_global_step_is_created_once_and_incremented_by_minimize():
    assert tf.train.get_global_step() is None
    step = tf.train.get_or_create_global_step()
    assert step.op.name == "global_step" and step.dtype.base_dtype == tf.int64
    assert not step.trainable
    assert tf.train.get_or_create_global_step() is step
    assert tf.train.get_global_step() is step
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()
    w = tf.Variable(3.0)
    train = tf.train.AdamOptimizer(0.1).minimize(tf.square(w), global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            sess.run(train)
        assert tf.train.global_step(sess, step) == 4


def test_global_step_is_made_outside_name_scopes():
    with tf.name_scope("train"):
        step = tf.train.create_global_step()
    assert step.op.name == "global_step"


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_and_friends(staircase):
    step = tf.train.get_or_create_global_step()
    exp_lr = tf.train.exponential_decay(0.1, step, 10, 0.5, staircase=staircase)
    nat_lr = tf.train.natural_exp_decay(0.1, step, 10, 0.5, staircase=staircase)
    inv_lr = tf.train.inverse_time_decay(0.1, step, 10, 0.5, staircase=staircase)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for value in (0, 5, 15, 30):
            step.load(value, sess)
            p = value // 10 if staircase else value / 10
            got = sess.run([exp_lr, nat_lr, inv_lr])
            np.testing.assert_allclose(got, [0.1 * 0.5 ** p, 0.1 * np.exp(-0.5 * p),
                                             0.1 / (1 + 0.5 * p)], rtol=1e-6)
    with pytest.raises(ValueError, match="global_step"):
        tf.train.exponential_decay(0.1, None, 10, 0.5)


def test_decayed_learning_rate_drives_an_optimizer():
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(1.0, step, 1, 0.5)
    w = tf.Variable(0.0)
    train = tf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(w) == pytest.approx(1.0 + 0.5 + 0.25)


# =========================================================================
# Clipping
# =========================================================================

def test_clip_by_value_forward_and_gradient():
    x = tf.placeholder(tf.float64, [5])
    value = np.array([-2.0, -0.5, 0.3, 0.9, 4.0])
    y = tf.clip_by_value(x, -1.0, 1.0)
    g = tf.gradients(y * [1.0, 2.0, 3.0, 4.0, 5.0], x)[0]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: value}), [-1, -0.5, 0.3, 0.9, 1.0])
        np.testing.assert_allclose(sess.run(g, {x: value}), [0, 2, 3, 4, 0])
    gradient_check(y, [x], {x: value})


def test_clip_by_value_with_tensor_bounds_gets_their_gradients():
    x = tf.placeholder(tf.float64, [2, 3])
    lo = tf.placeholder(tf.float64, [3])
    hi = tf.placeholder(tf.float64, [])
    feed = {x: np.array([[-3.0, 0.2, 5.0], [0.5, -0.4, 1.7]]), lo: np.array([-1.0, 0.0, -0.5]),
            hi: np.array(1.5)}
    y = tf.clip_by_value(x, lo, hi)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, feed), np.clip(feed[x], feed[lo], feed[hi]))
    gradient_check(y, [x, lo, hi], feed)
    with pytest.raises(errors.ShapeError, match="broadcast"):
        tf.clip_by_value(tf.zeros([3]), tf.zeros([2, 3]), 1.0)


def test_clip_by_norm_scales_only_large_tensors():
    t = tf.placeholder(tf.float64, [2, 2])
    big = np.array([[3.0, 0.0], [0.0, 4.0]])                # norm 5
    clipped = tf.clip_by_norm(t, 2.0)
    rows = tf.clip_by_norm(t, 3.5, axes=[1])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(clipped, {t: big}), big * 2 / 5)
        np.testing.assert_allclose(sess.run(clipped, {t: big / 10}), big / 10)
        np.testing.assert_allclose(sess.run(rows, {t: big}), [[3.0, 0.0], [0.0, 3.5]])
        zero_grad = sess.run(tf.gradients(clipped, t)[0], {t: np.zeros((2, 2))})
    assert np.isfinite(zero_grad).all()
    gradient_check(clipped, [t], {t: big + 0.1})
    gradient_check(rows, [t], {t: big + 0.1})
    with tf.Session() as sess:
        out = sess.run(tf.clip_by_average_norm(t, 0.5), {t: big})
    np.testing.assert_allclose(out, big * 0.5 / (5 / 4))


def test_global_norm_and_clip_by_global_norm():
    a = tf.placeholder(tf.float64, [2])
    b = tf.placeholder(tf.float64, [2, 2])
    feed = {a: np.array([3.0, 0.0]), b: np.array([[0.0, 4.0], [12.0, 0.0]])}   # norm 13
    norm = tf.global_norm([a, None, b])
    clipped, returned_norm = tf.clip_by_global_norm([a, None, b], 6.5)
    kept, _ = tf.clip_by_global_norm([a, b], 100.0)
    assert clipped[1] is None
    with tf.Session() as sess:
        assert sess.run(norm, feed) == pytest.approx(13.0)
        assert sess.run(returned_norm, feed) == pytest.approx(13.0)
        ca, cb = sess.run([clipped[0], clipped[2]], feed)
        np.testing.assert_allclose(ca, feed[a] / 2)
        np.testing.assert_allclose(cb, feed[b] / 2)
        np.testing.assert_allclose(sess.run(kept[1], feed), feed[b])
        used, _ = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(2.0, tf.float64))
        np.testing.assert_allclose(sess.run(used[0], feed), feed[a] / 2)
        inf, _ = tf.clip_by_global_norm([a], 1.0)
        assert np.isnan(sess.run(inf[0], {a: np.array([np.inf, 1.0])})).all()
    gradient_check(clipped[2], [a, b], feed)
    with pytest.raises(TypeError, match="list of tensors"):
        tf.clip_by_global_norm(a, 1.0)


def test_clipped_gradients_feed_apply_gradients():
    w = tf.Variable(np.array([0.0, 0.0]), name="w")
    loss = tf.reduce_sum(w * np.array([30.0, 40.0]))        # gradient norm 50
    opt = tf.train.GradientDescentOptimizer(1.0)
    grads, variables = zip(*opt.compute_gradients(loss))
    clipped, norm = tf.clip_by_global_norm(grads, 5.0)
    train = opt.apply_gradients(zip(clipped, variables))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, n = sess.run([train, norm])
        assert n == pytest.approx(50.0)
        np.testing.assert_allclose(sess.run(w), [-3.0, -4.0])
