"""``tf.summary``: TensorBoard event files (FileWriter, scalar/histogram summaries).

    with tf.Session() as sess:
        writer = tf.summary.FileWriter('tflogs', sess.graph)   # then: tensorboard --logdir=tflogs

Files are written in TensorBoard's format (TFRecord-framed ``Event`` protocol buffers),
encoded by hand in ``_proto.py`` so that neither TensorFlow nor protobuf is needed.
"""
import os
import socket
import time

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.registry import not_differentiable, reference_kernel
from ..framework.shapes import TensorShape
from ..ops.constant_op import convert_to_tensor
from ..ops.op_util import make_op
from . import _proto

__all__ = ["FileWriter", "scalar", "histogram", "merge", "merge_all", "summary_iterator",
           "Event", "FileWriterCache"]


# =========================================================================
# Summary ops: their value is a serialized Summary protocol buffer (a tf.string scalar)
# =========================================================================

def _summary_op(op_type, name, tensor, collections):
    graph = get_default_graph()
    tensor = convert_to_tensor(tensor)
    with graph.name_scope(name) as scope:
        tag = scope.rstrip("/")
        out = make_op(op_type, [tensor], dtypes.string, TensorShape([]), name=op_type,
                      attrs={"tag": tag})
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        graph.add_to_collection(key, out)
    return out


def scalar(name, tensor, collections=None, family=None):
    """A summary holding one number (plotted under SCALARS in TensorBoard)."""
    return _summary_op("ScalarSummary", name, tensor, collections)


def histogram(name, values, collections=None, family=None):
    """A summary holding the distribution of ``values`` (HISTOGRAMS in TensorBoard)."""
    return _summary_op("HistogramSummary", name, values, collections)


def _value(tag, payload):
    return _proto.field_bytes(1, _proto.field_bytes(1, tag) + payload)


@reference_kernel("ScalarSummary")
def _scalar_summary(value, tag):
    value = np.asarray(value)
    if value.size != 1:
        raise ValueError("tf.summary.scalar %r needs a single number, got shape %s"
                         % (tag, value.shape))
    return np.array(_value(tag, _proto.field_float(2, float(value.ravel()[0]))), dtype=object)


@reference_kernel("HistogramSummary")
def _histogram_summary(values, tag):
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        v = np.zeros(1)
    counts, edges = np.histogram(v, bins=30)
    histo = (_proto.field_double(1, v.min()) + _proto.field_double(2, v.max()) +
             _proto.field_double(3, v.size) + _proto.field_double(4, v.sum()) +
             _proto.field_double(5, np.square(v).sum()) +
             _proto.field_packed_doubles(6, edges[1:]) + _proto.field_packed_doubles(7, counts))
    return np.array(_value(tag, _proto.field_bytes(5, histo)), dtype=object)


def merge(inputs, collections=None, name=None):
    """One summary holding all of ``inputs`` (serialized Summaries concatenate)."""
    tensors = [convert_to_tensor(t) for t in inputs]
    return make_op("MergeSummary", tensors, dtypes.string, TensorShape([]),
                   name=name or "Merge/MergeSummary")


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merge every summary in the graph's collection (None when there are none)."""
    found = get_default_graph().get_collection(key, scope)
    return merge(found, name=name) if found else None


@reference_kernel("MergeSummary")
def _merge_summary(*summaries):
    return np.array(b"".join(bytes(np.asarray(s, dtype=object).item()) for s in summaries),
                    dtype=object)


not_differentiable("ScalarSummary", "HistogramSummary", "MergeSummary")


# =========================================================================
# The writer
# =========================================================================

def _graph_def(graph):
    nodes = []
    for op in graph.get_operations():
        node = _proto.field_bytes(1, op.name) + _proto.field_bytes(2, op.type)
        for t in op.inputs:
            node += _proto.field_bytes(3, t.op.name if t.value_index == 0 else t.name)
        for c in op.control_inputs:
            node += _proto.field_bytes(3, "^" + c.name)
        if isinstance(op.device, str) and op.device:
            node += _proto.field_bytes(4, op.device)
        nodes.append(_proto.field_bytes(1, node))
    return b"".join(nodes) + _proto.field_bytes(4, _proto.field_varint(1, 26))


