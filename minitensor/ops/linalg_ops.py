"""Matrix math: diagonals, bands, traces, norms, determinants, inverses, solves and the
decompositions (Cholesky, QR, symmetric eigen, SVD), as in TF 1.x.

Every op works on the last two dimensions ``[..., M, N]`` and repeats over any leading batch
dimensions.  As everywhere: a public constructor (checks, static shapes), a NumPy reference
kernel, and a gradient built from other graph ops, side by side.  The gradients follow TF
1.x's ``linalg_grad.py``; the matrix-calculus references are

  M. Giles, "An extended collection of matrix derivative results for forward and reverse
  mode automatic differentiation" (2008), and
  C. Ionescu et al., "Matrix backpropagation for deep networks with structured layers" (2015).

Notation in the docstrings: ``A^H`` is the conjugate transpose (the plain transpose for real
matrices), ``G`` the gradient arriving at the op's output, ``o`` the element-wise product.
"""
import types

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ShapeError
from ..framework.registry import reference_kernel, register_gradient
from ..framework.shapes import TensorShape, describe
from . import array_ops, math_ops
from .array_ops import expand_dims, matrix_transpose, ones_like, zeros_like
from .constant_op import constant, convert_to_tensor
from .math_ops import conj, matmul, reduce_sum
from .op_util import (arg_label, check_dtype, convert_pair, make_multi_output_op, make_op,
                      normalize_axis, static_int_list)

_FLOATS = {"float", "complex"}
_NUMBERS = {"float", "complex", "int"}


# =========================================================================
# Shape checks shared by the ops below
# =========================================================================

def _matrix_input(label, x, square=False, allowed=_FLOATS):
    """``x`` as a tensor of rank >= 2 (``[..., M, N]``), square if asked; named errors."""
    x = convert_to_tensor(x)
    if allowed is not None:
        check_dtype(label, x, allowed)
    dims = x.shape.dims
    if dims is not None and len(dims) < 2:
        raise ShapeError(
            "%s needs a matrix or a batch of matrices (rank >= 2, shape [..., M, N]), but %s "
            "has shape %s (rank %d)." % (label, arg_label(x), describe(x.shape), len(dims)),
            hint="make a vector a matrix first: tf.reshape(v, [-1, 1]) (a column), "
                 "tf.reshape(v, [1, -1]) (a row) or tf.matrix_diag(v) (a diagonal matrix).")
    if square and dims is not None:
        m, n = dims[-2:]
        if m is not None and n is not None and m != n:
            raise ShapeError(
                "%s needs square matrices, but the last two dimensions of %s are %d x %d "
                "(shape %s)." % (label, arg_label(x), m, n, describe(x.shape)),
                hint="it is defined only for square (N x N) matrices. For a non-square system "
                     "A x = b use tf.matrix_solve_ls (least squares); for a pseudo-inverse use "
                     "tf.svd.")
    return x


def _batch_dims(x):
    return None if x.shape.dims is None else list(x.shape.dims[:-2])


def _merge_batch(label, a, b):
    """The batch dimensions two matrix inputs share (they must agree, as in TF 1.x)."""
    ba, bb = _batch_dims(a), _batch_dims(b)
    if ba is None or bb is None:
        return ba if bb is None else bb
    if not TensorShape(ba).is_compatible_with(TensorShape(bb)):
        raise ShapeError(
            "%s: the batch dimensions of %s (shape %s) and %s (shape %s) must be the same."
            % (label, arg_label(a), describe(a.shape), arg_label(b), describe(b.shape)),
            hint="every matrix in the batch needs its own right-hand side: give both inputs "
                 "the same leading dimensions (tf.tile or tf.broadcast_to can repeat one).")
    return list(TensorShape(ba).merge_with(TensorShape(bb)).dims)


def _check_rows(label, a, b, a_rows, what):
    """The matrix's row count (``a_rows``) must equal the right-hand side's."""
    b_rows = None if b.shape.dims is None else b.shape.dims[-2]
    if a_rows is not None and b_rows is not None and a_rows != b_rows:
        raise ShapeError(
            "%s: %s has %d rows, so the right-hand side must have %d rows too, but %s has shape "
            "%s (%d rows)." % (label, what, a_rows, a_rows, arg_label(b), describe(b.shape),
                               b_rows),
            hint="the right-hand side is [..., M, K]: one column per system to solve. For a "
                 "single vector b of length M use tf.reshape(b, [-1, 1]).")


def _static_int(value, what, label):
    ints = static_int_list(value, what)
    if ints is None or len(ints) != 1:
        raise NotImplementedError(
            "%s: %s must be known when the graph is built (a Python int or a constant), got %r."
            % (label, what, value))
    return ints[0]


def _adjoint(x):
    """A^H: swap the last two dimensions (and conjugate complex values)."""
    return matrix_transpose(x, conjugate=True)


def _identity_like(square):
    """Identity matrices with the (run-time) shape of the square matrices ``square``."""
    return matrix_diag(ones_like(matrix_diag_part(square)))


def _linalg_error(label, problem, hint):
    return InvalidArgumentError("%s: %s" % (label, problem), hint=hint)


# =========================================================================
# Diagonals and bands
# =========================================================================

def diag(diagonal, name=None):
    """A tensor with ``diagonal`` on its diagonal and zeros elsewhere.

    Rank k in, rank 2k out: ``tf.diag([1, 2]) == [[1, 0], [0, 2]]``; in general
    ``output[i1..ik, i1..ik] = diagonal[i1..ik]``.  For a batch of diagonal matrices (one
    per row) use :func:`matrix_diag`.
    """
    x = convert_to_tensor(diagonal)
    dims = x.shape.dims
    if dims is not None and len(dims) == 0:
        raise ShapeError("tf.diag needs a tensor of rank >= 1, but %s is a scalar."
                         % arg_label(x), hint="wrap it in a list: tf.diag([x]).")
    shape = TensorShape(None if dims is None else dims + dims)
    return make_op("Diag", [x], x.dtype.base_dtype, shape, name=name or "Diag")


