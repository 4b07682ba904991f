"""``tf.nn.rnn_cell``: the step functions of recurrent networks (TF 1.x names and variables).

A cell computes one time step: ``output, new_state = cell(inputs, state)`` with inputs of
shape [batch, input_size].  ``static_rnn`` / ``dynamic_rnn`` (``nn/rnn.py``) call it once
per step.

Variables follow TF 1.x exactly, so parameter counts and checkpoint names match:

    cell            variables (inside the scope the cell is first called in, e.g. rnn/)
    BasicRNNCell    basic_rnn_cell/kernel [in + units, units], basic_rnn_cell/bias [units]
    BasicLSTMCell   basic_lstm_cell/kernel [in + units, 4 units], .../bias [4 units]
    LSTMCell        lstm_cell/kernel, lstm_cell/bias, w_f_diag, w_i_diag, w_o_diag
                    (peepholes), lstm_cell/projection/kernel [units, num_proj]
    GRUCell         gru_cell/gates/kernel [in + units, 2 units], gates/bias (init 1.0),
                    gru_cell/candidate/kernel [in + units, units], candidate/bias
    MultiRNNCell    multi_rnn_cell/cell_0/<cell>/..., multi_rnn_cell/cell_1/<cell>/...

The LSTM gate order is TF's: i (input), j (new input), f (forget, + forget_bias), o.

A cell creates its variables the first time it is called (the input size comes from the
input's static shape) and remembers the variable scope it was called in; every later call
(the next time step) re-enters that scope and reuses the same variables.

LSTM and GRU cells run one fused op per step (``ops/rnn_ops.py``) unless built with
``fused=False``, which builds each step gate by gate from primitive ops.
"""
import collections
import warnings

from ..framework.errors import GraphMismatchError, InvalidArgumentError, ShapeError, format_site
from ..framework.graph import get_default_graph
from ..framework.shapes import TensorShape, describe
from ..framework.tensor import Tensor
from ..ops import init_ops, rnn_ops  # noqa: F401  (rnn_ops: registers the fused cell ops)
from ..ops.array_ops import concat, fill, split, stack, zeros
from ..ops.constant_op import convert_to_tensor
from ..ops.math_ops import matmul, maximum, minimum, sigmoid, tanh
from ..ops.op_util import arg_label
from ..ops.variable_scope import get_variable, variable_scope

