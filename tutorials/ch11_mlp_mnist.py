"""Chapter 11: multi-layer perceptrons on MNIST with the low-level API.

Part 1 runs the seed's program ("基于TensorFlow MLP的MNIST分类") unchanged but for the import:
its ``mlp()`` builder (weights from tf.random_normal, ReLU hidden layers), the fused
``tf.nn.softmax_cross_entropy_with_logits`` loss, gradient descent with learning rate
0.001 for 50 epochs, and the seed's table of 0 / 2x64 / 2x256 hidden layers.

Part 2 keeps the network and changes what the last decade taught: He initialisation,
zero biases and Adam, with a learning rate that shrinks by 20% each epoch.  2x256 then
passes 98% test accuracy in a few epochs.

    python tutorials/ch11_mlp_mnist.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS         epochs for the seed's table (default 50)
    MINITENSOR_TUTORIAL_BETTER_EPOCHS  epochs for part 2 (default 12)
    MINITENSOR_TUTORIAL_BATCHES        batches per epoch (default: the whole training set)
    MINITENSOR_MNIST_DIR, MINITENSOR_OUTPUT_DIR  as in chapter 10
"""
# --8<-- [start:setup]
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import minitensor as tf
from minitensor.examples.tutorials.mnist import input_data

n_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 50)
better_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_BETTER_EPOCHS") or 12)
max_batches = int(os.environ.get("MINITENSOR_TUTORIAL_BATCHES") or 0)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)
num_outputs = 10
num_inputs = 784
batch_size = 100
n_batches = int(mnist.train.num_examples / batch_size)
if max_batches:
    n_batches = min(n_batches, max_batches)
# --8<-- [end:setup]


# --8<-- [start:mlp]
def mlp(x, num_inputs, num_outputs, num_layers, num_neurons):
    w = []
    b = []
    for i in range(num_layers):
        w.append(tf.Variable(tf.random_normal(
            [num_inputs if i == 0 else num_neurons[i - 1], num_neurons[i]]),
            name='w_{0:04d}'.format(i)))
        b.append(tf.Variable(tf.random_normal([num_neurons[i]]), name='b_{0:04d}'.format(i)))
    w.append(tf.Variable(tf.random_normal(
        [num_neurons[num_layers - 1] if num_layers > 0 else num_inputs, num_outputs],
        name='w_out')))
    b.append(tf.Variable(tf.random_normal([num_outputs], name='b_out')))

    layer = x
    for i in range(num_layers):
        layer = tf.nn.relu(tf.matmul(layer, w[i]) + b[i])
    layer = tf.matmul(layer, w[num_layers]) + b[num_layers]
    return layer


def mnist_batch(batch_size=100):
    X_batch, Y_batch = mnist.train.next_batch(batch_size)
    return [X_batch, Y_batch]


def tensorflow_classification(n_epochs, n_batches, batch_size, batch_func, model, optimizer,
                              loss, accuracy_function, X_test, Y_test, report_every=10):
    with tf.Session() as tfs:
        tfs.run(tf.global_variables_initializer())
        for epoch in range(n_epochs):
            epoch_loss = 0.0
            for batch in range(n_batches):
                X_batch, Y_batch = batch_func(batch_size)
                feed_dict = {x: X_batch, y: Y_batch}
                _, batch_loss = tfs.run([optimizer, loss], feed_dict)
                epoch_loss += batch_loss
            average_loss = epoch_loss / n_batches
            if epoch % report_every == 0 or epoch == n_epochs - 1:
                print("epoch: {0:04d} loss = {1:0.6f}".format(epoch, average_loss))
        feed_dict = {x: X_test, y: Y_test}
        accuracy_score = tfs.run(accuracy_function, feed_dict=feed_dict)
        print("accuracy = {0:.8f}".format(accuracy_score))
    return accuracy_score
# --8<-- [end:mlp]