@reference_kernel("Diag")
def _diag(diagonal):
    d = np.asarray(diagonal)
    n = d.size
    # flatten the index tuples: row I and column J of an n x n matrix, then split them back
    out = np.zeros((n, n), dtype=d.dtype)
    out[np.arange(n), np.arange(n)] = d.ravel()
    return out.reshape(d.shape + d.shape)


@register_gradient("Diag")
def _diag_grad(op, grad):
    """only the diagonal entries depend on the input: dL/dd = diag_part(G)"""
    return diag_part(grad)


def diag_part(input, name=None):  # noqa: A002 - TF's argument name
    """The diagonal of a rank-2k tensor (the inverse of :func:`diag`): rank k out."""
    x = convert_to_tensor(input)
    dims = x.shape.dims
    if dims is not None:
        k = len(dims) // 2
        if len(dims) == 0 or len(dims) % 2:
            raise ShapeError(
                "tf.diag_part needs a tensor of even rank (2, 4, ...), but %s has shape %s "
                "(rank %d)." % (arg_label(x), describe(x.shape), len(dims)),
                hint="for the diagonal of each matrix in a batch use tf.matrix_diag_part.")
        for a, b in zip(dims[:k], dims[k:]):
            if a is not None and b is not None and a != b:
                raise ShapeError(
                    "tf.diag_part: the first half of the shape of %s must equal the second "
                    "half, but its shape is %s." % (arg_label(x), describe(x.shape)),
                    hint="for the diagonal of each matrix in a batch (or of a non-square "
                         "matrix) use tf.matrix_diag_part.")
        shape = TensorShape([a if a is not None else b for a, b in zip(dims[:k], dims[k:])])
    else:
        shape = TensorShape(None)
    return make_op("DiagPart", [x], x.dtype.base_dtype, shape, name=name or "DiagPart")


