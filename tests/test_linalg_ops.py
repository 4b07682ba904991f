"""Matrix math ops: forward against NumPy/SciPy (batched, odd sizes), float64 gradient checks
against central differences, static shapes and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitensor as tf
from minitensor.debug import gradient_check
from minitensor.framework.errors import InvalidArgumentError, ShapeError

SETTINGS = settings(deadline=None, max_examples=12)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def rng(seed=0):
    return np.random.default_rng(seed)


def flat(outputs):
    """One 1-D tensor holding every output (gradient_check takes one y)."""
    if isinstance(outputs, (list, tuple)):
        return tf.concat([tf.reshape(t, [-1]) for t in outputs], 0)
    return outputs


def check_grad(build, *values, **tolerance):
    """gradient_check of build(*placeholders) with the placeholders fed ``values``."""
    holders = [tf.placeholder(tf.float64, np.shape(v)) for v in values]
    y = flat(build(*holders))
    return gradient_check(y, holders, dict(zip(holders, values)), **tolerance)


def well_conditioned(shape, seed=0):
    """Random square matrices with n added to the diagonal: far from singular."""
    n = shape[-1]
    return rng(seed).standard_normal(shape) + n * np.eye(n)


def spd(shape, seed=0):
    b = rng(seed).standard_normal(shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def sign_fixed(columns):
    """Eigen/singular vectors are unique only up to sign: make each column's first entry
    positive (sign() has zero gradient, so this is a smooth function near the input)."""
    return columns * tf.sign(columns[..., :1, :])


# =========================================================================
# Diagonals, bands, trace, eye
# =========================================================================

def test_diag_and_diag_part_vector_and_rank2():
    v = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(run(tf.diag(v)), np.diag(v))
    m = np.arange(6.0).reshape(2, 3)
    out = run(tf.diag(m))
    assert out.shape == (2, 3, 2, 3)
    expected = np.zeros((2, 3, 2, 3))
    for i in range(2):
        for j in range(3):
            expected[i, j, i, j] = m[i, j]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(run(tf.diag_part(tf.constant(expected))), m)
    np.testing.assert_array_equal(run(tf.diag_part(np.arange(9.0).reshape(3, 3))),
                                  [0.0, 4.0, 8.0])


def test_diag_and_diag_part_gradients():
    r = rng(1)
    check_grad(lambda x: tf.diag(x), r.standard_normal((2, 3)))
    check_grad(lambda x: tf.diag_part(x), r.standard_normal((3, 2, 3, 2)))


@SETTINGS
@given(batch=st.lists(st.integers(1, 3), max_size=2), m=st.integers(1, 5),
       n=st.integers(1, 5))
def test_matrix_diag_part_set_diag_match_numpy(batch, m, n):
    tf.reset_default_graph()
    r = rng(m * 10 + n)
    x = r.standard_normal(batch + [m, n])
    k = min(m, n)
    d = r.standard_normal(batch + [k])
    part, with_diag, as_matrix = run([tf.matrix_diag_part(x), tf.matrix_set_diag(x, d),
                                      tf.matrix_diag(d)])
    np.testing.assert_array_equal(part, np.diagonal(x, axis1=-2, axis2=-1))
    expected = x.copy()
    expected[..., np.arange(k), np.arange(k)] = d
    np.testing.assert_array_equal(with_diag, expected)
    np.testing.assert_array_equal(as_matrix, d[..., :, None] * np.eye(k))


@SETTINGS
@given(m=st.integers(1, 5), n=st.integers(1, 5), lower=st.integers(-1, 4),
       upper=st.integers(-1, 4))
def test_matrix_band_part_matches_numpy(m, n, lower, upper):
    tf.reset_default_graph()
    x = rng(0).standard_normal((2, m, n))
    i, j = np.indices((m, n))
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    np.testing.assert_array_equal(run(tf.matrix_band_part(x, lower, upper)),
                                  np.where(keep, x, 0.0))


def test_band_part_special_cases_are_triangles():
    x = rng(2).standard_normal((4, 4))
    lower, upper, diagonal = run([tf.matrix_band_part(x, -1, 0), tf.matrix_band_part(x, 0, -1),
                                  tf.matrix_band_part(x, 0, 0)])
    np.testing.assert_array_equal(lower, np.tril(x))
    np.testing.assert_array_equal(upper, np.triu(x))
    np.testing.assert_array_equal(diagonal, np.diag(np.diag(x)))


def test_matrix_diag_ops_gradients():
    r = rng(3)
    check_grad(lambda d: tf.matrix_diag(d), r.standard_normal((2, 3)))
    check_grad(lambda x: tf.matrix_diag_part(x), r.standard_normal((2, 3, 4)))
    check_grad(lambda x, d: tf.matrix_set_diag(x, d), r.standard_normal((2, 4, 3)),
               r.standard_normal((2, 3)))
    check_grad(lambda x: tf.matrix_band_part(x, 1, 0), r.standard_normal((2, 4, 5)))


def test_trace_batched_and_gradient():
    x = rng(4).standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(run(tf.trace(x)), np.trace(x, axis1=-2, axis2=-1))
    np.testing.assert_allclose(run(tf.trace(x[0, 0, :2, :])), np.trace(x[0, 0, :2, :]))
    check_grad(lambda t: tf.trace(t), rng(5).standard_normal((3, 2, 4)))


def test_eye():
    np.testing.assert_array_equal(run(tf.eye(3)), np.eye(3))
    out = run(tf.eye(2, num_columns=3, batch_shape=[4], dtype=tf.float64))
    assert out.shape == (4, 2, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[3], np.eye(2, 3))
    assert tf.eye(2).dtype == tf.float32


# =========================================================================
# Norms
# =========================================================================

@pytest.mark.parametrize("ord_", ["euclidean", "fro", 1, 2, np.inf, 3, 0.5])
def test_vector_norms_match_numpy(ord_):
    x = rng(6).standard_normal((3, 5))
    numpy_ord = None if ord_ in ("euclidean", "fro") else ord_
    np.testing.assert_allclose(run(tf.norm(x, ord=ord_, axis=1)),
                               np.linalg.norm(x, ord=numpy_ord, axis=1))
    np.testing.assert_allclose(run(tf.norm(x, ord=ord_, axis=0, keepdims=True)),
                               np.linalg.norm(x, ord=numpy_ord, axis=0, keepdims=True))
    np.testing.assert_allclose(run(tf.norm(x, ord=ord_)),
                               np.linalg.norm(x.ravel(), ord=numpy_ord))


@pytest.mark.parametrize("ord_", ["fro", "euclidean", 1, 2, np.inf])
def test_matrix_norms_match_numpy(ord_):
    x = rng(7).standard_normal((2, 4, 3))
    numpy_ord = "fro" if ord_ == "euclidean" else ord_
    np.testing.assert_allclose(run(tf.norm(x, ord=ord_, axis=(1, 2))),
                               np.linalg.norm(x, ord=numpy_ord, axis=(1, 2)))
    # the matrices may sit in any two dimensions, in either order
    np.testing.assert_allclose(run(tf.norm(x, ord=ord_, axis=[-1, 0], keepdims=True)),
                               np.linalg.norm(x, ord=numpy_ord, axis=(-1, 0), keepdims=True))


def test_norm_static_shapes():
    x = tf.placeholder(tf.float32, [None, 4, 3])
    assert tf.norm(x).shape.dims == ()
    assert tf.norm(x, axis=1).shape.dims == (None, 3)
    assert tf.norm(x, axis=[1, 2], keepdims=True).shape.dims == (None, 1, 1)


@pytest.mark.parametrize("ord_,axis", [("euclidean", None), ("euclidean", 1), (1, 0),
                                       (np.inf, 1), (3, 1), ("fro", (0, 1)), (1, (0, 1)),
                                       (np.inf, (0, 1)), (2, (0, 1))])
def test_norm_gradients(ord_, axis):
    check_grad(lambda x: tf.norm(x, ord=ord_, axis=axis), rng(8).standard_normal((4, 3)))


def test_norm_rejects_unsupported_orders():
    with pytest.raises(ValueError, match="not a supported vector norm"):
        tf.norm(tf.constant([1.0, 2.0]), ord=-1)
    with pytest.raises(ValueError, match="not a supported matrix norm"):
        tf.norm(tf.ones([2, 2]), ord=3, axis=[0, 1])


# =========================================================================
# Determinant and inverse
# =========================================================================

@SETTINGS
@given(batch=st.lists(st.integers(1, 3), max_size=2), n=st.integers(1, 5))
def test_determinant_and_inverse_match_numpy(batch, n):
    tf.reset_default_graph()
    a = well_conditioned(batch + [n, n], seed=n)
    det, inv, inv_adj = run([tf.matrix_determinant(a), tf.matrix_inverse(a),
                             tf.matrix_inverse(a, adjoint=True)])
    np.testing.assert_allclose(det, np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(inv, np.linalg.inv(a), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(inv_adj, np.linalg.inv(np.swapaxes(a, -1, -2)), rtol=1e-9,
                               atol=1e-12)


def test_determinant_and_inverse_keep_float32_and_complex():
    a = well_conditioned((3, 3)).astype(np.float32)
    assert run(tf.matrix_determinant(a)).dtype == np.float32
    c = a + 1j * rng(1).standard_normal((3, 3))
    np.testing.assert_allclose(run(tf.matrix_inverse(c)), np.linalg.inv(c), rtol=1e-5)


def test_determinant_and_inverse_gradients():
    a = well_conditioned((2, 3, 3), seed=9)
    check_grad(lambda x: tf.matrix_determinant(x), a)
    check_grad(lambda x: tf.matrix_inverse(x), a)
    check_grad(lambda x: tf.matrix_inverse(x, adjoint=True), a)


def test_inverse_second_derivative():
    """The inverse's gradient is built from graph ops, so it can be differentiated again."""
    def build(x):
        y = tf.reduce_sum(tf.matrix_inverse(x) * tf.constant(rng(1).standard_normal((3, 3))))
        return tf.gradients(y, x)[0]
    check_grad(build, well_conditioned((3, 3), seed=10))


