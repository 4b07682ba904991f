"""Special functions: log-gamma, digamma/polygamma, erf/erfc, log-beta, incomplete gamma and
beta functions, Hurwitz zeta (TF 1.x's ``tf.lgamma``, ``tf.igamma``, ``tf.betainc`` ...).

The reference kernels call ``scipy.special``, imported inside each kernel so that
``import minitensor`` does not load SciPy.  Gradients exist where TF 1.x has them; the
derivatives with respect to the *parameters* (a of igamma, x of zeta, n of polygamma, a and b
of betainc) have no closed form, so, as in TF 1.x, those inputs get no gradient (None).
"""
import math

import numpy as np

from ..framework.errors import ShapeError
from ..framework.registry import reference_kernel, register_gradient
from ..framework.shapes import broadcast_shapes, describe
from .array_ops import reduce_to_shape
from .constant_op import _is_tensor_like, convert_to_tensor
from .math_ops import exp, log, log1p, reduce_sum
from .op_util import arg_label, binary, check_dtype, dtype_mismatch, make_op, unary

_FLOAT = {"float"}


def _special():
    """``scipy.special``, loaded on first use (only kernels call this)."""
    from scipy import special
    return special


def _same_dtype(value, like):
    return np.asarray(value).astype(np.asarray(like).dtype, copy=False)


# =========================================================================
# Gamma family
# =========================================================================

def lgamma(x, name=None):
    """log |Gamma(x)|, element-wise (Gamma(n) = (n-1)! for integers n >= 1)."""
    return unary("Lgamma", x, name=name, allowed=_FLOAT)


@reference_kernel("Lgamma")
def _lgamma(x):
    return _same_dtype(_special().gammaln(x), x)


@register_gradient("Lgamma")
def _lgamma_grad(op, grad):
    """d log Gamma(x) / dx = digamma(x)"""
    return grad * digamma(op.inputs[0])


def digamma(x, name=None):
    """psi(x) = d log Gamma(x) / dx, element-wise."""
    return unary("Digamma", x, name=name, allowed=_FLOAT)


@reference_kernel("Digamma")
def _digamma(x):
    return _same_dtype(_special().psi(x), x)


@register_gradient("Digamma")
def _digamma_grad(op, grad):
    """d digamma(x) / dx = polygamma(1, x) (the trigamma function)"""
    x = op.inputs[0]
    return grad * polygamma(1.0, x)


def polygamma(a, x, name=None):
    """The a-th derivative of digamma at x: polygamma(0, x) = digamma(x).

    ``a`` must hold non-negative whole numbers (stored as floats); elsewhere the result is NaN.
    """
    return binary("Polygamma", a, x, name=name, allowed=_FLOAT, label="tf.polygamma")


@reference_kernel("Polygamma")
def _polygamma(a, x):
    a, x_b = np.broadcast_arrays(np.asarray(a), np.asarray(x))
    whole = (a >= 0) & (a == np.floor(a))
    order = np.where(whole, a, 0).astype(np.int64)
    out = _special().polygamma(order, x_b)
    return _same_dtype(np.where(whole, out, np.nan), x)


@register_gradient("Polygamma")
def _polygamma_grad(op, grad):
    """d polygamma(a, x) / dx = polygamma(a + 1, x); no gradient for the order a"""
    a, x = op.inputs
    return None, reduce_to_shape(grad * polygamma(a + 1.0, x), x)


def lbeta(x, name=None):
    """log |B(x)| over the last dimension: sum_i lgamma(x_i) - lgamma(sum_i x_i).

    For a pair [a, b] this is log B(a, b) = log(Gamma(a) Gamma(b) / Gamma(a + b)).  Built from
    lgamma and reduce_sum, so its gradient comes from theirs.
    """
    x = convert_to_tensor(x)
    check_dtype("tf.lbeta", x, _FLOAT)
    if x.shape.ndims == 0:
        raise ShapeError("tf.lbeta reduces over the last dimension, so it needs a tensor of "
                         "rank >= 1, but %s is a scalar." % arg_label(x),
                         hint="pass the arguments as a vector: tf.lbeta([a, b]).")
    with x.graph.name_scope(name or "lbeta"):
        log_prod_gamma = reduce_sum(lgamma(x), axis=-1)
        log_gamma_sum = lgamma(reduce_sum(x, axis=-1))
        return log_prod_gamma - log_gamma_sum


# =========================================================================
# Error function
# =========================================================================

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erf(x, name=None):
    """erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, element-wise."""
    return unary("Erf", x, name=name, allowed=_FLOAT)


@reference_kernel("Erf")
def _erf(x):
    return _same_dtype(_special().erf(x), x)


@register_gradient("Erf")
def _erf_grad(op, grad):
    """d erf(x) / dx = 2/sqrt(pi) e^(-x^2)"""
    x = op.inputs[0]
    return grad * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


def erfc(x, name=None):
    """erfc(x) = 1 - erf(x), accurate for large x."""
    return unary("Erfc", x, name=name, allowed=_FLOAT)


