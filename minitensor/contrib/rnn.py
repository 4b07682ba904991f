"""``tf.contrib.rnn``: the RNN cells and helpers, as the seed's RNN chapter imports them,
plus ``LSTMBlockFusedCell`` (a whole LSTM sequence as one op)."""
from ..framework.errors import ShapeError
from ..framework.shapes import describe
from ..nn.rnn import (bidirectional_dynamic_rnn, dynamic_rnn, stack_bidirectional_dynamic_rnn,  # noqa: F401
                      static_bidirectional_rnn, static_rnn)
from ..nn.rnn_cell import (BasicLSTMCell, BasicRNNCell, DropoutWrapper, GRUCell,  # noqa: F401
                           LSTMBlockCell, LSTMCell, LSTMStateTuple, MultiRNNCell, RNNCell)
from ..ops import init_ops, rnn_ops
from ..ops.array_ops import shape as shape_op, stack, unstack
from ..ops.constant_op import convert_to_tensor
from ..ops.op_util import arg_label


class LSTMBlockFusedCell(RNNCell):
    """TF's ``tf.contrib.rnn.LSTMBlockFusedCell``: an LSTM over a whole sequence, one op.

        cell = tf.contrib.rnn.LSTMBlockFusedCell(128)
        outputs, (c, h) = cell(x_time_major, dtype=tf.float32)   # x: [time, batch, input]

    Same math and variables (``lstm_fused_cell/kernel`` [input + units, 4 units], gate order
    i, j, f, o, and ``bias``) as :class:`BasicLSTMCell`, but where a cell unrolled by
    ``static_rnn`` / ``dynamic_rnn`` adds one LSTMBlockCell op per step, this adds ONE
    BlockLSTM op for the whole sequence (``ops/rnn_ops.py``): its kernels compute
    ``x @ kernel[:input]`` for all the steps in one matrix product, and its gradient the
    kernel's gradient in one product too -- faster, but nothing per step to look at.

    Unlike a cell it is called on the whole sequence: ``cell(inputs, initial_state=None,
    dtype=None)`` with time-major inputs [time, batch, input] (or a list of [batch, input]
    tensors, one per step); it returns ``(outputs, LSTMStateTuple(c, h))`` with outputs
    [time, batch, units] (or a list, if the inputs were one).
    """

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False,
                 reuse=None, dtype=None, name="lstm_fused_cell"):
        if use_peephole:
            raise ValueError(
                "LSTMBlockFusedCell: use_peephole=True is not supported in minitensor.\n  Fix: "
                "use tf.nn.rnn_cell.LSTMCell(num_units, use_peepholes=True) with "
                "tf.nn.dynamic_rnn instead.")
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = int(num_units)
        self._forget_bias = float(forget_bias)
        self._cell_clip = cell_clip

    @property
    def state_size(self):
        return LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        input_size, n = inputs_shape[-1].value, self._num_units
        self._kernel = self.add_variable("kernel", [input_size + n, 4 * n], self.dtype)
        self._bias = self.add_variable("bias", [4 * n], self.dtype, init_ops.zeros_initializer())

    def __call__(self, inputs, initial_state=None, dtype=None, sequence_length=None,
                 scope=None):
        if sequence_length is not None:
            raise ValueError(
                "LSTMBlockFusedCell: sequence_length is not supported in minitensor (the "
                "fused op runs every sequence for all the steps).\n  Fix: "
                "for padded sequences of different lengths use tf.nn.dynamic_rnn(cell, x, "
                "sequence_length=lengths, dtype=tf.float32) with tf.contrib.rnn.LSTMBlockCell.")
        as_list = isinstance(inputs, (list, tuple))
        inputs = stack([convert_to_tensor(x) for x in inputs]) if as_list else \
            convert_to_tensor(inputs)
        if initial_state is None:
            batch = inputs.shape.dims[1] if inputs.shape.ndims == 3 else None
            initial_state = self.zero_state(batch if batch is not None else shape_op(inputs)[1],
                                            dtype or inputs.dtype.base_dtype)
        outputs, state = super().__call__(inputs, initial_state, scope=scope)
        return (unstack(outputs, axis=0) if as_list else outputs), state

    def call(self, inputs, state):
        if not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError("LSTMBlockFusedCell: initial_state must be a pair (c, h) (an "
                            "LSTMStateTuple), got %r." % (state,))
        c, h = state
        _, cs, _, _, _, _, h = rnn_ops.block_lstm(inputs, c, h, self._kernel, self._bias,
                                                  self._forget_bias, self._cell_clip)
        return h, LSTMStateTuple(cs[-1], h[-1])

    # the whole sequence, not one step: [time, batch, input]
    def _check_inputs(self, inputs):
        if inputs.shape.ndims is not None and inputs.shape.ndims != 3:
            raise ShapeError(
                "LSTMBlockFusedCell runs a whole sequence, so its input must have shape [time, "
                "batch, input_size] (time-major), but %s has shape %s."
                % (arg_label(inputs), describe(inputs.shape)),
                hint="for batch-major inputs [batch, time, input] pass tf.transpose(x, [1, 0, "
                     "2]); for one step at a time use tf.contrib.rnn.LSTMBlockCell.")

    def _maybe_build(self, inputs):
        size = inputs.shape.dims[2] if inputs.shape.ndims == 3 else None
        if size is None:
            raise ShapeError(
                "LSTMBlockFusedCell needs the input size when the graph is built, to create its "
                "kernel, but %s has shape %s." % (arg_label(inputs), describe(inputs.shape)),
                hint="give the input placeholder a known last dimension, e.g. "
                     "tf.placeholder(tf.float32, [28, None, 28]).")
        self._build_once(inputs, size)

