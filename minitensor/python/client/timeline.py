"""A traced run drawn as a timeline (TF 1.x ``tensorflow.python.client.timeline``)::

    from minitensor.python.client import timeline
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    run_metadata = tf.RunMetadata()
    sess.run(train, feed, options=options, run_metadata=run_metadata)
    with open("timeline.json", "w") as f:
        f.write(timeline.Timeline(run_metadata.step_stats).generate_chrome_trace_format())

Open the file in chrome://tracing or https://ui.perfetto.dev: one row per device, one bar
per op (named by its type; click it for its name and inputs), arrows from the op that made
a value to the ops that read it.  The file is Chrome's "trace event" JSON:

    {"traceEvents": [
      {"ph": "M", "name": "process_name", "pid": 0, "args": {"name": "<device> Compute"}},
      {"ph": "X", "cat": "Op", "name": "MatMul", "pid": 0, "tid": 0, "ts": <start, us>,
       "dur": <us>, "args": {"name": "dense/MatMul", "op": "MatMul", "input0": "x", ...}},
      {"ph": "s" / "t", "cat": "DataFlow", "name": <tensor>, "id": <arrow>, ...}, ...]}

minitensor records no memory statistics, so ``show_memory=True`` draws nothing more.
"""
import json
import re

_LABEL = re.compile(r"^(?P<name>.*?) = (?P<op>[^(]*)\((?P<inputs>.*)\)$")


def parse_label(label):
    """'dense/MatMul = MatMul(x, dense/kernel/read)' -> ('dense/MatMul', 'MatMul',
    ['x', 'dense/kernel/read'])"""
    m = _LABEL.match(label or "")
    if m is None:
        return label, label, []
    inputs = [i.strip() for i in m.group("inputs").split(",") if i.strip()]
    return m.group("name"), m.group("op"), inputs


class Timeline:
    """The ``StepStats`` of one traced run (``run_metadata.step_stats``) as a Chrome trace."""

    def __init__(self, step_stats, graph=None):
        """``graph`` is accepted as TF accepts it; the labels already name every input."""
        self._step_stats = step_stats

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False):
        """The trace as a JSON string (write it to a file and open it in chrome://tracing)."""
        metadata, events = [], []
        finished = {}                     # op name -> (pid, tid, end time) of its step
        ops = []
        for pid, device in enumerate(self._step_stats.dev_stats):
            metadata.append({"ph": "M", "name": "process_name", "pid": pid,
                             "args": {"name": "%s Compute" % device.device}})
            for node in device.node_stats:
                name, op, inputs = parse_label(node.timeline_label)
                args = {"name": node.node_name, "op": op}
                for i, tensor in enumerate(inputs):
                    args["input%d" % i] = tensor
                start, tid = node.all_start_micros, node.thread_id
                events.append({"ph": "X", "cat": "Op", "name": op, "pid": pid, "tid": tid,
                               "ts": start, "dur": node.all_end_rel_micros, "args": args})
                finished[node.node_name] = (pid, tid, start + node.all_end_rel_micros)
                ops.append((pid, tid, start, inputs))
        if show_dataflow:
            arrow = 0
            for pid, tid, start, inputs in ops:
                for tensor in inputs:
                    producer = finished.get(tensor.split(":")[0])
                    if producer is None:       # a constant or a fed value: no step made it
                        continue
                    arrow += 1
                    p_pid, p_tid, end = producer
                    events.append({"ph": "s", "cat": "DataFlow", "name": tensor, "pid": p_pid,
                                   "tid": p_tid, "ts": end, "id": arrow})
                    events.append({"ph": "t", "cat": "DataFlow", "name": tensor, "pid": pid,
                                   "tid": tid, "ts": start, "id": arrow})
        return json.dumps({"traceEvents": metadata + events}, separators=(",", ":"))
