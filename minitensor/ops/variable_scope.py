"""``tf.get_variable`` and ``tf.variable_scope``: variables found by name, shared on request.

``get_variable("w", shape)`` inside ``variable_scope("layer1")`` creates ``layer1/w``.  Asking
again for the same name fails -- unless the scope was opened with ``reuse=True`` (the
variable must exist) or ``reuse=tf.AUTO_REUSE`` (create it the first time, reuse after).
The store lives on the graph, so ``tf.reset_default_graph()`` forgets every variable.
"""
import contextlib

import numpy as np

from ..framework import dtypes
from ..framework.errors import VariableExistsError, VariableNotFoundError, format_site, \
    user_frame_site
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.shapes import TensorShape, describe
from ..framework.tensor import Tensor
from . import init_ops
from .state_ops import Variable


class _ReuseMode:
    def __repr__(self):
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode()


class VariableScope:
    """A scope's settings: name, reuse, and defaults for the variables created inside."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=dtypes.float32,
                 name_scope=""):
        self.name = name
        self.original_name_scope = name_scope
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def __repr__(self):
        return "<VariableScope %r reuse=%r>" % (self.name, self.reuse)


def get_variable_scope():
    graph = get_default_graph()
    if not graph._variable_scope_stack:
        graph._variable_scope_stack.append(VariableScope(False))
    return graph._variable_scope_stack[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Prefix variable names with a scope and set whether existing ones may be reused."""
    graph = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full_name = name_or_scope.name
    else:
        if name_or_scope is None:
            if default_name is None:
                raise ValueError("variable_scope needs a name or a default_name.")
            base = (parent.name + "/" if parent.name else "") + default_name
            count = graph._variable_scope_counts.get(base, 0)
            graph._variable_scope_counts[base] = count + 1
            name_or_scope = default_name if count == 0 else "%s_%d" % (default_name, count)
        full_name = (parent.name + "/" if parent.name else "") + name_or_scope
    if reuse is None or reuse is False:
        reuse_mode = parent.reuse if parent.reuse else (
            name_or_scope.reuse if isinstance(name_or_scope, VariableScope) else False)
    else:
        reuse_mode = reuse
    scope = VariableScope(
        reuse_mode, full_name,
        initializer if initializer is not None else parent.initializer,
        regularizer if regularizer is not None else parent.regularizer,
        dtype if dtype is not None else parent.dtype)
    graph._variable_scope_stack.append(scope)
    try:
        if auxiliary_name_scope:
            short = full_name.split("/")[-1]
            with graph.name_scope(short if not isinstance(name_or_scope, VariableScope)
                                  else full_name + "/") as ns:
                scope.original_name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        graph._variable_scope_stack.pop()


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Get the variable ``scope/name`` or create it (see the module docstring for reuse)."""
    graph = get_default_graph()
    scope = get_variable_scope()
    full_name = (scope.name + "/" if scope.name else "") + name
    store = graph._variable_store
    existing = store.get(full_name)
    if existing is not None:
        if scope.reuse is False:
            site = existing.op.site
            here = user_frame_site()
            rerun = site == here
            raise VariableExistsError(
                "Variable '%s' already exists (created at %s)%s."
                % (full_name, format_site(site),
                   ". It was created by this same line, so this code (a notebook cell?) probably "
                   "ran twice" if rerun else ""),
                hint="call tf.reset_default_graph() before building the model again, or open the "
                     "scope with reuse=True (the variable must exist) / reuse=tf.AUTO_REUSE "
                     "(create once, then reuse) if you mean to share it.")
        if shape is not None and not TensorShape(shape).is_compatible_with(existing.shape):
            raise ValueError(
                "Trying to share variable '%s', but the requested shape %s differs from its "
                "shape %s (created at %s). If two layers built from one object need different "
                "sizes, give each its own object (e.g. one RNN cell per layer)."
                % (full_name, describe(TensorShape(shape)), describe(existing.shape),
                   format_site(existing.op.site)))
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != existing.dtype.base_dtype:
            raise ValueError("Trying to share variable '%s' of dtype %s as dtype %s."
                             % (full_name, existing.dtype.base_dtype.name,
                                dtypes.as_dtype(dtype).name))
        return existing
    if scope.reuse is True:
        raise VariableNotFoundError(
            "Variable '%s' does not exist, but the scope '%s' was opened with reuse=True, which "
            "only fetches existing variables." % (full_name, scope.name),
            hint="create it first (a scope without reuse), or use reuse=tf.AUTO_REUSE to create "
                 "it when missing.")
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else None
    if initializer is None:
        initializer = scope.initializer
    if initializer is None:
        if dtype is not None and (dtype.is_integer or dtype.is_bool):
            initializer = init_ops.zeros_initializer()
        else:
            initializer = init_ops.glorot_uniform_initializer()
    dtype = dtype or scope.dtype or dtypes.float32
    if trainable is None:
        trainable = True
    init_value = _initial_value(initializer, shape, dtype, full_name)
    with _at_top_name_scope(graph):
        var = Variable(init_value, trainable=trainable, collections=collections,
                       validate_shape=validate_shape, name=full_name, dtype=dtype,
                       constraint=constraint)
    store[full_name] = var
    reg = regularizer if regularizer is not None else scope.regularizer
    if reg is not None:
        with graph.name_scope(full_name + "/Regularizer"):
            loss = reg(var)
        if loss is not None:
            graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


def _at_top_name_scope(graph):
    """Variables are named by their variable scope alone, not by enclosing name scopes."""
    return graph.name_scope(None)


def _initial_value(initializer, shape, dtype, full_name):
    graph = get_default_graph()
    if callable(initializer) and not isinstance(initializer, (Tensor,)):
        if shape is None:
            raise ValueError("get_variable('%s'): a shape is needed with an initializer "
                             "function." % full_name)
        shape = TensorShape(shape).as_list()

        def make():
            return initializer(shape, dtype=dtype)
        with _at_top_name_scope(graph), graph.name_scope(full_name + "/Initializer"):
            return make()
    value = initializer
    if not isinstance(value, Tensor):
        value = np.asarray(value, dtype=dtype.as_numpy_dtype)
        if shape is not None and list(value.shape) != list(shape):
            if value.size == int(np.prod(shape)):
                value = value.reshape(shape)
            else:
                raise ValueError("get_variable('%s'): the initial value has shape %s but shape=%s."
                                 % (full_name, value.shape, list(shape)))
    return value


def get_local_variable(name, shape=None, dtype=None, initializer=None, **kwargs):
    """Like get_variable, but in the LOCAL_VARIABLES collection and not trainable."""
    kwargs["collections"] = [GraphKeys.LOCAL_VARIABLES]
    kwargs["trainable"] = False
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, **kwargs)


def no_regularizer(_):
    return None
