"""``Session``: runs the parts of a graph that the fetches need.

``run(fetches, feed_dict)`` does three things:

1. Flattens ``fetches`` (a tensor, op, name, or any nesting of list/tuple/namedtuple/dict)
   into a list of graph elements, and checks the feeds (dtype, shape, no Tensors as values).
2. Looks up -- or builds once and caches -- a *plan* for this (fetches, fed tensors) pair:
   the ops the fetches need, in execution order, as a flat list of steps
   ``(kernel, input slots, output slot(s), op)`` over a flat list of values.
3. Runs the plan: one tight loop, no graph walking, no name lookups, no shape inference.

Variables' values live here, in ``self._variable_values``, not in the graph.

Read ``_Plan`` and ``Session.run`` to see all of execution; put a breakpoint in any kernel
and you stop there with the op, its inputs and attributes in scope.
"""
import collections
import functools
import os
import warnings

import numpy as np

from .framework import errors
from .framework.errors import format_site
from .framework.graph import (_default_graph_stack, _default_session_stack, _remove_last,
                              get_default_graph)
from .framework.operation import Operation
from .framework.registry import KernelContext, get_op_def
from .framework.shapes import describe
from .framework.tensor import Tensor
from . import tracing
from .kernels import fusion, threads
from .kernels.placement import Placer


# =========================================================================
# Configuration (TF 1.x ConfigProto, the parts that mean something here)
# =========================================================================

class GPUOptions:
    def __init__(self, allow_growth=False, per_process_gpu_memory_fraction=0.0,
                 visible_device_list=""):
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction
        self.visible_device_list = visible_device_list


class ConfigProto:
    """Session options.  ``log_device_placement=True`` prints where each op runs.

    ``kernels``: "reference" (the readable NumPy kernels, for stepping through) or "auto"
    (fast kernels where registered).  The environment variable ``MINITENSOR_KERNELS``
    sets the default.
    """

    def __init__(self, log_device_placement=False, allow_soft_placement=False,
                 inter_op_parallelism_threads=0, intra_op_parallelism_threads=0,
                 gpu_options=None, device_count=None, kernels=None):
        self.log_device_placement = log_device_placement
        self.allow_soft_placement = allow_soft_placement
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.gpu_options = gpu_options or GPUOptions()
        self.device_count = dict(device_count or {})
        self.kernels = kernels


class RunOptions:
    """``sess.run(..., options=RunOptions(trace_level=RunOptions.FULL_TRACE),
    run_metadata=meta)`` times every op of that run into ``meta.step_stats`` (tracing.py).
    Any level above NO_TRACE traces everything minitensor can: the op times."""
    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2
    FULL_TRACE = 3

    def __init__(self, trace_level=0, timeout_in_ms=0, output_partition_graphs=False):
        self.trace_level = trace_level
        self.timeout_in_ms = timeout_in_ms
        self.output_partition_graphs = output_partition_graphs


class RunMetadata:
    """Filled by a traced run: ``step_stats`` (tracing.StepStats: per device, per op, when it
    started and how long it took); ``partition_graphs`` stays empty (one process, one
    graph)."""

    def __init__(self):
        self.step_stats = tracing.StepStats()
        self.partition_graphs = []


# =========================================================================
# Fetch results: scalars print the way the TF 1.x notes show them
# =========================================================================

def _scalar_class(numpy_type):
    """A subclass of a NumPy scalar type whose repr is its str (``6.0``, not ``np.float32(6.0)``),
    so ``print(sess.run([a, b]))`` shows ``[5, 6.0]`` as in the TF 1.x notes.  It is still a
    ``numpy_type`` in every other respect."""
    return type(numpy_type.__name__, (numpy_type,), {"__repr__": numpy_type.__str__,
                                                     "__module__": "minitensor"})


_SCALAR_TYPES = {t: _scalar_class(t) for t in (
    np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
    np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128)}


def _as_result(value):
    if isinstance(value, np.ndarray):
        if value.ndim:
            return value
        value = value[()]
    if isinstance(value, np.generic):
        cls = _SCALAR_TYPES.get(type(value))
        return cls(value) if cls is not None else value
    return value


# =========================================================================
# Fetch structures
# =========================================================================

