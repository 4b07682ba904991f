"""Chapter 4: simple linear regression, Y = w X + b, trained by gradient descent.

The seed's program ("TensorFlow应用于经典机器学习 / 简单线性回归") with `import minitensor as tf`:
generate data with scikit-learn, define placeholders, variables, model, loss, optimizer,
run the training loop, then compare the result with the closed-form least-squares fit.

    python tutorials/ch04_linear_regression.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   training epochs (default 1500)
    MINITENSOR_TUTORIAL_SAMPLES  generated samples (default 200)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch04_linear_regression.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np
from sklearn import datasets as skds
import sklearn.model_selection as skms  # the seed's sklearn.cross_validation is gone

import minitensor as tf

num_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 1500)
n_samples = int(os.environ.get("MINITENSOR_TUTORIAL_SAMPLES") or 200)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
# --- 1. Data -----------------------------------------------------------------------
# random_state makes the data (and so the numbers printed below) the same on every run;
# the seed left it out.  make_regression draws the true slope uniformly from [0, 100]:
# with random_state=42 it is about 87.7, so the noise (standard deviation 20) leaves
# roughly 95% of the variance explainable by a straight line.
X, y = skds.make_regression(n_samples=n_samples, n_features=1, n_informative=1,
                            n_targets=1, noise=20.0, random_state=42)
print(y.shape)
if y.ndim == 1:
    y = y.reshape(len(y), 1)  # the model outputs a column: make the target one too
print(y.shape)

fig = plt.figure(figsize=(14, 8))
plt.plot(X, y, "b.")
plt.title("Original Dataset")
fig.savefig(os.path.join(output_dir, "ch04_data.png"))
plt.close(fig)

X_train, X_test, y_train, y_test = skms.train_test_split(X, y, test_size=.2,
                                                         random_state=123)
# --8<-- [end:data]

# --8<-- [start:inputs]
# --- 2. Inputs, parameters -------------------------------------------------------
num_outputs = y_train.shape[1]
num_inputs = X_train.shape[1]

x_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_inputs], name="x")
y_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_outputs], name="y")

w = tf.Variable(tf.zeros([num_inputs, num_outputs]), dtype=tf.float32, name="w")
b = tf.Variable(tf.zeros([num_outputs]), dtype=tf.float32, name="b")
# --8<-- [end:inputs]

# --8<-- [start:model]
# --- 3. Model, loss, metrics ---------------------------------------------------------
model = tf.matmul(x_tensor, w) + b
loss = tf.reduce_mean(tf.square(model - y_tensor))

mse = tf.reduce_mean(tf.square(model - y_tensor))
y_mean = tf.reduce_mean(y_tensor)
total_error = tf.reduce_sum(tf.square(y_tensor - y_mean))
unexplained_error = tf.reduce_sum(tf.square(y_tensor - model))
rs = 1 - tf.div(unexplained_error, total_error)
# --8<-- [end:model]

# --8<-- [start:optimizer]
# --- 4. Optimizer --------------------------------------------------------------------
learning_rate = .01
optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
# --8<-- [end:optimizer]

# --8<-- [start:train]
# --- 5. Training loop -------------------------------------------------------------
w_hat = 0
b_hat = 0
loss_epochs = np.empty(shape=[num_epochs], dtype=float)
mse_epochs = np.empty(shape=[num_epochs], dtype=float)
rs_epochs = np.empty(shape=[num_epochs], dtype=float)

mse_score = 0
rs_score = 0

with tf.Session() as tfs:
    tf.global_variables_initializer().run()
    for epoch in range(num_epochs):
        # one gradient-descent step on the training set
        tfs.run(optimizer, feed_dict={x_tensor: X_train, y_tensor: y_train})
        # the loss with the updated w, b (for the plot)
        loss_val = tfs.run(loss, feed_dict={x_tensor: X_train, y_tensor: y_train})
        loss_epochs[epoch] = loss_val
        # MSE and R2 on the test set.  The seed fed `w: wh, b: bh` here, names that were
        # never defined (their assignment was commented out); w and b are Variables, the
        # session already holds their current values, so nothing needs feeding.
        mse_score, rs_score = tfs.run([mse, rs],
                                      feed_dict={x_tensor: X_test, y_tensor: y_test})
        mse_epochs[epoch] = mse_score
        rs_epochs[epoch] = rs_score
    # the learned parameters, after the last epoch
    w_hat, b_hat = tfs.run([w, b])
    w_hat = w_hat.reshape(1)

print("Model: Y = {0:.8f} X + {1:.8f}".format(w_hat[0], b_hat[0]))
print("For test data: MSE = {0:.8f}, R2 = {1:.8f}".format(mse_score, rs_score))
# --8<-- [end:train]

# --8<-- [start:closed_form]
# --- 6. The same line in closed form: least squares on [X, 1] ---------------------
# Gradient descent should have walked to (almost exactly) this solution.
design = np.hstack([X_train, np.ones_like(X_train)])
(w_ls, b_ls), *_ = np.linalg.lstsq(design, y_train[:, 0], rcond=None)
print("Least squares: Y = {0:.8f} X + {1:.8f}".format(w_ls, b_ls))
print("Difference from least squares: |dw| = {0:.2e}, |db| = {1:.2e}".format(
    abs(w_hat[0] - w_ls), abs(b_hat[0] - b_ls)))
# --8<-- [end:closed_form]

# --8<-- [start:plots]
# --- 7. Plots -------------------------------------------------------------------------
fig = plt.figure(figsize=(14, 8))
plt.title("Original Data and Trained Model")  # the seed wrote `plit.title`
x_plot = np.array([np.min(X) - 1, np.max(X) + 1])
y_plot = w_hat * x_plot + b_hat
plt.axis([x_plot[0], x_plot[1], min(y_plot.min(), y.min()), max(y_plot.max(), y.max())])
plt.plot(X, y, "b.", label="Original Data")
plt.plot(x_plot, y_plot, "r-", label="Trained Model")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch04_model.png"))
plt.close(fig)

fig = plt.figure(figsize=(14, 8))
plt.axis([0, num_epochs, 0, max(np.max(loss_epochs), np.max(mse_epochs))])
plt.plot(loss_epochs, label="Loss on X_train")
plt.plot(mse_epochs, label="MSE on X_test")
plt.title("Loss in Iterations")
plt.xlabel("# Epoch")
plt.ylabel("MSE")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch04_mse.png"))
plt.close(fig)

fig = plt.figure(figsize=(14, 8))
plt.axis([0, num_epochs, 0, max(np.max(rs_epochs), 1.0)])
plt.plot(rs_epochs, label="R2 on X_test")
plt.xlabel("# Epoch")
plt.ylabel("R2")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch04_r2.png"))
plt.close(fig)

print("Plots saved in", output_dir)
# --8<-- [end:plots]
