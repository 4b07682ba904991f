"""Variables: state that lives in a session and survives between ``Session.run`` calls.

``tf.Variable(initial_value)`` adds four ops, named the TF 1.x way::

    Variable/initial_value  (Const)       the value to start from
    Variable                (VariableV2)  the variable itself (its value lives in a session)
    Variable/Assign         (Assign)      the initializer: copies initial_value in
    Variable/read           (Identity)    what other ops read

Values live in ``Session``, not in the graph: two sessions on one graph hold two values.
"""
import numpy as np

from ..framework import dtypes
from ..framework.errors import ShapeError, format_site
from ..framework.graph import GraphKeys, default_session_for, get_default_graph
from ..framework.registry import not_differentiable, reference_kernel
from ..framework.shapes import TensorShape, describe
from ..framework.tensor import Tensor, TensorLike
from .array_ops import identity
from .constant_op import convert_to_tensor
from .control_ops import group, no_op
from .op_util import make_op


class Variable(TensorLike):
    """A tensor whose value persists across ``Session.run`` calls (TF 1.x ``tf.Variable``).

    >>> w = tf.Variable([.3], tf.float32)
    >>> print(w)
    <tf.Variable 'Variable:0' shape=(1,) dtype=float32_ref>
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 expected_shape=None, import_scope=None, constraint=None, use_resource=None,
                 synchronization=None, aggregation=None):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value, e.g. tf.Variable(tf.zeros([3])).")
        graph = get_default_graph()
        self.trainable = bool(trainable)
        self.constraint = constraint
        with graph.name_scope(name or "Variable") as scope:
            var_name = scope[:-1]
            if callable(initial_value):
                initial_value = initial_value()
            init = self._initial_tensor(initial_value, dtype)
            shape = init.shape if validate_shape else TensorShape(None)
            if validate_shape and not shape.is_fully_defined():
                raise ShapeError(
                    "tf.Variable %r: the initial value has shape %s, which is not fully known. "
                    "Give it a fixed shape, or pass validate_shape=False."
                    % (var_name, describe(shape)))
            base = init.dtype.base_dtype
            var_op = graph.create_op("VariableV2", [], [(base._as_ref, shape)], name=var_name + "/",
                                     attrs={"shape": shape, "dtype": base})
            self._variable = var_op.outputs[0]
            self._initial_value = init
            self.initializer = graph.create_op(
                "Assign", [self._variable, init], [(base._as_ref, shape)], name="Assign",
                attrs={"validate_shape": bool(validate_shape)})
            with graph.control_dependencies(None):
                self._snapshot = identity(self._variable, name="read")
        self._graph = graph
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if self.trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        graph.add_to_collections(collections, self)
        _VARIABLES_BY_OP[var_op] = self

    @staticmethod
    def _initial_tensor(initial_value, dtype):
        if isinstance(initial_value, (Tensor, Variable)) or hasattr(initial_value, "_to_tensor"):
            init = convert_to_tensor(initial_value)
            if dtype is not None and dtypes.as_dtype(dtype).base_dtype != init.dtype.base_dtype:
                from .math_ops import cast
                init = cast(init, dtype)
            return identity(init, name="initial_value") if init.op.type != "Const" else init
        return convert_to_tensor(initial_value, dtype=dtype, name="initial_value")

    # --- the TF 1.x surface ----------------------------------------------
    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._graph

    @property
    def device(self):
        return self._variable.op.device

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def initial_value(self):
        return self._initial_value

    def value(self):
        """The tensor other ops read (``Variable/read:0``)."""
        return self._snapshot

    def read_value(self):
        return identity(self._variable, name="read")

    def _to_tensor(self):
        return self._snapshot

    def _ref(self):
        return self._variable

    def initialized_value(self):
        return self._initial_value

    def eval(self, session=None):
        return default_session_for(self._variable, session).run(self)

    def load(self, value, session=None):
        """Write ``value`` into the variable in ``session`` without adding ops."""
        session = default_session_for(self._variable, session)
        session._store_variable(self, value)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return assign(self, value, name=name)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return assign_add(self, delta, name=name)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return assign_sub(self, delta, name=name)

    def set_shape(self, shape):
        self._variable.set_shape(shape)

    def _describe(self):
        return "variable '%s' (shape %s, created at %s)" % (
            self.op.name, describe(self.shape), format_site(self.op.site))

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (self.name, self.shape, self.dtype.name)

    __str__ = __repr__


_VARIABLES_BY_OP = __import__("weakref").WeakKeyDictionary()


def variable_for_op(op):
    """The Variable object that owns a VariableV2 op (or None)."""
    return _VARIABLES_BY_OP.get(op)


# --- kernels -------------------------------------------------------------

@reference_kernel("VariableV2", needs_context=True)
def _variable(ctx, shape, dtype):
    """the variable's current value in this session"""
    return ctx.state[ctx.key]


not_differentiable("VariableV2")


