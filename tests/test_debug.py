"""debug helpers: graph drawing, explain_gradients, gradient_check reports."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.debug import GradientCheckError, explain_gradients, gradient_check


def _model():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(tf.zeros([2, 1]), name="w")
    y = tf.matmul(x, w, name="y")
    return x, w, y


def test_mermaid_lists_each_op_once_with_edges():
    x, w, y = _model()
    text = tf.debug.to_mermaid(y)
    assert text.startswith("graph LR")
    assert text.count("y<br/>MatMul") == 1
    assert '|"(?, 2)"|' in text


def test_collapse_hides_a_scope():
    x, w, y = _model()
    g = tf.gradients(tf.reduce_sum(y), w)[0]
    nodes, _ = tf.debug.graph_edges(g, collapse=["gradients"])
    assert "gradients" in nodes and not any(k.startswith("gradients/") for k in nodes)


def test_draw_graph_writes_a_png(tmp_path):
    x, w, y = _model()
    path = tmp_path / "g.png"
    tf.debug.draw_graph(y, str(path))
    assert path.stat().st_size > 1000


def test_explain_gradients_names_the_cut():
    x, w, y = _model()
    other = tf.Variable(1.0, name="other")
    loss = tf.reduce_sum(tf.cast(tf.argmax(y, 1), tf.float32))
    text = explain_gradients(loss, [w, other])
    assert "ArgMax" in text or "int64" in text
    assert "does not depend on it" in text


def test_gradient_check_reports_a_wrong_gradient():
    @tf.RegisterGradient("WrongSquare")
    def _wrong(op, grad):
        """deliberately wrong: d(x^2)/dx should be 2x"""
        return grad * op.inputs[0]
    from minitensor.framework.registry import reference_kernel
    reference_kernel("WrongSquare")(lambda x: x * x)
    from minitensor.ops.op_util import unary
    x = tf.placeholder(tf.float64, [3], name="x")
    y = unary("WrongSquare", x)
    with pytest.raises(GradientCheckError, match="analytic"):
        gradient_check(y, [x], {x: np.array([1.0, 2.0, 3.0])})
    with pytest.raises(GradientCheckError, match="float64"):
        z = tf.placeholder(tf.float32, [2])
        gradient_check(z * 2.0, [z], {z: np.ones(2)})


def test_find_first_nonfinite_names_the_log_of_zero():
    z = tf.placeholder(tf.float32, [None, 3], name="z")
    p = tf.nn.softmax(z)
    loss = -tf.reduce_sum(tf.log(p), name="loss")
    with tf.Session() as sess:
        report = tf.debug.find_first_nonfinite(sess, loss, {z: [[0.0, 1.0, 200.0]]})
        assert report and report.op.type == "Log"
        assert "zero" in str(report) and "test_debug.py" in str(report)
        assert not tf.debug.find_first_nonfinite(sess, loss, {z: [[0.0, 1.0, 2.0]]})


def test_assign_then_read_in_one_run_sees_the_new_value():
    v = tf.Variable(0)
    with tf.control_dependencies([tf.assign(v, 5)]):
        r = tf.identity(v)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(r) == 5