class _FetchLeaf:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _flatten_fetches(fetches, graph, elements, positions):
    """Turn a fetch structure into a template; unique graph elements go to ``elements``."""
    if hasattr(fetches, "_fetch_components"):      # e.g. SparseTensor -> SparseTensorValue
        value_type, parts = fetches._fetch_components()
        return ("namedtuple", value_type,
                [_flatten_fetches(p, graph, elements, positions) for p in parts])
    if isinstance(fetches, (list, tuple)) and not hasattr(fetches, "_to_tensor"):
        items = [_flatten_fetches(f, graph, elements, positions) for f in fetches]
        if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):
            return ("namedtuple", type(fetches), items)
        return (type(fetches), items)
    if isinstance(fetches, dict):
        return ("dict", type(fetches),
                [(k, _flatten_fetches(v, graph, elements, positions)) for k, v in fetches.items()])
    element = _resolve_fetch(fetches, graph)
    if element not in positions:
        positions[element] = len(elements)
        elements.append(element)
    return _FetchLeaf(positions[element])


def _rebuild(template, values):
    if isinstance(template, _FetchLeaf):
        return values[template.index]
    if template[0] == "namedtuple":
        return template[1]._make(_rebuild(t, values) for t in template[2])
    if template[0] == "dict":
        out = template[1]()
        for k, t in template[2]:
            out[k] = _rebuild(t, values)
        return out
    kind, items = template
    return kind(_rebuild(t, values) for t in items)


def _resolve_fetch(fetch, graph):
    if fetch is None:
        raise errors.FetchError(
            "Fetch argument None has invalid type <class 'NoneType'>. A None usually comes from "
            "tf.gradients (or compute_gradients) for a variable the loss does not depend on.",
            hint="print the gradient list to see which entry is None; tf.gradients returns None "
                 "for variables with no differentiable path to the loss (see "
                 "minitensor.debug.explain_gradients).")
    try:
        return graph.as_graph_element(fetch)
    except errors.GraphMismatchError:
        raise
    except KeyError as e:
        raise errors.FetchError("Fetch argument %r cannot be interpreted: %s" % (fetch, e.args[0]))
    except (TypeError, ValueError) as e:
        raise errors.FetchError(
            "Fetch argument %r has invalid type %s: %s Fetch a Tensor, an Operation, a "
            "Variable, a name such as 'loss:0', or a list/tuple/dict of those."
            % (fetch, type(fetch), e)) from None


# =========================================================================
# The plan
# =========================================================================

_STATE_OPS = {"VariableV2", "Assign", "AssignAdd", "AssignSub", "Const"}


class _Plan:
    """Everything ``run`` needs for one (fetches, feeds) signature, computed once.

    steps:       [(kernel, input_slots, output_slot_or_slots, op)] in execution order
    initial:     the value list with constants already in their slots
    feed_slots:  {fed tensor: slot}
    fetch_slots: [slot per fetched element] (None for fetched ops)
    copy_fetch:  [bool per fetched element] -- values that share memory with variable state
    reads_vars:  variable names that must hold a value before the run starts
    """

    def __init__(self, steps, initial, feed_slots, fetch_slots, copy_fetch, reads_vars, ops):
        self.steps = steps
        self.initial = initial
        self.feed_slots = feed_slots
        self.fetch_slots = fetch_slots
        self.copy_fetch = copy_fetch
        self.reads_vars = reads_vars
        self.ops = ops
        self.slot_names = {}          # slot -> tensor name (labels of a traced run's copies)
        self.fused = {}               # activation op -> the add op fused into its step


def _kernel_kind_default():
    return os.environ.get("MINITENSOR_KERNELS", "auto")


class BaseSession:
    pass


