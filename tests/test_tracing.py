"""Tracing a run (RunOptions(trace_level=FULL_TRACE) + RunMetadata) and drawing it
(timeline.Timeline): every step of the run is there, under the right device and op, with
TF's label format, and the timeline is valid Chrome trace JSON with data-flow arrows."""
import json

import numpy as np
import pytest

import minitensor as tf
from minitensor.python.client import timeline
from minitensor.python.client.timeline import parse_label

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


def dense_graph():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 10, name="w")
    b = tf.Variable(np.array([0.1, -0.2], np.float32), name="b")
    y = tf.nn.relu(tf.matmul(x, w) + b)
    loss = tf.reduce_sum(y, name="loss")
    return x, loss, tf.train.GradientDescentOptimizer(0.1).minimize(loss)


def traced(sess, fetches, feed):
    meta = tf.RunMetadata()
    out = sess.run(fetches, feed, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                   run_metadata=meta)
    return out, meta


def nodes_of(meta):
    return {n.node_name: n for d in meta.step_stats.dev_stats for n in d.node_stats}


@pytest.mark.parametrize("kernels", ["auto", "reference"])
def test_a_traced_run_times_every_op_and_computes_the_same(kernels):
    x, loss, train = dense_graph()
    feed = {x: np.array([[1, 2, 3], [-1, 0, 2]], np.float32)}
    with tf.Session(config=tf.ConfigProto(kernels=kernels)) as sess:
        sess.run(tf.global_variables_initializer())
        plain = sess.run(loss, feed)
        value, meta = traced(sess, loss, feed)
        assert value == plain
        [device] = meta.step_stats.dev_stats
        assert device.device == CPU
        names = [n.node_name for n in device.node_stats]
        assert names[-1] == "loss" and "MatMul" in names and "w/read" in names
        assert len(names) == len(set(names))              # each step once, in run order
        starts = [n.all_start_micros for n in device.node_stats]
        assert starts == sorted(starts)
        for n in device.node_stats:
            assert n.all_end_rel_micros >= 0 and n.op_end_rel_micros == n.all_end_rel_micros
        labels = {n.node_name: n.timeline_label for n in device.node_stats}
        assert labels["MatMul"] == "MatMul = MatMul(x, w/read)"
        assert labels["loss"].startswith("loss = ReduceSum(Relu")
        # x + b and the ReLU run as one kernel with the fast kernels, one each without
        if kernels == "auto":
            assert labels["Relu"] == "Relu = Add+Relu(MatMul, b/read)" and "add" not in labels
        else:
            assert labels["Relu"] == "Relu = Relu(add)" and labels["add"] == \
                "add = Add(MatMul, b/read)"


def test_training_runs_are_traced_too_and_untraced_runs_leave_the_metadata_alone():
    x, loss, train = dense_graph()
    feed = {x: np.ones((4, 3), np.float32)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, meta = traced(sess, [train, loss], feed)
        nodes = nodes_of(meta)
        assert {"GradientDescent/update_w/ApplyGradientDescent",
                "GradientDescent/update_b/ApplyGradientDescent"} <= set(nodes)
        again = tf.RunMetadata()
        sess.run(loss, feed, run_metadata=again)                        # no options
        sess.run(loss, feed, options=tf.RunOptions(), run_metadata=again)   # NO_TRACE
        assert again.step_stats.dev_stats == []
        # make_callable(accept_options=True) passes them through, as in TF
        call = sess.make_callable(loss, [x], accept_options=True)
        meta2 = tf.RunMetadata()
        call(np.ones((2, 3), np.float32), options=tf.RunOptions(trace_level=3),
             run_metadata=meta2)
        assert "loss" in nodes_of(meta2)


def test_a_failing_traced_run_raises_the_usual_error_and_keeps_what_ran():
    a = tf.placeholder(tf.float32, [None, 3], name="a")
    m = tf.placeholder(tf.float32, [None, None], name="m")
    y = tf.matmul(tf.square(a, name="sq"), m, name="product")
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(y, {a: np.ones((2, 3)), m: np.ones((4, 2))},
                     options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                     run_metadata=meta)
    assert "product" in str(info.value)
    assert list(nodes_of(meta)) == ["sq"]


def test_the_timeline_is_chrome_trace_json_with_ops_and_arrows():
    x, loss, train = dense_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, meta = traced(sess, train, {x: np.ones((4, 3), np.float32)})
    trace = json.loads(timeline.Timeline(meta.step_stats).generate_chrome_trace_format())
    events = trace["traceEvents"]
    assert events[0] == {"ph": "M", "name": "process_name", "pid": 0,
                         "args": {"name": CPU + " Compute"}}
    ops = [e for e in events if e["ph"] == "X"]
    assert len(ops) == len(nodes_of(meta))
    matmul = next(e for e in ops if e["args"]["name"] == "MatMul")
    assert matmul["name"] == "MatMul" and matmul["cat"] == "Op"
    assert matmul["args"]["input0"] == "x" and matmul["args"]["input1"] == "w/read"
    # an arrow from w/read's end to MatMul's start; none from x (fed, no step made it)
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = [e for e in events if e["ph"] == "t" and e["ts"] == matmul["ts"]]
    assert [starts[e["id"]]["name"] for e in ends] == ["w/read"]
    w_read = next(e for e in ops if e["args"]["name"] == "w/read")
    assert starts[ends[0]["id"]]["ts"] == w_read["ts"] + w_read["dur"]
    plain = json.loads(timeline.Timeline(meta.step_stats).generate_chrome_trace_format(
        show_dataflow=False))
    assert {e["ph"] for e in plain["traceEvents"]} == {"M", "X"}


@pytest.mark.parametrize("label, parsed", [
    ("MatMul = MatMul(x, w/read)", ("MatMul", "MatMul", ["x", "w/read"])),
    ("w = VariableV2()", ("w", "VariableV2", [])),
    ("s = Split(a:1, b)", ("s", "Split", ["a:1", "b"])),
    ("no label", ("no label", "no label", [])),
])
def test_timeline_labels_parse_as_tf_writes_them(label, parsed):
    assert parse_label(label) == parsed


def test_add_run_metadata_says_to_draw_a_timeline_instead(tmp_path):
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        with pytest.raises(tf.errors.UnimplementedError) as info:
            writer.add_run_metadata(tf.RunMetadata(), "step1")
    assert "timeline.Timeline(run_metadata.step_stats)" in str(info.value)
