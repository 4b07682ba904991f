"""What the optimizers' fused update ops share.

An update op (``ApplyMomentum``, ``ApplyAdam`` ...) takes the variable and its slot variables
(momentum, running averages) *by reference* -- its first inputs, declared with
``ref_inputs=(0, 1, ...)`` so the session does not evaluate them -- and updates their arrays
in the session IN PLACE.  The session gives the kernel ``ctx.key`` (the variable's name);
:func:`ref_values` finds the slots' arrays from the op's other reference inputs.
"""

from ..framework.graph import get_default_graph
from ..ops.constant_op import convert_to_tensor
from ..ops.math_ops import cast
from ..ops.op_util import make_op
from ..ops.state_ops import Variable
from ..framework.tensor import Tensor, TensorLike


def ref_values(ctx, count):
    """The session's arrays for the op's first ``count`` inputs (the variable, then slots).

    A slot that has no value yet means the initializer ran before the optimizer made its
    slots: say so, naming the slot and the initializer.
    """
    state = ctx.state
    names = [ctx.op.inputs[i].op.name for i in range(count)]
    try:
        return [state[name] for name in names]
    except KeyError:
        missing = [name for name in names if name not in state]
        raise ctx.session._uninitialized_error(missing) from None


def update_op(op_type, refs, values, var, attrs=None):
    """Create the update op: inputs = variable/slot references, then plain values."""
    inputs = [r._ref() for r in refs] + list(values)
    return make_op(op_type, inputs, var.dtype, var.shape, name=op_type, attrs=attrs).op


class Hyper:
    """A hyperparameter (learning rate, momentum, ...): a tensor, or a Python number.

    ``for_var(var)`` gives it as a tensor of the variable's dtype: a number becomes a
    constant of that dtype (so a float64 model gets exactly 0.1, not float32's 0.1 cast up),
    a tensor is cast when its dtype differs.  One constant per dtype, made on first use.
    """

    def __init__(self, value, name):
        self.name = name
        self.value = value
        self._by_dtype = {}
        if isinstance(value, (TensorLike, Tensor)):
            self.value = convert_to_tensor(value)

    def for_var(self, var):
        dtype = var.dtype.base_dtype
        if dtype not in self._by_dtype:
            if isinstance(self.value, Tensor):
                self._by_dtype[dtype] = as_dtype_of(self.value, var)
            else:
                self._by_dtype[dtype] = convert_to_tensor(self.value, dtype=dtype, name=self.name)
        return self._by_dtype[dtype]


def as_dtype_of(t, var):
    """Cast a tensor to the variable's dtype if it differs."""
    dtype = var.dtype.base_dtype
    return t if t.dtype.base_dtype == dtype else cast(t, dtype)


def filled_slot(optimizer, var, value, slot_name, op_name):
    """A slot variable like ``Optimizer._zeros_slot`` but filled with ``value`` (Adagrad's
    initial accumulator, RMSProp's initial mean square)."""
    return optimizer._filled_slot(var, value, slot_name, op_name)


def top_level_variable(value, name, dtype):
    """A non-trainable variable outside every name scope (Adam's ``beta1_power``)."""
    with get_default_graph().name_scope(None):
        return Variable(convert_to_tensor(value, dtype=dtype), trainable=False, name=name)