class Session(BaseSession):
    """Runs graph fragments and holds variable values (TF 1.x ``tf.Session``).

    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(y, {x: [1, 2, 3, 4]}))
    """

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._config = config or ConfigProto()
        self._variable_values = {}
        self._plans = {}
        self._rngs = {}
        self._print_counts = {}
        self._closed = False
        self._kernel_kind = self._config.kernels or _kernel_kind_default()
        self._logged_ops = set()
        self._last_graph_version = None
        self._growth_sites = collections.Counter()
        self._warned_growth = False
        self._context_stack = []
        # Where each op runs (CPU or GPU) and the copies between them: kernels/placement.py.
        self._placer = Placer(self)
        self.transfers = collections.Counter()     # copies between devices, by kind
        threads.tune_memory_allocator()            # keep freed arrays in the process
        threads.set_intra_op_threads(self._config.intra_op_parallelism_threads)

    # --- properties ---------------------------------------------------------
    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph

    @property
    def sess_str(self):
        return ""

    def list_devices(self):
        from .kernels.devices import list_session_devices
        return list_session_devices(self._config)

    @property
    def transfer_count(self):
        """How many values were copied between the CPU and the GPU so far (feeds, fetches,
        values crossing between a CPU op and a GPU op; ``transfers`` has them by kind)."""
        return sum(self.transfers.values())

    # --- context management -----------------------------------------------------
    def __enter__(self):
        cm = self._graph.as_default()
        cm.__enter__()
        _default_session_stack.append(self)
        self._context_stack.append(cm)
        return self

    def __exit__(self, exc_type, exc_value, tb):
        _remove_last(_default_session_stack, self)
        cm = self._context_stack.pop()
        cm.__exit__(exc_type, exc_value, tb)
        self.close()

    def as_default(self):
        return _SessionDefault(self)

    def close(self):
        self._closed = True
        self._variable_values = {}
        self._plans.clear()

    # --- running -------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute ``fetches`` (a tensor, op, name or a nesting of them) and return values in
        the same structure.  ``feed_dict`` maps placeholders (or any tensor) to values."""
        if self._closed:
            raise errors.SessionClosedError(
                "Attempted to use a closed Session.",
                hint="run inside the `with tf.Session() as sess:` block, or create a new session.")
        trace = None
        if options is not None and getattr(options, "trace_level", 0) and run_metadata is not None:
            trace = run_metadata              # filled by _execute
        try:
            return self._run(fetches, feed_dict, trace)
        except errors.MinitensorError as e:
            # The message says everything; drop the engine's internal frames so the
            # traceback ends at the learner's own sess.run line.
            raise e.with_traceback(None) from (e.__cause__ if isinstance(
                e.__cause__, errors.MinitensorError) else None)

    def _run(self, fetches, feed_dict, trace=None):
        graph = self._graph
        # 1. fetches -> unique graph elements
        if isinstance(fetches, (Tensor, Operation)) and fetches.graph is graph:
            elements, template = [fetches], _FetchLeaf(0)
        else:
            elements, positions = [], {}
            template = _flatten_fetches(fetches, graph, elements, positions)
        # 2. feeds -> {tensor: checked array}
        feeds = self._check_feeds(feed_dict) if feed_dict else {}
        key = (tuple(elements), frozenset(feeds))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._build_plan(elements, feeds)
        self._watch_graph_growth()
        # 3. run
        values = self._execute(plan, feeds, trace)
        results = []
        for slot, copy in zip(plan.fetch_slots, plan.copy_fetch):
            if slot is None:
                results.append(None)
            else:
                value = values[slot]
                if copy and isinstance(value, np.ndarray):
                    value = value.copy()
                results.append(_as_result(value))
        return _rebuild(template, results)

    def _execute(self, plan, feeds, trace=None):
        """Run the plan's steps over a fresh list of values.  With ``trace`` (a RunMetadata),
        the same steps run one by one with the clock read around each (tracing.py)."""
        state = self._variable_values
        if plan.reads_vars:
            missing = [name for name in plan.reads_vars if name not in state]
            if missing:
                raise self._uninitialized_error(missing)
        values = list(plan.initial)
        for tensor, slot in plan.feed_slots.items():
            values[slot] = feeds[tensor]
        step = None
        with np.errstate(all="ignore"):
            try:
                if trace is None:
                    # _run_step written out: a call per step would add ~10% to a small op
                    for step in plan.steps:
                        kernel, ins, out, _op = step
                        if out.__class__ is int:
                            values[out] = kernel(*[values[i] for i in ins])
                        elif out:
                            for slot, value in zip(out, kernel(*[values[i] for i in ins])):
                                values[slot] = value
                        else:
                            kernel(*[values[i] for i in ins])
                else:
                    tracer = tracing.Tracer(plan, self._placer, _run_step)
                    try:
                        for step in plan.steps:
                            tracer.run(step, values)
                    finally:                 # a run that fails still shows what ran
                        trace.step_stats = tracer.step_stats()
            except errors.OpError as e:
                if e.op is not None or step is None:
                    raise
                raise self._kernel_error(step, values, e, type(e)) from None
            except (ValueError, TypeError, IndexError, ArithmeticError,
                    np.linalg.LinAlgError) as e:
                raise self._kernel_error(step, values, e) from e
        return values

    # --- feeds -----------------------------------------------------------------------
    def _check_feeds(self, feed_dict):
        graph = self._graph
        feeds = {}
        for key, value in feed_dict.items():
            tensor = self._feed_target(key, graph)
            if isinstance(value, (Tensor, Operation)) or hasattr(value, "_to_tensor"):
                raise errors.FeedTypeError(
                    "The value fed for %s is the symbolic tensor %r, not data. A feed value must "
                    "be a Python number, list or NumPy array."
                    % (tensor._describe(), getattr(value, "name", value)),
                    hint="compute it first (value = sess.run(t)) and feed that value, or connect "
                         "the tensor into the graph directly instead of through a placeholder.")
            feeds[tensor] = _check_feed_value(tensor, value)
        return feeds

    @staticmethod
    def _feed_target(key, graph):
        if hasattr(key, "_ref") and not isinstance(key, Tensor):
            key = key._ref()          # feeding a Variable overrides its value for this run
        if isinstance(key, str):
            try:
                key = graph.get_tensor_by_name(key)
            except (KeyError, ValueError) as e:
                raise errors.FeedError("Cannot interpret feed_dict key %r: %s" % (key, e.args[0]))
        if isinstance(key, Operation):
            raise errors.FeedTypeError(
                "Cannot feed the operation %s: feed_dict keys must be tensors (placeholders)."
                % key._describe())
        if not isinstance(key, Tensor):
            raise errors.FeedTypeError(
                "Cannot interpret feed_dict key %r of type %s as a tensor. Keys must be "
                "placeholders (or other tensors), e.g. {x: X_train}."
                % (key, type(key).__name__))
        if key.graph is not graph:
            raise errors.GraphMismatchError(
                "The feed_dict key %s belongs to graph #%d, but this session runs graph #%d."
                % (key._describe(), key.graph.number, graph.number),
                hint="create the session with tf.Session(graph=the_graph_of_your_placeholders), "
                     "or rebuild the placeholders after tf.reset_default_graph().")
        return key

    # --- plan building -------------------------------------------------------
    def _build_plan(self, elements, feeds, fuse=True):
        """The run's plan; ``fuse``: run x + b and the activation after it as one kernel
        where safe (kernels/fusion.py; never with the reference kernels)."""
        needed, parent = self._needed_ops(elements, feeds)
        self._check_all_fed(needed, parent, elements)
        order = sorted(needed, key=lambda op: op._id)
        self._placer.place(order)
        if self._config.log_device_placement:
            self._log_placement(order)
        slot_of = {}
        initial = []

        def new_slot(tensor, value=None):
            slot_of[tensor] = len(initial)
            initial.append(value)
            return slot_of[tensor]

        feed_slots = {t: new_slot(t) for t in feeds}
        steps, reads_vars, assigned = [], [], set()
        for op in order:
            op_def = get_op_def(op.type)
            if op.type == "Const":
                new_slot(op.outputs[0], op.attrs["value"])
                continue
            if op_def is None or "reference" not in op_def.kernels:
                raise errors.UnimplementedError(
                    "No kernel is registered for op %s." % op._describe(),
                    hint="register one with @reference_kernel(%r) next to the op's constructor "
                         "(see minitensor/ops/math_ops.py for the pattern)." % op.type)
            kernel = self._choose_kernel(op, op_def)
            attrs = op.attrs
            if op_def.needs_context:
                ctx = KernelContext(self, op)
                ctx.key = op.name if op.type == "VariableV2" else (
                    op.inputs[0].op.name if op_def.ref_inputs else None)
                kernel = functools.partial(kernel, ctx, **attrs)
                if op_def.ref_inputs and op_def.writes_only:
                    assigned.add(ctx.key)
                elif ctx.key is not None and ctx.key not in assigned and ctx.key not in reads_vars:
                    reads_vars.append(ctx.key)
            elif attrs:
                kernel = functools.partial(kernel, **attrs)
            ins = tuple(slot_of[t] for i, t in enumerate(op.inputs) if i not in op_def.ref_inputs)
            outs = [new_slot(t) for t in op.outputs if t not in feeds]
            if len(outs) != len(op.outputs):      # an output is fed: run nothing of this op
                continue
            out = outs[0] if len(outs) == 1 else tuple(outs)
            steps.append((kernel, ins, out, op))
        fetch_slots, copy_fetch = [], []
        for element in elements:
            if isinstance(element, Operation):
                fetch_slots.append(None)
                copy_fetch.append(False)
            else:
                fetch_slots.append(slot_of[element])
                copy_fetch.append(_aliases_state(element, feeds))
        plan = _Plan(steps, initial, feed_slots, fetch_slots, copy_fetch, reads_vars, order)
        plan.slot_names = {slot: tensor.name for tensor, slot in slot_of.items()}
        if fuse and self._kernel_kind != "reference":
            self._log_fusions(fusion.fuse_bias_activations(plan, self._placer.device_of,
                                                           self._placer.gpu_kernels()))
        self._placer.add_transfers(plan, slot_of)     # copies where values cross devices
        return plan

    def _log_fusions(self, pairs):
        if not self._config.log_device_placement:
            return
        for add_op, act_op, device in pairs:
            if (add_op, act_op) not in self._logged_ops:
                self._logged_ops.add((add_op, act_op))
                print("fused %s + %s: one kernel (x + b, then %s) on %s"
                      % (add_op.name, act_op.name, act_op.type, device))

    def _choose_kernel(self, op, op_def):
        if self._placer.on_gpu(op):
            return self._placer.gpu_kernel(op, op_def)
        if self._kernel_kind != "reference":
            for kind in ("numba_cpu",):
                fast = op_def.kernels.get(kind)
                if fast is not None:
                    return fast
        return op_def.kernels["reference"]

    @staticmethod
    def _needed_ops(elements, feeds):
        """The ops the fetches need, walking back from them (iteratively: graphs of an
        unrolled RNN are thousands of ops deep).  ``parent`` remembers who needed whom, for
        error messages."""
        needed, parent = set(), {}
        stack = []
        for element in elements:
            if isinstance(element, Operation):
                stack.append((element, None))
            elif element not in feeds:
                stack.append((element.op, None))
        while stack:
            op, needed_by = stack.pop()
            if op in needed:
                continue
            needed.add(op)
            parent[op] = needed_by
            op_def = get_op_def(op.type)
            refs = op_def.ref_inputs if op_def is not None else ()
            for i, t in enumerate(op.inputs):
                if i in refs or t in feeds:
                    continue
                if t.op not in needed:
                    stack.append((t.op, op))
            for c in op.control_inputs:
                if c not in needed:
                    stack.append((c, op))
        return needed, parent

    def _check_all_fed(self, needed, parent, elements):
        missing = sorted((op for op in needed if op.type == "Placeholder"), key=lambda o: o._id)
        if not missing:
            return
        fetch_names = ", ".join("'%s'" % e.name for e in elements)
        lines = []
        for op in missing:
            chain, node = [], op
            while node is not None and len(chain) < 8:
                chain.append(node.name)
                node = parent.get(node)
            path = " <- ".join(reversed(chain))
            lines.append("  '%s' (dtype %s, shape %s, created at %s); needed by %s"
                         % (op.name, op.attrs["dtype"].name, describe(op.attrs["shape"]),
                            format_site(op.site), path))
        raise errors.MissingFeedError(
            "Fetching %s needs %d placeholder(s) that feed_dict does not give a value for:\n%s"
            % (fetch_names, len(missing), "\n".join(lines)),
            hint="add them to feed_dict, e.g. sess.run(..., feed_dict={%s: ...}); for a value "
                 "with a sensible default (like keep_prob) use tf.placeholder_with_default."
                 % missing[0].name)

    def _log_placement(self, order):
        from .kernels.devices import placement_line
        for op in order:
            if op not in self._logged_ops:
                self._logged_ops.add(op)
                print(placement_line(op, self._placer.device_of[op]))

    # --- errors -------------------------------------------------------------------
    def _uninitialized_error(self, missing):
        from .ops.state_ops import initializer_ops, variable_for_op
        graph = self._graph
        lines, notes = [], []
        inits = initializer_ops(graph)
        for name in missing:
            op = graph.get_operation_by_name(name)
            var = variable_for_op(op)
            label = var._describe() if var is not None else "'%s'" % name
            lines.append("  " + label)
            covering = [init for init, names in inits if name in names]
            if inits and not covering:
                init = max(inits, key=lambda pair: pair[0]._id)[0]
                if init._id < op._id:
                    notes.append("'%s' was created after your initializer op '%s' (made at %s), "
                                 "so that initializer does not cover it."
                                 % (name, init.name, format_site(init.site)))
        message = "Attempting to use %d uninitialized variable(s):\n%s" % (len(missing),
                                                                           "\n".join(lines))
        if notes:
            message += "\nNote: " + "\nNote: ".join(notes)
        return errors.UninitializedVariableError(
            message,
            hint="run sess.run(tf.global_variables_initializer()) once, after creating all "
                 "variables and before using them (each new Session needs it again).")

    def _kernel_error(self, step, values, exc, error_class=errors.InvalidArgumentError):
        """A kernel failed: name the op, where the user made it, and the values it got."""
        kernel, ins, out, op = step
        refs = get_op_def(op.type).ref_inputs
        inputs = [t for i, t in enumerate(op.inputs) if i not in refs]
        shapes = ", ".join("'%s' %s %s" % (t.name, np.shape(values[i]),
                                           getattr(np.asarray(values[i]), "dtype", "?"))
                           for t, i in zip(inputs, ins))
        message = exc.message if isinstance(exc, errors.MinitensorError) else str(exc)
        hint = getattr(exc, "hint", None) or (
            "the values fed fit the placeholders' declared shapes but not each other at this "
            "op: check the shapes of the arrays in feed_dict.")
        return error_class("Running %s failed: %s\n  Input values: %s"
                           % (op._describe(), message, shapes or "none"), hint=hint, op=op)

    # --- graph hygiene ---------------------------------------------------------------
    def _watch_graph_growth(self):
        """Warn once when the same line of user code adds ops between runs again and again
        (ops built inside a training loop): the graph, and every step, keeps growing."""
        version = self._graph.version
        last = self._last_graph_version
        self._last_graph_version = version
        if last is None or version == last or self._warned_growth:
            return
        for op in self._graph._ops[last:version]:
            self._growth_sites[op.site] += 1
        for op in self._graph._ops[last:version]:
            if self._growth_sites[op.site] >= 3 * max(1, sum(
                    1 for o in self._graph._ops[last:version] if o.site == op.site)):
                self._warned_growth = True
                warnings.warn(
                    "%s creates new ops between Session.run calls, again and again (the latest: "
                    "%s). Ops created inside a training loop make the graph, and every step, "
                    "grow; build them once before the loop and only run them inside it."
                    % (format_site(op.site), op._describe()), stacklevel=3)
                return

    # --- state helpers ------------------------------------------------------
    def _rng_for(self, op):
        rng = self._rngs.get(op)
        if rng is None:
            seed, seed2 = op.attrs.get("seed"), op.attrs.get("seed2")
            if seed is None and seed2 is None:
                rng = np.random.default_rng()
            else:
                rng = np.random.default_rng([seed or 0, seed2 or 0])
            self._rngs[op] = rng
        return rng

    def _store_variable(self, variable, value):
        dtype = variable.dtype.base_dtype
        array = _check_feed_value(variable._variable, value)
        self._variable_values[variable.op.name] = np.array(array, dtype=dtype.as_numpy_dtype,
                                                           copy=True)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running ``fetches`` with values for ``feed_list`` as its arguments (and,
        with ``accept_options=True``, the keywords ``options`` and ``run_metadata``)."""
        feed_list = list(feed_list or [])

        if accept_options:
            def call(*feed_values, options=None, run_metadata=None):
                return self.run(fetches, dict(zip(feed_list, feed_values)), options,
                                run_metadata)
        else:
            def call(*feed_values):
                return self.run(fetches, dict(zip(feed_list, feed_values)))
        return call


