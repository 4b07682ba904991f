"""Where the time of one ``sess.run`` goes: ``RunOptions(trace_level=FULL_TRACE)``.

TF 1.x::

    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    run_metadata = tf.RunMetadata()
    sess.run(train, feed_dict, options=options, run_metadata=run_metadata)
    for device in run_metadata.step_stats.dev_stats:
        for node in device.node_stats:
            print(node.node_name, node.all_end_rel_micros)

and ``timeline.Timeline(run_metadata.step_stats).generate_chrome_trace_format()`` for a file
that chrome://tracing or https://ui.perfetto.dev draws (minitensor/python/client/timeline.py).

A traced run executes the same plan as any other, one step at a time, reading the clock
around each step.  What one step is: an op's kernel; two ops fused into one kernel (recorded
under the second op, its label naming both); or a copy between the CPU and the GPU
(recorded on the device ``.../device:GPU:0/memcpy`` as ``MEMCPYHtoD`` / ``MEMCPYDtoH``).
GPU kernels run asynchronously, so a traced run waits for the GPU after each GPU step:
each op's time is then its own, and the run as a whole is slower than an untraced one.
Times are wall-clock microseconds (TF's ``all_start_micros`` is since the epoch too); a
step shorter than a microsecond reads 0.
"""
import functools
import time

from .kernels.devices import CPU, GPU, full_name

CPU_NAME, GPU_NAME = full_name(CPU), full_name(GPU)


class NodeExecStats:
    """One step's timing (the fields of TF's ``NodeExecStats`` proto that minitensor fills):
    it started at ``all_start_micros`` and took ``all_end_rel_micros``."""

    def __init__(self, node_name, all_start_micros, all_end_rel_micros, timeline_label,
                 thread_id=0):
        self.node_name = node_name
        self.all_start_micros = all_start_micros
        self.op_start_rel_micros = 0
        self.op_end_rel_micros = all_end_rel_micros
        self.all_end_rel_micros = all_end_rel_micros
        self.timeline_label = timeline_label
        self.thread_id = thread_id

    def __repr__(self):
        return "NodeExecStats(%s: %d us, %r)" % (self.node_name, self.all_end_rel_micros,
                                                 self.timeline_label)


class DeviceStepStats:
    """The steps that ran on one device, in the order they ran."""

    def __init__(self, device, node_stats=None):
        self.device = device
        self.node_stats = list(node_stats or [])

    def __repr__(self):
        return "DeviceStepStats(%s, %d nodes)" % (self.device, len(self.node_stats))


class StepStats:
    """``run_metadata.step_stats``: one ``DeviceStepStats`` per device used by the run (empty
    until a run is traced)."""

    def __init__(self, dev_stats=None):
        self.dev_stats = list(dev_stats or [])

    def __repr__(self):
        return "StepStats(%s)" % self.dev_stats


def input_label(tensor):
    """How TF's timeline labels name an input: the op's name for output 0, else "op:k"."""
    return tensor.op.name if tensor.value_index == 0 else tensor.name


class Tracer:
    """Runs a plan's steps one at a time with the clock read around each (``run_step(step,
    values)`` runs one step, as the session's own loop does)."""

    def __init__(self, plan, placer, run_step):
        self.plan = plan
        self.placer = placer
        self.run_step = run_step
        self.synchronize = _gpu_synchronize if placer.gpu_kernels() is not None else None
        self.nodes = {}                          # device -> [NodeExecStats]
        self.epoch_micros = time.time_ns() // 1000
        self.origin_ns = time.perf_counter_ns()

    def run(self, step, values):
        device, name, label = self.describe(step)
        begin = time.perf_counter_ns()
        self.run_step(step, values)
        if self.synchronize is not None and device != CPU_NAME:
            self.synchronize()
        end = time.perf_counter_ns()
        start_micros = self.epoch_micros + (begin - self.origin_ns) // 1000
        self.nodes.setdefault(device, []).append(
            NodeExecStats(name, start_micros, (end - begin) // 1000, label))

    def describe(self, step):
        """(device, node name, timeline label "name = Type(inputs)") of one plan step."""
        kernel, ins, _out, op = step
        if isinstance(kernel, functools.partial) and getattr(kernel.func, "copies", None):
            kind = kernel.func.copies                       # "HtoD" or "DtoH"
            tensor = self.plan.slot_names.get(ins[0], "slot %d" % ins[0])
            return (GPU_NAME + "/memcpy", "MEMCPY" + kind,
                    "MEMCPY%s = MEMCPY%s(%s)" % (kind, kind, tensor.split(":")[0]))
        device = GPU_NAME if self.placer.on_gpu(op) else CPU_NAME
        first = self.plan.fused.get(op)
        if first is not None:                 # x + b then the activation, as one kernel
            inputs = [input_label(t) for t in first.inputs]
            return device, op.name, "%s = %s+%s(%s)" % (op.name, first.type, op.type,
                                                        ", ".join(inputs))
        inputs = [input_label(t) for t in op.inputs]
        return device, op.name, "%s = %s(%s)" % (op.name, op.type, ", ".join(inputs))

    def step_stats(self):
        return StepStats([DeviceStepStats(device, nodes) for device, nodes in self.nodes.items()])


def _gpu_synchronize():
    from numba import cuda
    cuda.synchronize()
