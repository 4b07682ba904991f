"""Check a gradient against central differences, in float64, with a readable report.

    >>> x = tf.placeholder(tf.float64, [3])
    >>> y = tf.reduce_sum(tf.sin(x) * x)
    >>> gradient_check(y, [x], {x: np.array([0.1, 0.5, 2.0])})   # raises if they disagree

The analytic gradient comes from ``tf.gradients`` (graph ops); the numeric one from
``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every element i.  Small inputs only: it runs
the graph twice per element.
"""
import numpy as np

from ..framework.errors import MinitensorError
from ..gradients import gradients
from ..ops.math_ops import multiply, reduce_sum
from ..ops.constant_op import convert_to_tensor


class GradientCheckError(MinitensorError, AssertionError):
    docs_page = "gradient-check"


def _session_for(y, session):
    if session is not None:
        return session, False
    from ..session import Session
    return Session(graph=y.graph), True


def numeric_jacobian(y, x, feed_dict, session, delta=1e-6):
    """d(y)/d(x) by central differences: an array of shape y.shape + x.shape."""
    x_value = np.array(feed_dict[x], dtype=np.float64, order="C")  # C order: flat is a view
    y0 = np.asarray(session.run(y, feed_dict))
    jac = np.zeros(y0.shape + x_value.shape)
    flat = x_value.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + delta
        # np.array copies: a result can be a view of x_value, which changes next
        plus = np.array(session.run(y, {**feed_dict, x: x_value}), dtype=np.float64)
        flat[i] = old - delta
        minus = np.array(session.run(y, {**feed_dict, x: x_value}), dtype=np.float64)
        flat[i] = old
        jac.reshape(y0.shape + (flat.size,))[..., i] = (plus - minus) / (2 * delta)
    return jac


def gradient_check(y, xs, feed_dict, session=None, delta=1e-6, rtol=1e-5, atol=1e-7,
                   seed=0):
    """Compare tf.gradients(<y, v>, xs) with central differences for a random direction v.

    Every x must be a float64 tensor fed in ``feed_dict``.  Raises GradientCheckError with a
    per-element table when they disagree; returns the largest absolute error otherwise.
    """
    y = convert_to_tensor(y)
    for x in xs:
        if not x.dtype.base_dtype.is_floating or x.dtype.base_dtype.name != "float64":
            raise GradientCheckError(
                "gradient_check needs float64 inputs; %s is %s. Finite differences in float32 are "
                "too noisy to check anything." % (x._describe(), x.dtype.name),
                hint="build the test graph with tf.float64 placeholders.")
    session, own = _session_for(y, session)
    try:
        rng = np.random.default_rng(seed)
        y_value = np.asarray(session.run(y, feed_dict))
        v = rng.standard_normal(y_value.shape)
        objective = reduce_sum(multiply(y, convert_to_tensor(v, dtype=y.dtype.base_dtype)))
        analytic = gradients(objective, xs)
        worst = 0.0
        for x, g in zip(xs, analytic):
            jac = numeric_jacobian(y, x, feed_dict, session, delta)
            numeric = np.tensordot(v, jac, axes=v.ndim) if v.ndim else v * jac
            if g is None:
                got = np.zeros_like(numeric)
            else:
                got = np.asarray(session.run(g, feed_dict), dtype=np.float64)
            err = np.abs(got - numeric)
            worst = max(worst, float(err.max(initial=0.0)))
            if not np.allclose(got, numeric, rtol=rtol, atol=atol):
                raise GradientCheckError(_report(x, got, numeric))
        return worst
    finally:
        if own:
            session.close()


def _report(x, got, numeric, rows=8):
    lines = ["Gradient check failed for %s:" % x._describe(),
             "  %-14s %-16s %-16s %s" % ("index", "analytic", "numeric", "abs error")]
    err = np.abs(got - numeric).reshape(-1)
    for i in np.argsort(-err)[:rows]:
        idx = tuple(int(k) for k in np.unravel_index(i, got.shape)) if got.shape else ()
        lines.append("  %-14s %-16.8g %-16.8g %.3g" % (idx, got.reshape(-1)[i],
                                                      numeric.reshape(-1)[i], err[i]))
    return "\n".join(lines)


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None):
    """TF 1.x's ``tf.test.compute_gradient_error``: max |analytic - numeric| Jacobian entry."""
    from ..session import Session
    rng = np.random.default_rng(0)
    x_value = x_init_value if x_init_value is not None else rng.standard_normal(x_shape)
    feed = dict(extra_feed_dict or {})
    feed[x] = x_value
    with Session(graph=y.graph) as sess:
        if init_targets:
            sess.run(init_targets)
        jac_n = numeric_jacobian(y, x, feed, sess, delta)
        ys = np.asarray(sess.run(y, feed))
        jac_a = np.zeros_like(jac_n)
        flat_view = jac_a.reshape((ys.size,) + tuple(np.shape(x_value)))
        for i in range(ys.size):
            e = np.zeros(ys.size)
            e[i] = 1.0
            g = gradients(y, [x], grad_ys=[e.reshape(ys.shape)])[0]
            flat_view[i] = sess.run(g, feed)
    return float(np.abs(jac_a - jac_n).max(initial=0.0))