def test_complex_inverse_and_determinant_gradients():
    """Complex inputs built from two real placeholders: checks the conjugates."""
    re, im = well_conditioned((3, 3), seed=11), 0.5 * rng(12).standard_normal((3, 3))
    w = tf.constant(rng(13).standard_normal((3, 3)) + 1j * rng(14).standard_normal((3, 3)))

    def inverse_loss(x, y):
        inv = tf.matrix_inverse(tf.complex(x, y))
        return tf.real(tf.reduce_sum(inv * w))

    def det_loss(x, y):
        return tf.abs(tf.matrix_determinant(tf.complex(x, y)))

    check_grad(inverse_loss, re, im)
    check_grad(det_loss, re, im)


# =========================================================================
# Cholesky and solves
# =========================================================================

def test_cholesky_matches_numpy_batched():
    a = spd((2, 3, 4, 4))
    l = run(tf.cholesky(a))
    np.testing.assert_allclose(l, np.linalg.cholesky(a), rtol=1e-10)
    np.testing.assert_allclose(l @ np.swapaxes(l, -1, -2), a, rtol=1e-10)


def test_cholesky_gradient_for_symmetric_inputs():
    """tf.cholesky's gradient (like TF's) is the symmetric one: check it through A = B B^T."""
    def build(b):
        gram = tf.matmul(b, b, transpose_b=True) + 3.0 * tf.eye(3, dtype=tf.float64)
        return tf.cholesky(gram)
    check_grad(build, rng(15).standard_normal((2, 3, 3)))


