"""Adadelta: step sizes from running averages of squared gradients and squared updates
(TF 1.x ``tf.train.AdadeltaOptimizer``, Zeiler 2012).

    accum        = rho * accum + (1 - rho) * grad^2
    update       = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
    var         -= learning_rate * update
    accum_update = rho * accum_update + (1 - rho) * update^2
"""
import numpy as np

from ..framework.registry import not_differentiable, reference_kernel
from .optimizer import Optimizer
from .update_util import Hyper, ref_values, update_op


class AdadeltaOptimizer(Optimizer):
    """Two slots per variable: ``'<var>/Adadelta'`` (accum), ``'<var>/Adadelta_1'``
    (accum_update)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = Hyper(self._learning_rate, "lr")
        self._rho_t = Hyper(self._rho, "rho")
        self._epsilon_t = Hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        return update_op("ApplyAdadelta", [var, accum, accum_update],
                         [self._lr_t.for_var(var), self._rho_t.for_var(var),
                          self._epsilon_t.for_var(var), grad], var)


@reference_kernel("ApplyAdadelta", needs_context=True, ref_inputs=(0, 1, 2))
def _apply_adadelta(ctx, lr, rho, epsilon, grad):
    """the four lines of the module docstring, in place"""
    var, accum, accum_update = ref_values(ctx, 3)
    accum *= rho
    accum += (1 - rho) * grad * grad
    update = np.sqrt(accum_update + epsilon) / np.sqrt(accum + epsilon) * grad
    var -= lr * update
    accum_update *= rho
    accum_update += (1 - rho) * update * update
    return var


not_differentiable("ApplyAdadelta")
