"""``Optimizer``: turns a loss into update ops (TF 1.x ``tf.train.Optimizer``).

``minimize(loss)`` = ``compute_gradients(loss)`` (one ``tf.gradients`` call) followed by
``apply_gradients(grads_and_vars)`` (one update op per variable, grouped into one op).
Subclasses say how one variable is updated: ``_apply_dense(grad, var)``.
"""
from ..framework import errors
from ..framework.errors import format_site
from ..framework.graph import GraphKeys, get_default_graph
from ..gradients import explain_gradient, gradients
from ..ops.constant_op import convert_to_tensor
from ..ops.control_ops import group
from ..ops.state_ops import Variable, assign_add


class Optimizer:
    """Base class.  ``minimize``, ``compute_gradients``, ``apply_gradients``; slots."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        self._name = name
        self._use_locking = use_locking
        self._slots = {}

    def get_name(self):
        return self._name

    # --- the public three ---------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """One op that takes one optimization step on ``loss``."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if not any(g is not None for g, _ in grads_and_vars):
            raise _no_gradients_error(loss, grads_and_vars)
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient, variable)] for every trainable variable (gradient None if unconnected)."""
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise errors.DTypeError(
                "The loss %s has dtype %s; an optimizer needs a floating-point loss."
                % (loss._describe(), loss.dtype.name), hint="tf.cast(loss, tf.float32)")
        if var_list is None:
            var_list = loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize: create tf.Variable(...)s (trainable=True) "
                             "before calling minimize, or pass var_list=.")
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError("var_list must contain tf.Variable objects, got %r" % (v,))
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """One op that applies each (gradient, variable) pair; also increments global_step."""
        grads_and_vars = [(g, v) for g, v in grads_and_vars]
        if not any(g is not None for g, _ in grads_and_vars):
            raise errors.NoGradientError(
                "No gradients provided for any variable: %s"
                % ", ".join(v.op.name for _, v in grads_and_vars),
                hint="check that the loss depends on these variables through differentiable ops.")
        graph = get_default_graph()
        updates = []
        with graph.name_scope(name or self._name):
            self._create_slots([v for g, v in grads_and_vars if g is not None])
            self._prepare()
            for grad, var in grads_and_vars:
                if grad is None:
                    continue
                with graph.name_scope("update_" + var.op.name):
                    updates.append(self._apply_dense(convert_to_tensor(grad), var))
            finish = self._finish(updates)
            if global_step is None:
                return group(finish, name=name or self._name) if not isinstance(finish, list) \
                    else group(*finish, name=name or self._name)
            with graph.control_dependencies(finish if isinstance(finish, list) else [finish]):
                return assign_add(global_step, 1, name=name or self._name).op

    # --- subclass hooks -----------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops):
        return update_ops

    # --- slots (per-variable state such as momentum) ----------------------
    def _zeros_slot(self, var, slot_name, op_name):
        return self._filled_slot(var, 0, slot_name, op_name)

    def _filled_slot(self, var, value, slot_name, op_name):
        """The slot variable ``<var>/<op_name>`` (e.g. ``w/Momentum``), made once, filled
        with ``value``, outside every name scope as TF names it."""
        from ..ops.array_ops import fill
        key = (slot_name, var)
        if key not in self._slots:
            dtype = var.dtype.base_dtype
            with get_default_graph().name_scope(None):
                init = fill(var.shape.as_list(), convert_to_tensor(value, dtype=dtype))
                self._slots[key] = Variable(init, trainable=False,
                                            name="%s/%s" % (var.op.name, op_name))
        return self._slots[key]

    def get_slot(self, var, name):
        return self._slots.get((name, var))

    def get_slot_names(self):
        return sorted({name for name, _ in self._slots})

    def variables(self):
        return list(self._slots.values())


def _no_gradients_error(loss, grads_and_vars):
    loss_t = convert_to_tensor(loss)
    lines = ["  " + explain_gradient(loss_t, v) for _, v in grads_and_vars]
    return errors.NoGradientError(
        "minimize(loss) found no differentiable path from the loss '%s' (created at %s) to any "
        "trainable variable:\n%s" % (loss_t.name, format_site(loss_t.op.site), "\n".join(lines)),
        hint="build the loss from the model's continuous outputs (not argmax/floor/cast to int), "
             "and make sure it uses the variables you want to train.")