def _run_step(step, values):
    """One plan step, as the loop in ``Session._execute`` runs it (for a traced run)."""
    kernel, ins, out, _op = step
    if out.__class__ is int:
        values[out] = kernel(*[values[i] for i in ins])
    elif out:
        for slot, value in zip(out, kernel(*[values[i] for i in ins])):
            values[slot] = value
    else:
        kernel(*[values[i] for i in ins])


class _SessionDefault:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        _default_session_stack.append(self.session)
        self._graph_cm = self.session.graph.as_default()
        self._graph_cm.__enter__()
        return self.session

    def __exit__(self, *exc):
        self._graph_cm.__exit__(*exc)
        _remove_last(_default_session_stack, self.session)


class InteractiveSession(Session):
    """A session that makes itself the default when created (for shells and notebooks), so
    ``t.eval()`` and ``op.run()`` work without a ``with`` block."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _default_session_stack.append(self)
        _default_graph_stack.append(self._graph)

    def close(self):
        if not self._closed:
            _remove_last(_default_session_stack, self)
            _remove_last(_default_graph_stack, self._graph)
        super().close()


def _aliases_state(tensor, feeds=()):
    """Does this fetched value share memory with a variable's stored value, a constant or an
    array the caller fed?  Then ``run`` returns a copy, so later training steps (or changes to
    the fed array) cannot change arrays you hold."""
    while True:
        if tensor in feeds:
            return True
        op = tensor.op
        if op.type in _STATE_OPS:
            return True
        op_def = get_op_def(op.type)
        if op_def is None or not op_def.returns_view or not op.inputs:
            return False
        tensor = op.inputs[0]


def _check_feed_value(tensor, value):
    """Convert a fed value to the tensor's dtype and check its shape, or explain why not."""
    from .ops.constant_op import to_numpy
    dtype = tensor.dtype.base_dtype
    try:
        array = to_numpy(value, dtype, "the value fed for %s" % tensor._describe())
    except errors.DTypeError as e:
        raise errors.FeedTypeError(
            e.message, hint="feed values that fit dtype %s (e.g. np.asarray(data, dtype=np.%s))."
            % (dtype.name, dtype.name)) from None
    expected = tensor.shape
    if expected.dims is not None:
        got = array.shape
        if len(got) != len(expected.dims) or any(
                e is not None and e != g for e, g in zip(expected.dims, got)):
            raise errors.FeedError(_feed_shape_message(tensor, got),
                                   hint=_feed_shape_hint(tensor, got))
    return array