def test_cholesky_solve_and_gradient():
    a, rhs = spd((2, 4, 4), seed=16), rng(17).standard_normal((2, 4, 3))
    x = run(tf.cholesky_solve(tf.cholesky(a), rhs))
    np.testing.assert_allclose(x, np.linalg.solve(a, rhs), rtol=1e-9)

    def build(b, r):
        gram = tf.matmul(b, b, transpose_b=True) + 4.0 * tf.eye(4, dtype=tf.float64)
        return tf.cholesky_solve(tf.cholesky(gram), r)
    check_grad(build, rng(18).standard_normal((4, 4)), rng(19).standard_normal((4, 2)))


@pytest.mark.parametrize("adjoint", [False, True])
def test_matrix_solve_forward_and_gradient(adjoint):
    a, b = well_conditioned((2, 4, 4), seed=20), rng(21).standard_normal((2, 4, 3))
    matrix = np.swapaxes(a, -1, -2) if adjoint else a
    np.testing.assert_allclose(run(tf.matrix_solve(a, b, adjoint=adjoint)),
                               np.linalg.solve(matrix, b), rtol=1e-9)
    check_grad(lambda x, y: tf.matrix_solve(x, y, adjoint=adjoint), a, b)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_matrix_triangular_solve_forward_and_gradient(lower, adjoint):
    from scipy.linalg import solve_triangular
    a, b = well_conditioned((5, 5), seed=22), rng(23).standard_normal((5, 2))
    expected = solve_triangular(a, b, lower=lower, trans="T" if adjoint else "N")
    got = run(tf.matrix_triangular_solve(a, b, lower=lower, adjoint=adjoint))
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    check_grad(lambda x, y: tf.matrix_triangular_solve(x, y, lower=lower, adjoint=adjoint),
               well_conditioned((2, 3, 3), seed=24), rng(25).standard_normal((2, 3, 4)))


