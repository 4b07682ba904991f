"""Fused recurrent steps: one op for a whole LSTM step, one for a whole GRU step.

An unrolled RNN repeats the same few lines hundreds of times, so a step built from
primitives (matmul, concat, split, three sigmoids, two tanhs, ...) costs a dozen ops
forward and two dozen backward, every step.  TF 1.x fuses each step into one op
(``LSTMBlockCell``, ``GRUBlockCell``) with one gradient op; so does this file:

    op                 inputs                               outputs
    LSTMBlockCell      x, cs_prev, h_prev, kernel, bias     i, cs, f, o, ci, co, h
    LSTMBlockCellGrad  the above + every output's gradient  dx, dcs_prev, dh_prev, dkernel, dbias
    BlockLSTM          the same for a whole sequence: x is [time, batch, input], every
                       output [time, batch, units] (one op for all the steps)
    BlockLSTMGrad      the above + every output's gradient  dgates, dcs_prev, dh_prev, dkernel, dbias
                       (dx = dgates @ kernel[:input]^T is a separate MatMul)
    GRUBlockCell       x, h_prev, w_ru, w_c, b_ru, b_c      r, u, c, h
    GRUBlockCellGrad   the above + every output's gradient  dx, dh_prev, dw_ru, dw_c, db_ru, db_c

Each fused step has a ``*_simple`` twin built gate by gate from primitive ops.  The twin is
the readable definition; tests check that the fused op agrees with it in value and in
every gradient.  The cells in ``nn/rnn_cell.py`` use the fused op unless built with
``fused=False``.

Also here: ``reverse_sequence`` (reverse the first ``seq_lengths[b]`` steps of each
sequence), which the backward half of a bidirectional RNN needs.
"""
import numpy as np

from ..framework.errors import InvalidArgumentError, NoGradientError, ShapeError, format_site
from ..framework.registry import reference_kernel, register_gradient
from ..framework.shapes import TensorShape, describe
from .array_ops import concat, reshape, shape as shape_op, split
from .constant_op import constant, convert_to_tensor
from .math_ops import _sigmoid_kernel, matmul, maximum, minimum, sigmoid, tanh
from .op_util import arg_label, check_dtype, dtype_mismatch, make_multi_output_op, make_op

__all__ = ["lstm_block_cell", "block_lstm", "lstm_step", "lstm_step_simple", "gru_block_cell",
           "gru_step", "gru_step_simple", "reverse_sequence"]


# =========================================================================
# Checks shared by both cells
# =========================================================================

def _check_step(op_label, x, states, weights):
    """Check one step's tensors; return the number of units (or None if unknown).

    ``states``: [(label, tensor)], each [batch, units].  ``weights``: [(label, tensor,
    expected shape as a function of (input size, units))].
    """
    check_dtype(op_label, x, {"float"})
    for _, t, *_ in states + weights:
        if t.dtype.base_dtype != x.dtype.base_dtype:
            raise dtype_mismatch(op_label, x, t)
    if x.shape.ndims is not None and x.shape.ndims != 2:
        raise ShapeError(
            "%s: the input must be one time step of shape [batch, input_size], but %s has "
            "shape %s." % (op_label, arg_label(x), describe(x.shape)),
            hint="for a whole sequence [batch, time, input] use tf.nn.dynamic_rnn, or "
                 "tf.unstack(x, axis=1) and call the step once per time step.")
    input_size = x.shape.dims[1] if x.shape.ndims == 2 else None
    return _check_sizes(op_label, input_size, states, weights)


def _check_sizes(op_label, input_size, states, weights):
    """The states' and weights' shapes (see :func:`_check_step`); returns the units."""
    units = None
    for label, t in states:
        if t.shape.ndims is not None and t.shape.ndims != 2:
            raise ShapeError("%s: %s must have shape [batch, units], but %s has shape %s."
                             % (op_label, label, arg_label(t), describe(t.shape)))
        if t.shape.ndims == 2 and t.shape.dims[1] is not None:
            if units is not None and t.shape.dims[1] != units:
                raise ShapeError("%s: the states disagree on the number of units (%d and %d): "
                                 "%s has shape %s." % (op_label, units, t.shape.dims[1],
                                                       arg_label(t), describe(t.shape)))
            units = t.shape.dims[1]
    for label, t, expected in weights:
        if units is None or input_size is None:
            continue
        want = TensorShape(expected(input_size, units))
        if not t.shape.is_compatible_with(want):
            raise ShapeError(
                "%s: %s must have shape %s for inputs of size %d and %d units, but %s has "
                "shape %s." % (op_label, label, describe(want), input_size, units, arg_label(t),
                               describe(t.shape)))
    return units


