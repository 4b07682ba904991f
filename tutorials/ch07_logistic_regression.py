"""Chapter 7: binary classification with logistic regression.

The seed's program ("二分类") with `import minitensor as tf`: two-feature data from
scikit-learn's make_classification, one-hot targets, a sigmoid model
phi(z) = 1 / (1 + exp(-(x w + b))) and the log-loss

    J(w) = -mean_i sum_k [ y_ik log(phi_ik) + (1 - y_ik) log(1 - phi_ik) ]

trained by gradient descent; the predicted class is the output with the larger phi.

    python tutorials/ch07_logistic_regression.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   training epochs (default 1000)
    MINITENSOR_TUTORIAL_SAMPLES  generated samples (default 200)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch07_logistic_regression.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np
import sklearn.datasets as skds
import sklearn.model_selection as skms

import minitensor as tf

num_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 1000)
n_samples = int(os.environ.get("MINITENSOR_TUTORIAL_SAMPLES") or 200)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
# --- Data -------------------------------------------------------------------------------
# random_state (absent in the seed) makes the run repeatable; with 5 the two classes are
# two well-separated clusters (scikit-learn's own LogisticRegression also scores 0.9875
# on this test split).
X, y = skds.make_classification(n_samples=n_samples, n_features=2, n_informative=2,
                                n_redundant=0, n_repeated=0, n_classes=2,
                                n_clusters_per_class=1, random_state=5)
if y.ndim == 1:
    y = y.reshape(-1, 1)

fig = plt.figure(figsize=(7, 5))
# c= needs a flat array (a column makes matplotlib fail), as the seed notes
plt.scatter(X[:, 0], X[:, 1], marker="o", c=y.ravel())
plt.title("Original Dataset")
fig.savefig(os.path.join(output_dir, "ch07_data.png"))
plt.close(fig)

# One-hot targets: class 0 -> [1, 0], class 1 -> [0, 1].
# Fix: the seed wrote np.eye(num_outputs)[y] with y a column of shape (n, 1), which gives
# shape (n, 1, 2) (one extra axis -- see the [[[1. 0.]]] it printed) and used
# num_outputs before defining it.  Index with the flat labels instead.
num_outputs = 2
print(y[0:5].ravel())
y = np.eye(num_outputs)[y.ravel()]
print(y[0:5])

X_train, X_test, y_train, y_test = skms.train_test_split(X, y, test_size=.4,
                                                         random_state=42)
# --8<-- [end:data]

# --8<-- [start:model]
# --- Model --------------------------------------------------------------------------------
num_outputs = y_train.shape[1]
num_inputs = X_train.shape[1]

learning_rate = 0.01  # the seed's 0.001 with a single epoch barely moves the weights

x = tf.placeholder(dtype=tf.float32, shape=[None, num_inputs], name="x")
y = tf.placeholder(dtype=tf.float32, shape=[None, num_outputs], name="y")

w = tf.Variable(tf.zeros([num_inputs, num_outputs]), name="w")
b = tf.Variable(tf.zeros([num_outputs]), name="b")

model = tf.nn.sigmoid(tf.matmul(x, w) + b)  # tf.sigmoid is the same function

loss = tf.reduce_mean(-tf.reduce_sum((y * tf.log(model)) + ((1 - y) * tf.log(1 - model)),
                                     axis=1))
optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

# Fix: the seed created tf.argmax / tf.equal / tf.reduce_mean ops *inside* the training
# loop, adding new ops to the graph every epoch.  Build them once, run them as needed.
y_pred_op = tf.argmax(model, 1)
y_orig_op = tf.argmax(y, 1)
accuracy_op = tf.reduce_mean(tf.cast(tf.equal(y_pred_op, y_orig_op), tf.float32))
# --8<-- [end:model]

# --8<-- [start:train]
report_every = max(1, num_epochs // 10)
with tf.Session() as tfs:
    tf.global_variables_initializer().run()
    for epoch in range(num_epochs):
        loss_val, _ = tfs.run([loss, optimizer], feed_dict={x: X_train, y: y_train})
        if (epoch + 1) % report_every == 0 or epoch == num_epochs - 1:
            accuracy_score = tfs.run(accuracy_op, feed_dict={x: X_test, y: y_test})
            print("epoch {0:04d} loss={1:.8f} accuracy={2:.8f}".format(
                epoch, loss_val, accuracy_score))
    y_pred, y_orig, accuracy_score = tfs.run([y_pred_op, y_orig_op, accuracy_op],
                                             feed_dict={x: X_test, y: y_test})

print("Test accuracy = {0:.8f}".format(accuracy_score))
# --8<-- [end:train]

# --8<-- [start:plots]
# --- Original vs predicted classes of the test points --------------------------------
fig = plt.figure(figsize=(14, 4))
plt.subplot(1, 2, 1)
plt.scatter(X_test[:, 0], X_test[:, 1], marker="o", c=y_orig)
plt.title("Original")
plt.subplot(1, 2, 2)
plt.scatter(X_test[:, 0], X_test[:, 1], marker="o", c=y_pred)
plt.title("Predicted")
fig.savefig(os.path.join(output_dir, "ch07_pred_vs_orig.png"))
plt.close(fig)

print("Plots saved in", output_dir)
# --8<-- [end:plots]