@reference_kernel("Erfc")
def _erfc(x):
    return _same_dtype(_special().erfc(x), x)


@register_gradient("Erfc")
def _erfc_grad(op, grad):
    """d erfc(x) / dx = -2/sqrt(pi) e^(-x^2)"""
    x = op.inputs[0]
    return grad * (-_TWO_OVER_SQRT_PI * exp(-(x * x)))


# =========================================================================
# Incomplete gamma functions
# =========================================================================

def igamma(a, x, name=None):
    """The regularized lower incomplete gamma function
    P(a, x) = 1/Gamma(a) * integral_0^x t^(a-1) e^(-t) dt  (a > 0, x >= 0)."""
    return binary("Igamma", a, x, name=name, allowed=_FLOAT, label="tf.igamma")


@reference_kernel("Igamma")
def _igamma(a, x):
    return _same_dtype(_special().gammainc(a, x), x)


def _igamma_density(a, x):
    """dP(a, x)/dx = x^(a-1) e^(-x) / Gamma(a), computed in log space (Gamma(a) overflows)"""
    return exp(-x + (a - 1.0) * log(x) - lgamma(a))


@register_gradient("Igamma")
def _igamma_grad(op, grad):
    """dP(a, x)/dx = x^(a-1) e^(-x) / Gamma(a); none for a (no closed form, as in TF 1.x)"""
    a, x = op.inputs
    return None, reduce_to_shape(grad * _igamma_density(a, x), x)


def igammac(a, x, name=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return binary("Igammac", a, x, name=name, allowed=_FLOAT, label="tf.igammac")


@reference_kernel("Igammac")
def _igammac(a, x):
    return _same_dtype(_special().gammaincc(a, x), x)


@register_gradient("Igammac")
def _igammac_grad(op, grad):
    """dQ(a, x)/dx = -x^(a-1) e^(-x) / Gamma(a); none for a"""
    a, x = op.inputs
    return None, reduce_to_shape(-(grad * _igamma_density(a, x)), x)


# =========================================================================
# Hurwitz zeta
# =========================================================================

def zeta(x, q, name=None):
    """The Hurwitz zeta function zeta(x, q) = sum_{n >= 0} (q + n)^(-x)  (x > 1, q > 0)."""
    return binary("Zeta", x, q, name=name, allowed=_FLOAT, label="tf.zeta")


@reference_kernel("Zeta")
def _zeta(x, q):
    return _same_dtype(_special().zeta(x, q), q)


@register_gradient("Zeta")
def _zeta_grad(op, grad):
    """d zeta(x, q) / dq = -x zeta(x + 1, q); none for x"""
    x, q = op.inputs
    return None, reduce_to_shape(grad * -(x * zeta(x + 1.0, q)), q)


# =========================================================================
# Incomplete beta function
# =========================================================================

def _convert_same_dtype(label, values):
    """Tensors of one dtype from a mix of tensors and Python/NumPy values."""
    first = next((v for v in values if _is_tensor_like(v)), None)
    dtype = convert_to_tensor(first if first is not None else values[0]).dtype.base_dtype
    tensors = []
    for v in values:
        t = convert_to_tensor(v) if _is_tensor_like(v) else convert_to_tensor(v, dtype=dtype)
        if t.dtype.base_dtype != dtype:
            raise dtype_mismatch(label, tensors[0] if tensors else t, t)
        tensors.append(t)
    return tensors


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function
    I_x(a, b) = 1/B(a, b) * integral_0^x t^(a-1) (1-t)^(b-1) dt  (a, b > 0, 0 <= x <= 1).

    a, b and x broadcast against each other like NumPy arrays.
    """
    label = "tf.betainc"
    a, b, x = _convert_same_dtype(label, [a, b, x])
    check_dtype(label, a, _FLOAT)
    a_and_b = broadcast_shapes(a.shape, b.shape)
    shape = None if a_and_b is None else broadcast_shapes(a_and_b, x.shape)
    if shape is None:
        raise ShapeError("%s: a, b and x must broadcast together, but %s has shape %s, %s has "
                         "shape %s and %s has shape %s." % (
                             label, arg_label(a), describe(a.shape), arg_label(b),
                             describe(b.shape), arg_label(x), describe(x.shape)),
                         hint="give them the same shape, or make some of them scalars.")
    return make_op("Betainc", [a, b, x], a.dtype.base_dtype, shape, name=name or "Betainc")


@reference_kernel("Betainc")
def _betainc(a, b, x):
    return _same_dtype(_special().betainc(a, b, x), x)


@register_gradient("Betainc")
def _betainc_grad(op, grad):
    """d I_x(a, b) / dx = x^(a-1) (1-x)^(b-1) / B(a, b), in log space; none for a and b"""
    a, b, x = op.inputs
    log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
    density = exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - log_beta)
    return None, None, reduce_to_shape(grad * density, x)


__all__ = ["lgamma", "digamma", "polygamma", "lbeta", "erf", "erfc", "igamma", "igammac",
           "zeta", "betainc"]