def _shape2(batch_like, units):
    batch = batch_like.shape.dims[0] if batch_like.shape.ndims == 2 else None
    return TensorShape([batch, units])


def _no_second_order(fused_name, simple_name):
    def grad(op, *grads):
        raise NoGradientError(
            "%s (op '%s', created at %s) is the hand-written backward pass of one fused %s "
            "step; it has no gradient of its own, so second derivatives through a fused cell "
            "are not available." % (op.type, op.name, format_site(op.site), fused_name),
            hint="build the cell with fused=False (it then uses %s, made of primitive ops "
                 "that can be differentiated again)." % simple_name)
    grad.__doc__ = ("not differentiable: raises NoGradientError naming the fix (fused=False)")
    return grad


# =========================================================================
# LSTM step
# =========================================================================

def lstm_step_simple(x, c_prev, h_prev, kernel, bias, forget_bias=1.0, cell_clip=None,
                     activation=tanh):
    """One LSTM step, gate by gate (TF 1.x ``BasicLSTMCell``'s formulation).

        i, j, f, o = split([x, h_prev] @ kernel + bias, 4)     (gate order i, j, f, o)
        c = sigmoid(f + forget_bias) * c_prev + sigmoid(i) * tanh(j)
        c = clip(c, -cell_clip, cell_clip)                      (if cell_clip)
        h = tanh(c) * sigmoid(o)

    Returns ``(c, h)``.
    """
    gates = matmul(concat([x, h_prev], 1), kernel) + bias
    i, j, f, o = split(gates, 4, axis=1)
    c = sigmoid(f + forget_bias) * c_prev + sigmoid(i) * activation(j)
    if cell_clip is not None:
        c = minimum(maximum(c, -float(cell_clip)), float(cell_clip))
    h = activation(c) * sigmoid(o)
    return c, h


def lstm_block_cell(x, cs_prev, h_prev, kernel, bias, forget_bias=1.0, cell_clip=None,
                    name=None):
    """One fused LSTM step (TF's ``LSTMBlockCell`` without peepholes).

    Same math as :func:`lstm_step_simple`; returns TF's seven outputs
    ``(i, cs, f, o, ci, co, h)``: the gate activations (``ci`` = tanh(j)), the new cell
    state ``cs``, ``co`` = tanh(cs) and the new output ``h``.
    """
    x, cs_prev, h_prev, kernel, bias = [convert_to_tensor(t) for t in
                                         (x, cs_prev, h_prev, kernel, bias)]
    units = _check_step(
        "LSTMBlockCell", x, [("the cell state c_prev", cs_prev), ("the output h_prev", h_prev)],
        [("the kernel", kernel, lambda n, u: [n + u, 4 * u]),
         ("the bias", bias, lambda n, u: [4 * u])])
    if cell_clip is not None and not cell_clip > 0:
        raise ValueError("LSTMBlockCell: cell_clip must be positive (or None), got %r."
                         % (cell_clip,))
    out = (x.dtype.base_dtype, _shape2(x, units))
    return tuple(make_multi_output_op(
        "LSTMBlockCell", [x, cs_prev, h_prev, kernel, bias], [out] * 7,
        name=name or "LSTMBlockCell",
        attrs={"forget_bias": float(forget_bias),
               "cell_clip": None if cell_clip is None else float(cell_clip)}))


def lstm_step(x, c_prev, h_prev, kernel, bias, forget_bias=1.0, cell_clip=None, fused=True):
    """One LSTM step, ``(c, h)``: the fused op, or its gate-by-gate twin with fused=False."""
    if not fused:
        return lstm_step_simple(x, c_prev, h_prev, kernel, bias, forget_bias, cell_clip)
    _, c, _, _, _, _, h = lstm_block_cell(x, c_prev, h_prev, kernel, bias, forget_bias,
                                          cell_clip)
    return c, h


