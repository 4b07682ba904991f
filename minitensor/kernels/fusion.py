"""Fusing ``x + b`` with the activation after it: one kernel instead of two.

A dense layer is ``relu(matmul(x, w) + b)``: three ops.  Run one by one, the bias add writes
a whole array that the activation reads straight back -- a pass over memory for nothing,
and (on a GPU) one more kernel launch.  TF's graph optimizer (Grappler's "remapper") fuses
such chains when a session runs the graph; minitensor does the same when it builds a run's
plan (``Session._build_plan``):

    step i:    t = BiasAdd(x, b)   or  t = Add(x, b)  with b a vector along x's last axis
    step i+1:  y = Relu(t)         (or Sigmoid / Tanh on the GPU)
    ->         y = act(x + b), one kernel; t is never stored

only when it is safe: the two steps are next to each other, on the same device, ``t`` is
read by nothing else in the run and not fetched (the gradient of Relu reads Relu's output,
not ``t``, for this reason), and the shapes are known when the graph is built.  The graph
itself is unchanged: ``log_device_placement`` lists both ops, and a line says they were
fused.

Fusion is off with the reference kernels (``MINITENSOR_KERNELS=reference``: every op runs
as its own readable NumPy kernel, to step through) and in ``find_first_nonfinite``, which
checks every op's output.
"""
import numpy as np

from .devices import GPU
from .jit import njit_lazy, numba_available

ACTIVATIONS_CPU = ("Relu",)                       # Sigmoid/Tanh: NumPy's exp/tanh is faster
ACTIVATIONS_GPU = ("Relu", "Sigmoid", "Tanh")


# --- the fused CPU kernel -----------------------------------------------------------------

def _bias_relu_loop(out, x, b):
    """for r in range(rows): for j in range(n): out[r, j] = max(x[r, j] + b[j], 0)
    (x and out flat, n = b.size; NaN stays NaN, like np.maximum)"""
    zero = x.dtype.type(0)
    n = b.size
    for r in range(x.size // n):
        for j in range(n):
            v = x[r * n + j] + b[j]
            out[r * n + j] = zero if v <= zero else v


_bias_relu_kernel = njit_lazy(_bias_relu_loop, "W1 R1 R1")


def bias_relu_cpu(x, b):
    """relu(x + b) in one pass (the Numba loop above), for a C-contiguous float x whose last
    axis is b's; anything else as the two reference kernels would compute it."""
    if (type(x) is np.ndarray and type(b) is np.ndarray and x.dtype == b.dtype
            and x.dtype in (np.float32, np.float64) and x.flags.c_contiguous and x.size
            and b.ndim == 1 and x.ndim >= 1 and x.shape[-1] == b.size):
        out = np.empty_like(x)
        _bias_relu_kernel(out.reshape(-1), x.reshape(-1), b)
        return out
    return np.maximum(x + b, 0)


# --- finding the pairs ----------------------------------------------------------------------

def _adds_a_bias(op):
    """Is ``op`` x + b with b a vector along x's last axis, shapes known statically?"""
    if op.type == "BiasAdd":
        x = op.inputs[0]
        return x.shape.ndims is not None and op.attrs["axis"] == x.shape.ndims - 1
    if op.type != "Add":
        return False
    x, b = op.inputs
    return (x.shape.ndims is not None and x.shape.ndims >= 2 and b.shape.ndims == 1
            and b.shape.dims[0] is not None and x.shape.dims[-1] == b.shape.dims[0])


def fuse_bias_activations(plan, device_of, gpu_kernels):
    """Rewrite ``plan.steps`` in place, fusing each safe (bias add, activation) pair; return
    the fused pairs as (add op, activation op, device) for the placement log.  ``plan.fused``
    maps each fused activation op to its add op (a traced run labels the step with both).

    ``device_of``: op -> CPU or GPU (kernels/devices.py); ``gpu_kernels``: the numba_cuda
    module when a GPU is in use, else None."""
    steps = plan.steps
    reads = {}
    for _, ins, _, _ in steps:
        for slot in ins:
            reads[slot] = reads.get(slot, 0) + 1
    fetched = set(s for s in plan.fetch_slots if s is not None)
    fused, out_steps, i = [], [], 0
    while i < len(steps):
        step = steps[i]
        if i + 1 < len(steps):
            pair = _fusable(step, steps[i + 1], reads, fetched, device_of, gpu_kernels)
            if pair is not None:
                kernel, device = pair
                add_op, act_op = step[3], steps[i + 1][3]
                out_steps.append((kernel, step[1], steps[i + 1][2], act_op))
                fused.append((add_op, act_op, device))
                plan.fused[act_op] = add_op
                i += 2
                continue
        out_steps.append(step)
        i += 1
    plan.steps = out_steps
    return fused


def _fusable(first, second, reads, fetched, device_of, gpu_kernels):
    """(fused kernel, device) when ``first`` then ``second`` can run as one kernel."""
    _, ins, out, add_op = first
    _, act_ins, _, act_op = second
    if not (_adds_a_bias(add_op) and out.__class__ is int and act_ins == (out,)
            and reads.get(out) == 1 and out not in fetched):
        return None
    device = device_of.get(add_op)
    if device != device_of.get(act_op) or len(ins) != 2:
        return None
    if device == GPU:
        if gpu_kernels is None or act_op.type not in ACTIVATIONS_GPU:
            return None
        return gpu_kernels.fused_bias_activation(act_op.type), device
    if act_op.type not in ACTIVATIONS_CPU or not numba_available():
        return None
    return bias_relu_cpu, device
