"""Plain gradient descent: ``var -= learning_rate * grad``."""
import numpy as np

from ..framework.registry import not_differentiable, reference_kernel
from ..ops.op_util import make_op
from .optimizer import Optimizer
from .update_util import Hyper


class GradientDescentOptimizer(Optimizer):
    """``var <- var - learning_rate * grad`` for every variable."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr = Hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        lr = self._lr.for_var(var)      # a constant of the variable's dtype
        return make_op("ApplyGradientDescent", [var._ref(), lr, grad], var.dtype, var.shape,
                       name="ApplyGradientDescent").op


@reference_kernel("ApplyGradientDescent", needs_context=True, ref_inputs=(0,))
def _apply_gradient_descent(ctx, alpha, delta):
    """var -= alpha * delta (in place)"""
    var = ctx.state[ctx.key]
    np.subtract(var, alpha * delta, out=var)
    return var


not_differentiable("ApplyGradientDescent")
