"""Adagrad: per-coordinate step sizes that shrink with the gradients seen so far
(TF 1.x ``tf.train.AdagradOptimizer``).

    accum += grad^2
    var   -= learning_rate * grad / sqrt(accum)
"""
import numpy as np

from ..framework.registry import not_differentiable, reference_kernel
from .optimizer import Optimizer
from .update_util import Hyper, filled_slot, ref_values, update_op


class AdagradOptimizer(Optimizer):
    """One slot per variable, ``'<var>/Adagrad'``, starting at ``initial_accumulator_value``."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("AdagradOptimizer: initial_accumulator_value must be positive (it "
                             "divides the first step), got %r." % (initial_accumulator_value,))
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            filled_slot(self, v, self._initial_accumulator_value, "accumulator", self._name)

    def _prepare(self):
        self._lr_t = Hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accumulator")
        return update_op("ApplyAdagrad", [var, accum], [self._lr_t.for_var(var), grad], var)


@reference_kernel("ApplyAdagrad", needs_context=True, ref_inputs=(0, 1))
def _apply_adagrad(ctx, lr, grad):
    """accum += grad^2; var -= lr * grad / sqrt(accum), in place"""
    var, accum = ref_values(ctx, 2)
    accum += grad * grad
    var -= lr * grad / np.sqrt(accum)
    return var


not_differentiable("ApplyAdagrad")
