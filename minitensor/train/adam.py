"""Adam: momentum on the gradient and on its square, with bias correction
(TF 1.x ``tf.train.AdamOptimizer``, Kingma & Ba 2014).

    lr_t  = learning_rate * sqrt(1 - beta2^t) / (1 - beta1^t)
    m     = beta1 * m + (1 - beta1) * grad
    v     = beta2 * v + (1 - beta2) * grad^2
    var  -= lr_t * m / (sqrt(v) + epsilon)

As in TF, beta1^t and beta2^t are two (non-slot) variables, ``beta1_power`` and
``beta2_power``, that start at beta1 and beta2 and are multiplied by them once per step,
after every variable has been updated.
"""
import numpy as np

from ..framework.graph import get_default_graph
from ..framework.registry import not_differentiable, reference_kernel
from ..ops.state_ops import assign
from .optimizer import Optimizer
from .update_util import Hyper, as_dtype_of, ref_values, top_level_variable, update_op


class AdamOptimizer(Optimizer):
    """Slots ``'<var>/Adam'`` (m) and ``'<var>/Adam_1'`` (v); non-slot ``beta1_power`` and
    ``beta2_power``."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon
        self._non_slot = {}           # (name, graph) -> Variable

    def _get_beta_accumulators(self):
        graph = get_default_graph()
        return self._non_slot.get(("beta1_power", graph)), self._non_slot.get(("beta2_power",
                                                                                graph))

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        graph = get_default_graph()
        for name, value in (("beta1_power", self._beta1), ("beta2_power", self._beta2)):
            if (name, graph) not in self._non_slot:
                self._non_slot[(name, graph)] = top_level_variable(value, name,
                                                                   first.dtype.base_dtype)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = Hyper(self._lr, "learning_rate")
        self._beta1_t = Hyper(self._beta1, "beta1")
        self._beta2_t = Hyper(self._beta2, "beta2")
        self._epsilon_t = Hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        beta1_power, beta2_power = self._get_beta_accumulators()
        values = [as_dtype_of(t.value(), var) for t in (beta1_power, beta2_power)]
        values += [h.for_var(var) for h in
                   (self._lr_t, self._beta1_t, self._beta2_t, self._epsilon_t)]
        return update_op("ApplyAdam", [var, self.get_slot(var, "m"), self.get_slot(var, "v")],
                         values + [grad], var)

    def _finish(self, update_ops):
        """After every variable's update: beta1_power *= beta1, beta2_power *= beta2."""
        beta1_power, beta2_power = self._get_beta_accumulators()
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            update_beta1 = assign(beta1_power, beta1_power * self._beta1_t.for_var(beta1_power))
            update_beta2 = assign(beta2_power, beta2_power * self._beta2_t.for_var(beta2_power))
        return list(update_ops) + [update_beta1.op, update_beta2.op]

    def variables(self):
        graph = get_default_graph()
        non_slot = [v for (_, g), v in sorted(self._non_slot.items(), key=lambda kv: kv[0][0])
                    if g is graph]
        return non_slot + super().variables()


@reference_kernel("ApplyAdam", needs_context=True, ref_inputs=(0, 1, 2))
def _apply_adam(ctx, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad):
    """m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
    var -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps), in place"""
    var, m, v = ref_values(ctx, 3)
    alpha = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    m += (grad - m) * (1 - beta1)
    v += (grad * grad - v) * (1 - beta2)
    var -= alpha * m / (np.sqrt(v) + epsilon)
    return var


not_differentiable("ApplyAdam")