@reference_kernel("LSTMBlockCell")
def _lstm_block_cell(x, cs_prev, h_prev, kernel, bias, forget_bias, cell_clip):
    """gates = [x, h_prev] @ kernel + bias, then :func:`_lstm_gates_to_outputs`"""
    gates = np.concatenate([x, h_prev], axis=1) @ kernel + bias
    return _lstm_gates_to_outputs(gates, cs_prev, forget_bias, cell_clip)


def _lstm_gates_to_outputs(gates, cs_prev, forget_bias, cell_clip):
    """i, j, f, o = split(gates, 4)
    i = sigmoid(i), ci = tanh(j), f = sigmoid(f + forget_bias), o = sigmoid(o)
    cs = clip(ci * i + cs_prev * f), co = tanh(cs), h = co * o
    Returns (i, cs, f, o, ci, co, h)."""
    i, j, f, o = np.split(gates, 4, axis=1)
    i = _sigmoid_kernel(i)
    ci = np.tanh(j)
    f = _sigmoid_kernel(f + np.asarray(forget_bias, dtype=gates.dtype))
    o = _sigmoid_kernel(o)
    cs = ci * i + cs_prev * f
    if cell_clip is not None:
        cs = np.clip(cs, -cell_clip, cell_clip).astype(gates.dtype, copy=False)
    co = np.tanh(cs)
    return i, cs, f, o, ci, co, co * o


def _zero_for_none(grads, dtype):
    """Gradients of outputs nothing depends on arrive as None: pass a scalar 0 instead (a
    constant, free at run time; the kernels broadcast it) rather than a zero-filled array."""
    zero = None
    out = []
    for g in grads:
        if g is None:
            if zero is None:
                zero = constant(0, dtype=dtype, name="no_gradient")
            g = zero
        out.append(g)
    return out


@register_gradient("LSTMBlockCell")
def _lstm_block_cell_grad(op, d_i, d_cs, d_f, d_o, d_ci, d_co, d_h):
    """all five input gradients from one LSTMBlockCellGrad op (see its kernel for the math)"""
    x, cs_prev, h_prev, kernel, bias = op.inputs
    i, cs, f, o, ci, co, _ = op.outputs
    dtype = x.dtype.base_dtype
    out_grads = _zero_for_none([d_i, d_cs, d_f, d_o, d_ci, d_co, d_h], dtype)
    return list(make_multi_output_op(
        "LSTMBlockCellGrad", [x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co] + out_grads,
        [(dtype, t.shape) for t in op.inputs], name="LSTMBlockCellGrad",
        attrs={"cell_clip": op.attrs["cell_clip"]}))


_lstm_block_cell_grad.accepts_none = True      # gradients.py: no zeros_like for unused outputs


@reference_kernel("LSTMBlockCellGrad")
def _lstm_block_cell_grad_kernel(x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co,
                                 d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip):
    """Backward through one step (the element-wise part: :func:`_lstm_gate_grads`), then

        d_kernel = [x, h_prev]^T @ d_gates,  d_bias = d_gates summed over the batch
        [d_x, d_h_prev] = d_gates @ kernel^T

    An output's gradient may be a scalar 0 (nothing depended on that output)."""
    d_gates, d_cs_prev = _lstm_gate_grads(cs_prev, i, cs, f, o, ci, co,
                                          d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip)
    d_kernel = np.concatenate([x, h_prev], axis=1).T @ d_gates
    d_bias = d_gates.sum(axis=0)
    d_xh = d_gates @ kernel.T
    n = np.shape(x)[1]
    return d_xh[:, :n], d_cs_prev, d_xh[:, n:], d_kernel, d_bias


def _lstm_gate_grads(cs_prev, i, cs, f, o, ci, co, d_i, d_cs, d_f, d_o, d_ci, d_co, d_h,
                     cell_clip):
    """For s = sigmoid(.): s' = s (1 - s); for t = tanh(.): 1 - t^2

        d_o  += d_h * co,  d_co += d_h * o
        d_cs += d_co * (1 - co^2),  then 0 where the clip cut cs
        d_cs_prev = d_cs * f
        d_i += d_cs * ci,  d_ci += d_cs * i,  d_f += d_cs * cs_prev
        d_gates = [d_i i (1 - i), d_ci (1 - ci^2), d_f f (1 - f), d_o o (1 - o)]

    Returns (d_gates, d_cs_prev)."""
    d_o = d_o + d_h * co
    d_co = d_co + d_h * o
    d_cs = d_cs + d_co * (1 - co * co)
    if cell_clip is not None:
        d_cs = d_cs * (np.abs(cs) < cell_clip)
    d_cs_prev = d_cs * f
    d_i = d_i + d_cs * ci
    d_ci = d_ci + d_cs * i
    d_f = d_f + d_cs * cs_prev
    d_gates = np.concatenate([d_i * i * (1 - i), d_ci * (1 - ci * ci), d_f * f * (1 - f),
                              d_o * o * (1 - o)], axis=1)
    return d_gates, d_cs_prev


