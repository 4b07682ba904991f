"""Chapter 10: multi-class logistic (softmax) regression on real MNIST.

The seed's program ("多类分类"): ``model = softmax(x W + b)``, the hand-written
cross-entropy ``-reduce_sum(y * log(model))``, gradient descent with learning rate 0.001,
batches of 100 from ``mnist.train.next_batch`` -- then the same model trained for several
epochs with the loss and accuracy recorded for curves.

    python tutorials/ch10_softmax_mnist.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   epochs for the curves (default 30, the seed's)
    MINITENSOR_TUTORIAL_BATCHES  batches per epoch (default: the whole training set)
    MINITENSOR_MNIST_DIR         where the MNIST files are (else ./MNIST_data, the cache, or
                                 a download)
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

num_epochs_curve = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 30)
max_batches = int(os.environ.get("MINITENSOR_TUTORIAL_BATCHES") or 0)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)

num_outputs = 10      # ten digits
num_inputs = 784      # 28 x 28 pixels, flattened
learning_rate = 0.001
num_epochs = 1
batch_size = 100
num_batches = int(mnist.train.num_examples / batch_size)
if max_batches:
    num_batches = min(num_batches, max_batches)
print("train: %d images, validation: %d, test: %d" % (
    mnist.train.num_examples, mnist.validation.num_examples, mnist.test.num_examples))
# --8<-- [end:data]

# --8<-- [start:model]
x = tf.placeholder(dtype=tf.float32, shape=[None, num_inputs], name='x')
y = tf.placeholder(dtype=tf.float32, shape=[None, num_outputs], name='y')

w = tf.Variable(tf.zeros([784, 10]), name='w')
b = tf.Variable(tf.zeros([10]), name='b')
model = tf.nn.softmax(tf.matmul(x, w) + b)

# The seed's hand-written cross-entropy.  It works here because the weights start at 0
# and the learning rate is small; chapter 12 shows how it turns into NaN and what
# tf.nn.softmax_cross_entropy_with_logits does instead.
loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(model), axis=1))
optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate).minimize(loss)

# Built once, outside the training loop (the seed built these inside the loop, which adds
# new ops to the graph every epoch; minitensor warns when that happens).
predictions_check = tf.equal(tf.argmax(model, 1), tf.argmax(y, 1))
accuracy_function = tf.reduce_mean(tf.cast(predictions_check, tf.float32))
# --8<-- [end:model]

# --8<-- [start:one_epoch]
with tf.Session() as tfs:
    tf.global_variables_initializer().run()
    for epoch in range(num_epochs):
        for batch in range(num_batches):
            batch_x, batch_y = mnist.train.next_batch(batch_size)
            tfs.run(optimizer, feed_dict={x: batch_x, y: batch_y})
        feed_dict = {x: mnist.test.images, y: mnist.test.labels}
        accuracy_score = tfs.run(accuracy_function, feed_dict)
print("epoch {0:04d} accuracy={1:.8f}".format(epoch, accuracy_score))
# --8<-- [end:one_epoch]

# --8<-- [start:curves]
def mnist_batch_func(batch_size=100):
    batch_x, batch_y = mnist.train.next_batch(batch_size)
    return [batch_x, batch_y]


def tensorflow_classification(num_epochs, num_batches, batch_size, batch_func, optimizer,
                              test_x, test_y):
    accuracy_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
    loss_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
    with tf.Session() as tfs:
        tf.global_variables_initializer().run()
        for epoch in range(num_epochs):
            epoch_loss = 0.0
            for batch in range(num_batches):
                batch_x, batch_y = batch_func(batch_size)
                _, batch_loss = tfs.run([optimizer, loss], {x: batch_x, y: batch_y})
                epoch_loss += batch_loss
            loss_epochs[epoch] = epoch_loss / num_batches
            accuracy_epochs[epoch] = tfs.run(accuracy_function, {x: test_x, y: test_y})
            print("epoch {0:04d} loss={1:.6f} accuracy={2:.8f}".format(
                epoch, loss_epochs[epoch], accuracy_epochs[epoch]))
    return loss_epochs, accuracy_epochs


loss_epochs, accuracy_epochs = tensorflow_classification(
    num_epochs=num_epochs_curve, num_batches=num_batches, batch_size=batch_size,
    batch_func=mnist_batch_func, optimizer=optimizer,
    test_x=mnist.test.images, test_y=mnist.test.labels)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
ax1.plot(loss_epochs, label='Training loss')
ax1.set_xlabel('# Epoch')
ax1.set_ylabel('Cross-entropy')
ax1.legend()
ax2.plot(accuracy_epochs, label='Accuracy on the test set')
ax2.set_xlabel('# Epoch')
ax2.set_ylabel('Accuracy')
ax2.legend()
fig.suptitle('Softmax regression on MNIST')
fig.savefig(os.path.join(output_dir, "ch10_softmax_curves.png"))
plt.close(fig)
print("final test accuracy = {0:.4f}".format(accuracy_epochs[-1]))
print("Plots saved in %s" % output_dir)
# --8<-- [end:curves]