# --8<-- [start:table]
table = []
for num_layers, num_neurons in [(0, []), (2, [64, 64]), (2, [256, 256])]:
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x = tf.placeholder(dtype=tf.float32, name='x', shape=[None, num_inputs])
    y = tf.placeholder(dtype=tf.float32, name='y', shape=[None, num_outputs])
    learning_rate = 0.001
    model = mlp(x=x, num_inputs=num_inputs, num_outputs=num_outputs,
                num_layers=num_layers, num_neurons=num_neurons)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=model, labels=y))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=learning_rate).minimize(loss)
    predictions_check = tf.equal(tf.argmax(model, 1), tf.argmax(y, 1))
    accuracy_function = tf.reduce_mean(tf.cast(predictions_check, tf.float32))
    print("--- %d hidden layers %s, seed settings ---" % (num_layers, num_neurons))
    start = time.perf_counter()
    acc = tensorflow_classification(n_epochs=n_epochs, n_batches=n_batches,
                                    batch_size=batch_size, batch_func=mnist_batch, model=model,
                                    optimizer=optimizer, loss=loss,
                                    accuracy_function=accuracy_function,
                                    X_test=mnist.test.images, Y_test=mnist.test.labels)
    table.append((num_layers, num_neurons[0] if num_neurons else 0, acc,
                  time.perf_counter() - start))

print()
print("| Number of Layers | Neurons per hidden layer | Accuracy | seed's accuracy | time |")
print("|---|---|---|---|---|")
for (layers, neurons, acc, seconds), seed_acc in zip(table, [0.6642, 0.8296, 0.9246]):
    print("| %d | %d | %.4f | %.4f | %.1f s |" % (layers, neurons, acc, seed_acc, seconds))
# --8<-- [end:table]

# --8<-- [start:better]
# Part 2: the same 2x256 network with He initialisation, zero biases and Adam, whose
# learning rate shrinks by 20% after each epoch (without the decay the test accuracy keeps
# jumping around 97.5-98% from epoch to epoch).
tf.reset_default_graph()
tf.set_random_seed(1)
x = tf.placeholder(dtype=tf.float32, name='x', shape=[None, num_inputs])
y = tf.placeholder(dtype=tf.float32, name='y', shape=[None, num_outputs])
he = tf.variance_scaling_initializer(scale=2.0, mode="fan_in", distribution="truncated_normal")
layer = x
for i, units in enumerate([256, 256]):
    with tf.variable_scope("hidden_%d" % i):
        w = tf.get_variable("w", [layer.shape[1].value, units], initializer=he)
        b = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
        layer = tf.nn.relu(tf.matmul(layer, w) + b)
with tf.variable_scope("output"):
    w = tf.get_variable("w", [256, num_outputs])          # Glorot uniform (the default)
    b = tf.get_variable("b", [num_outputs], initializer=tf.zeros_initializer())
    logits = tf.matmul(layer, w) + b
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
global_step = tf.train.get_or_create_global_step()
learning_rate = tf.train.exponential_decay(0.001, global_step, decay_steps=n_batches,
                                           decay_rate=0.8, staircase=True)
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate).minimize(
    loss, global_step=global_step)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))

history = []
with tf.Session() as tfs:
    tfs.run(tf.global_variables_initializer())
    for epoch in range(better_epochs):
        for batch in range(n_batches):
            X_batch, Y_batch = mnist.train.next_batch(batch_size)
            tfs.run(optimizer, {x: X_batch, y: Y_batch})
        test_acc = tfs.run(accuracy, {x: mnist.test.images, y: mnist.test.labels})
        history.append(test_acc)
        print("epoch: {0:04d} test accuracy = {1:.4f}".format(epoch, test_acc))
print("He init + Adam, 2x256: test accuracy = {0:.4f}".format(history[-1]))

fig = plt.figure(figsize=(10, 5))
plt.plot(range(1, len(history) + 1), history, "o-", label="He init + Adam, 2x256")
plt.axhline(table[-1][2], color="grey", linestyle="--",
            label="seed settings, 2x256, %d epochs" % n_epochs)
plt.xlabel("# Epoch")
plt.ylabel("Test accuracy")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch11_mlp_accuracy.png"))
plt.close(fig)
print("Plots saved in %s" % output_dir)
# --8<-- [end:better]