register_gradient("LSTMBlockCellGrad")(_no_second_order("LSTM", "lstm_step_simple"))


# =========================================================================
# LSTM over a whole sequence (BlockLSTM)
# =========================================================================

def block_lstm(x, cs_prev, h_prev, kernel, bias, forget_bias=1.0, cell_clip=None, name=None):
    """A whole LSTM sequence in one op (TF's ``BlockLSTM`` without peepholes).

    ``x`` is time-major, [time, batch, input_size]; ``cs_prev``, ``h_prev`` [batch, units]
    are the initial state; ``kernel`` [input_size + units, 4 units] and ``bias`` [4 units]
    are laid out as in :func:`lstm_block_cell`.  Returns the seven outputs of
    :func:`lstm_block_cell` for every step, each [time, batch, units]:
    ``(i, cs, f, o, ci, co, h)``.

    Same numbers as ``lstm_block_cell`` called once per step; what one op buys is that
    ``x @ kernel[:input_size]`` is ONE matrix product over all the steps, and so is the
    backward pass's kernel gradient (the per-step op needs one of each per step).
    """
    x, cs_prev, h_prev, kernel, bias = [convert_to_tensor(t) for t in
                                         (x, cs_prev, h_prev, kernel, bias)]
    check_dtype("BlockLSTM", x, {"float"})
    for t in (cs_prev, h_prev, kernel, bias):
        if t.dtype.base_dtype != x.dtype.base_dtype:
            raise dtype_mismatch("BlockLSTM", x, t)
    if x.shape.ndims is not None and x.shape.ndims != 3:
        raise ShapeError(
            "BlockLSTM: the inputs must be a whole sequence of shape [time, batch, input_size] "
            "(time-major), but %s has shape %s." % (arg_label(x), describe(x.shape)),
            hint="for batch-major inputs [batch, time, input] pass tf.transpose(x, [1, 0, 2]); "
                 "for one step [batch, input] use lstm_block_cell.")
    input_size = x.shape.dims[2] if x.shape.ndims == 3 else None
    if input_size is None:
        raise ShapeError(
            "BlockLSTM needs the input size when the graph is built, but %s has shape %s."
            % (arg_label(x), describe(x.shape)),
            hint="give the inputs a known last dimension, e.g. tf.placeholder(tf.float32, "
                 "[28, None, 28]).")
    units = _check_sizes(
        "BlockLSTM", input_size,
        [("the cell state cs_prev", cs_prev), ("the output h_prev", h_prev)],
        [("the kernel", kernel, lambda n, u: [n + u, 4 * u]),
         ("the bias", bias, lambda n, u: [4 * u])])
    if cell_clip is not None and not cell_clip > 0:
        raise ValueError("BlockLSTM: cell_clip must be positive (or None), got %r." % (cell_clip,))
    time, batch = x.shape.dims[:2] if x.shape.ndims == 3 else (None, None)
    if batch is None and cs_prev.shape.ndims == 2:
        batch = cs_prev.shape.dims[0]
    out = (x.dtype.base_dtype, TensorShape([time, batch, units]))
    return tuple(make_multi_output_op(
        "BlockLSTM", [x, cs_prev, h_prev, kernel, bias], [out] * 7, name=name or "BlockLSTM",
        attrs={"forget_bias": float(forget_bias),
               "cell_clip": None if cell_clip is None else float(cell_clip)}))


