"""Chapter 12: why the hand-written cross-entropy turns into NaN, and what the fused one does.

Chapter 10 wrote the seed's loss ``-reduce_sum(y * log(softmax(z)))``; chapter 11 used
``tf.nn.softmax_cross_entropy_with_logits``.  This chapter takes both apart on three
numbers, finds the op that produced the first NaN with ``tf.debug.find_first_nonfinite``,
and then trains softmax regression on MNIST with a large learning rate: the hand-written
loss dies after a few steps, the fused one trains.

    python tutorials/ch12_stable_cross_entropy.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_BATCHES  training steps for the MNIST run (default 300)
    MINITENSOR_MNIST_DIR         where the MNIST files are (as in chapter 10)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np

import minitensor as tf
from minitensor.examples.tutorials.mnist import input_data

num_steps = int(os.environ.get("MINITENSOR_TUTORIAL_BATCHES") or 300)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
np.set_printoptions(precision=4)
# --8<-- [end:setup]

# --8<-- [start:graph]
# --- 1. Three ways to write the same loss ------------------------------------------
z = tf.placeholder(tf.float32, [None, 3], name="logits")   # the model's raw scores
y = tf.placeholder(tf.float32, [None, 3], name="labels")   # one-hot

probabilities = tf.nn.softmax(z)
log_probabilities = tf.log(probabilities)
naive_loss = -tf.reduce_sum(y * log_probabilities, axis=1)          # chapter 10's loss
fused_loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)
log_softmax_loss = -tf.reduce_sum(y * tf.nn.log_softmax(z), axis=1)

naive_grad = tf.gradients(tf.reduce_sum(naive_loss), z)[0]
fused_grad = tf.gradients(tf.reduce_sum(fused_loss), z)[0]
# --8<-- [end:graph]

# --8<-- [start:scales]
# --- 2. The same logits, scaled up ------------------------------------------------------
# Logits s * [0, 1, 2], true class 1.  The exact loss is log(1 + e^s + e^2s) - s, which is
# about s for large s: a confident, wrong prediction should cost a lot -- not NaN.
scales = [1, 10, 50, 100, 1000]
naive_by_scale, fused_by_scale = [], []
sess = tf.Session()
print("scale | softmax(z)                          | naive loss | fused loss | exact")
for s in scales:
    feed = {z: [[0.0, s, 2.0 * s]], y: [[0.0, 1.0, 0.0]]}
    p, naive, fused = sess.run([probabilities, naive_loss, fused_loss], feed)
    exact = np.logaddexp.reduce([0.0, s, 2.0 * s]) - s            # float64, by NumPy
    naive_by_scale.append(naive[0])
    fused_by_scale.append(fused[0])
    print("%5d | %-35s | %10.4f | %10.4f | %.4f" % (s, p[0], naive[0], fused[0], exact))
# --8<-- [end:scales]

# --8<-- [start:step_by_step]
# --- 3. Step by step: logits [0, 1, 1e4] ------------------------------------------------
for label in ([0.0, 1.0, 0.0], [0.0, 0.0, 1.0]):      # wrong, then right (and confident)
    feed = {z: [[0.0, 1.0, 1e4]], y: [label]}
    p, log_p, product, naive, grad = sess.run(
        [probabilities, log_probabilities, y * log_probabilities, naive_loss, naive_grad],
        feed)
    print("\nlabels          ", np.array(label))
    print("softmax(z)      ", p[0], "  <- e^-10000 underflows to 0")
    print("log(softmax(z)) ", log_p[0], "  <- log(0) = -inf")
    print("y * log(...)    ", product[0], "  <- 0 * -inf = nan")
    print("naive loss      ", naive[0])
    print("naive gradient  ", grad[0])
    fused, grad, stable = sess.run([fused_loss, fused_grad, log_softmax_loss], feed)
    # (+ 0.0 prints a zero loss as 0 rather than -0: -(0.0) is -0.0 in floating point)
    print("fused loss      ", fused[0] + 0.0, "   log_softmax loss", stable[0] + 0.0)
    print("fused gradient  ", grad[0], "  <- softmax(z) - y")
# --8<-- [end:step_by_step]

# --8<-- [start:log_sum_exp]
# --- 4. What the fused op computes: log-sum-exp -----------------------------------------
# -sum_k y_k log softmax(z)_k = logsumexp(z) - sum_k y_k z_k   (when the labels sum to 1)
# logsumexp(z) = m + log(sum_k exp(z_k - m)), m = max(z): every exp(z_k - m) <= 1 and one
# of them is exactly 1, so the sum is between 1 and 3 and its log is finite.
logits = np.array([0.0, 1.0, 1e4], dtype=np.float32)
m = logits.max()
lse = m + np.log(np.sum(np.exp(logits - m)))
print("\nby hand: m = %g, exp(z - m) = %s, logsumexp = %g" % (m, np.exp(logits - m), lse))
print("by hand: loss for class 1 = %g, for class 2 = %g" % (lse - logits[1], lse - logits[2]))
# --8<-- [end:log_sum_exp]

# --8<-- [start:find_nan]
# --- 5. Which op made the first NaN? -----------------------------------------------------
feed = {z: [[0.0, 1.0, 1e4]], y: [[0.0, 0.0, 1.0]]}
report = tf.debug.find_first_nonfinite(sess, naive_loss, feed)
print("\n" + str(report))
print("first non-finite op type:", report.op.type)
print("fused loss:", tf.debug.find_first_nonfinite(sess, fused_loss, feed))
sess.close()
# --8<-- [end:find_nan]

# --8<-- [start:training]
# --- 6. Training with a large learning rate ----------------------------------------------
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)
batches = [mnist.train.next_batch(100) for _ in range(num_steps)]   # the same for both runs
learning_rate = 2.0


def train(kind):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.float32, [None, 10], name="y")
    w = tf.Variable(tf.zeros([784, 10]), name="w")
    b = tf.Variable(tf.zeros([10]), name="b")
    logits = tf.matmul(x, w) + b
    if kind == "naive":
        loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.nn.softmax(logits)), axis=1))
    else:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)),
                                      tf.float32))
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step, (batch_x, batch_y) in enumerate(batches):
            feed = {x: batch_x, y: batch_y}
            # look at the loss before the update: once a NaN reaches the weights, every
            # later value is NaN and the first culprit is gone
            batch_loss = sess.run(loss, feed)
            if not np.isfinite(batch_loss):
                print("%s: step %d, loss = %s" % (kind, step, batch_loss))
                print(tf.debug.find_first_nonfinite(sess, loss, feed))
                break
            losses.append(batch_loss)
            sess.run(optimizer, feed)
        test_accuracy = sess.run(accuracy, {x: mnist.test.images, y: mnist.test.labels})
    print("%s: %d finite steps, last loss %.4f, test accuracy = %.4f"
          % (kind, len(losses), losses[-1], test_accuracy))
    return losses


naive_losses = train("naive")
fused_losses = train("fused")
# --8<-- [end:training]

# --8<-- [start:plots]
# --- 7. Plots -------------------------------------------------------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
exact = [np.logaddexp.reduce([0.0, s, 2.0 * s]) - s for s in scales]
ax1.plot(scales, exact, "k-", label="exact")
ax1.plot(scales, fused_by_scale, "go", label="fused (log-sum-exp)")
finite = [(s, v) for s, v in zip(scales, naive_by_scale) if np.isfinite(v)]
ax1.plot(*zip(*finite), "rx", markersize=10, label="naive (missing points: NaN)")
ax1.set_xscale("log")
ax1.set_yscale("log")
ax1.set_xlabel("scale s of the logits s * [0, 1, 2]")
ax1.set_ylabel("cross-entropy, true class 1")
ax1.legend()
ax2.plot(fused_losses, label="fused softmax_cross_entropy_with_logits")
ax2.plot(naive_losses, "r-", linewidth=2,
         label="-reduce_sum(y * log(softmax)) (NaN at step %d)" % len(naive_losses))
ax2.set_xlabel("# Step")
ax2.set_ylabel("Training loss (batch)")
ax2.set_title("Softmax regression on MNIST, learning rate %g" % learning_rate)
ax2.legend()
fig.savefig(os.path.join(output_dir, "ch12_cross_entropy.png"))
plt.close(fig)
print("Plots saved in %s" % output_dir)
# --8<-- [end:plots]
