"""Where each op runs, and the copies between devices (TF 1.x's placement rules).

The seed's "simple placement" rules, applied to an op the first time a run needs it:

1. an op placed before keeps its device (placement is decided once per op per session);
2. an op created inside ``tf.device(...)`` goes to that device -- if the device exists and
   has a kernel for the op.  If not, ``allow_soft_placement=True`` moves it to a device that
   can run it; without it the run fails, naming the op, the device and the fix;
3. otherwise it goes to the first GPU, if there is one with a kernel for the op;
4. otherwise to the CPU.

A variable, the ops that write it (``Assign``, ``ApplyGradientDescent`` ...) and the ops that
read it (``read``) form one group that is placed together, as TF colocates them: the
variable's value lives in one place, and on a GPU it stays there between runs.

Constants and placeholders hold host data: a constant is copied to the GPU once, when the
plan is built; a fed value every run.  ``Shape``, ``Size`` and ``Rank`` read only an array's
shape, so they never copy their input (TF keeps their outputs in "host memory" too).

``Placer.add_transfers`` adds a copy step to a plan wherever a value crosses devices, and
one per fetched GPU value; ``Session.transfers`` counts them by kind ("feed", "fetch",
"boundary" between a CPU op and a GPU op, "constant", "variable", "random"), and
``log_device_placement`` prints each one next to the placement lines.
"""
import functools

from ..framework import errors
from ..framework.errors import format_site
from ..framework.registry import get_op_def
from . import devices
from .devices import CPU, GPU

DATA_OPS = {"Const", "Placeholder"}             # host data: copied to where it is used
HOST_MEMORY_OPS = {"Shape", "Size", "Rank"}     # read only the shape: no copy of the input