@reference_kernel("BlockLSTM")
def _block_lstm(x, cs_prev, h_prev, kernel, bias, forget_bias, cell_clip):
    """x_part = x @ kernel[:input_size] + bias           (one product, every step at once)
    for t = 0 .. time - 1:
        gates = x_part[t] + h @ kernel[input_size:]       (= [x[t], h] @ kernel + bias)
        i, cs, f, o, ci, co, h = _lstm_gates_to_outputs(gates, cs, ...)"""
    steps, batch, n = np.shape(x)
    units = np.shape(cs_prev)[1]
    x_part = np.reshape(x, (steps * batch, n)) @ kernel[:n] + bias
    x_part = x_part.reshape(steps, batch, 4 * units)
    w_h = kernel[n:]
    outputs = np.zeros((7, steps, batch, units), dtype=x_part.dtype)
    cs, h = cs_prev, h_prev
    for t in range(steps):
        gates = x_part[t] + h @ w_h
        step = _lstm_gates_to_outputs(gates, cs, forget_bias, cell_clip)
        outputs[:, t] = step
        cs, h = step[1], step[6]
    return tuple(outputs)


@register_gradient("BlockLSTM")
def _block_lstm_grad(op, d_i, d_cs, d_f, d_o, d_ci, d_co, d_h):
    """all five input gradients from one BlockLSTMGrad op (see its kernel for the math)"""
    x, cs_prev, h_prev, kernel, bias = op.inputs
    i, cs, f, o, ci, co, h = op.outputs
    dtype = x.dtype.base_dtype
    out_grads = _zero_for_none([d_i, d_cs, d_f, d_o, d_ci, d_co, d_h], dtype)
    d_gates_shape = TensorShape(list(x.shape.dims[:2]) + [kernel.shape.dims[1]])
    d_gates, d_cs_prev, d_h_prev, d_kernel, d_bias = make_multi_output_op(
        "BlockLSTMGrad", [x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, h] + out_grads,
        [(dtype, d_gates_shape)] + [(dtype, t.shape) for t in op.inputs[1:]],
        name="BlockLSTMGrad", attrs={"cell_clip": op.attrs["cell_clip"]})
    # d_x = d_gates @ kernel[:input_size]^T as ordinary ops, so that the session skips this
    # product when nothing needs d_x (x is usually a placeholder)
    n = x.shape.dims[2]
    d_x = matmul(reshape(d_gates, [-1, d_gates_shape.dims[2]]), kernel[:n], transpose_b=True)
    return [reshape(d_x, shape_op(x)), d_cs_prev, d_h_prev, d_kernel, d_bias]


_block_lstm_grad.accepts_none = True           # gradients.py: no zeros_like for unused outputs


@reference_kernel("BlockLSTMGrad")
def _block_lstm_grad_kernel(x, cs_prev, h_prev, kernel, i, cs, f, o, ci, co, h,
                            d_i, d_cs, d_f, d_o, d_ci, d_co, d_h, cell_clip):
    """Backpropagation through time.  From the last step back to the first, the state
    gradients the later step sent back (d_cs_next, d_h_next; zero after the last step) join
    the outputs' own gradients:

        d_gates[t], d_cs_next = _lstm_gate_grads(..., d_cs[t] + d_cs_next, ..., d_h[t] + d_h_next)
        d_h_next = d_gates[t] @ kernel[input_size:]^T

    then ONE product over all the steps (h_prev[t] = h[t - 1], h_prev[0] = h_prev):

        d_kernel = [x, h_prev]^T @ d_gates,  d_bias = d_gates summed over steps and batch

    Returns (d_gates, d_cs_prev, d_h_prev, d_kernel, d_bias): the gradient function makes
    d_x = d_gates @ kernel[:input_size]^T from ordinary ops.  An output's gradient may be a
    scalar 0 (nothing depended on that output)."""
    steps, batch, n = np.shape(x)
    units = np.shape(cs_prev)[1]
    d_outputs = [np.broadcast_to(g, np.shape(cs)) for g in (d_i, d_cs, d_f, d_o, d_ci, d_co, d_h)]
    d_gates = np.zeros((steps, batch, 4 * units), dtype=cs.dtype)
    d_cs_next = np.zeros_like(cs_prev)
    d_h_next = np.zeros_like(h_prev)
    w_h = kernel[n:]
    for t in reversed(range(steps)):
        g_i, g_cs, g_f, g_o, g_ci, g_co, g_h = (g[t] for g in d_outputs)
        c_before = cs[t - 1] if t > 0 else cs_prev
        d_gates[t], d_cs_next = _lstm_gate_grads(
            c_before, i[t], cs[t], f[t], o[t], ci[t], co[t], g_i, g_cs + d_cs_next, g_f, g_o,
            g_ci, g_co, g_h + d_h_next, cell_clip)
        d_h_next = d_gates[t] @ w_h.T
    h_before = np.concatenate([np.reshape(h_prev, (1, batch, units)), h[:-1]], axis=0)
    xh = np.concatenate([x, h_before], axis=2).reshape(steps * batch, n + units)
    flat = d_gates.reshape(steps * batch, 4 * units)
    d_kernel = xh.T @ flat
    d_bias = flat.sum(axis=0)
    return d_gates, d_cs_next, d_h_next, d_kernel, d_bias


