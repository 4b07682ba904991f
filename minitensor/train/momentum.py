"""Momentum: a velocity that accumulates gradients (TF 1.x ``tf.train.MomentumOptimizer``).

    accum = momentum * accum + grad
    var  -= learning_rate * accum                                  (classical)
    var  -= learning_rate * (grad + momentum * accum)              (use_nesterov=True)
"""
from ..framework.registry import not_differentiable, reference_kernel
from .optimizer import Optimizer
from .update_util import Hyper, ref_values, update_op


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum; one slot per variable: ``'<var>/Momentum'``."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = bool(use_nesterov)

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = Hyper(self._learning_rate, "learning_rate")
        self._momentum_t = Hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "momentum")
        return update_op("ApplyMomentum", [var, accum],
                         [self._lr_t.for_var(var), grad, self._momentum_t.for_var(var)],
                         var, attrs={"use_nesterov": self._use_nesterov})


@reference_kernel("ApplyMomentum", needs_context=True, ref_inputs=(0, 1))
def _apply_momentum(ctx, lr, grad, momentum, use_nesterov):
    """accum = momentum * accum + grad; var -= lr * accum (Nesterov: lr * (grad + momentum *
    accum)), in place"""
    var, accum = ref_values(ctx, 2)
    accum *= momentum
    accum += grad
    if use_nesterov:
        var -= lr * (grad + momentum * accum)
    else:
        var -= lr * accum
    return var


not_differentiable("ApplyMomentum")
