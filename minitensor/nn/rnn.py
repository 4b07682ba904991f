"""Running a cell over a sequence: ``static_rnn``, ``dynamic_rnn`` and their bidirectional forms.

minitensor has no ``while_loop``: every RNN here is *unrolled when the graph is built*, one
call of the cell per time step, so the number of steps must be known then.  ``dynamic_rnn``
takes a [batch, time, input] tensor (TF 1.x's signature) and unrolls over its static time
dimension; the graph is the same as ``static_rnn`` over ``tf.unstack(inputs, axis=1)``.

``sequence_length`` (one length per sequence) handles padded batches the TF way: after a
sequence's last step its outputs are zero and its state is carried through unchanged, so
the final state is the state at each sequence's own last step.

Scopes and variable names are TF 1.x's: ``rnn/<cell>/...`` for ``static_rnn`` and
``dynamic_rnn``, ``bidirectional_rnn/fw/<cell>/...`` and ``bidirectional_rnn/bw/<cell>/...``
for the bidirectional ones.
"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import ShapeError
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor
from ..ops.array_ops import concat, expand_dims, reverse, shape as shape_op, stack, unstack
from ..ops.constant_op import constant, convert_to_tensor
from ..ops.math_ops import less, to_int32, where
from ..ops.op_util import arg_label
from ..ops.rnn_ops import reverse_sequence
from ..ops.variable_scope import variable_scope
from ..framework.shapes import describe
from .rnn_cell import _map_structure

__all__ = ["static_rnn", "dynamic_rnn", "static_bidirectional_rnn", "bidirectional_dynamic_rnn",
           "stack_bidirectional_dynamic_rnn"]


# =========================================================================
# The unrolled loop shared by every function here
# =========================================================================

def _unroll(cell, steps, initial_state, dtype, sequence_length, varscope):
    """Call ``cell`` once per tensor in ``steps``; returns (outputs list, final state)."""
    state = initial_state if initial_state is not None else \
        cell.zero_state(_batch_size(steps[0]), dtype)
    alive = _step_masks(sequence_length, len(steps)) if sequence_length is not None else None
    outputs = []
    for t, x in enumerate(steps):
        if t > 0:
            varscope.reuse_variables()
        output, new_state = cell(x, state)
        if alive is not None:                 # past its end a sequence outputs zeros and
            inside = alive[t]                 # keeps its state: [batch, 1] bools
            output = where(inside, output, constant(0, dtype=output.dtype.base_dtype))
            new_state = _map_structure(lambda new, old: where(inside, new, old),
                                       new_state, state)
        outputs.append(output)
        state = new_state
    return outputs, state


def _batch_size(x):
    batch = x.shape.dims[0] if x.shape.ndims else None
    return batch if batch is not None else shape_op(x)[0]


def _step_masks(sequence_length, num_steps):
    """One [batch, 1] bool tensor per step t: True while t < sequence_length[b]."""
    lengths = convert_to_tensor(sequence_length)
    if lengths.shape.ndims not in (None, 1):
        raise ShapeError("sequence_length must be a vector [batch], but %s has shape %s."
                         % (arg_label(lengths), describe(lengths.shape)))
    with get_default_graph().name_scope("sequence_mask"):
        if lengths.dtype.base_dtype != dtypes.int32:
            lengths = to_int32(lengths)
        times = constant(np.arange(num_steps, dtype=np.int32).reshape(1, num_steps))
        mask = less(times, expand_dims(lengths, 1))                  # [batch, time]
        return [expand_dims(m, 1) for m in unstack(mask, num=num_steps, axis=1)]


def _check_dtype_or_state(name, initial_state, dtype):
    if initial_state is None and dtype is None:
        raise ValueError(
            "%s: give either initial_state or dtype, so that it can build the zero initial "
            "state. Fix: %s(cell, inputs, dtype=tf.float32)." % (name, name))


# =========================================================================
# static_rnn / dynamic_rnn
# =========================================================================

def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Run ``cell`` over a Python list of [batch, input] tensors, one per time step.

    Returns ``(outputs, state)``: a list of [batch, cell.output_size] tensors and the final
    state.
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)):
        raise TypeError(
            "static_rnn: inputs must be a list of [batch, input] tensors, one per time step, "
            "but got %s.\n  Fix: for a [batch, time, input] tensor x, pass "
            "tf.unstack(x, axis=1), or call tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)."
            % (arg_label(inputs) if isinstance(inputs, Tensor) else type(inputs).__name__))
    if not inputs:
        raise ValueError("static_rnn: inputs is an empty list (there must be at least one step).")
    _check_dtype_or_state("static_rnn", initial_state, dtype)
    steps = [convert_to_tensor(x) for x in inputs]
    with variable_scope(scope or "rnn") as varscope:
        return _unroll(cell, steps, initial_state, dtype, sequence_length, varscope)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Run ``cell`` over a [batch, time, input] tensor ([time, batch, input] if time_major).

    Returns ``(outputs, state)``: outputs [batch, time, cell.output_size] (time-major if the
    inputs were) and the final state.  Unrolled at graph-build time over the static time
    dimension.
    """
    _check_dtype_or_state("dynamic_rnn", initial_state, dtype)
    inputs = convert_to_tensor(inputs)
    time_axis = 0 if time_major else 1
    layout = "[time, batch, input]" if time_major else "[batch, time, input]"
    if inputs.shape.ndims is not None and inputs.shape.ndims != 3:
        raise ShapeError(
            "dynamic_rnn: inputs must have shape %s, but %s has shape %s."
            % (layout, arg_label(inputs), describe(inputs.shape)),
            hint="for one feature per step, add a feature axis: tf.expand_dims(x, -1) (or "
                 "x.reshape(-1, n_steps, 1) for NumPy data)." if inputs.shape.ndims == 2 else
            "reshape the inputs to %s." % layout)
    num_steps = inputs.shape.dims[time_axis] if inputs.shape.ndims == 3 else None
    if num_steps is None:
        raise ShapeError(
            "dynamic_rnn: the number of time steps of %s (shape %s, layout %s) is not known "
            "when the graph is built. minitensor unrolls the RNN then, one cell call per step, "
            "so it needs that number." % (arg_label(inputs), describe(inputs.shape), layout),
            hint="give the time dimension a size, e.g. tf.placeholder(tf.float32, [None, 28, "
                 "28]); pad sequences of different lengths to the longest one and pass "
                 "sequence_length=.")
    with variable_scope(scope or "rnn") as varscope:
        steps = unstack(inputs, num=num_steps, axis=time_axis)
        outputs, state = _unroll(cell, steps, initial_state, dtype, sequence_length, varscope)
        return stack(outputs, axis=time_axis), state