register_gradient("BlockLSTMGrad")(_no_second_order("LSTM", "lstm_step_simple"))


# =========================================================================
# GRU step
# =========================================================================

def gru_step_simple(x, h_prev, w_ru, w_c, b_ru, b_c, activation=tanh):
    """One GRU step, gate by gate (TF 1.x ``GRUCell``'s formulation).

        r, u = split(sigmoid([x, h_prev] @ w_ru + b_ru), 2)     (gate order r, u)
        c = tanh([x, r * h_prev] @ w_c + b_c)
        h = u * h_prev + (1 - u) * c

    Returns the new state ``h`` (which is also the output).
    """
    gates = sigmoid(matmul(concat([x, h_prev], 1), w_ru) + b_ru)
    r, u = split(gates, 2, axis=1)
    c = activation(matmul(concat([x, r * h_prev], 1), w_c) + b_c)
    return u * h_prev + (1 - u) * c


def gru_block_cell(x, h_prev, w_ru, w_c, b_ru, b_c, name=None):
    """One fused GRU step (TF's ``GRUBlockCell``): returns ``(r, u, c, h)``.

    Same math as :func:`gru_step_simple`; ``r``, ``u`` are the reset and update gates, ``c``
    the candidate and ``h`` the new state.
    """
    x, h_prev, w_ru, w_c, b_ru, b_c = [convert_to_tensor(t) for t in
                                       (x, h_prev, w_ru, w_c, b_ru, b_c)]
    units = _check_step(
        "GRUBlockCell", x, [("the state h_prev", h_prev)],
        [("the gate kernel w_ru", w_ru, lambda n, u: [n + u, 2 * u]),
         ("the candidate kernel w_c", w_c, lambda n, u: [n + u, u]),
         ("the gate bias b_ru", b_ru, lambda n, u: [2 * u]),
         ("the candidate bias b_c", b_c, lambda n, u: [u])])
    out = (x.dtype.base_dtype, _shape2(x, units))
    return tuple(make_multi_output_op("GRUBlockCell", [x, h_prev, w_ru, w_c, b_ru, b_c],
                                      [out] * 4, name=name or "GRUBlockCell"))


def gru_step(x, h_prev, w_ru, w_c, b_ru, b_c, fused=True):
    """One GRU step, the new ``h``: the fused op, or its twin with fused=False."""
    if not fused:
        return gru_step_simple(x, h_prev, w_ru, w_c, b_ru, b_c)
    return gru_block_cell(x, h_prev, w_ru, w_c, b_ru, b_c)[3]


@reference_kernel("GRUBlockCell")
def _gru_block_cell(x, h_prev, w_ru, w_c, b_ru, b_c):
    """r, u = split(sigmoid([x, h_prev] @ w_ru + b_ru), 2)
    c = tanh([x, r * h_prev] @ w_c + b_c),  h = u * h_prev + (1 - u) * c"""
    ru = _sigmoid_kernel(np.concatenate([x, h_prev], axis=1) @ w_ru + b_ru)
    r, u = np.split(ru, 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h_prev], axis=1) @ w_c + b_c)
    return r, u, c, u * h_prev + (1 - u) * c


@register_gradient("GRUBlockCell")
def _gru_block_cell_grad(op, d_r, d_u, d_c, d_h):
    """all six input gradients from one GRUBlockCellGrad op (see its kernel for the math)"""
    x, h_prev, w_ru, w_c, b_ru, b_c = op.inputs
    r, u, c, _ = op.outputs
    dtype = x.dtype.base_dtype
    return list(make_multi_output_op(
        "GRUBlockCellGrad", [x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h],
        [(dtype, t.shape) for t in op.inputs], name="GRUBlockCellGrad"))


