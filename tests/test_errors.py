"""Errors that teach: each names the user's tensor, where it was made, expected vs got, the fix."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.framework import errors

THIS_FILE = "test_errors.py"


def test_uninitialized_variables_are_all_listed_with_their_lines():
    w = tf.Variable(tf.zeros([784, 256]), name="W1")
    b = tf.Variable(tf.zeros([256]), name="b1")
    y = tf.reduce_sum(w) + tf.reduce_sum(b)
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError) as info:
            sess.run(y)
    message = str(info.value)
    assert "2 uninitialized variable" in message
    assert "'W1' (shape (784, 256), created at %s:" % THIS_FILE in message
    assert "'b1' (shape (256,), created at %s:" % THIS_FILE in message
    assert "global_variables_initializer" in message


def test_variable_created_after_the_initializer_is_pointed_out():
    tf.Variable(1.0, name="early")
    init = tf.global_variables_initializer()
    late = tf.Variable(2.0, name="late")
    with tf.Session() as sess:
        sess.run(init)
        with pytest.raises(errors.UninitializedVariableError, match="'late' was created after "
                           "your initializer op 'init'"):
            sess.run(late)


def test_wrong_feed_shape_names_placeholder_and_dimension():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = x * 2.0
    with tf.Session() as sess:
        with pytest.raises(errors.FeedError) as info:
            sess.run(y, {x: np.zeros((50, 2352))})
    message = str(info.value)
    assert "shape (50, 2352)" in message and "'x'" in message and "(any, 784)" in message
    assert "dimension 1: expected 784, got 2352" in message
    assert "2352 = 3 x 784" in message
    assert THIS_FILE in message


def test_empty_batch_and_missing_batch_dimension_hints():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    with tf.Session() as sess:
        with pytest.raises(errors.FeedError, match="empty"):
            sess.run(x, {x: np.zeros((0, 3))})
        with pytest.raises(errors.FeedError, match="add the batch dimension"):
            sess.run(x, {x: np.zeros(4)})


def test_wrong_feed_dtype():
    n = tf.placeholder(tf.int32, [None], name="labels")
    with tf.Session() as sess:
        with pytest.raises(errors.FeedError) as info:
            sess.run(n, {n: [0.5, 1.5]})
        assert "'labels:0'" in str(info.value) and "int32" in str(info.value)
        assert "[0.5, 1.5]" in str(info.value)
        with pytest.raises(TypeError):
            sess.run(n, {n: ["a", "b"]})
        np.testing.assert_array_equal(sess.run(n, {n: [1.0, 2.0]}), [1, 2])


def test_missing_feeds_are_all_listed_with_paths():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y_true = tf.placeholder(tf.float32, [None, 1], name="y_true")
    keep_prob = tf.placeholder(tf.float32, name="keep_prob")
    w = tf.constant(np.ones((3, 1), np.float32))
    pred = tf.matmul(x * keep_prob, w, name="pred")
    loss = tf.reduce_mean(tf.square(pred - y_true), name="loss")
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(loss, {x: np.ones((2, 3))})
    message = str(info.value)
    assert "'y_true'" in message and "'keep_prob'" in message and "'x' (" not in message
    assert "loss <- " in message
    assert "placeholder_with_default" in message


def test_feeding_a_tensor_is_explained():
    x = tf.placeholder(tf.float32, [3], name="x")
    z = tf.zeros([3])
    with tf.Session() as sess:
        with pytest.raises(errors.FeedTypeError, match="symbolic tensor 'zeros:0'"):
            sess.run(x * 1.0, {x: z})


def test_tensor_from_another_graph():
    g1 = tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with pytest.raises(errors.GraphMismatchError) as info:
        tf.add(a, b)
    message = str(info.value)
    assert "'a:0'" in message and "graph #%d" % g1.number in message
    with tf.Session() as sess:
        with pytest.raises(errors.GraphMismatchError):
            sess.run(a)


def test_variable_exists_and_reuse_errors():
    def build():
        return tf.get_variable("w", [2])
    build()
    with pytest.raises(errors.VariableExistsError) as info:
        build()
    assert "already exists" in str(info.value) and "reuse=True" in str(info.value)
    with pytest.raises(ValueError):          # still a ValueError, as in TF
        tf.get_variable("w", [2])
    with tf.variable_scope("scope", reuse=True):
        with pytest.raises(errors.VariableNotFoundError, match="does not exist"):
            tf.get_variable("v", [1])


def test_rerun_cell_is_detected():
    def notebook_cell():
        return tf.get_variable("embedding", [3])
    notebook_cell()
    with pytest.raises(errors.VariableExistsError, match="this same line"):
        notebook_cell()


def test_reuse_and_auto_reuse_share_variables():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
    with tf.variable_scope("layer", reuse=True):
        assert tf.get_variable("w") is w
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.get_variable("a", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a2 = tf.get_variable("a", [1])
    assert a1 is a2 and a1.name == "auto/a:0"
    with tf.variable_scope("layer", reuse=True):
        with pytest.raises(ValueError, match="shape"):
            tf.get_variable("w", [3])


def test_matmul_shape_mismatch_names_both_tensors():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    w = tf.Variable(tf.zeros([2, 24]), name="W1")
    with pytest.raises(errors.ShapeError) as info:
        tf.matmul(x, w)
    message = str(info.value)
    assert "'x:0'" in message and "'W1/read:0'" in message and "784 != 2" in message
    assert THIS_FILE in message


def test_broadcast_mismatch_names_both_tensors():
    a = tf.placeholder(tf.float32, [3, 4], name="a")
    b = tf.placeholder(tf.float32, [5], name="b")
    with pytest.raises(errors.ShapeError) as info:
        a + b
    assert "'a:0'" in str(info.value) and "'b:0'" in str(info.value)
    assert "(3, 4)" in str(info.value) and "(5,)" in str(info.value)


def test_dtype_mismatch_between_inputs_suggests_a_cast():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    m = tf.constant(np.ones((2, 2)), name="fourier")       # NumPy float64
    with pytest.raises(errors.DTypeError) as info:
        tf.matmul(x, m)
    message = str(info.value)
    assert "float32" in message and "float64" in message and "'fourier:0'" in message
    assert "tf.cast" in message
    with pytest.raises(TypeError):                          # still a TypeError, as in TF
        tf.add(x, tf.constant(1, tf.int32))


def test_python_scalars_and_numpy_arrays_adopt_the_tensor_dtype():
    x = tf.placeholder(tf.float32, [2])
    assert (x * 2).dtype == tf.float32
    assert (x + np.array([1.0, 2.0])).dtype == tf.float32
    with pytest.raises(errors.DTypeError):
        tf.placeholder(tf.int32, [2]) + 0.5


def test_invalid_fetches():
    with tf.Session() as sess:
        with pytest.raises(errors.FetchError, match="None"):
            sess.run(None)
        with pytest.raises(errors.FetchError, match="invalid type"):
            sess.run(3.0)
        with pytest.raises(errors.FetchError, match="no operation named 'nope'"):
            sess.run("nope:0")


def test_no_gradient_path_in_minimize_names_the_cut():
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    w = tf.Variable([[1.0]], name="w")
    y_prob = tf.sigmoid(tf.matmul(x, w))
    loss = tf.reduce_mean(tf.abs(tf.floor(y_prob)), name="loss")
    with pytest.raises(errors.NoGradientError) as info:
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    message = str(info.value)
    assert "Floor" in message and THIS_FILE in message and "'w'" in message
    other = tf.Variable(1.0, name="unused")
    loss2 = tf.reduce_sum(tf.cast(tf.argmax(tf.matmul(x, w), 1), tf.float32))
    with pytest.raises(errors.NoGradientError):
        tf.train.GradientDescentOptimizer(0.1).minimize(loss2, var_list=[w, other])


def test_runtime_kernel_failure_names_the_op_and_values():
    a = tf.placeholder(tf.float32, [None], name="a")
    b = tf.placeholder(tf.float32, [None], name="b")
    c = tf.add(a, b, name="sum_ab")
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(c, {a: [1.0, 2.0], b: [1.0, 2.0, 3.0]})
    assert "'sum_ab'" in str(info.value) and "(2,)" in str(info.value)


def test_closed_session():
    sess = tf.Session()
    sess.close()
    with pytest.raises(errors.SessionClosedError):
        sess.run(tf.constant(1.0))


def test_every_error_class_has_a_docs_page():
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.MinitensorError)]
    assert len(classes) > 10
    for cls in classes:
        assert cls.docs_page