__all__ = ["RNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "LSTMBlockCell", "GRUCell",
           "MultiRNNCell", "DropoutWrapper", "LSTMStateTuple"]


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM cell: ``c`` (the cell's long-term memory) and ``h`` (its output)."""

    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError("Inconsistent internal state: c is %s but h is %s."
                            % (c.dtype.name, h.dtype.name))
        return c.dtype


# =========================================================================
# Nested state structures (a tensor, or tuples of them: MultiRNNCell of LSTMs)
# =========================================================================

def _is_sequence(s):
    return isinstance(s, (tuple, list))


def _flatten(structure):
    if not _is_sequence(structure):
        return [structure]
    return [leaf for item in structure for leaf in _flatten(item)]


def _pack_as(structure, flat):
    """Rebuild ``structure``'s nesting (tuples, lists, namedtuples) from a flat list."""
    flat = list(flat)

    def build(s):
        if not _is_sequence(s):
            return flat.pop(0)
        items = [build(item) for item in s]
        if hasattr(s, "_fields"):           # a namedtuple such as LSTMStateTuple
            return type(s)(*items)
        return type(s)(items)
    return build(structure)


def _map_structure(fn, *structures):
    flats = [_flatten(s) for s in structures]
    return _pack_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def _describe_structure(s):
    if _is_sequence(s):
        name = type(s).__name__ if hasattr(s, "_fields") else ""
        return "%s(%s)" % (name, ", ".join(_describe_structure(i) for i in s))
    if isinstance(s, (Tensor,)) or hasattr(s, "shape"):
        return "tensor %s" % describe(s.shape)
    return repr(s)


def _snake_case(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        elif ch.isupper() and i and i + 1 < len(name) and name[i + 1].islower() \
                and name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


# =========================================================================
# RNNCell
# =========================================================================

class RNNCell:
    """Base class of all cells: ``output, new_state = cell(inputs, state)``.

    Subclasses define ``state_size``, ``output_size``, ``build(inputs_shape)`` (create the
    variables with ``self.add_variable``; ``inputs_shape[-1].value`` is the input size) and
    ``call(inputs, state)`` (one step), as in TF 1.x.
    """

    def __init__(self, reuse=None, name=None, dtype=None):
        self._reuse = reuse
        self._base_name = name or _snake_case(type(self).__name__)
        self._dtype = dtype
        self._scope = None           # the variable scope captured by the first call
        self._graph = None
        self._built = False
        self._input_size = None
        self._variables = []

    # --- what subclasses define --------------------------------------------
    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def build(self, inputs_shape):
        """Create the variables for inputs of static shape [batch, input_size] (none here)."""

    def call(self, inputs, state):
        raise NotImplementedError

    # --- the machinery --------------------------------------------------------
    @property
    def name(self):
        return self._scope.name if self._scope is not None else self._base_name

    @property
    def dtype(self):
        """The variables' dtype: the constructor's ``dtype``, else the first inputs' dtype."""
        return self._dtype

    @property
    def built(self):
        return self._built

    @built.setter
    def built(self, value):           # TF-style custom cells end build() with built = True
        self._built = value

    @property
    def variables(self):
        """The variables this cell created (empty until its first call)."""
        return list(self._variables)

    trainable_variables = trainable_weights = weights = variables

    def add_variable(self, name, shape, dtype=None, initializer=None, trainable=True):
        """``tf.get_variable(name, ...)`` inside the cell's scope, remembered by the cell."""
        var = get_variable(name, shape=shape, dtype=dtype or self._dtype,
                           initializer=initializer, trainable=trainable)
        if var not in self._variables:
            self._variables.append(var)
        return var

    add_weight = add_variable

    def __call__(self, inputs, state, scope=None):
        """Run one step inside the cell's variable scope (created on the first call)."""
        inputs = convert_to_tensor(inputs)
        self._check_inputs(inputs)
        graph = get_default_graph()
        if self._scope is not None and self._graph is not graph:
            raise GraphMismatchError(
                "This %s was first used in graph #%d; it cannot be used in graph #%d: its "
                "variables live in the old graph." % (type(self).__name__, self._graph.number,
                                                      graph.number),
                hint="create new cells after tf.reset_default_graph() (build the whole model "
                     "again, cells included).")
        if self._scope is None:
            self._graph = graph
            reuse = True if self._reuse else None
            with variable_scope(scope, default_name=self._base_name, reuse=reuse) as captured:
                self._scope = captured
                self._maybe_build(inputs)
                return self.call(inputs, state)
        with variable_scope(self._scope, reuse=True, auxiliary_name_scope=False), \
                graph.name_scope(self._scope.original_name_scope):
            self._maybe_build(inputs)
            return self.call(inputs, state)

    def _check_inputs(self, inputs):
        kind = type(self).__name__
        if inputs.shape.ndims is not None and inputs.shape.ndims != 2:
            raise ShapeError(
                "%s: a cell computes one time step, so its input must have shape [batch, "
                "input_size], but %s has shape %s." % (kind, arg_label(inputs),
                                                       describe(inputs.shape)),
                hint="for a whole sequence of shape [batch, time, input] use "
                     "tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32), or "
                     "tf.nn.static_rnn(cell, tf.unstack(inputs, axis=1), dtype=tf.float32).")

    def _maybe_build(self, inputs):
        if not self._has_own_variables():
            return
        size = inputs.shape.dims[1] if inputs.shape.ndims == 2 else None
        if size is None:
            raise ShapeError(
                "%s needs the input size when the graph is built, to create its kernel, but "
                "%s has shape %s." % (type(self).__name__, arg_label(inputs),
                                      describe(inputs.shape)),
                hint="give the input placeholder a known last dimension, e.g. "
                     "tf.placeholder(tf.float32, [None, 28, 28]) rather than [None, None, None].")
        self._build_once(inputs, size)

    def _build_once(self, inputs, size):
        """Create the variables on the first call; later calls must bring inputs of the same
        ``size`` (one cell object is one set of weights)."""
        if self._built:
            if size != self._input_size:
                raise self._reused_cell_error(inputs, size)
            return
        if self._dtype is None:
            self._dtype = inputs.dtype.base_dtype
        self.build(inputs.shape)
        self._input_size = size
        self._built = True

    def _has_own_variables(self):
        """Cells that define build() need the input size; wrappers and stacks do not."""
        return type(self).build is not RNNCell.build

    def _reused_cell_error(self, inputs, size):
        kind = type(self).__name__
        units = getattr(self, "_num_units", None)
        kernel = self._variables[0] if self._variables else None
        made = (" (its variable '%s' of shape %s was created at %s)"
                % (kernel.name.split(":")[0], describe(kernel.shape), format_site(kernel.op.site))
                if kernel is not None else "")
        return ShapeError(
            "This %s was built for inputs of size %d%s, but is now called again with inputs of "
            "size %d (%s). One cell object is being used in two places with different input "
            "sizes -- usually the same cell in every layer of a stack, as in "
            "MultiRNNCell([cell] * k), which would also make every layer share one set of "
            "weights." % (kind, self._input_size, made, size, arg_label(inputs)),
            hint="create a new cell for each layer: MultiRNNCell([%s(%s) for _ in range(k)])."
                 % (kind, units if units is not None else "..."))

    def zero_state(self, batch_size, dtype):
        """The all-zero initial state for ``batch_size`` sequences (an int or a scalar tensor)."""
        graph = get_default_graph()
        with graph.name_scope(type(self).__name__ + "ZeroState"):
            return _map_structure(lambda size: _zeros(batch_size, size, dtype), self.state_size)


def _zeros(batch_size, size, dtype):
    size = int(size.as_list()[0]) if isinstance(size, TensorShape) else int(size)
    if isinstance(batch_size, Tensor) or hasattr(batch_size, "_to_tensor"):
        z = fill(stack([batch_size, size]), convert_to_tensor(0, dtype=dtype), name="zeros")
        z.set_shape([None, size])
        return z
    return zeros([int(batch_size), size], dtype=dtype)


def _is_tanh(activation):
    return activation is None or activation is tanh


def _check_state(cell, state, expect_tuple):
    """LSTM-style cells: a tuple state must be a pair (c, h)."""
    if expect_tuple and not (_is_sequence(state) and len(state) == 2):
        raise TypeError(
            "%s(state_is_tuple=True) expects its state as a pair LSTMStateTuple(c, h), but got "
            "%s.\n  Fix: start from cell.zero_state(batch_size, tf.float32), or pass "
            "tf.nn.rnn_cell.LSTMStateTuple(c, h)." % (type(cell).__name__,
                                                     _describe_structure(state)))


# =========================================================================
# The cells
# =========================================================================

class BasicRNNCell(RNNCell):
    """h' = activation([x, h] @ kernel + bias) -- the output is the new state."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = int(num_units)
        self._activation = activation or tanh

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        input_size, dtype = inputs_shape[-1].value, self.dtype
        self._kernel = self.add_variable("kernel", [input_size + self._num_units,
                                                     self._num_units], dtype)
        self._bias = self.add_variable("bias", [self._num_units], dtype,
                                        init_ops.zeros_initializer())

    def call(self, inputs, state):
        output = self._activation(matmul(concat([inputs, state], 1), self._kernel) + self._bias)
        return output, output


class BasicLSTMCell(RNNCell):
    """The LSTM of Zaremba et al. 2014 (no peepholes, no clipping, no projection).

        i, j, f, o = split([x, h] @ kernel + bias, 4)
        c' = sigmoid(f + forget_bias) * c + sigmoid(i) * tanh(j),  h' = tanh(c') * sigmoid(o)

    The state is ``LSTMStateTuple(c, h)`` (or [c, h] concatenated with state_is_tuple=False);
    the output is h'.  ``fused=False`` builds each step from primitive ops instead of one
    fused LSTMBlockCell op (same numbers; the primitive form can be differentiated twice).
    """

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, fused=True):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = int(num_units)
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh
        self._fused = fused

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        input_size, dtype = inputs_shape[-1].value, self.dtype
        n = self._num_units
        self._kernel = self.add_variable("kernel", [input_size + n, 4 * n], dtype)
        self._bias = self.add_variable("bias", [4 * n], dtype, init_ops.zeros_initializer())

    def call(self, inputs, state):
        _check_state(self, state, self._state_is_tuple)
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = split(state, 2, axis=1)
        if self._fused and _is_tanh(self._activation):
            new_c, new_h = rnn_ops.lstm_step(inputs, c, h, self._kernel, self._bias,
                                             self._forget_bias)
        else:
            new_c, new_h = _lstm_simple(inputs, c, h, self._kernel, self._bias,
                                        self._forget_bias, self._activation)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            concat([new_c, new_h], 1)
        return new_h, new_state


def _lstm_simple(x, c, h, kernel, bias, forget_bias, activation):
    return rnn_ops.lstm_step_simple(x, c, h, kernel, bias, forget_bias, None, activation)


class LSTMCell(RNNCell):
    """The full LSTM: optional peepholes, cell clipping and an output projection.

    Without peepholes:  c' = sigmoid(f + forget_bias) c + sigmoid(i) tanh(j)
    With peepholes:     c' = sigmoid(f + forget_bias + w_f_diag c) c
                             + sigmoid(i + w_i_diag c) tanh(j)
    c' = clip(c', -cell_clip, cell_clip);  m = sigmoid(o [+ w_o_diag c']) tanh(c')
    With num_proj:      h' = m @ projection/kernel (clipped to proj_clip), else h' = m.

    Without peepholes or projection each step is one fused LSTMBlockCell op (unless
    ``fused=False``).
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, fused=True):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = int(num_units)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh
        self._fused = fused

    @property
    def state_size(self):
        n, h = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, h) if self._state_is_tuple else n + h

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, inputs_shape):
        input_size, dtype = inputs_shape[-1].value, self.dtype
        n, h_depth = self._num_units, self._num_proj or self._num_units
        init = self._initializer
        self._kernel = self.add_variable("kernel", [input_size + h_depth, 4 * n], dtype, init)
        self._bias = self.add_variable("bias", [4 * n], dtype, init_ops.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_variable("w_f_diag", [n], dtype, init)
            self._w_i_diag = self.add_variable("w_i_diag", [n], dtype, init)
            self._w_o_diag = self.add_variable("w_o_diag", [n], dtype, init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable("projection/kernel", [n, self._num_proj],
                                                   dtype, init)

    def call(self, inputs, state):
        _check_state(self, state, self._state_is_tuple)
        n = self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev, m_prev = split(state, [n, self._num_proj or n], axis=1)
        fusable = not self._use_peepholes and self._num_proj is None and \
            _is_tanh(self._activation)
        if self._fused and fusable:
            c, m = rnn_ops.lstm_step(inputs, c_prev, m_prev, self._kernel, self._bias,
                                     self._forget_bias, self._cell_clip)
        else:
            c, m = self._step_simple(inputs, c_prev, m_prev)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else concat([c, m], 1)
        return m, new_state

    def _step_simple(self, inputs, c_prev, m_prev):
        act = self._activation
        gates = matmul(concat([inputs, m_prev], 1), self._kernel) + self._bias
        i, j, f, o = split(gates, 4, axis=1)
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + \
                sigmoid(i + self._w_i_diag * c_prev) * act(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = _clip(c, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * act(c)
        else:
            m = sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = _clip(m, self._proj_clip)
        return c, m


class LSTMBlockCell(LSTMCell):
    """``tf.contrib.rnn.LSTMBlockCell``: the LSTMCell run as one fused op per step.

    Same variables as LSTMCell (``lstm_cell/kernel``, ``lstm_cell/bias``, and the
    ``w_*_diag`` peepholes with ``use_peephole=True``, which runs gate by gate instead).
    """

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False,
                 reuse=None, name=None, dtype=None):
        super().__init__(num_units, use_peepholes=use_peephole, cell_clip=cell_clip,
                         forget_bias=forget_bias, reuse=reuse, name=name or "lstm_cell",
                         dtype=dtype)


def _clip(t, limit):
    return minimum(maximum(t, -float(limit)), float(limit))


class GRUCell(RNNCell):
    """Gated recurrent unit (Cho et al. 2014), TF 1.x's formulation:

        r, u = split(sigmoid([x, h] @ gates/kernel + gates/bias), 2)
        c = tanh([x, r * h] @ candidate/kernel + candidate/bias)
        h' = u * h + (1 - u) * c        (the output is h')

    The gate bias starts at 1.0 (so the cell starts out remembering).  Each step is one
    fused GRUBlockCell op unless ``fused=False``.
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, fused=True):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = int(num_units)
        self._activation = activation or tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer
        self._fused = fused

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        input_size, dtype = inputs_shape[-1].value, self.dtype
        n = self._num_units
        k_init = self._kernel_initializer
        self._gate_kernel = self.add_variable("gates/kernel", [input_size + n, 2 * n], dtype,
                                               k_init)
        self._gate_bias = self.add_variable(
            "gates/bias", [2 * n], dtype,
            self._bias_initializer or init_ops.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable("candidate/kernel", [input_size + n, n],
                                                    dtype, k_init)
        self._candidate_bias = self.add_variable(
            "candidate/bias", [n], dtype,
            self._bias_initializer or init_ops.zeros_initializer())

    def call(self, inputs, state):
        weights = (self._gate_kernel, self._candidate_kernel, self._gate_bias,
                   self._candidate_bias)
        if self._fused and _is_tanh(self._activation):
            new_h = rnn_ops.gru_step(inputs, state, *weights)
        else:
            new_h = rnn_ops.gru_step_simple(inputs, state, *weights,
                                            activation=self._activation)
        return new_h, new_h


# =========================================================================
# Cells made of cells
# =========================================================================

class MultiRNNCell(RNNCell):
    """A stack of cells: the output of layer k is the input of layer k + 1.

    Give each layer its own cell object: ``MultiRNNCell([BasicLSTMCell(n) for _ in
    range(k)])``.  The state is a tuple with one entry per layer.
    """

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        cells = list(cells)
        if not cells:
            raise ValueError("MultiRNNCell needs at least one cell.")
        if not state_is_tuple and any(_is_sequence(c.state_size) for c in cells):
            raise ValueError("MultiRNNCell(state_is_tuple=False) needs cells whose states are "
                             "single tensors; give the LSTM cells state_is_tuple=False too, or "
                             "use state_is_tuple=True.")
        seen = {}
        for i, cell in enumerate(cells):
            if id(cell) in seen:
                warnings.warn(
                    "MultiRNNCell: layers %d and %d are the same %s object, so they would "
                    "share one set of weights (and fail if their input sizes differ). Create "
                    "one cell per layer: MultiRNNCell([%s(...) for _ in range(%d)])."
                    % (seen[id(cell)], i, type(cell).__name__, type(cell).__name__, len(cells)),
                    stacklevel=2)
                break
            seen[id(cell)] = i
        self._cells = cells
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        sizes = tuple(cell.state_size for cell in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    @property
    def variables(self):
        return [v for cell in self._cells for v in cell.variables]

    trainable_variables = trainable_weights = weights = variables

    def zero_state(self, batch_size, dtype):
        graph = get_default_graph()
        with graph.name_scope("MultiRNNCellZeroState"):
            states = tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
        return states if self._state_is_tuple else concat(list(states), 1)

    def call(self, inputs, state):
        if self._state_is_tuple and not (_is_sequence(state) and len(state) == len(self._cells)):
            raise TypeError(
                "MultiRNNCell with %d layers expects a tuple of %d states, one per layer, but "
                "got %s.\n  Fix: start from cell.zero_state(batch_size, tf.float32)."
                % (len(self._cells), len(self._cells), _describe_structure(state)))
        offset, new_states, current = 0, [], inputs
        for i, cell in enumerate(self._cells):
            with variable_scope("cell_%d" % i):
                if self._state_is_tuple:
                    layer_state = state[i]
                    if len(_flatten(layer_state)) != len(_flatten(cell.state_size)):
                        raise TypeError(
                            "MultiRNNCell: layer %d (%s) expects a state of sizes %r, but got "
                            "%s.\n  Fix: start from cell.zero_state(batch_size, tf.float32)."
                            % (i, type(cell).__name__, cell.state_size,
                               _describe_structure(layer_state)))
                else:
                    size = int(cell.state_size)
                    layer_state = state[:, offset:offset + size]
                    offset += size
                current, new_state = cell(current, layer_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else concat(new_states, 1)
        return current, new_states


class DropoutWrapper(RNNCell):
    """Dropout on a cell's inputs, outputs and (new) state, each with its own keep_prob.

    Keep probabilities may be floats or tensors (a placeholder fed 1.0 for evaluation).
    State dropout leaves an LSTM's memory ``c`` alone, as TF 1.x does (pass
    ``dropout_state_filter_visitor=lambda s: True`` to drop ``c`` too).  The wrapper adds no
    variable scope: the wrapped cell's variables keep their names.

    By default every time step draws new masks.  With ``variational_recurrent=True`` (Gal &
    Ghahramani 2016, https://arxiv.org/abs/1512.05287) each of inputs, outputs and state gets
    ONE mask per ``Session.run``, used at every time step:

        mask = dropout(ones([1, depth]), keep_prob)      # 0 or 1/keep_prob, drawn once a run
        x_t -> x_t * mask  for every step t

    As in TF 1.x the mask has shape [1, depth]: one pattern shared by the whole batch.  The
    masks are made on the wrapper's first call and reused by every later call in the graph
    (all the steps of static_rnn / dynamic_rnn).  This mode needs ``dtype`` (the masks'
    dtype) and, when the inputs are dropped, ``input_size`` (the depth of one step's input).
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__()
        for label, p in (("input_keep_prob", input_keep_prob),
                         ("output_keep_prob", output_keep_prob),
                         ("state_keep_prob", state_keep_prob)):
            if isinstance(p, (int, float)) and not 0 < p <= 1:
                raise ValueError("DropoutWrapper: %s must be in (0, 1], got %r (it is the "
                                 "probability of KEEPING a unit)." % (label, p))
        self._cell = cell
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._state_filter = dropout_state_filter_visitor
        self._variational_recurrent = bool(variational_recurrent)
        self._masks = {}             # variational masks: (kind, index) -> [1, depth] tensor
        self._masks_graph = None
        if self._variational_recurrent:
            self._mask_dtype = _variational_dtype(dtype)
            self._input_depth = None
            if _drops(input_keep_prob):
                self._input_depth = _variational_input_depth(input_size)

    @property
    def wrapped_cell(self):
        return self._cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    @property
    def variables(self):
        return self._cell.variables

    trainable_variables = trainable_weights = weights = variables

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        inputs = convert_to_tensor(inputs)
        if _drops(self._input_keep_prob):
            if self._variational_recurrent:
                self._check_input_depth(inputs)
            inputs = self._dropout(inputs, self._input_keep_prob, "input", 0,
                                   self._input_depth if self._variational_recurrent else None)
        output, new_state = self._cell(inputs, state, scope=scope)
        if _drops(self._state_keep_prob):
            new_state = self._drop_state(new_state)
        if _drops(self._output_keep_prob):
            depth = _depth(self._cell.output_size) if self._variational_recurrent else None
            output = self._dropout(output, self._output_keep_prob, "output", 0, depth)
        return output, new_state

    def _drop_state(self, state):
        """Drop the state's leaves where the filter says so (by default all but LSTM c)."""
        leaves, wanted = _flatten(state), _flatten(self._state_dropout_flags(state))
        sizes = _flatten(self._cell.state_size) if self._variational_recurrent else []
        if len(sizes) != len(leaves):       # per-step dropout, or a state_size that does not
            sizes = [t.shape.dims[-1] if t.shape.ndims else None for t in leaves]  # say
        dropped = [self._dropout(t, self._state_keep_prob, "state", i, _depth(size))
                   if drop else t
                   for i, (t, drop, size) in enumerate(zip(leaves, wanted, sizes))]
        return _pack_as(state, dropped)

    def _state_dropout_flags(self, state):
        """``state``'s nesting with True where dropout applies (TF's default filter)."""
        if isinstance(state, LSTMStateTuple):
            drop_c = bool(self._state_filter(state.c)) if self._state_filter else False
            return LSTMStateTuple(drop_c, True)
        if _is_sequence(state):
            return tuple(self._state_dropout_flags(s) for s in state)
        return True if self._state_filter is None else bool(self._state_filter(state))

    def _dropout(self, t, keep_prob, kind, index, depth):
        from ..ops import nn_ops
        if not self._variational_recurrent:           # a new mask at every step
            return nn_ops.dropout(t, keep_prob=keep_prob, seed=self._op_seed(kind, index))
        return t * self._variational_mask(t, keep_prob, kind, index, depth)

    def _op_seed(self, kind, index):
        """Distinct op seeds for inputs, outputs and each state leaf (None: graph seed)."""
        if self._seed is None:
            return None
        return self._seed + {"input": 0, "output": 1}.get(kind, 2 + index)

    def _variational_mask(self, t, keep_prob, kind, index, depth):
        """The [1, depth] mask of (kind, index): made on first use, then reused every step."""
        from ..ops import nn_ops
        from ..ops.array_ops import ones
        graph = get_default_graph()
        if self._masks_graph is not graph:          # a new graph: masks made there anew
            self._masks, self._masks_graph = {}, graph
        if t.dtype.base_dtype != self._mask_dtype:
            from ..framework.errors import DTypeError
            raise DTypeError(
                "DropoutWrapper(variational_recurrent=True, dtype=%s) makes %s masks, but the "
                "%s it drops (%s) is %s." % (self._mask_dtype.name, self._mask_dtype.name, kind,
                                             arg_label(t), t.dtype.base_dtype.name),
                hint="pass dtype=tf.%s, the dtype of the RNN's inputs and state."
                     % t.dtype.base_dtype.name)
        key = (kind, index)
        if key not in self._masks:
            if depth is None:
                raise ShapeError(
                    "DropoutWrapper(variational_recurrent=True) needs the depth of the %s to "
                    "make its mask, but %s has shape %s." % (kind, arg_label(t),
                                                             describe(t.shape)),
                    hint="give the cell a known state_size and output_size.")
            name = "variational_%s_mask" % kind if kind != "state" else \
                "variational_state_mask_%d" % index
            with graph.name_scope(name):
                self._masks[key] = nn_ops.dropout(ones([1, depth], dtype=self._mask_dtype),
                                                  keep_prob=keep_prob,
                                                  seed=self._op_seed(kind, index))
        return self._masks[key]

    def _check_input_depth(self, inputs):
        size = inputs.shape.dims[-1] if inputs.shape.ndims else None
        if size is not None and size != self._input_depth:
            raise ShapeError(
                "DropoutWrapper(variational_recurrent=True) was given input_size=%d, but its "
                "input %s has shape %s (depth %d)." % (self._input_depth, arg_label(inputs),
                                                       describe(inputs.shape), size),
                hint="pass input_size=%d, the last dimension of one time step's input." % size)


def _drops(keep_prob):
    """A keep probability that is a tensor, or a number below 1, drops something."""
    return not (isinstance(keep_prob, (int, float)) and keep_prob == 1)


def _depth(size):
    if size is None:
        return None
    if isinstance(size, TensorShape):
        size = size.as_list()[-1]
    return None if size is None else int(size)


def _variational_dtype(dtype):
    from ..framework import dtypes
    if dtype is None:
        raise InvalidArgumentError(
            "DropoutWrapper(variational_recurrent=True) needs dtype=..., the dtype of the "
            "dropout masks it makes once for all time steps (the dtype of the RNN's inputs and "
            "state).", hint="DropoutWrapper(cell, ..., variational_recurrent=True, "
            "dtype=tf.float32).")
    return dtypes.as_dtype(dtype).base_dtype


def _variational_input_depth(input_size):
    if input_size is not None:
        dims = input_size.as_list() if isinstance(input_size, TensorShape) else (
            list(input_size) if _is_sequence(input_size) else [input_size])
        depth = dims[-1] if dims else None
        depth = getattr(depth, "value", depth)
        if depth is not None and int(depth) > 0:
            return int(depth)
    raise InvalidArgumentError(
        "DropoutWrapper(variational_recurrent=True) with input dropout draws one input mask "
        "of shape [1, input_size] for all time steps, so it needs input_size=... (the depth "
        "of one time step's input), but got input_size=%r." % (input_size,),
        hint="pass the last dimension of the inputs, e.g. DropoutWrapper(cell, "
             "input_keep_prob=0.5, variational_recurrent=True, input_size=28, "
             "dtype=tf.float32) for inputs of shape [batch, time, 28]; or leave "
             "input_keep_prob=1.0.")
