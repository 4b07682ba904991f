"""tf.summary: event files TensorBoard can read (checked by reading them back)."""
import glob
import os

import numpy as np

import minitensor as tf
from minitensor.summary import _proto, summary_iterator


def test_crc32c_known_value():
    # RFC 3720 test vector: 32 bytes of zeros
    assert _proto.crc32c(bytes(32)) == 0x8A9136AA
    assert _proto.crc32c(b"123456789") == 0xE3069283


def test_seed_minimal_tensorboard_example(tmp_path):
    w = tf.Variable([.3], name='w', dtype=tf.float32)
    b = tf.Variable([-.3], name='b', dtype=tf.float32)
    x = tf.placeholder(name='x', dtype=tf.float32)
    y = w * x + b
    with tf.Session() as tfs:
        tfs.run(tf.global_variables_initializer())
        writer = tf.summary.FileWriter(str(tmp_path / "tflogs"), tfs.graph)
        np.testing.assert_allclose(tfs.run(y, {x: 3}), [0.6], rtol=1e-6)
        writer.close()
    files = glob.glob(str(tmp_path / "tflogs" / "events.out.tfevents.*"))
    assert len(files) == 1
    events = list(summary_iterator(files[0]))
    assert events[0].file_version == "brain.Event:2"
    nodes = {name: (op, inputs) for name, op, inputs in events[1].graph_nodes}
    assert nodes["mul"] == ("Mul", ["w/read", "x"])
    assert nodes["w"][0] == "VariableV2"


def test_scalar_and_histogram_summaries_merge_and_write(tmp_path):
    loss = tf.placeholder(tf.float32, [], name="loss_value")
    weights = tf.placeholder(tf.float32, [100])
    tf.summary.scalar("loss", loss)
    tf.summary.histogram("weights", weights)
    merged = tf.summary.merge_all()
    with tf.Session() as sess, tf.summary.FileWriter(str(tmp_path)) as writer:
        for step in range(3):
            s = sess.run(merged, {loss: 1.0 / (step + 1), weights: np.arange(100.0)})
            writer.add_summary(s, step)
        path = writer.path
    events = list(summary_iterator(path))[1:]
    assert [e.step for e in events] == [0, 1, 2]
    tags = dict(events[2].summary_values)
    assert abs(tags["loss"] - 1 / 3) < 1e-6
    assert tags["weights"]["min"] == 0.0 and tags["weights"]["max"] == 99.0
    assert os.path.basename(path).startswith("events.out.tfevents.")