@reference_kernel("Assign", needs_context=True, ref_inputs=(0,), writes_only=True)
def _assign(ctx, value, validate_shape):
    """ref = value (a private copy, so later in-place updates never touch the source)"""
    old = ctx.state.get(ctx.key)
    if validate_shape and old is not None and np.shape(old) != np.shape(value):
        from ..framework.errors import InvalidArgumentError
        raise InvalidArgumentError(
            "Assign to variable '%s': it has shape %s, the new value has shape %s."
            % (ctx.key, np.shape(old), np.shape(value)),
            hint="assign a value of the variable's shape, or create it with "
                 "validate_shape=False.")
    dtype = ctx.op.inputs[0].dtype.base_dtype.as_numpy_dtype
    if old is not None and np.shape(old) == np.shape(value):
        # In place, so reads of this variable later in the same run see the new value.
        np.copyto(old, value, casting="unsafe")
        return old
    ctx.state[ctx.key] = np.array(value, dtype=dtype, copy=True)
    return ctx.state[ctx.key]


@reference_kernel("AssignAdd", needs_context=True, ref_inputs=(0,))
def _assign_add(ctx, value):
    """ref += value (in place)"""
    current = ctx.state[ctx.key]
    np.add(current, value, out=current)
    return current


@reference_kernel("AssignSub", needs_context=True, ref_inputs=(0,))
def _assign_sub(ctx, value):
    """ref -= value (in place)"""
    current = ctx.state[ctx.key]
    np.subtract(current, value, out=current)
    return current


not_differentiable("Assign", "AssignAdd", "AssignSub")


def _ref_of(ref, what):
    if isinstance(ref, Variable):
        return ref._variable
    if isinstance(ref, Tensor) and ref.op.type == "VariableV2":
        return ref
    raise TypeError("%s needs a tf.Variable as its first argument, got %r." % (what, ref))


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Op that sets the variable ``ref`` to ``value`` when run; its output is the new value."""
    var = _ref_of(ref, "tf.assign")
    value = convert_to_tensor(value, dtype=var.dtype.base_dtype)
    validate = True if validate_shape is None else bool(validate_shape)
    if validate and not var.shape.is_compatible_with(value.shape):
        raise ShapeError("tf.assign: %s has shape %s but the value has shape %s."
                         % (_label(ref), describe(var.shape), describe(value.shape)),
                         hint="assign a value of the same shape (or use validate_shape=False).")
    return make_op("Assign", [var, value], var.dtype, var.shape if validate else value.shape,
                   name=name or "Assign", attrs={"validate_shape": validate})


def assign_add(ref, value, use_locking=None, name=None):
    """Op that adds ``value`` to the variable ``ref`` when run."""
    var = _ref_of(ref, "tf.assign_add")
    value = convert_to_tensor(value, dtype=var.dtype.base_dtype)
    return make_op("AssignAdd", [var, value], var.dtype, var.shape, name=name or "AssignAdd")


def assign_sub(ref, value, use_locking=None, name=None):
    """Op that subtracts ``value`` from the variable ``ref`` when run."""
    var = _ref_of(ref, "tf.assign_sub")
    value = convert_to_tensor(value, dtype=var.dtype.base_dtype)
    return make_op("AssignSub", [var, value], var.dtype, var.shape, name=name or "AssignSub")


def _label(ref):
    return ref._describe() if isinstance(ref, Variable) else repr(ref)


# --- collections and initializers ----------------------------------------

def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs the initializers of ``var_list``."""
    var_list = list(var_list)
    if not var_list:
        return no_op(name=name)
    op = group(*[v.initializer for v in var_list], name=name)
    _INITIALIZED_BY[op] = [v.op.name for v in var_list]
    return op


_INITIALIZED_BY = __import__("weakref").WeakKeyDictionary()


def initializer_ops(graph):
    """(op, [variable names]) for every initializer op made by variables_initializer."""
    return [(op, names) for op, names in _INITIALIZED_BY.items() if op.graph is graph]


def global_variables_initializer():
    """One op that initializes every global variable created so far.

    Variables created *after* this call are not covered: create the initializer last.
    """
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


initialize_local_variables = local_variables_initializer


def is_variable_initialized(variable):
    var = _ref_of(variable, "tf.is_variable_initialized")
    return make_op("IsVariableInitialized", [var], dtypes.bool, TensorShape([]),
                   name="IsVariableInitialized")


@reference_kernel("IsVariableInitialized", needs_context=True, ref_inputs=(0,), writes_only=True)
def _is_variable_initialized(ctx):
    return np.array(ctx.key in ctx.state)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    var_list = global_variables() + local_variables() if var_list is None else list(var_list)
    refs = [v._variable for v in var_list]
    return make_op("ReportUninitializedVariables", refs, dtypes.string, TensorShape([None]),
                   name=name)


@reference_kernel("ReportUninitializedVariables", needs_context=True)
def _report_uninitialized(ctx):
    names = [t.op.name.encode() for t in ctx.op.inputs if t.op.name not in ctx.state]
    out = np.empty(len(names), dtype=object)
    out[:] = names
    return out


not_differentiable("IsVariableInitialized", "ReportUninitializedVariables")


def _register_ref_inputs():
    from ..framework.registry import op_def
    d = op_def("ReportUninitializedVariables")
    d.ref_inputs = tuple(range(1000))   # every input is a variable reference
    d.writes_only = True


_register_ref_inputs()