@pytest.mark.parametrize("m,n", [(5, 3), (3, 3), (2, 4)])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_matrix_solve_ls_forward(m, n, l2):
    r = rng(m * n)
    a, b = r.standard_normal((2, m, n)), r.standard_normal((2, m, 2))
    got = run(tf.matrix_solve_ls(a, b, l2_regularizer=l2))
    a_t = np.swapaxes(a, -1, -2)
    if m >= n:
        expected = np.linalg.solve(a_t @ a + l2 * np.eye(n), a_t @ b)
    else:
        expected = a_t @ np.linalg.solve(a @ a_t + l2 * np.eye(m), b)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    if l2 == 0.0:
        # the same as NumPy's least squares (the minimum-norm solution when m < n)
        lstsq = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)])
        np.testing.assert_allclose(got, lstsq, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(run(tf.matrix_solve_ls(a, b, fast=False)), lstsq,
                                   rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("m,n", [(5, 3), (3, 3), (2, 4)])
def test_matrix_solve_ls_gradients(m, n):
    r = rng(m + 10 * n)
    a, b, l2 = r.standard_normal((2, m, n)), r.standard_normal((2, m, 2)), np.array(0.4)
    check_grad(lambda x, y, lam: tf.matrix_solve_ls(x, y, l2_regularizer=lam), a, b, l2)
    check_grad(lambda x, y: tf.matrix_solve_ls(x, y), a, b)


def test_matrix_solve_ls_slow_path_has_no_gradient():
    a = tf.constant(rng(0).standard_normal((3, 2)))
    x = tf.matrix_solve_ls(a, tf.ones([3, 1], dtype=tf.float64), fast=False)
    with pytest.raises(NotImplementedError, match="fast=False"):
        tf.gradients(x, a)


# =========================================================================
# QR, symmetric eigen, SVD
# =========================================================================

@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 5, 2)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_qr_invariants(shape, full_matrices):
    a = rng(26).standard_normal(shape)
    q, r = tf.qr(a, full_matrices=full_matrices)
    m, n = shape[-2:]
    k = m if full_matrices else min(m, n)
    assert q.shape.dims == shape[:-2] + (m, k) and r.shape.dims == shape[:-2] + (k, n)
    q, r = run([q, r])
    assert q.shape == shape[:-2] + (m, k) and r.shape == shape[:-2] + (k, n)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q,
                               np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)), atol=1e-12)
    np.testing.assert_array_equal(np.tril(r, -1), 0.0)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5)])