class Placer:
    """Places a session's ops and adds the copies between devices to its plans."""

    def __init__(self, session):
        self.session = session
        self.config = session._config
        self.device_of = {}          # op -> CPU or GPU, decided once (rule 1)
        self._gpu = None             # (DeviceAttributes or None, why not), looked up once
        self._cuda = None            # the numba_cuda module, once a GPU is in use

    # --- is there a GPU? ------------------------------------------------------------
    def gpu(self):
        """``(device, reason)``: this session's GPU, or None and why there is none."""
        if self._gpu is None:
            self._gpu = self._find_gpu()
        return self._gpu

    def _find_gpu(self):
        if self.session._kernel_kind == "reference":
            return None, ("the reference kernels are forced (kernels='reference' or "
                          "MINITENSOR_KERNELS=reference), so every op runs its NumPy kernel "
                          "on the CPU")
        if self.config.device_count.get("GPU", 1) == 0:
            return None, "ConfigProto(device_count={'GPU': 0}) hides the GPUs from this session"
        found, reason = devices.gpus()
        if not found:
            return None, reason
        from . import numba_cuda          # imports numba.cuda and registers the CUDA kernels
        self._cuda = numba_cuda
        fraction = getattr(self.config.gpu_options, "per_process_gpu_memory_fraction", 0.0)
        if fraction and not devices.simulator_on():
            from numba import cuda
            from .cuda_memory import set_memory_fraction
            set_memory_fraction(fraction, cuda.current_context().get_memory_info().total)
        return found[0], ""

    def gpu_kernels(self):
        """The numba_cuda module when this session uses a GPU, else None."""
        return self._cuda

    # --- rules 1-4 ---------------------------------------------------------------------
    def place(self, ops):
        """Decide the device of every op in ``ops`` not placed yet (raises the placement
        error for an op that cannot go where it was asked to)."""
        if not self.device_of and self.config.log_device_placement:
            self.gpu()
            print(devices.device_mapping())
        failures = []
        for op in ops:
            if op not in self.device_of:
                group = self._group(op)
                try:
                    device = self._decide(group)
                except errors.InvalidArgumentError as e:
                    failures.append(e)
                    continue
                for member in group:
                    self.device_of.setdefault(member, device)
        if failures:
            # name an op the learner wrote (tf.multiply), not the constant 2.0 it made
            raise next((e for e in failures if e.op.type not in DATA_OPS), failures[0])

    def _group(self, op):
        """The op and, for a variable, every op that writes or reads it (found from whichever
        member comes first)."""
        variable = _variable_of(op)
        if variable is None:
            return [op]
        members = [variable] + [c for c in variable.outputs[0].consumers()
                                if _variable_of(c) is variable]
        placed = [m for m in members if m in self.device_of]
        if placed:          # the variable is placed already: a newcomer joins it if it can
            return [op]
        return members

    def _decide(self, group):
        anchor = group[0]
        variable = _variable_of(anchor)
        if variable is not None and variable in self.device_of:
            # a new reader/writer of an already-placed variable: its device if possible
            device = self.device_of[variable]
            if device == GPU and self._gpu_can_run(anchor) is None:
                return GPU
            return CPU
        wanted = self._requested(anchor)
        gpu, gpu_missing = self.gpu()
        blocker = self._blocker(group) if gpu is not None else None
        if wanted == "" and anchor.type == "NoOp" and anchor.control_inputs:
            # a group of updates (like tf.global_variables_initializer()) runs nothing
            # itself: put it with the ops it waits for, when they agree on a device
            waits_on = {self.device_of.get(c) for c in anchor.control_inputs}
            if len(waits_on) == 1 and None not in waits_on:
                return waits_on.pop()
        if wanted == "":                                   # rules 3 and 4
            return GPU if gpu is not None and blocker is None else CPU
        if wanted == CPU:
            return CPU
        if wanted in (GPU, "/device:GPU:*") and gpu is not None and blocker is None:
            return GPU
        # asked for a device that does not exist, or one without a kernel for this op
        if self.config.allow_soft_placement or self.session._kernel_kind == "reference":
            return GPU if gpu is not None and blocker is None else CPU
        if wanted.startswith("/device:GPU:") and gpu is not None and wanted in (
                GPU, "/device:GPU:*"):
            reason = blocker
        elif wanted.startswith("/device:GPU:") and gpu is None:
            reason = "there is no GPU: " + gpu_missing
        else:
            reason = "there is no device %s here" % wanted
        raise self._placement_error(anchor, group, wanted, reason)

    def _gpu_can_run(self, op):
        """None when op can run on the GPU, else the reason."""
        if op.type in DATA_OPS or op.type in HOST_MEMORY_OPS:
            return None
        return self._cuda.unsupported_reason(op)

    def _blocker(self, group):
        """Why the group cannot run on the GPU (None if it can)."""
        for member in group:
            reason = self._gpu_can_run(member)
            if reason is not None:
                return reason if member is group[0] else (
                    "the op %s, which must run where the variable is, cannot: %s"
                    % (_label(member), reason))
        return None

    @staticmethod
    def _requested(op):
        device = op.device
        if not device:
            return ""
        try:
            return devices.canonical_device(device)
        except ValueError as e:
            raise errors.InvalidArgumentError(
                "Operation %s has an invalid device %r: %s" % (_label(op), device, e),
                hint="use '/device:CPU:0', '/device:GPU:0', '/cpu:0' or '/gpu:0' in tf.device.",
                op=op) from None

    def _placement_error(self, op, group, wanted, reason):
        available = [devices.full_name(CPU)]
        if self.gpu()[0] is not None:
            available.append(devices.full_name(GPU))
        together = ""
        if len(group) > 1:
            together = (" It is placed together with the ops that read and write the same "
                        "variable (%s)." % ", ".join("'%s'" % m.name for m in group[1:]))
        return errors.InvalidArgumentError(
            "Cannot assign a device for operation %s: it was explicitly assigned to %s, but "
            "%s. Available devices: [ %s ].%s"
            % (_label(op), wanted, reason, ", ".join(available), together),
            hint="to run such ops on the CPU instead, create the session with "
                 "tf.Session(config=tf.ConfigProto(allow_soft_placement=True)); or remove the "
                 "tf.device(%r) scope around the line that made it (docs/ch08_devices.md)."
                 % (op.device if isinstance(op.device, str) else wanted),
            op=op)

    # --- kernels -----------------------------------------------------------------------
    def on_gpu(self, op):
        return self.device_of.get(op) == GPU

    def gpu_kernel(self, op, op_def):
        """The kernel of an op placed on the GPU."""
        if op.type in HOST_MEMORY_OPS:
            return op_def.kernels["reference"]     # reads x.shape; the result is host data
        return self._cuda.kernel_for(op)

    # --- copies between devices ------------------------------------------------------
    def add_transfers(self, plan, slot_of):
        """Rewrite ``plan`` so that every GPU step reads GPU values and every CPU step host
        values: insert a copy step where a value crosses, once per (value, direction), and
        copy fetched GPU values back to the host at the end."""
        steps = plan.steps
        if not any(self.device_of.get(step[3]) == GPU for step in steps):
            return
        cuda = self._cuda
        counts = self.session.transfers
        tensor_of = {slot: tensor for tensor, slot in slot_of.items()}
        name_of = {slot: tensor.name for slot, tensor in tensor_of.items()}
        fed = set(plan.feed_slots.values())
        on_gpu = {}                     # slot -> does its value live on the GPU?
        copies = {}                     # (slot, to_gpu) -> slot of the copy
        lines = []
        new_steps = []

        def copy_of(slot, to_gpu, reader):
            if on_gpu.get(slot, False) == to_gpu:
                return slot
            if (slot, to_gpu) in copies:
                return copies[(slot, to_gpu)]
            new = len(plan.initial)
            known = plan.initial[slot]
            if known is not None and slot not in fed:      # a constant: copy it once, now
                plan.initial.append(cuda.to_device(known))
                counts["constant"] += 1
                kind = "constant, once"
            else:
                plan.initial.append(None)
                kind = "feed" if slot in fed else "boundary"
                copy = _upload if to_gpu else _download
                new_steps.append((functools.partial(copy, cuda, counts, kind), (slot,), new,
                                  reader))
                kind += ", every run"
            copies[(slot, to_gpu)] = new
            lines.append("transfer %s: %s -> %s (%s; read by %s)" % (
                name_of.get(slot, "slot %d" % slot), CPU if to_gpu else GPU,
                GPU if to_gpu else CPU, kind, reader.name))
            return new

        for kernel, ins, out, op in steps:
            gpu = self.device_of.get(op) == GPU and op.type not in HOST_MEMORY_OPS
            if op.type not in HOST_MEMORY_OPS:
                ins = tuple(copy_of(slot, gpu, op) for slot in ins)
            if not gpu:
                kernel = self._host_state_guard(kernel, op)
            new_steps.append((kernel, ins, out, op))
            for slot in (out,) if isinstance(out, int) else out:
                on_gpu[slot] = gpu
        for i, slot in enumerate(plan.fetch_slots):
            if slot is not None and on_gpu.get(slot):
                new = len(plan.initial)
                plan.initial.append(None)
                new_steps.append((functools.partial(_download, cuda, counts, "fetch"), (slot,),
                                  new, tensor_of[slot].op))
                plan.fetch_slots[i] = new
                plan.copy_fetch[i] = False      # the copy is the caller's own array
                lines.append("transfer %s: %s -> %s (fetch, every run)"
                             % (name_of.get(slot, "slot %d" % slot), GPU, CPU))
        plan.steps = new_steps
        if self.config.log_device_placement:
            for line in lines:
                print(line)

    def _host_state_guard(self, kernel, op):
        """A CPU op that reads or writes a variable living on the GPU (an optimizer without
        a GPU kernel, added after the variable was placed) gets the value copied down first;
        the GPU kernels copy it back up when they next need it."""
        op_def = get_op_def(op.type)
        if op_def is None or not op_def.needs_context:
            return kernel
        if op.type == "VariableV2":
            variables = [op]
        else:
            variables = [op.inputs[i].op for i in op_def.ref_inputs]
        keys = [v.name for v in variables if self.device_of.get(v) == GPU]
        if not keys:
            return kernel
        state, counts = self.session._variable_values, self.session.transfers

        def with_state_on_host(*values):
            for key in keys:
                value = state.get(key)
                if devices.is_device_array(value):
                    state[key] = value.copy_to_host()
                    counts["variable"] += 1
            return kernel(*values)
        return with_state_on_host


def _upload(cuda, counts, kind, value):
    counts[kind] += 1
    return cuda.to_device(value)


def _download(cuda, counts, kind, value):
    counts[kind] += 1
    return cuda.to_host(value)


_upload.copies, _download.copies = "HtoD", "DtoH"      # how a traced run names them


def _variable_of(op):
    """The VariableV2 op that ``op`` is, writes (by reference), or reads (Identity)."""
    if op.type == "VariableV2":
        return op
    op_def = get_op_def(op.type)
    if op_def is not None:
        for i in op_def.ref_inputs:
            if i < len(op.inputs) and op.inputs[i].op.type == "VariableV2":
                return op.inputs[i].op
    if op.type == "Identity" and op.inputs and op.inputs[0].op.type == "VariableV2":
        return op.inputs[0].op
    return None


def _label(op):
    return "'%s' (%s, created at %s)" % (op.name, op.type, format_site(op.site))