# =========================================================================
# Bidirectional
# =========================================================================

def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """A forward and a backward ``static_rnn`` over the same list of inputs.

    Returns ``(outputs, state_fw, state_bw)``; each output is [fw output, bw output]
    concatenated along the features (the bw output at step t is the one computed at t).
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)):
        raise TypeError("static_bidirectional_rnn: inputs must be a list of [batch, input] "
                        "tensors, one per step. Fix: pass tf.unstack(x, axis=1), or use "
                        "tf.nn.bidirectional_dynamic_rnn for a [batch, time, input] tensor.")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            outputs_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                              sequence_length, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_list(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
        outputs_bw = _reverse_list(tmp, sequence_length)
        outputs = [concat([fw, bw], 1) for fw, bw in zip(outputs_fw, outputs_bw)]
    return outputs, state_fw, state_bw


def _reverse_list(steps, sequence_length):
    steps = [convert_to_tensor(x) for x in steps]
    if sequence_length is None:
        return steps[::-1]
    packed = reverse_sequence(stack(steps, axis=0), to_int32(sequence_length), seq_axis=0,
                              batch_axis=1)
    return unstack(packed, num=len(steps), axis=0)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """A forward and a backward ``dynamic_rnn`` over [batch, time, input] inputs.

    Returns ``((output_fw, output_bw), (state_fw, state_bw))``; concatenate the outputs
    yourself with ``tf.concat(outputs, 2)``.  With ``sequence_length``, the backward RNN
    reads each sequence from its own last step (padding stays at the end).
    """
    inputs = convert_to_tensor(inputs)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length,
                                              initial_state_fw, dtype, time_major=time_major,
                                              scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_time(inputs, sequence_length, time_axis, batch_axis)
            tmp, state_bw = dynamic_rnn(cell_bw, reversed_inputs, sequence_length,
                                        initial_state_bw, dtype, time_major=time_major,
                                        scope=bw_scope)
        output_bw = _reverse_time(tmp, sequence_length, time_axis, batch_axis)
    return (output_fw, output_bw), (state_fw, state_bw)


def _reverse_time(x, sequence_length, time_axis, batch_axis):
    if sequence_length is None:
        return reverse(x, [time_axis])
    return reverse_sequence(x, to_int32(sequence_length), seq_axis=time_axis,
                            batch_axis=batch_axis)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None,
                                    initial_states_bw=None, dtype=None, sequence_length=None,
                                    parallel_iterations=None, time_major=False, scope=None):
    """A deep bidirectional RNN (TF's ``tf.contrib.rnn.stack_bidirectional_dynamic_rnn``).

    Layer k runs ``bidirectional_dynamic_rnn(cells_fw[k], cells_bw[k], ...)`` on the
    concatenated [fw, bw] outputs of layer k - 1.  Returns ``(outputs, states_fw,
    states_bw)``: the last layer's concatenated outputs and a tuple of final states per
    direction.  Variables: ``stack_bidirectional_rnn/cell_<k>/bidirectional_rnn/fw/...``.
    """
    if not cells_fw or len(cells_fw) != len(cells_bw):
        raise ValueError("stack_bidirectional_dynamic_rnn needs two equally long, non-empty "
                         "lists of cells (got %d forward and %d backward)."
                         % (len(cells_fw or []), len(cells_bw or [])))
    states_fw, states_bw = [], []
    layer_input = inputs
    with variable_scope(scope or "stack_bidirectional_rnn"):
        for k, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
            init_fw = initial_states_fw[k] if initial_states_fw else None
            init_bw = initial_states_bw[k] if initial_states_bw else None
            with variable_scope("cell_%d" % k):
                (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(
                    cell_fw, cell_bw, layer_input, sequence_length, init_fw, init_bw, dtype,
                    time_major=time_major)
            layer_input = concat([out_fw, out_bw], 2)
            states_fw.append(state_fw)
            states_bw.append(state_bw)
    return layer_input, tuple(states_fw), tuple(states_bw)