def test_qr_gradient(shape):
    check_grad(lambda x: tf.qr(x), rng(27).standard_normal(shape))


def test_qr_gradient_refuses_tall_full_matrices():
    q, r = tf.qr(tf.placeholder(tf.float64, [4, 2]), full_matrices=True)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tf.gradients(q, q.op.inputs[0])


def test_qr_full_matrices_gradient_square():
    check_grad(lambda x: tf.qr(x, full_matrices=True), rng(28).standard_normal((3, 3)))


def _symmetric(shape, seed):
    """Symmetric matrices with well-separated eigenvalues."""
    n = shape[-1]
    q = np.linalg.qr(rng(seed).standard_normal(shape))[0]
    e = np.arange(1, n + 1) * 1.5 - 2.0
    return (q * e[..., None, :]) @ np.swapaxes(q, -1, -2)


@SETTINGS
@given(batch=st.lists(st.integers(1, 3), max_size=2), n=st.integers(1, 5))
def test_self_adjoint_eig_matches_numpy(batch, n):
    tf.reset_default_graph()
    a = _symmetric(batch + [n, n], seed=n)
    e, v = tf.self_adjoint_eig(a)
    assert e.shape.dims == tuple(batch + [n]) and v.shape.dims == tuple(batch + [n, n])
    e, v, e_only = run([e, v, tf.self_adjoint_eigvals(a)])
    np.testing.assert_allclose(e, np.linalg.eigvalsh(a), atol=1e-10)
    np.testing.assert_allclose(e_only, e, atol=1e-12)
    np.testing.assert_allclose(a @ v, v * e[..., None, :], atol=1e-10)


def test_self_adjoint_eig_reads_only_the_lower_triangle():
    a = _symmetric((3, 3), seed=1)
    messy = a + np.triu(rng(2).standard_normal((3, 3)), 1)
    np.testing.assert_allclose(run(tf.self_adjoint_eigvals(messy)), np.linalg.eigvalsh(a))


def test_self_adjoint_eig_gradients():
    a = _symmetric((2, 4, 4), seed=29)
    # the op reads the lower triangle, so central differences on any entry of a are valid
    check_grad(lambda x: tf.self_adjoint_eig(x)[0], a)
    check_grad(lambda x: tf.self_adjoint_eigvals(x), a)
    check_grad(lambda x: sign_fixed(tf.self_adjoint_eig(x)[1]), a)
    # an invariant mix of both outputs: V diag(e^2) V^T
    check_grad(lambda x: tf.matmul(tf.self_adjoint_eig(x)[1] * tf.square(
        tf.expand_dims(tf.self_adjoint_eig(x)[0], -2)), tf.self_adjoint_eig(x)[1],
        transpose_b=True), a)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 1, 4), (2, 3, 5, 4)])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_matches_numpy(shape, full_matrices):
    a = rng(30).standard_normal(shape)
    m, n = shape[-2:]
    p = min(m, n)
    s, u, v = tf.svd(a, full_matrices=full_matrices)
    assert s.shape.dims == shape[:-2] + (p,)
    assert u.shape.dims == shape[:-2] + ((m, m) if full_matrices else (m, p))
    assert v.shape.dims == shape[:-2] + ((n, n) if full_matrices else (n, p))
    s, u, v, s_only = run([s, u, v, tf.svd(a, compute_uv=False)])
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), atol=1e-12)
    np.testing.assert_allclose(s_only, s, atol=1e-12)
    # TF's convention: a = u diag(s) v^H (v itself, not v^H)
    np.testing.assert_allclose((u[..., :, :p] * s[..., None, :]) @ np.swapaxes(v[..., :, :p],
                                                                              -1, -2),
                               a, atol=1e-12)


