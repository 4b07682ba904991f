"""Special functions: forward against scipy.special, float64 gradient checks against central
differences, dtypes, broadcasting, and SciPy staying out of ``import minitensor``."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import minitensor as tf
from minitensor.debug import gradient_check
from minitensor.framework.errors import DTypeError, ShapeError


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def check_grad(build, *values, wrt=None, **tolerance):
    """gradient_check of build(*placeholders) with respect to the placeholders in ``wrt``
    (indices; all of them by default)."""
    holders = [tf.placeholder(tf.float64, np.shape(v)) for v in values]
    y = build(*holders)
    xs = holders if wrt is None else [holders[i] for i in wrt]
    return gradient_check(y, xs, dict(zip(holders, values)), **tolerance)


def positive(shape, low=0.3, high=4.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# =========================================================================
# Forward against SciPy
# =========================================================================

UNARY = [(tf.lgamma, special.gammaln), (tf.digamma, special.psi), (tf.erf, special.erf),
         (tf.erfc, special.erfc)]


@pytest.mark.parametrize("op,reference", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_special_functions_match_scipy(op, reference, dtype):
    x = np.array([[-2.5, -0.7, 0.1], [0.5, 1.0, 7.25]], dtype=dtype)
    out = run(op(x))
    assert out.dtype == dtype
    np.testing.assert_allclose(out, reference(x.astype(np.float64)),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_lgamma_values_a_reader_can_check():
    # Gamma(5) = 4! = 24, Gamma(1/2) = sqrt(pi)
    np.testing.assert_allclose(run(tf.lgamma(tf.constant([5.0, 0.5], dtype=tf.float64))),
                               [np.log(24.0), 0.5 * np.log(np.pi)])


@settings(deadline=None, max_examples=10)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_lbeta_over_last_axis(shape):
    tf.reset_default_graph()
    x = positive(shape, seed=len(shape))
    expected = special.gammaln(x).sum(-1) - special.gammaln(x.sum(-1))
    out = tf.lbeta(x)
    assert out.shape.dims == tuple(shape[:-1])
    np.testing.assert_allclose(run(out), expected, rtol=1e-12)


def test_lbeta_of_a_pair_is_log_beta():
    np.testing.assert_allclose(run(tf.lbeta(np.array([2.0, 3.0]))), np.log(special.beta(2, 3)))


def test_binary_special_functions_match_scipy_and_broadcast():
    a = positive((3, 1), seed=1)
    x = positive((1, 4), seed=2)
    p, q = run([tf.igamma(a, x), tf.igammac(a, x)])
    assert p.shape == (3, 4)
    np.testing.assert_allclose(p, special.gammainc(a, x), rtol=1e-12)
    np.testing.assert_allclose(q, special.gammaincc(a, x), rtol=1e-12)
    np.testing.assert_allclose(p + q, 1.0)
    s, qq = positive((3, 1), low=1.5, seed=3), positive((4,), seed=4)
    np.testing.assert_allclose(run(tf.zeta(s, qq)), special.zeta(s, qq), rtol=1e-12)
    # zeta(2, 1) = pi^2 / 6
    np.testing.assert_allclose(run(tf.zeta(2.0, 1.0)), np.pi ** 2 / 6, rtol=1e-6)


def test_polygamma_orders():
    x = positive((5,), seed=5)
    n = np.array([0.0, 1.0, 2.0, 3.0, 1.0])
    np.testing.assert_allclose(run(tf.polygamma(n, x)), special.polygamma(n.astype(int), x),
                               rtol=1e-12)
    np.testing.assert_allclose(run(tf.polygamma(0.0, tf.constant(x))), special.psi(x),
                               rtol=1e-12)
    # orders must be whole numbers >= 0 (as in TF): others give NaN
    out = run(tf.polygamma(np.array([1.5, -1.0]), np.array([2.0, 2.0])))
    assert np.isnan(out).all()


def test_betainc_matches_scipy_with_broadcasting():
    a, b = positive((2, 1), seed=6), positive((2, 3), seed=7)
    x = np.random.default_rng(8).uniform(0.05, 0.95, (3,))
    out = tf.betainc(a, b, x)
    assert out.shape.dims == (2, 3)
    np.testing.assert_allclose(run(out), special.betainc(a, b, x), rtol=1e-12)
    # Python numbers take the dtype of the tensor argument
    x32 = tf.constant(x.astype(np.float32))
    assert tf.betainc(2.0, 3.0, x32).dtype == tf.float32


# =========================================================================
# Gradients (float64 central differences)
# =========================================================================

def test_unary_gradients():
    x = positive((2, 3), seed=9)
    for op in (tf.lgamma, tf.digamma, tf.erf, tf.erfc):
        check_grad(op, x)
    check_grad(tf.erf, np.array([-1.5, -0.2, 0.0, 0.4, 2.0]))


def test_lgamma_second_derivative_goes_through_digamma_and_polygamma():
    def first_derivative(x):
        return tf.gradients(tf.reduce_sum(tf.lgamma(x)), x)[0]     # digamma(x)

    def second_derivative(x):
        return tf.gradients(tf.reduce_sum(first_derivative(x)), x)[0]   # polygamma(1, x)

    x = positive((4,), seed=10)
    np.testing.assert_allclose(run(second_derivative(tf.constant(x))),
                               special.polygamma(1, x), rtol=1e-12)
    check_grad(first_derivative, x)
    check_grad(second_derivative, x)


def test_lbeta_gradient():
    check_grad(tf.lbeta, positive((3, 4), seed=11))


def test_incomplete_gamma_gradients_wrt_x():
    a, x = positive((3, 1), low=0.8, seed=12), positive((1, 4), seed=13)
    check_grad(tf.igamma, a, x, wrt=[1])
    check_grad(tf.igammac, a, x, wrt=[1])


def test_zeta_polygamma_betainc_gradients():
    check_grad(tf.zeta, positive((3,), low=1.5, seed=14), positive((3,), seed=15), wrt=[1])
    n = np.array([[0.0], [1.0], [2.0]])
    check_grad(tf.polygamma, n, positive((1, 4), seed=16), wrt=[1])
    x = np.random.default_rng(17).uniform(0.1, 0.9, (2, 3))
    check_grad(tf.betainc, positive((2, 3), low=0.7, seed=18), positive((1, 3), low=0.7,
                                                                        seed=19), x, wrt=[2])
    # x broadcast against a larger a and b: its gradient is summed back to its shape
    check_grad(tf.betainc, positive((2, 3), low=0.7, seed=20), positive((2, 3), low=0.7,
                                                                        seed=21),
               np.array([0.3, 0.5, 0.8]), wrt=[2])


def test_parameters_without_closed_form_derivatives_get_none():
    a, x = tf.constant([1.0, 2.0]), tf.constant([0.5, 1.5])
    assert tf.gradients(tf.igamma(a, x), a) == [None]
    assert tf.gradients(tf.igammac(a, x), a) == [None]
    assert tf.gradients(tf.zeta(a + 1.0, x), a) == [None]
    assert tf.gradients(tf.polygamma(a, x), a) == [None]
    assert tf.gradients(tf.betainc(a, a, x / 2.0), a) == [None]
    assert tf.gradients(tf.igamma(a, x), x)[0] is not None


# =========================================================================
# Checks and import cost
# =========================================================================

def test_integer_inputs_are_rejected():
    with pytest.raises(DTypeError, match="Lgamma does not accept int32"):
        tf.lgamma(tf.constant([1, 2]))
    with pytest.raises(DTypeError, match="tf.igamma does not accept int32"):
        tf.igamma(tf.constant([1, 2]), tf.constant([1, 2]))


def test_shape_errors_are_named():
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        tf.igamma(tf.ones([2]), tf.ones([3]))
    with pytest.raises(ShapeError, match=r"a, b and x must broadcast"):
        tf.betainc(tf.ones([2]), tf.ones([3]), tf.ones([2]))
    with pytest.raises(ShapeError, match="rank >= 1"):
        tf.lbeta(3.0)


def test_import_does_not_load_scipy():
    code = "import sys, minitensor; assert 'scipy' not in sys.modules, 'scipy was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