@reference_kernel("GRUBlockCellGrad")
def _gru_block_cell_grad_kernel(x, h_prev, w_ru, w_c, r, u, c, d_r, d_u, d_c, d_h):
    """Backward through one step (s' = s (1 - s), tanh' = 1 - c^2):

        d_h_prev = d_h * u,  d_u += d_h * (h_prev - c),  d_c += d_h * (1 - u)
        d_c_bar = d_c (1 - c^2)
        d_w_c = [x, r h_prev]^T @ d_c_bar,  d_b_c = sum over the batch of d_c_bar
        [d_x, d_rh] = d_c_bar @ w_c^T;  d_r += d_rh * h_prev,  d_h_prev += d_rh * r
        d_ru_bar = [d_r r (1 - r), d_u u (1 - u)]
        d_w_ru = [x, h_prev]^T @ d_ru_bar,  d_b_ru = sum over the batch of d_ru_bar
        [d_x, d_h_prev] += d_ru_bar @ w_ru^T
    """
    n = np.shape(x)[1]
    d_h_prev = d_h * u
    d_u = d_u + d_h * (h_prev - c)
    d_c_bar = (d_c + d_h * (1 - u)) * (1 - c * c)
    d_w_c = np.concatenate([x, r * h_prev], axis=1).T @ d_c_bar
    d_b_c = d_c_bar.sum(axis=0)
    d_xrh = d_c_bar @ w_c.T
    d_x = d_xrh[:, :n]
    d_r = d_r + d_xrh[:, n:] * h_prev
    d_h_prev = d_h_prev + d_xrh[:, n:] * r
    d_ru_bar = np.concatenate([d_r * r * (1 - r), d_u * u * (1 - u)], axis=1)
    d_w_ru = np.concatenate([x, h_prev], axis=1).T @ d_ru_bar
    d_b_ru = d_ru_bar.sum(axis=0)
    d_xh = d_ru_bar @ w_ru.T
    return d_x + d_xh[:, :n], d_h_prev + d_xh[:, n:], d_w_ru, d_w_c, d_b_ru, d_b_c


register_gradient("GRUBlockCellGrad")(_no_second_order("GRU", "gru_step_simple"))


# =========================================================================
# reverse_sequence (for bidirectional RNNs)
# =========================================================================

def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,  # noqa: A002
                     seq_dim=None, batch_dim=None):
    """Reverse the first ``seq_lengths[b]`` entries along ``seq_axis`` of each sequence b.

    Entries past a sequence's length (padding) stay where they are, so a padded sequence
    ``[a, b, c, 0, 0]`` with length 3 becomes ``[c, b, a, 0, 0]``.
    """
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    check_dtype("tf.reverse_sequence seq_lengths", lengths, {"int"})
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim or 0)
    if seq_axis is None:
        raise ValueError("tf.reverse_sequence needs seq_axis (the time axis).")
    if x.shape.ndims is not None:
        seq_axis, batch_axis = seq_axis % x.shape.ndims, batch_axis % x.shape.ndims
    return make_op("ReverseSequence", [x, lengths], x.dtype.base_dtype, x.shape,
                   name=name or "ReverseSequence",
                   attrs={"seq_axis": int(seq_axis), "batch_axis": int(batch_axis)})


@reference_kernel("ReverseSequence")
def _reverse_sequence(x, seq_lengths, seq_axis, batch_axis):
    """out[b, t] = x[b, len_b - 1 - t] for t < len_b, else x[b, t] (axes moved to b, t)"""
    moved = np.moveaxis(np.asarray(x), (batch_axis, seq_axis), (0, 1))
    out = moved.copy()
    for b, n in enumerate(np.asarray(seq_lengths).ravel()):
        n = int(n)
        if not 0 <= n <= moved.shape[1]:
            raise InvalidArgumentError(
                "tf.reverse_sequence: seq_lengths[%d] = %d, but the sequences have %d steps."
                % (b, n, moved.shape[1]))
        out[b, :n] = moved[b, :n][::-1]
    return np.moveaxis(out, (0, 1), (batch_axis, seq_axis))


@register_gradient("ReverseSequence")
def _reverse_sequence_grad(op, grad):
    """reversing is its own inverse: the gradient is reversed back the same way"""
    return reverse_sequence(grad, op.inputs[1], op.attrs["seq_axis"],
                            op.attrs["batch_axis"]), None