def _feed_shape_message(tensor, got):
    expected = tensor.shape.dims
    kind = "Placeholder" if tensor.op.type == "Placeholder" else tensor.op.type
    message = ("Cannot feed a value of shape %s for %s '%s' (created at %s), which expects "
               "shape %s." % (tuple(got), kind, tensor.op.name, format_site(tensor.op.site),
                              describe(tensor.shape)))
    if len(got) == len(expected):
        diffs = ["dimension %d: expected %s, got %d" % (i, e, g)
                 for i, (e, g) in enumerate(zip(expected, got)) if e is not None and e != g]
        message += " Differs at " + "; ".join(diffs) + "."
    else:
        message += " The ranks differ: expected %d dimension(s), got %d." % (len(expected), len(got))
    return message


def _feed_shape_hint(tensor, got):
    expected = tensor.shape.dims
    if 0 in got:
        return "the value is empty (a dimension is 0): check the data loader or the batch slicing."
    if len(got) == len(expected) - 1 and all(e is None or e == g for e, g in
                                             zip(expected[1:], got)):
        return "feed a batch: add the batch dimension, e.g. value.reshape(1, -1) for one example."
    if len(got) == len(expected) + 1 and got[-1] == 1:
        return "the value has an extra trailing dimension of 1: value.reshape(%s)." % (
            ", ".join("-1" if e is None else str(e) for e in expected) or "()")
    if len(got) + 1 == len(expected) and expected[-1] == 1:
        return "make it a column: value.reshape(-1, 1)."
    if len(got) == len(expected):
        for e, g in zip(expected, got):
            if e and g and e != g and max(e, g) % min(e, g) == 0:
                return ("%d = %d x %d: are the images RGB instead of greyscale, or not flattened "
                        "the same way?" % (max(e, g), max(e, g) // min(e, g), min(e, g)))
    if len(got) > len(expected) and expected and expected[-1] is not None and \
            int(np.prod(got[1:])) == expected[-1]:
        return "flatten each example: value.reshape(len(value), -1)."
    return "reshape the data to %s, or change the placeholder's shape." % describe(tensor.shape)