def _distinct_singular_values(shape, seed):
    m, n = shape[-2:]
    p = min(m, n)
    u = np.linalg.qr(rng(seed).standard_normal(shape[:-2] + (m, m)))[0][..., :, :p]
    v = np.linalg.qr(rng(seed + 1).standard_normal(shape[:-2] + (n, n)))[0][..., :, :p]
    s = np.arange(p, 0, -1) * 1.3 + 0.5
    return (u * s) @ np.swapaxes(v, -1, -2)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2)])
def test_svd_gradients(shape):
    a = _distinct_singular_values(shape, seed=31)
    check_grad(lambda x: tf.svd(x, compute_uv=False), a)
    check_grad(lambda x: tf.svd(x)[0], a)
    check_grad(lambda x: sign_fixed(tf.svd(x)[1]), a)
    check_grad(lambda x: sign_fixed(tf.svd(x)[2]), a)
    # u diag(s) v^T rebuilds a: its gradient is the identity map
    check_grad(lambda x: tf.matmul(tf.svd(x)[1] * tf.expand_dims(tf.svd(x)[0], -2),
                                   tf.svd(x)[2], transpose_b=True), a)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_svd_full_matrices_gradient(shape):
    a = _distinct_singular_values(shape, seed=32)
    check_grad(lambda x: tf.svd(x, full_matrices=True)[0], a)
    # with |M - N| = 1 the extra column of U (or V) is fixed up to its sign too
    check_grad(lambda x: sign_fixed(tf.svd(x, full_matrices=True)[1]), a)
    check_grad(lambda x: sign_fixed(tf.svd(x, full_matrices=True)[2]), a)


def test_svd_full_matrices_gradient_refuses_big_size_gaps():
    s, u, v = tf.svd(tf.placeholder(tf.float64, [5, 2]), full_matrices=True)
    with pytest.raises(NotImplementedError, match=r"\|M - N\| <= 1"):
        tf.gradients(u, u.op.inputs[0])


@pytest.mark.parametrize("shape", [(3, 4), (3, 3), (4, 2)])
def test_complex_svd_gradients(shape):
    re, im = rng(33).standard_normal(shape), rng(34).standard_normal(shape)

    def magnitudes(t):
        """complex singular vectors are unique up to a phase: |t|^2 is not affected"""
        return tf.real(t * tf.conj(t))

    check_grad(lambda x, y: tf.real(tf.svd(tf.complex(x, y), compute_uv=False)), re, im)
    check_grad(lambda x, y: tf.real(tf.svd(tf.complex(x, y))[0]), re, im)
    check_grad(lambda x, y: magnitudes(tf.svd(tf.complex(x, y))[1]), re, im)
    check_grad(lambda x, y: magnitudes(tf.svd(tf.complex(x, y))[2]), re, im)

    def u_times_v_adjoint(x, y):
        """U V^H: the phases of u_i and v_i cancel"""
        _, u, v = tf.svd(tf.complex(x, y))
        product = tf.matmul(u, v, adjoint_b=True)
        return [tf.real(product), tf.imag(product)]

    check_grad(u_times_v_adjoint, re, im)


# =========================================================================
# Cross product
# =========================================================================

def test_cross_forward_and_gradient():
    r = rng(35)
    a, b = r.standard_normal((2, 4, 3)), r.standard_normal((2, 4, 3))
    np.testing.assert_allclose(run(tf.cross(a, b)), np.cross(a, b))
    check_grad(lambda x, y: tf.cross(x, y), a, b)


