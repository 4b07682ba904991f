"""What the engine knows about each op type: its kernels and its gradient.

An op family file (``ops/math_ops.py`` ...) declares, next to each other::

    @reference_kernel("Mul")          # the executable spec, plain NumPy
    def _mul(x, y):
        return x * y

    @register_gradient("Mul")
    def _mul_grad(op, grad):
        '''d(x*y)/dx = y, d(x*y)/dy = x'''
        ...

Fast kernels (``kernels/numba_cpu.py``, ``kernels/numba_cuda.py``) register against the
same op type with :func:`register_kernel`; the session picks one per op when it builds a
plan, never per run.

Kernel calling convention: ``kernel(*input_values, **attrs)`` returns one value, or a tuple
with one value per output.  Kernels never modify their inputs.  Kernels that need the
session (variables, random state) are declared with ``needs_context=True`` and receive a
:class:`KernelContext` as first argument.
"""


class OpDef:
    __slots__ = ("type", "kernels", "gradient", "has_gradient", "needs_context", "ref_inputs",
                 "returns_view", "writes_only")

    def __init__(self, op_type):
        self.type = op_type
        self.kernels = {}             # device kind ("reference", "numba_cpu", "cuda") -> fn
        self.gradient = None
        self.has_gradient = None      # None: unknown, False: declared not differentiable
        self.needs_context = False
        self.ref_inputs = ()          # inputs passed by reference (a variable), not by value
        self.returns_view = False     # output may share memory with input 0
        self.writes_only = False      # overwrites its ref input without reading it (Assign)


_OP_DEFS = {}


def op_def(op_type):
    try:
        return _OP_DEFS[op_type]
    except KeyError:
        d = _OP_DEFS[op_type] = OpDef(op_type)
        return d


def reference_kernel(op_type, needs_context=False, ref_inputs=(), returns_view=False,
                     writes_only=False):
    """Register the NumPy reference kernel of ``op_type``."""
    def decorate(fn):
        d = op_def(op_type)
        d.kernels["reference"] = fn
        d.needs_context = needs_context
        d.ref_inputs = tuple(ref_inputs)
        d.returns_view = returns_view
        d.writes_only = writes_only
        return fn
    return decorate


def register_kernel(op_type, device_kind):
    """Register a fast kernel (same signature as the reference one) for a device kind."""
    def decorate(fn):
        op_def(op_type).kernels[device_kind] = fn
        return fn
    return decorate


def register_gradient(op_type):
    """Register ``fn(op, *output_grads) -> gradient tensor(s), one per input (None if none)``."""
    def decorate(fn):
        d = op_def(op_type)
        d.gradient = fn
        d.has_gradient = True
        return fn
    return decorate


def not_differentiable(*op_types):
    """Declare op types whose inputs get no gradient (argmax, equal, shape, ...)."""
    for t in op_types:
        op_def(t).has_gradient = False


def get_op_def(op_type):
    return _OP_DEFS.get(op_type)


def registered_op_types():
    return sorted(_OP_DEFS)


class KernelContext:
    """Handed to kernels declared ``needs_context``: the session's state for one op.

    ``state``: the session's dict of variable values; ``op``: the op; ``session``.
    """

    __slots__ = ("session", "state", "op", "key", "_rng")

    def __init__(self, session, op):
        self.session = session
        self.state = session._variable_values
        self.op = op
        self.key = None
        self._rng = None

    def rng(self):
        """This op's random generator in this session (see ops/random_ops.py for seeds)."""
        if self._rng is None:
            self._rng = self.session._rng_for(self.op)
        return self._rng
