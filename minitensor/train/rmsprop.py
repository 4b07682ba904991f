"""RMSProp: divide the gradient by a running root-mean-square of recent gradients
(TF 1.x ``tf.train.RMSPropOptimizer``).

    ms   = decay * ms + (1 - decay) * grad^2
    mom  = momentum * mom + learning_rate * grad / sqrt(ms + epsilon)
    var -= mom

``centered=True`` also tracks the mean gradient ``mg`` and uses the variance instead:
``sqrt(ms - mg^2 + epsilon)``.  As in TF 1.x, ``ms`` starts at ONE (not zero), so the
first steps are not huge.
"""
import numpy as np

from ..framework.registry import not_differentiable, reference_kernel
from .optimizer import Optimizer
from .update_util import Hyper, filled_slot, ref_values, update_op


class RMSPropOptimizer(Optimizer):
    """Slots: ``'<var>/RMSProp'`` (ms), then ``'<var>/RMSProp_1'``... (mg if centered,
    momentum)."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = bool(centered)

    def _create_slots(self, var_list):
        for v in var_list:
            filled_slot(self, v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr_t = Hyper(self._learning_rate, "learning_rate")
        self._decay_t = Hyper(self._decay, "decay")
        self._momentum_t = Hyper(self._momentum, "momentum")
        self._epsilon_t = Hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        hypers = [h.for_var(var) for h in
                  (self._lr_t, self._decay_t, self._momentum_t, self._epsilon_t)]
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            mg = self.get_slot(var, "mg")
            return update_op("ApplyCenteredRMSProp", [var, mg, rms, mom], hypers + [grad], var)
        return update_op("ApplyRMSProp", [var, rms, mom], hypers + [grad], var)


@reference_kernel("ApplyRMSProp", needs_context=True, ref_inputs=(0, 1, 2))
def _apply_rms_prop(ctx, lr, rho, momentum, epsilon, grad):
    """ms = rho ms + (1 - rho) g^2; mom = momentum mom + lr g / sqrt(ms + eps); var -= mom"""
    var, ms, mom = ref_values(ctx, 3)
    ms += (grad * grad - ms) * (1 - rho)
    mom *= momentum
    mom += lr * grad / np.sqrt(ms + epsilon)
    var -= mom
    return var


@reference_kernel("ApplyCenteredRMSProp", needs_context=True, ref_inputs=(0, 1, 2, 3))
def _apply_centered_rms_prop(ctx, lr, rho, momentum, epsilon, grad):
    """as ApplyRMSProp, with mg = rho mg + (1 - rho) g and sqrt(ms - mg^2 + eps)"""
    var, mg, ms, mom = ref_values(ctx, 4)
    ms += (grad * grad - ms) * (1 - rho)
    mg += (grad - mg) * (1 - rho)
    mom *= momentum
    mom += lr * grad / np.sqrt(ms - mg * mg + epsilon)
    var -= mom
    return var


not_differentiable("ApplyRMSProp", "ApplyCenteredRMSProp")
