"""Chapter 13: recurrent networks on MNIST -- each image is a sequence of 28 rows.

The seed's "RNN TensorFlow" workflow with the low-level API: a [None, 28, 28] placeholder,
a list of 28 per-step tensors, a cell from tf.nn.rnn_cell (BasicRNNCell, GRUCell,
BasicLSTMCell), tf.nn.static_rnn, a softmax layer on the last output, Adam.  Each cell
reads one row of 28 pixels per step and has to remember what it saw in the rows above.

    python tutorials/ch13_rnn_mnist.py          # a few minutes on two CPU cores

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   epochs per cell (default 2)
    MINITENSOR_TUTORIAL_BATCHES  batches per epoch (default: the whole training set)
    MINITENSOR_TUTORIAL_SAMPLES  test images to score on (default: all 10000)
    MINITENSOR_MNIST_DIR         where the MNIST files are (as in chapter 10)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)
"""
# --8<-- [start:setup]
import os
import time

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np

import minitensor as tf
from minitensor.examples.tutorials.mnist import input_data

n_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 2)
max_batches = int(os.environ.get("MINITENSOR_TUTORIAL_BATCHES") or 0)
n_test = int(os.environ.get("MINITENSOR_TUTORIAL_SAMPLES") or 10000)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
# --- 1. Images as sequences -------------------------------------------------------------
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)
n_steps = 28        # time steps: the rows of an image, top to bottom
n_inputs = 28       # features per step: the pixels of one row
n_classes = 10
n_units = 128       # size of the cell's state
batch_size = 100
learning_rate = 0.005
n_batches = mnist.train.num_examples // batch_size
if max_batches:
    n_batches = min(n_batches, max_batches)

X_test = mnist.test.images[:n_test].reshape(-1, n_steps, n_inputs)
Y_test = mnist.test.labels[:n_test]
n_valid = min(2000, n_test)   # validation images scored during training, for the curves
X_valid = mnist.validation.images[:n_valid].reshape(-1, n_steps, n_inputs)
Y_valid = mnist.validation.labels[:n_valid]
print("test sequences:", X_test.shape, " labels:", Y_test.shape)
# --8<-- [end:data]


# --8<-- [start:model]
# --- 2. The model: the seed's six steps ---------------------------------------------------
def rnn_classifier(make_cell):
    """Build the graph for one cell type; return (x, y, cell, outputs, logits)."""
    # 1. placeholders of shape (batch, time steps, features)
    x = tf.placeholder(tf.float32, [None, n_steps, n_inputs], name="x")
    y = tf.placeholder(tf.float32, [None, n_classes], name="y")
    # 2. a list of n_steps tensors, one [batch, n_inputs] tensor per time step
    x_steps = tf.unstack(x, axis=1)
    # 3. the cell
    cell = make_cell()
    # 4. the RNN: the same cell (the same weights) applied at every step
    outputs, state = tf.nn.static_rnn(cell, x_steps, dtype=tf.float32)
    # 5. a softmax layer on the last output
    w = tf.Variable(tf.random_normal([n_units, n_classes], stddev=0.1), name="w")
    b = tf.Variable(tf.zeros([n_classes]), name="b")
    logits = tf.matmul(outputs[-1], w) + b
    return x, y, cell, outputs, logits


cells = [
    ("BasicRNNCell", lambda: tf.nn.rnn_cell.BasicRNNCell(n_units)),
    ("GRUCell", lambda: tf.nn.rnn_cell.GRUCell(n_units)),
    ("BasicLSTMCell", lambda: tf.nn.rnn_cell.BasicLSTMCell(n_units)),
]
# --8<-- [end:model]


# --8<-- [start:train]
# --- 3. Training: the same loop for every cell -------------------------------------------
def train(name, make_cell):
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x, y, cell, outputs, logits = rnn_classifier(make_cell)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    optimizer = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                      tf.float32))
    n_params = sum(int(np.prod(v.shape.as_list())) for v in tf.trainable_variables())
    print("--- %s: %d steps, %d parameters (%s)" % (
        name, len(outputs), n_params, ", ".join(v.name for v in cell.variables)))

    curve = []                       # (epochs so far, validation accuracy)
    report_every = max(1, n_batches // 4)
    start = time.perf_counter()
    with tf.Session() as tfs:
        tfs.run(tf.global_variables_initializer())
        for epoch in range(n_epochs):
            for batch in range(n_batches):
                batch_x, batch_y = mnist.train.next_batch(batch_size)
                batch_x = batch_x.reshape(-1, n_steps, n_inputs)
                _, batch_loss = tfs.run([optimizer, loss], {x: batch_x, y: batch_y})
                if (batch + 1) % report_every == 0:
                    valid = tfs.run(accuracy, {x: X_valid, y: Y_valid})
                    curve.append((epoch + (batch + 1) / n_batches, valid))
            print("epoch %d: loss = %.4f, validation accuracy = %.4f"
                  % (epoch, batch_loss, curve[-1][1]))
        seconds = time.perf_counter() - start
        test_accuracy = tfs.run(accuracy, {x: X_test, y: Y_test})
    print("%s: test accuracy = %.4f (%.0f s)" % (name, test_accuracy, seconds))
    return n_params, test_accuracy, seconds, curve


results = {name: train(name, make_cell) for name, make_cell in cells}
# --8<-- [end:train]

# --8<-- [start:table]
print()
print("| cell | parameters | test accuracy | training time |")
print("|---|---|---|---|")
for name, (n_params, test_accuracy, seconds, _) in results.items():
    print("| %s | %d | %.4f | %.0f s |" % (name, n_params, test_accuracy, seconds))
# --8<-- [end:table]

# --8<-- [start:dynamic]
# --- 4. dynamic_rnn: the same network without the list ----------------------------------
# tf.nn.dynamic_rnn takes the [batch, time, features] tensor itself and returns the outputs
# as one [batch, time, units] tensor.  Called with the same cell object, it reuses the
# cell's variables, so both graphs compute the same numbers.
tf.reset_default_graph()
x, y, cell, outputs, logits = rnn_classifier(cells[2][1])
dynamic_outputs, dynamic_state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
print("static_rnn: a list of %d tensors of shape %s" % (len(outputs), outputs[0].shape))
print("dynamic_rnn: one tensor of shape", dynamic_outputs.shape)
print("final state:", type(dynamic_state).__name__, "c", dynamic_state.c.shape,
      "h", dynamic_state.h.shape)
with tf.Session() as tfs:
    tfs.run(tf.global_variables_initializer())
    static_last, dynamic_last = tfs.run([outputs[-1], dynamic_outputs[:, -1, :]],
                                        {x: X_test[:5]})
print("largest difference between the two last outputs:",
      float(np.abs(static_last - dynamic_last).max()))
# --8<-- [end:dynamic]

# --8<-- [start:plots]
# --- 5. Plot ------------------------------------------------------------------------------
fig = plt.figure(figsize=(10, 5))
for name, (_, _, _, curve) in results.items():
    plt.plot(*zip(*curve), "o-", label=name)
plt.xlabel("# Epoch")
plt.ylabel("Validation accuracy (%d images)" % n_valid)
plt.title("MNIST rows as sequences, %d units, Adam %g" % (n_units, learning_rate))
plt.legend()
fig.savefig(os.path.join(output_dir, "ch13_rnn_accuracy.png"))
plt.close(fig)
print("Plots saved in %s" % output_dir)
# --8<-- [end:plots]