# =========================================================================
# Static shapes with unknown dimensions
# =========================================================================

def test_static_shapes_with_unknown_dimensions():
    x = tf.placeholder(tf.float32, [None, 3, 3])
    wide = tf.placeholder(tf.float32, [None, 2, 5])
    assert tf.matrix_determinant(x).shape.dims == (None,)
    assert tf.matrix_inverse(x).shape.dims == (None, 3, 3)
    assert tf.trace(x).shape.dims == (None,)
    assert tf.matrix_diag_part(wide).shape.dims == (None, 2)
    assert tf.matrix_solve(x, tf.placeholder(tf.float32, [None, 3, 7])).shape.dims == \
        (None, 3, 7)
    assert tf.matrix_solve_ls(wide, tf.placeholder(tf.float32, [None, 2, 1])).shape.dims == \
        (None, 5, 1)
    s, u, v = tf.svd(wide)
    assert (s.shape.dims, u.shape.dims, v.shape.dims) == ((None, 2), (None, 2, 2), (None, 5, 2))
    unknown = tf.placeholder(tf.float32)
    assert tf.cholesky(unknown).shape.dims is None
    assert tf.diag(tf.placeholder(tf.float32, [None, 2])).shape.dims == (None, 2, None, 2)
    value = well_conditioned((2, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(run(tf.matrix_determinant(x), {x: value}),
                               np.linalg.det(value), rtol=1e-5)


# =========================================================================
# Errors that teach
# =========================================================================

def test_non_square_input_is_named():
    a = tf.placeholder(tf.float32, [2, 3], name="weights")
    for op in (tf.matrix_determinant, tf.matrix_inverse, tf.cholesky, tf.self_adjoint_eig):
        with pytest.raises(ShapeError, match=r"square.*'weights:0'.*2 x 3"):
            op(a)


def test_rank_one_input_is_named():
    v = tf.placeholder(tf.float32, [4], name="v")
    with pytest.raises(ShapeError, match=r"rank >= 2.*'v:0'.*rank 1") as info:
        tf.matrix_inverse(v)
    assert "tf.reshape" in str(info.value)


def test_mismatched_solve_shapes_are_named():
    a = tf.placeholder(tf.float64, [3, 3], name="A")
    b = tf.placeholder(tf.float64, [4, 2], name="b")
    with pytest.raises(ShapeError, match=r"3 rows.*'b:0'.*4 rows"):
        tf.matrix_solve(a, b)
    with pytest.raises(ShapeError, match="batch dimensions"):
        tf.matrix_triangular_solve(tf.placeholder(tf.float64, [2, 3, 3]),
                                   tf.placeholder(tf.float64, [5, 3, 1]))
    with pytest.raises(ShapeError, match="new diagonal must have shape"):
        tf.matrix_set_diag(tf.zeros([2, 3, 4]), tf.zeros([2, 4]))


def test_integer_matrix_is_rejected():
    with pytest.raises(TypeError, match="tf.matrix_inverse does not accept int32"):
        tf.matrix_inverse(tf.constant([[1, 2], [3, 4]]))


def test_singular_and_indefinite_matrices_fail_at_run_time():
    with pytest.raises(InvalidArgumentError, match="not invertible"):
        run(tf.matrix_inverse(tf.constant([[1.0, 2.0], [2.0, 4.0]])))
    with pytest.raises(InvalidArgumentError, match="not positive definite"):
        run(tf.cholesky(tf.constant([[1.0, 0.0], [0.0, -1.0]])))


def test_linalg_namespace_aliases():
    a = well_conditioned((3, 3))
    np.testing.assert_allclose(run(tf.linalg.det(a)), np.linalg.det(a))
    np.testing.assert_allclose(run(tf.linalg.inv(a)), np.linalg.inv(a))
    assert tf.linalg.eigh is tf.self_adjoint_eig and tf.linalg.svd is tf.svd
