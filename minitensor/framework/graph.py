"""``Graph``: the program.  Ops, names, name scopes, collections, control dependencies,
device scopes -- and the default-graph / default-session stacks.

Building a graph only records what to compute; ``Session.run`` computes it.
"""
import contextlib
import itertools
import re

from . import errors
from .errors import format_site, user_frame_site
from .operation import Operation
from .tensor import Tensor

_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_graph_numbers = itertools.count(1)


class GraphKeys:
    """Standard collection names (TF 1.x ``tf.GraphKeys``)."""
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    LOSSES = "losses"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    TRAIN_OP = "train_op"
    GLOBAL_STEP = "global_step"
    INIT_OP = "init_op"
    SAVERS = "savers"
    VARIABLES = GLOBAL_VARIABLES


class Graph:
    """A dataflow graph.  ``with g.as_default():`` makes new ops land in ``g``."""

    def __init__(self):
        self.number = next(_graph_numbers)          # "graph #3" in error messages
        self.site = user_frame_site()
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_dependencies_stack = []
        self._device_stack = []
        self._collections = {}
        self._finalized = False
        self.seed = None
        self.version = 0
        # Per-graph state of higher layers (variable scopes, RNG, ...) lives here so it
        # dies with the graph: see ops/variable_scope.py.
        self._variable_store = {}
        self._variable_scope_stack = []
        self._variable_scope_counts = {}

    # --- default graph --------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        _default_graph_stack.append(self)
        try:
            yield self
        finally:
            _remove_last(_default_graph_stack, self)

    # --- names ----------------------------------------------------------
    def unique_name(self, name, mark_as_used=True):
        """``Add`` -> ``Add``, then ``Add_1``, ``Add_2`` ... inside the current name scope."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = name
            while key in self._names_in_use:
                name = "%s_%d" % (base, count)
                key = name.lower()
                count += 1
            if mark_as_used:
                self._names_in_use[key] = 1
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Open a name scope: ops inside are named ``name/Op``.  Yields ``"name/"``.

        A name ending in ``/`` re-enters an existing scope; ``None`` or ``""`` goes back to
        the top level.
        """
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            if not _VALID_NAME.match(name):
                raise ValueError("%r is not a valid scope name: use letters, digits, '.', '_', "
                                 "'-' and '/'" % name)
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    def get_name_scope(self):
        return self._name_stack

    # --- ops ------------------------------------------------------------
    def create_op(self, op_type, inputs, outputs, name=None, attrs=None):
        """Add an op.  ``outputs`` is a list of ``(dtype, shape)``, one per output.

        This is the single door through which every op enters a graph: it checks that the
        inputs belong here, names the op, records the user's line, applies the current
        control dependencies and device scope, and wires up consumers.
        """
        if self._finalized:
            raise RuntimeError(
                "Graph #%d is finalized and cannot be modified (tried to add a %s op at %s). "
                "Ops created inside a training loop make every step slower; build them once "
                "before the loop." % (self.number, op_type, format_site(user_frame_site())))
        for t in inputs:
            if t.op.graph is not self:
                raise _graph_mismatch(t, self, op_type)
        if name is not None and not _VALID_NAME.match(name.rstrip("/")):
            raise ValueError("%r is not a valid op name: use letters, digits, '.', '_', '-' "
                             "and '/'" % name)
        if name is not None and name.endswith("/"):
            name = name[:-1]        # an exact name reserved earlier by name_scope (TF's rule)
        else:
            name = self.unique_name(name or op_type)
        control_inputs = []
        for frame in self._control_dependencies_stack:
            for c in frame:
                if c not in control_inputs and not any(t.op is c for t in inputs):
                    control_inputs.append(c)
        op = Operation(self, op_type, name, inputs, attrs or {}, control_inputs,
                       "", user_frame_site(), len(self._ops))
        op.outputs = tuple(Tensor(op, i, dtype, shape) for i, (dtype, shape) in enumerate(outputs))
        if self._device_stack:
            op.device = self._device_for(op)
        for t in inputs:
            t._consumers.append(op)
        for c in control_inputs:
            c._control_outputs.append(op)
        self._ops.append(op)
        self._ops_by_name[name] = op
        self.version += 1
        return op

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(_not_found_message("operation", name, self._ops_by_name)) from None

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise ValueError("The name %r refers to an Operation, not a Tensor. Tensor names "
                             "have an output index, e.g. '%s:0'." % (name, name))
        op_name, index = name.rsplit(":", 1)
        op = self.get_operation_by_name(op_name)
        try:
            return op.outputs[int(index)]
        except (IndexError, ValueError):
            raise KeyError("Operation '%s' has %d output(s); there is no tensor %r."
                           % (op_name, len(op.outputs), name)) from None

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolve a Tensor, Operation, Variable or name string to an element of this graph."""
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            return self.get_operation_by_name(obj)
        if hasattr(obj, "_to_tensor") and not isinstance(obj, Tensor):
            obj = obj._to_tensor()
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.op.graph is not self:
                raise _graph_mismatch(obj, self, None)
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise _graph_mismatch(obj, self, None)
            return obj
        raise TypeError("Can not convert a %s into a Tensor or Operation." % type(obj).__name__)

    def finalize(self):
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    # --- control dependencies -------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after every op in ``control_inputs`` has run.

        ``None`` clears the dependencies for the block.
        """
        if control_inputs is None:
            saved, self._control_dependencies_stack = self._control_dependencies_stack, []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            element = self.as_graph_element(c)
            ops.append(element.op if isinstance(element, Tensor) else element)
        self._control_dependencies_stack.append(ops)
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    # --- devices --------------------------------------------------------
    @contextlib.contextmanager
    def device(self, device_name_or_function):
        self._device_stack.append(device_name_or_function)
        try:
            yield
        finally:
            self._device_stack.pop()

    def _device_for(self, op):
        """Innermost device scope wins; a function scope is called with the op (TF's
        dynamic placement) and returns a device string."""
        device = ""
        for entry in self._device_stack:
            device = (entry(op) if callable(entry) else entry) or device
        return device

    # --- collections ----------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in ([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [item for item in items if pattern.match(getattr(item, "name", ""))]

    def get_all_collection_keys(self):
        return list(self._collections)

    def clear_collection(self, name):
        self._collections.pop(name, None)

    def __repr__(self):
        return "<minitensor Graph #%d, %d ops, created at %s>" % (
            self.number, len(self._ops), format_site(self.site))