class FileWriter:
    """Writes an event file in ``logdir`` that TensorBoard can read.

    ``FileWriter(logdir, graph)`` records the graph at once; ``add_summary(s, step)`` adds
    summary values; ``close()`` (or leaving a ``with`` block) flushes the file.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, filename_suffix=""):
        self.logdir = os.path.abspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        name = "events.out.tfevents.%d.%s%s" % (int(time.time()), socket.gethostname(),
                                                filename_suffix)
        self.path = os.path.join(self.logdir, name)
        self._file = open(self.path, "wb")
        self._write_event(_proto.field_bytes(3, "brain.Event:2"))
        if graph is not None:
            self.add_graph(graph)

    def _write_event(self, body, step=None):
        event = _proto.field_double(1, time.time())
        if step is not None:
            event += _proto.field_varint(2, int(step))
        self._file.write(_proto.tfrecord(event + body))

    def add_graph(self, graph, global_step=None):
        graph = getattr(graph, "graph", graph)
        self._write_event(_proto.field_bytes(4, _graph_def(graph)), global_step)

    def add_summary(self, summary, global_step=None):
        if isinstance(summary, np.ndarray):
            summary = summary.item()
        if isinstance(summary, str):
            summary = summary.encode("latin-1")
        self._write_event(_proto.field_bytes(5, bytes(summary)), global_step)

    def add_session_log(self, session_log, global_step=None):
        pass

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Not written: TensorBoard's per-op compute times would need TF's RunMetadata proto
        in the event file.  Raises an error that says what to use instead."""
        raise errors.UnimplementedError(
            "FileWriter.add_run_metadata(run_metadata, %r) is not supported: minitensor's "
            "event files hold graphs and summaries, not run metadata." % (tag,),
            hint="draw the traced run as a timeline instead: from minitensor.python.client "
                 "import timeline; open('timeline.json', 'w').write(timeline.Timeline("
                 "run_metadata.step_stats).generate_chrome_trace_format()), then open the "
                 "file in chrome://tracing or ui.perfetto.dev.")

    def get_logdir(self):
        return self.logdir

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

    def reopen(self):
        if self._file.closed:
            self._file = open(self.path, "ab")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return ("<FileWriter writing %s -- view it with: tensorboard --logdir=\"%s\">"
                % (self.path, self.logdir))


class FileWriterCache:
    _cache = {}

    @classmethod
    def get(cls, logdir):
        if logdir not in cls._cache:
            cls._cache[logdir] = FileWriter(logdir)
        return cls._cache[logdir]

    @classmethod
    def clear(cls):
        for w in cls._cache.values():
            w.close()
        cls._cache.clear()


# =========================================================================
# Reading back (what TensorBoard would see)
# =========================================================================

class Event:
    """A decoded event: wall_time, step, file_version, graph_nodes [(name, op, inputs)],
    summary_values [(tag, simple_value or histogram dict)]."""

    def __init__(self, raw):
        fields = _proto.parse(raw)
        self.wall_time = fields.get(1, [0.0])[0]
        self.step = fields.get(2, [0])[0]
        self.file_version = fields[3][0].decode() if 3 in fields else None
        self.graph_nodes = []
        for graph_def in fields.get(4, []):
            for node in _proto.parse(graph_def).get(1, []):
                nf = _proto.parse(node)
                self.graph_nodes.append((nf[1][0].decode(), nf[2][0].decode(),
                                         [i.decode() for i in nf.get(3, [])]))
        self.summary_values = []
        for summary in fields.get(5, []):
            for value in _proto.parse(summary).get(1, []):
                vf = _proto.parse(value)
                tag = vf[1][0].decode()
                if 2 in vf:
                    self.summary_values.append((tag, vf[2][0]))
                elif 5 in vf:
                    hf = _proto.parse(vf[5][0])
                    self.summary_values.append((tag, {"min": hf[1][0], "max": hf[2][0],
                                                      "num": hf[3][0]}))


def summary_iterator(path):
    """Yield the :class:`Event` records of an event file (TF's tf.train.summary_iterator)."""
    with open(path, "rb") as f:
        raw = f.read()
    for record in _proto.read_tfrecords(raw):
        yield Event(record)