@reference_kernel("DiagPart")
def _diag_part(x):
    x = np.asarray(x)
    half = x.shape[:x.ndim // 2]
    n = int(np.prod(half))
    return x.reshape(n, n).diagonal().reshape(half).copy()


@register_gradient("DiagPart")
def _diag_part_grad(op, grad):
    """the diagonal entries get G, the others nothing: dL/dx = diag(G)"""
    return diag(grad)


def matrix_diag(diagonal, name=None):
    """Batch of diagonal matrices: ``[..., N]`` in, ``[..., N, N]`` out."""
    x = convert_to_tensor(diagonal)
    dims = x.shape.dims
    if dims is not None and len(dims) == 0:
        raise ShapeError("tf.matrix_diag needs a tensor of rank >= 1 (shape [..., N]), but %s "
                         "is a scalar." % arg_label(x), hint="wrap it in a list: [x].")
    shape = TensorShape(None if dims is None else dims + (dims[-1],))
    return make_op("MatrixDiag", [x], x.dtype.base_dtype, shape, name=name or "MatrixDiag")


@reference_kernel("MatrixDiag")
def _matrix_diag(diagonal):
    d = np.asarray(diagonal)
    n = d.shape[-1]
    out = np.zeros(d.shape + (n,), dtype=d.dtype)
    out[..., np.arange(n), np.arange(n)] = d
    return out


@register_gradient("MatrixDiag")
def _matrix_diag_grad(op, grad):
    """dL/dd = the diagonal of G"""
    return matrix_diag_part(grad)


def matrix_diag_part(input, name=None):  # noqa: A002
    """The diagonal of each matrix: ``[..., M, N]`` in, ``[..., min(M, N)]`` out."""
    x = _matrix_input("tf.matrix_diag_part", input, allowed=None)
    dims = x.shape.dims
    if dims is None:
        shape = TensorShape(None)
    else:
        m, n = dims[-2:]
        k = min(m, n) if m is not None and n is not None else None
        shape = TensorShape(dims[:-2] + (k,))
    return make_op("MatrixDiagPart", [x], x.dtype.base_dtype, shape,
                   name=name or "MatrixDiagPart")


@reference_kernel("MatrixDiagPart")
def _matrix_diag_part(x):
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


@register_gradient("MatrixDiagPart")
def _matrix_diag_part_grad(op, grad):
    """G goes onto the diagonal of a zero matrix"""
    return matrix_set_diag(zeros_like(op.inputs[0]), grad)


def matrix_set_diag(input, diagonal, name=None):  # noqa: A002
    """A copy of each matrix ``[..., M, N]`` with its diagonal replaced by ``[..., min(M, N)]``."""
    x = _matrix_input("tf.matrix_set_diag", input, allowed=None)
    d = convert_to_tensor(diagonal, dtype=x.dtype.base_dtype)
    dims, d_dims = x.shape.dims, d.shape.dims
    if dims is not None and d_dims is not None:
        m, n = dims[-2:]
        k = min(m, n) if m is not None and n is not None else None
        expected = TensorShape(dims[:-2] + (k,))
        if not expected.is_compatible_with(d.shape):
            raise ShapeError(
                "tf.matrix_set_diag: the matrices %s have shape %s, so the new diagonal must "
                "have shape %s, but %s has shape %s." % (
                    arg_label(x), describe(x.shape), describe(expected), arg_label(d),
                    describe(d.shape)),
                hint="the diagonal has one entry per row of a square matrix (min(M, N) for "
                     "an M x N one), and the same batch dimensions.")
    return make_op("MatrixSetDiag", [x, d], x.dtype.base_dtype, x.shape,
                   name=name or "MatrixSetDiag")


@reference_kernel("MatrixSetDiag")
def _matrix_set_diag(x, diagonal):
    out = np.array(x, copy=True)
    k = min(out.shape[-2:])
    out[..., np.arange(k), np.arange(k)] = diagonal
    return out


@register_gradient("MatrixSetDiag")
def _matrix_set_diag_grad(op, grad):
    """the input keeps G off the diagonal; the new diagonal gets G's diagonal"""
    return (matrix_set_diag(grad, zeros_like(op.inputs[1])), matrix_diag_part(grad))


def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keep a band around each diagonal and zero the rest.

    ``num_lower`` sub-diagonals and ``num_upper`` super-diagonals are kept (a negative number
    keeps the whole triangle): ``(x, -1, 0)`` is the lower triangle, ``(x, 0, -1)`` the upper
    one, ``(x, 0, 0)`` the diagonal.
    """
    x = _matrix_input("tf.matrix_band_part", input, allowed=None)
    lower = _static_int(num_lower, "num_lower", "tf.matrix_band_part")
    upper = _static_int(num_upper, "num_upper", "tf.matrix_band_part")
    return make_op("MatrixBandPart", [x], x.dtype.base_dtype, x.shape,
                   name=name or "MatrixBandPart",
                   attrs={"num_lower": int(lower), "num_upper": int(upper)})


@reference_kernel("MatrixBandPart")
def _matrix_band_part(x, num_lower, num_upper):
    x = np.asarray(x)
    m, n = x.shape[-2:]
    row = np.arange(m)[:, None]
    col = np.arange(n)[None, :]
    keep = ((num_lower < 0) | (row - col <= num_lower)) & \
           ((num_upper < 0) | (col - row <= num_upper))
    return np.where(keep, x, np.zeros((), dtype=x.dtype))


@register_gradient("MatrixBandPart")
def _matrix_band_part_grad(op, grad):
    """entries inside the band pass G through, the others get 0: the same band of G"""
    return matrix_band_part(grad, op.attrs["num_lower"], op.attrs["num_upper"])


def trace(x, name=None):
    """Sum of the diagonal of each matrix: ``[..., M, N]`` in, ``[...]`` out."""
    x = _matrix_input("tf.trace", x, allowed=_NUMBERS)
    return reduce_sum(matrix_diag_part(x), axis=-1, name=name or "Trace")


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None, name=None):
    """Identity matrices: ``tf.eye(2) == [[1, 0], [0, 1]]``; ``batch_shape=[3]`` gives three.

    The sizes must be known when the graph is built (Python ints or constants).
    """
    dtype = dtypes.as_dtype(dtype if dtype is not None else dtypes.float32).base_dtype
    rows = _static_int(num_rows, "num_rows", "tf.eye")
    cols = rows if num_columns is None else _static_int(num_columns, "num_columns", "tf.eye")
    batch = [] if batch_shape is None else list(static_int_list(batch_shape, "batch_shape"))
    if rows < 0 or cols < 0 or any(b < 0 for b in batch):
        raise ShapeError("tf.eye: sizes must be >= 0, got num_rows=%d, num_columns=%d, "
                         "batch_shape=%s." % (rows, cols, batch))
    value = np.broadcast_to(np.eye(rows, cols, dtype=dtype.as_numpy_dtype),
                            batch + [rows, cols]).copy()
    return constant(value, dtype=dtype, name=name or "eye")


# =========================================================================
# Norms (built from other ops, as in TF 1.x, so the gradient comes for free)
# =========================================================================

def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None):
    """Vector and matrix norms.

    ``axis=None``: the whole tensor as one vector.  ``axis=k``: vector norms along k.
    ``axis=(i, j)``: matrix norms of the matrices in dimensions i and j.

    vector ``ord``: 'euclidean' (= 2 = 'fro'), 1, np.inf, or any p > 0 (sum |x|^p)^(1/p).
    matrix ``ord``: 'fro'/'euclidean' (sqrt of the sum of squares), 1 (largest column sum
    of |x|), np.inf (largest row sum), 2 (largest singular value).
    """
    if keep_dims is not None:
        keepdims = keep_dims
    keepdims = bool(keepdims)
    x = convert_to_tensor(tensor)
    check_dtype("tf.norm", x, _FLOATS)
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    ndims = x.shape.ndims
    if is_matrix:
        axes = [normalize_axis(int(a), ndims, "tf.norm") for a in axis]
        if ndims is not None and axes[0] == axes[1]:
            raise ValueError("tf.norm: the two axes of a matrix norm must differ, got %r."
                             % (axis,))
        if ord not in ("euclidean", "fro", 1, 2, np.inf):
            raise ValueError("tf.norm: ord=%r is not a supported matrix norm; use 'fro', "
                             "'euclidean', 1, 2 or np.inf." % (ord,))
    else:
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError("tf.norm: axis must be None, an int or a pair of ints (for "
                                 "a matrix norm), got %r." % (axis,))
            axis = axis[0]
        axes = None if axis is None else [normalize_axis(int(axis), ndims, "tf.norm")]
        if ord not in ("euclidean", "fro", np.inf) and not (
                isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0):
            raise ValueError("tf.norm: ord=%r is not a supported vector norm; use "
                             "'euclidean', 1, 2, np.inf or any number p > 0." % (ord,))
    with x.graph.name_scope(name or "norm"):
        if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
            result = math_ops.sqrt(reduce_sum(math_ops.real(x * conj(x)), axes, keepdims=True))
        elif ord == 2:                      # matrix 2-norm: the largest singular value
            result = _spectral_norm(x, axes)
        else:
            magnitude = math_ops.abs(x)
            if ord == 1 and is_matrix:      # largest column sum
                result = math_ops.reduce_max(reduce_sum(magnitude, axes[0], keepdims=True),
                                             axes[1], keepdims=True)
            elif ord == np.inf and is_matrix:   # largest row sum
                result = math_ops.reduce_max(reduce_sum(magnitude, axes[1], keepdims=True),
                                             axes[0], keepdims=True)
            elif ord == 1:
                result = reduce_sum(magnitude, axes, keepdims=True)
            elif ord == np.inf:
                result = math_ops.reduce_max(magnitude, axes, keepdims=True)
            else:
                p = float(ord)
                result = math_ops.pow(reduce_sum(math_ops.pow(magnitude, p), axes,
                                                 keepdims=True), 1.0 / p)
        if not keepdims:
            if axes is None:
                result = array_ops.reshape(result, [])
            else:
                result = array_ops.squeeze(result, axes)
        return result


def _spectral_norm(x, axes):
    """max singular value of the matrices in dimensions ``axes`` (kept, size 1)."""
    ndims = x.shape.ndims
    if ndims is None:
        raise NotImplementedError("tf.norm(ord=2) over a matrix needs a tensor of known rank.")
    rest = [i for i in range(ndims) if i not in axes]
    moved = array_ops.transpose(x, rest + list(axes))           # matrices last
    s = svd(moved, compute_uv=False)
    top = math_ops.reduce_max(math_ops.real(s), -1)             # shape: the other dims
    for a in sorted(axes):
        top = expand_dims(top, a)
    return top


# =========================================================================
# Determinant and inverse
# =========================================================================

def matrix_determinant(input, name=None):  # noqa: A002
    """det(A) of each square matrix: ``[..., N, N]`` in, ``[...]`` out."""
    x = _matrix_input("tf.matrix_determinant", input, square=True)
    dims = x.shape.dims
    shape = TensorShape(None if dims is None else dims[:-2])
    return make_op("MatrixDeterminant", [x], x.dtype.base_dtype, shape,
                   name=name or "MatrixDeterminant")


@reference_kernel("MatrixDeterminant")
def _matrix_determinant(a):
    return np.asarray(np.linalg.det(a), dtype=np.asarray(a).dtype)


@register_gradient("MatrixDeterminant")
def _matrix_determinant_grad(op, grad):
    """d det(A) / dA = det(A) A^-T: dL/dA = G conj(det A) (A^H)^-1"""
    a, det = op.inputs[0], op.outputs[0]
    scale = expand_dims(expand_dims(grad * conj(det), -1), -1)
    return scale * matrix_inverse(a, adjoint=True)


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002
    """A^-1 of each square matrix (``adjoint=True``: (A^H)^-1)."""
    x = _matrix_input("tf.matrix_inverse", input, square=True)
    return make_op("MatrixInverse", [x], x.dtype.base_dtype, x.shape,
                   name=name or "MatrixInverse", attrs={"adjoint": bool(adjoint)})


@reference_kernel("MatrixInverse")
def _matrix_inverse(a, adjoint):
    a = np.asarray(a)
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _linalg_error("tf.matrix_inverse", "Input is not invertible: a matrix of shape "
                            "%s is singular (its determinant is 0)." % (a.shape,),
                            "check for linearly dependent rows/columns; to solve A x = b use "
                            "tf.matrix_solve, for least squares tf.matrix_solve_ls.") from None


@register_gradient("MatrixInverse")
def _matrix_inverse_grad(op, grad):
    """C = A^-1: dC = -C dA C, so dL/dA = -C^H G C^H (with adjoint: -C G^H C)"""
    c = op.outputs[0]
    if op.attrs["adjoint"]:
        return -matmul(c, matmul(grad, c, adjoint_a=True))
    return -matmul(c, matmul(grad, c, adjoint_b=True), adjoint_a=True)


# =========================================================================
# Cholesky and linear solves
# =========================================================================

def cholesky(input, name=None):  # noqa: A002
    """The lower-triangular L with L L^H = A, for symmetric positive definite A.

    Only the lower triangle of A is read, as in TF.
    """
    x = _matrix_input("tf.cholesky", input, square=True)
    return make_op("Cholesky", [x], x.dtype.base_dtype, x.shape, name=name or "Cholesky")


@reference_kernel("Cholesky")
def _cholesky(a):
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise _linalg_error("tf.cholesky", "Cholesky decomposition was not successful: the "
                            "input is not positive definite.",
                            "the input must be symmetric positive definite, e.g. "
                            "B B^T + eps * I for any B and a small eps > 0.") from None


@register_gradient("Cholesky")
def _cholesky_grad(op, grad):
    """A = L L^H: dL/dA = sym(L^-H Phi(L^H G) L^-1), Phi = lower triangle with half diagonal

    sym(X) = (X + X^H) / 2: the gradient is symmetric, for symmetric changes of A.
    """
    l = op.outputs[0]  # noqa: E741 - the usual name of the Cholesky factor
    l_inverse = matrix_triangular_solve(l, _identity_like(l), lower=True)
    middle = matmul(l, grad, adjoint_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    return 0.5 * (grad_a + _adjoint(grad_a))


def cholesky_solve(chol, rhs, name=None):
    """Solve A X = rhs given L = tf.cholesky(A): two triangular solves, L Y = rhs, L^H X = Y."""
    chol = _matrix_input("tf.cholesky_solve", chol, square=True)
    with chol.graph.name_scope(name or "cholesky_solve"):
        y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
        return matrix_triangular_solve(chol, y, lower=True, adjoint=True)


def _solve_shapes(label, a, b):
    """Shape of X in A X = B: A [..., M, M], B [..., M, K] -> [..., M, K]."""
    batch = _merge_batch(label, a, b)
    a_rows = None if a.shape.dims is None else a.shape.dims[-1]
    _check_rows(label, a, b, a_rows, "the matrix %s (shape %s)" % (arg_label(a),
                                                                   describe(a.shape)))
    if batch is None or b.shape.dims is None:
        return TensorShape(None)
    rows = a_rows if a_rows is not None else b.shape.dims[-2]
    return TensorShape(batch + [rows, b.shape.dims[-1]])


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """X with A X = rhs (``adjoint=True``: A^H X = rhs). A is [..., M, M], rhs [..., M, K]."""
    label = "tf.matrix_solve"
    a = _matrix_input(label, matrix, square=True)
    b = _matrix_input(label, convert_pair(a, rhs, label)[1])
    return make_op("MatrixSolve", [a, b], a.dtype.base_dtype, _solve_shapes(label, a, b),
                   name=name or "MatrixSolve", attrs={"adjoint": bool(adjoint)})


@reference_kernel("MatrixSolve")
def _matrix_solve(a, b, adjoint):
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _linalg_error("tf.matrix_solve", "Input matrix is not invertible (singular).",
                            "for a singular or non-square system use tf.matrix_solve_ls "
                            "(least squares).") from None


@register_gradient("MatrixSolve")
def _matrix_solve_grad(op, grad):
    """X = A^-1 B: dL/dB = A^-H G, dL/dA = -(dL/dB) X^H (with adjoint: -X (dL/dB)^H)"""
    a = op.inputs[0]
    x = op.outputs[0]
    adjoint = op.attrs["adjoint"]
    grad_b = matrix_solve(a, grad, adjoint=not adjoint)
    if adjoint:
        grad_a = -matmul(x, grad_b, adjoint_b=True)
    else:
        grad_a = -matmul(grad_b, x, adjoint_b=True)
    return grad_a, grad_b


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with T X = rhs, T the lower (or upper) triangle of ``matrix``; the other triangle
    is not read.  ``adjoint=True`` solves T^H X = rhs."""
    label = "tf.matrix_triangular_solve"
    a = _matrix_input(label, matrix, square=True)
    b = _matrix_input(label, convert_pair(a, rhs, label)[1])
    return make_op("MatrixTriangularSolve", [a, b], a.dtype.base_dtype,
                   _solve_shapes(label, a, b), name=name or "MatrixTriangularSolve",
                   attrs={"lower": bool(lower), "adjoint": bool(adjoint)})


@reference_kernel("MatrixTriangularSolve")
def _matrix_triangular_solve(a, b, lower, adjoint):
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t = np.conj(np.swapaxes(t, -1, -2))
    try:
        return np.linalg.solve(t, b)
    except np.linalg.LinAlgError:
        raise _linalg_error("tf.matrix_triangular_solve", "the triangular matrix is singular "
                            "(a zero on its diagonal).",
                            "check lower= (which triangle is read) and that no diagonal "
                            "entry is 0.") from None


@register_gradient("MatrixTriangularSolve")
def _matrix_triangular_solve_grad(op, grad):
    """as matrix_solve, then kept to the triangle that was read"""
    a = op.inputs[0]
    x = op.outputs[0]
    lower, adjoint = op.attrs["lower"], op.attrs["adjoint"]
    grad_b = matrix_triangular_solve(a, grad, lower=lower, adjoint=not adjoint)
    if adjoint:
        grad_a = -matmul(x, grad_b, adjoint_b=True)
    else:
        grad_a = -matmul(grad_b, x, adjoint_b=True)
    grad_a = matrix_band_part(grad_a, -1, 0) if lower else matrix_band_part(grad_a, 0, -1)
    return grad_a, grad_b


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least squares: the X minimising ||A X - B||^2 + l2 ||X||^2.

    A is [..., M, N], B [..., M, K], X [..., N, K].  ``fast=True`` solves the normal
    equations (A^H A + l2 I) X = A^H B (or, when M < N, X = A^H (A A^H + l2 I)^-1 B: the
    smallest X with A X = B); ``fast=False`` uses an SVD-based solver that also handles
    rank-deficient A (it ignores ``l2_regularizer``, as TF does, and has no gradient).
    """
    label = "tf.matrix_solve_ls"
    a = _matrix_input(label, matrix)
    b = _matrix_input(label, convert_pair(a, rhs, label)[1])
    l2 = convert_to_tensor(l2_regularizer, dtype=a.dtype.base_dtype)
    if l2.shape.ndims not in (0, None):
        raise ShapeError("%s: l2_regularizer must be a scalar, but %s has shape %s."
                         % (label, arg_label(l2), describe(l2.shape)))
    batch = _merge_batch(label, a, b)
    dims = a.shape.dims
    _check_rows(label, a, b, None if dims is None else dims[-2],
                "the matrix %s (shape %s)" % (arg_label(a), describe(a.shape)))
    if batch is None or b.shape.dims is None:
        shape = TensorShape(None)
    else:
        shape = TensorShape(batch + [dims[-1], b.shape.dims[-1]])
    return make_op("MatrixSolveLs", [a, b, l2], a.dtype.base_dtype, shape,
                   name=name or "MatrixSolveLs", attrs={"fast": bool(fast)})


@reference_kernel("MatrixSolveLs")
def _matrix_solve_ls(a, b, l2, fast):
    a, b = np.asarray(a), np.asarray(b)
    a_h = np.conj(np.swapaxes(a, -1, -2))
    m, n = a.shape[-2:]
    try:
        if not fast:
            x = np.empty(a.shape[:-2] + (n, b.shape[-1]), dtype=a.dtype)
            for index in np.ndindex(*a.shape[:-2]):
                x[index] = np.linalg.lstsq(a[index], b[index], rcond=None)[0]
            return x
        if m >= n:              # overdetermined: (A^H A + l2 I) X = A^H B
            return np.linalg.solve(a_h @ a + l2 * np.eye(n, dtype=a.dtype), a_h @ b)
        # underdetermined: X = A^H (A A^H + l2 I)^-1 B
        return a_h @ np.linalg.solve(a @ a_h + l2 * np.eye(m, dtype=a.dtype), b)
    except np.linalg.LinAlgError:
        raise _linalg_error("tf.matrix_solve_ls", "the matrix does not have full rank, so the "
                            "normal equations are singular.",
                            "pass l2_regularizer > 0, or fast=False for the minimum-norm "
                            "solution of a rank-deficient system.") from None


@register_gradient("MatrixSolveLs")
def _matrix_solve_ls_grad(op, grad):
    """M >= N: X = K^-1 A^H B with K = A^H A + l2 I; Z = K^-1 G gives
    dL/dA = -A (X Z^H + Z X^H) + B Z^H, dL/dB = A Z, dL/dl2 = -sum(X o Z).
    M < N: X = A^H T, T = K^-1 B with K = A A^H + l2 I; W = K^-1 A G gives
    dL/dB = W, dL/dA = -W T^H A + T (G - A^H W)^H, dL/dl2 = -sum(W o T)."""
    if not op.attrs["fast"]:
        raise NotImplementedError(
            "tf.matrix_solve_ls has no gradient with fast=False (as in TF); use fast=True "
            "(the default) in the graph you differentiate.")
    a, b, l2 = op.inputs
    x = op.outputs[0]
    dims = a.shape.dims
    if dims is None or dims[-2] is None or dims[-1] is None:
        raise NotImplementedError("the gradient of tf.matrix_solve_ls needs the matrix's last "
                                  "two dimensions to be known when the graph is built.")
    if dims[-2] >= dims[-1]:
        gram = matmul(a, a, adjoint_a=True)
        chol = cholesky(gram + l2 * _identity_like(gram))
        z = cholesky_solve(chol, grad)
        xz = matmul(x, z, adjoint_b=True)
        grad_a = -matmul(a, xz + _adjoint(xz)) + matmul(b, z, adjoint_b=True)
        grad_b = matmul(a, z)
        grad_l2 = -reduce_sum(math_ops.real(x * conj(z)))
    else:
        gram = matmul(a, a, adjoint_b=True)
        chol = cholesky(gram + l2 * _identity_like(gram))
        grad_b = cholesky_solve(chol, matmul(a, grad))
        t = cholesky_solve(chol, b)
        grad_a = -matmul(grad_b, matmul(t, a, adjoint_a=True)) + \
            matmul(t, grad - matmul(a, grad_b, adjoint_a=True), adjoint_b=True)
        grad_l2 = -reduce_sum(math_ops.real(grad_b * conj(t)))
    return grad_a, grad_b, math_ops.cast(grad_l2, l2.dtype)


# =========================================================================
# Decompositions: QR, symmetric eigen, SVD
# =========================================================================

def qr(input, full_matrices=False, name=None):  # noqa: A002
    """A = Q R with orthonormal columns in Q and upper-triangular R; returns ``(q, r)``.

    A is [..., M, N]; with K = min(M, N), Q is [..., M, K] and R [..., K, N]
    (``full_matrices=True``: Q [..., M, M], R [..., M, N]).
    """
    x = _matrix_input("tf.qr", input)
    dims = x.shape.dims
    if dims is None:
        q_shape = r_shape = TensorShape(None)
    else:
        m, n = dims[-2:]
        k = m if full_matrices else (min(m, n) if m is not None and n is not None else None)
        q_shape = TensorShape(dims[:-2] + (m, k))
        r_shape = TensorShape(dims[:-2] + (k, n))
    dtype = x.dtype.base_dtype
    q, r = make_multi_output_op("Qr", [x], [(dtype, q_shape), (dtype, r_shape)],
                                name=name or "Qr", attrs={"full_matrices": bool(full_matrices)})
    return q, r


@reference_kernel("Qr")
def _qr(a, full_matrices):
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return q, r


@register_gradient("Qr")
def _qr_grad(op, grad_q, grad_r):
    """A = Q R (M >= N): with M = tril(Q^H dQ - dQ^H Q + R dR^H - dR R^H),
    dL/dA = Q (dR + M R^-H) + (dQ - Q Q^H dQ) R^-H.  M < N: split A = [X, Y], R = [U, V]
    and reduce to the square case (dL/dY = Q dV)."""
    q, r = op.outputs
    a = op.inputs[0]
    m = None if q.shape.dims is None else q.shape.dims[-2]
    n = None if r.shape.dims is None else r.shape.dims[-1]
    if m is None or n is None:
        raise NotImplementedError("the gradient of tf.qr needs the matrix's last two "
                                  "dimensions to be known when the graph is built.")
    if m > n and op.attrs["full_matrices"]:
        raise NotImplementedError("the gradient of tf.qr is not implemented for M > N with "
                                  "full_matrices=True (as in TF); use full_matrices=False.")
    if m >= n:
        return _qr_grad_square_or_tall(q, r, grad_q, grad_r)
    # wide: A = [X, Y] with X square, R = [U, V]; X = Q U and Y = Q V
    y = a[..., :, m:]
    u = r[..., :, :m]
    grad_u = grad_r[..., :, :m]
    grad_v = grad_r[..., :, m:]
    grad_x = _qr_grad_square_or_tall(q, u, grad_q + matmul(y, grad_v, adjoint_b=True), grad_u)
    grad_y = matmul(q, grad_v)
    return array_ops.concat([grad_x, grad_y], axis=-1)


def _qr_grad_square_or_tall(q, r, grad_q, grad_r):
    def times_r_inverse_adjoint(x):
        """X R^-H (R upper triangular), as a triangular solve: (R^-1 X^H)^H"""
        return _adjoint(matrix_triangular_solve(r, _adjoint(x), lower=False))
    q_dq = matmul(q, grad_q, adjoint_a=True)
    r_dr = matmul(r, grad_r, adjoint_b=True)
    lower = matrix_band_part(q_dq - _adjoint(q_dq) + r_dr - _adjoint(r_dr), -1, 0)
    grad_a = matmul(q, grad_r + times_r_inverse_adjoint(lower))
    return grad_a + times_r_inverse_adjoint(grad_q - matmul(q, q_dq))


def _safe_reciprocal(x, epsilon=1e-20):
    """1/x, but 0 instead of inf where x == 0 (repeated eigen/singular values)."""
    return x * math_ops.reciprocal(x * x + epsilon)


def _eigen_gaps_reciprocal(e):
    """F[i, j] = 1 / (e_j - e_i) off the diagonal, 0 on it."""
    f = _safe_reciprocal(expand_dims(e, -2) - expand_dims(e, -1))
    return matrix_set_diag(f, zeros_like(e))


def self_adjoint_eig(tensor, name=None):
    """Eigen-decomposition of symmetric (Hermitian) matrices: ``(e, v)`` with
    A v[:, i] = e[i] v[:, i], e in ascending order.  Only the lower triangle of A is read."""
    x = _matrix_input("tf.self_adjoint_eig", tensor, square=True)
    dims = x.shape.dims
    e_shape = TensorShape(None if dims is None else dims[:-1])
    dtype = x.dtype.base_dtype
    e, v = make_multi_output_op("SelfAdjointEigV2", [x], [(dtype, e_shape), (dtype, x.shape)],
                                name=name or "SelfAdjointEigV2", attrs={"compute_v": True})
    return e, v


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues (ascending) of symmetric (Hermitian) matrices: ``[..., N]``."""
    x = _matrix_input("tf.self_adjoint_eigvals", tensor, square=True)
    dims = x.shape.dims
    e_shape = TensorShape(None if dims is None else dims[:-1])
    return make_op("SelfAdjointEigV2", [x], x.dtype.base_dtype, e_shape,
                   name=name or "SelfAdjointEigV2", attrs={"compute_v": False})


@reference_kernel("SelfAdjointEigV2")
def _self_adjoint_eig(a, compute_v):
    a = np.asarray(a)
    if not compute_v:
        return np.linalg.eigvalsh(a).astype(a.dtype)
    e, v = np.linalg.eigh(a)
    return e.astype(a.dtype), v


@register_gradient("SelfAdjointEigV2")
def _self_adjoint_eig_grad(op, grad_e, grad_v=None):
    """A = V diag(e) V^H: dL/dA = V (diag(dL/de) + F o (V^H dL/dV)) V^H,
    F[i, j] = 1/(e_j - e_i) (0 on the diagonal; infinite for repeated eigenvalues);
    folded onto the lower triangle, the part the op reads."""
    e = op.outputs[0]
    if op.attrs["compute_v"]:
        v = op.outputs[1]
        inner = matrix_diag(grad_e) + _eigen_gaps_reciprocal(e) * matmul(v, grad_v,
                                                                          adjoint_a=True)
    else:
        v = self_adjoint_eig(op.inputs[0])[1]
        inner = matrix_diag(grad_e)
    grad_a = matmul(v, matmul(inner, v, adjoint_b=True))
    # the op reads only the lower triangle: entry (i, j) below the diagonal stands for both
    # A[i, j] and A[j, i], so it collects both parts of the gradient
    grad_a = matrix_band_part(grad_a + _adjoint(grad_a), -1, 0)
    return matrix_set_diag(grad_a, 0.5 * matrix_diag_part(grad_a))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular value decomposition A = U diag(s) V^H.

    Returns ``(s, u, v)`` -- note: TF's order, and V itself (not V^H as NumPy returns) --
    or only ``s`` with ``compute_uv=False``.  A is [..., M, N], P = min(M, N): s is
    [..., P] (descending), U [..., M, P], V [..., N, P] (``full_matrices=True``:
    U [..., M, M], V [..., N, N]).
    """
    x = _matrix_input("tf.svd", tensor)
    dims = x.shape.dims
    dtype = x.dtype.base_dtype
    if dims is None:
        s_shape = u_shape = v_shape = TensorShape(None)
    else:
        m, n = dims[-2:]
        p = min(m, n) if m is not None and n is not None else None
        s_shape = TensorShape(dims[:-2] + (p,))
        u_shape = TensorShape(dims[:-2] + (m, m if full_matrices else p))
        v_shape = TensorShape(dims[:-2] + (n, n if full_matrices else p))
    attrs = {"full_matrices": bool(full_matrices), "compute_uv": bool(compute_uv)}
    if not compute_uv:
        return make_op("Svd", [x], dtype, s_shape, name=name or "Svd", attrs=attrs)
    s, u, v = make_multi_output_op("Svd", [x], [(dtype, s_shape), (dtype, u_shape),
                                                (dtype, v_shape)], name=name or "Svd",
                                   attrs=attrs)
    return s, u, v


@reference_kernel("Svd")
def _svd(a, full_matrices, compute_uv):
    a = np.asarray(a)
    if not compute_uv:
        return np.linalg.svd(a, compute_uv=False).astype(a.dtype)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return s.astype(a.dtype), u, np.conj(np.swapaxes(vh, -1, -2))


@register_gradient("Svd")
def _svd_grad(op, grad_s, grad_u=None, grad_v=None):
    """A = U S V1^H with V1 the first M columns of V (M <= N; for M > N differentiate
    A^H = V S U^H and transpose the result).  With dU = dL/dU, dV1 = dL/dV1:
    dL/dA = U [diag(dL/ds) + (J + J^H) S + S (K + K^H)] V1^H + U S^-1 dV1^H (I - V1 V1^H),
    J = F o (U^H dU), K = F o (V1^H dV1), F[i, j] = 1/(s_j^2 - s_i^2) off the diagonal
    (infinite for repeated singular values); the last term only when M < N."""
    a = op.inputs[0]
    s_mat_grad = matrix_diag(grad_s)
    if not op.attrs["compute_uv"]:
        _, u, v = svd(a, compute_uv=True)
        return matmul(u, matmul(s_mat_grad, v, adjoint_b=True))
    dims = a.shape.dims
    if dims is None or dims[-2] is None or dims[-1] is None:
        raise NotImplementedError("the gradient of tf.svd needs the matrix's last two "
                                  "dimensions to be known when the graph is built.")
    m, n = dims[-2:]
    s, u, v = op.outputs
    use_adjoint = m > n
    if use_adjoint:               # work with A^H, which is wide
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    full_matrices = op.attrs["full_matrices"]
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError("the gradient of tf.svd with full_matrices=True is "
                                  "implemented only when |M - N| <= 1 (as in TF); use "
                                  "full_matrices=False.")
    s_mat = matrix_diag(s)
    f = _eigen_gaps_reciprocal(math_ops.square(s))
    s_inv_mat = matrix_diag(_safe_reciprocal(s))
    v1 = v[..., :, :m]
    grad_v1 = grad_v[..., :, :m]
    f_u = f * matmul(u, grad_u, adjoint_a=True)
    f_v = f * matmul(v1, grad_v1, adjoint_a=True)
    inner = s_mat_grad + matmul(f_u + _adjoint(f_u), s_mat) + \
        matmul(s_mat, f_v + _adjoint(f_v))
    grad_a = matmul(u, matmul(inner, v1, adjoint_b=True))
    if m != n:
        grad_v1_h = _adjoint(grad_v1)
        rest = grad_v1_h - matmul(matmul(grad_v1_h, v1), v1, adjoint_b=True)
        if full_matrices:
            v2 = v[..., :, m:n]
            grad_v2 = grad_v[..., :, m:n]
            rest = rest - matmul(matmul(v1, grad_v2, adjoint_a=True), v2, adjoint_b=True)
        grad_a = grad_a + matmul(matmul(u, s_inv_mat), rest)
    if a.dtype.is_complex:
        v_dv = matmul(v1, grad_v1, adjoint_a=True)
        diag_v_dv = matrix_diag(matrix_diag_part(v_dv))
        grad_a = grad_a + 0.5 * matmul(
            u, matmul(matmul(s_inv_mat, _adjoint(diag_v_dv) - diag_v_dv), v1,
                      adjoint_b=True))
    return _adjoint(grad_a) if use_adjoint else grad_a


# =========================================================================
# Cross product
# =========================================================================

def cross(a, b, name=None):
    """Cross product of 3-vectors along the last dimension (shapes [..., 3], the same)."""
    a, b = convert_pair(a, b, "tf.cross")
    check_dtype("tf.cross", a, _NUMBERS - {"complex"})
    for t in (a, b):
        dims = t.shape.dims
        if dims is not None and (len(dims) == 0 or dims[-1] not in (3, None)):
            raise ShapeError("tf.cross needs vectors of length 3 in the last dimension, but "
                             "%s has shape %s." % (arg_label(t), describe(t.shape)))
    if not a.shape.is_compatible_with(b.shape):
        raise ShapeError("tf.cross: both inputs must have the same shape, but %s has shape %s "
                         "and %s has shape %s." % (arg_label(a), describe(a.shape),
                                                    arg_label(b), describe(b.shape)))
    return make_op("Cross", [a, b], a.dtype.base_dtype, a.shape.merge_with(b.shape),
                   name=name or "Cross")


@reference_kernel("Cross")
def _cross(a, b):
    return np.cross(a, b)


@register_gradient("Cross")
def _cross_grad(op, grad):
    """<G, a x b> = <a, b x G> = <b, G x a>: dL/da = b x G, dL/db = G x a"""
    a, b = op.inputs
    return cross(b, grad), cross(grad, a)


# tf.linalg.* names (TF >= 1.5) for the ops above
linalg = types.SimpleNamespace(
    diag=matrix_diag, diag_part=matrix_diag_part, set_diag=matrix_set_diag,
    band_part=matrix_band_part, trace=trace, eye=eye, norm=norm, det=matrix_determinant,
    inv=matrix_inverse, cholesky=cholesky, cholesky_solve=cholesky_solve, solve=matrix_solve,
    triangular_solve=matrix_triangular_solve, lstsq=matrix_solve_ls, qr=qr,
    eigh=self_adjoint_eig, eigvalsh=self_adjoint_eigvals, svd=svd, cross=cross,
    transpose=matrix_transpose, matmul=matmul, tensordot=math_ops.tensordot,
    adjoint=_adjoint)

__all__ = ["diag", "diag_part", "trace", "eye", "matrix_diag", "matrix_diag_part",
           "matrix_band_part", "matrix_set_diag", "norm", "matrix_determinant",
           "matrix_inverse", "cholesky", "cholesky_solve", "matrix_solve",
           "matrix_triangular_solve", "matrix_solve_ls", "qr", "self_adjoint_eig",
           "self_adjoint_eigvals", "svd", "cross", "linalg"]