def _not_found_message(kind, name, names):
    import difflib
    close = difflib.get_close_matches(name, list(names), n=3)
    hint = (" Did you mean %s?" % ", ".join(repr(c) for c in close)) if close else ""
    return "The graph has no %s named %r.%s" % (kind, name, hint)


def _graph_mismatch(element, graph, op_type):
    what = element._describe()
    other = element.graph
    doing = (" as an input of a new %s op" % op_type) if op_type else ""
    return errors.GraphMismatchError(
        "%s belongs to graph #%d (created at %s), but it is being used%s in graph #%d "
        "(created at %s). Tensors cannot cross graphs."
        % (what, other.number, format_site(other.site), doing, graph.number,
           format_site(graph.site)),
        hint="build everything inside one `with g.as_default():` block and run it with "
             "tf.Session(graph=g); after tf.reset_default_graph(), re-create the tensors you "
             "use (a re-run notebook cell often mixes old and new graphs).")


# --- default stacks -----------------------------------------------------
_default_graph_stack = []
_global_default_graph = [Graph()]
_default_session_stack = []


def _remove_last(stack, item):
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is item:
            del stack[i]
            return


def get_default_graph():
    """The graph new ops go into (the innermost ``as_default()``, else the global one)."""
    return _default_graph_stack[-1] if _default_graph_stack else _global_default_graph[0]


def reset_default_graph():
    """Start a fresh global default graph (the old graph and its ops are dropped)."""
    if _default_graph_stack:
        raise AssertionError(
            "tf.reset_default_graph() was called inside a `with graph.as_default():` block "
            "(or inside a session's `with` block). Call it outside every such block.")
    _global_default_graph[0] = Graph()


def get_default_session():
    return _default_session_stack[-1] if _default_session_stack else None


def default_session_for(element, session=None):
    """The session to evaluate ``element`` in (for ``Tensor.eval`` / ``Operation.run``)."""
    session = session or get_default_session()
    if session is None:
        raise errors.MinitensorError(
            "Cannot evaluate %s: there is no default session." % element._describe(),
            hint="run it inside `with tf.Session() as sess:`, create a tf.InteractiveSession(), "
                 "or pass session=sess.")
    if session.graph is not element.graph:
        raise _graph_mismatch(element, session.graph, None)
    return session
