"""Chapter 5: multiple regression, y = X w + b with many features.

The seed's program ("多元回归") with `import minitensor as tf`.  The seed used the Boston
house-prices data, which scikit-learn no longer ships (removed in 1.2); we use
scikit-learn's diabetes data instead (442 patients, 10 features, target = disease
progression after one year), standardized the same way.  So our numbers differ from the
seed's (MSE = 32.59, R2 = 0.606 on Boston).

    python tutorials/ch05_multiple_regression.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   training epochs (default 1500)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch05_multiple_regression.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np
import sklearn.datasets as skds
import sklearn.model_selection as skms
import sklearn.preprocessing as skpp

import minitensor as tf

num_epochs = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 1500)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
# --- Data: the diabetes set instead of the seed's skds.load_boston() -------------------
diabetes = skds.load_diabetes()
X = diabetes.data.astype(np.float32)
y = diabetes.target.astype(np.float32)
if y.ndim == 1:
    y = y.reshape(len(y), 1)

X = skpp.StandardScaler().fit_transform(X)  # each feature: mean 0, standard deviation 1
X_train, X_test, y_train, y_test = skms.train_test_split(X, y, test_size=.2,
                                                         random_state=123)
print("X_train:", X_train.shape, " X_test:", X_test.shape)
# --8<-- [end:data]

# --8<-- [start:model]
# --- Model: the same graph as chapter 4, now with num_inputs = 10 ---------------------
num_outputs = y_train.shape[1]
num_inputs = X_train.shape[1]

x_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_inputs], name="x")
y_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_outputs], name="y")

w = tf.Variable(tf.zeros([num_inputs, num_outputs]), dtype=tf.float32, name="w")
b = tf.Variable(tf.zeros([num_outputs]), dtype=tf.float32, name="b")

model = tf.matmul(x_tensor, w) + b
loss = tf.reduce_mean(tf.square(model - y_tensor))

mse = tf.reduce_mean(tf.square(model - y_tensor))
y_mean = tf.reduce_mean(y_tensor)
total_error = tf.reduce_sum(tf.square(y_tensor - y_mean))
unexplained_error = tf.reduce_sum(tf.square(y_tensor - model))
rs = 1 - (tf.div(unexplained_error, total_error))

learning_rate = 0.001
# the seed wrote `GradientDescentOptimizer(learning_rate)minimize(loss)` (missing ".")
optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
# --8<-- [end:model]

# --8<-- [start:train]
loss_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
mse_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
rs_epochs = np.empty(shape=[num_epochs], dtype=np.float32)

mse_score = 0
rs_score = 0

with tf.Session() as tfs:
    tfs.run(tf.global_variables_initializer())
    for epoch in range(num_epochs):
        # one run does both: the loss before the step and the step itself
        feed_dict = {x_tensor: X_train, y_tensor: y_train}
        loss_val, _ = tfs.run([loss, optimizer], feed_dict)
        loss_epochs[epoch] = loss_val

        feed_dict = {x_tensor: X_test, y_tensor: y_test}
        mse_score, rs_score = tfs.run([mse, rs], feed_dict)
        mse_epochs[epoch] = mse_score
        rs_epochs[epoch] = rs_score

print("For test data: MSE = {0:.8f}, R2 = {1:.8f}".format(mse_score, rs_score))
# --8<-- [end:train]

# --8<-- [start:closed_form]
# --- For comparison: ordinary least squares in closed form ---------------------------
# With learning_rate 0.001, 1500 epochs are not enough to reach it (the bias alone
# needs ~1/(2 * 0.001) = 500 epochs per factor e); the gap is what more epochs, or a
# larger learning rate, would close.
design = np.hstack([X_train, np.ones((len(X_train), 1), dtype=np.float32)])
coef, *_ = np.linalg.lstsq(design, y_train, rcond=None)
pred = np.hstack([X_test, np.ones((len(X_test), 1), dtype=np.float32)]) @ coef
ls_mse = float(np.mean((pred - y_test) ** 2))
ls_r2 = 1 - float(np.sum((y_test - pred) ** 2) / np.sum((y_test - y_test.mean()) ** 2))
print("Least squares: MSE = {0:.8f}, R2 = {1:.8f}".format(ls_mse, ls_r2))
# --8<-- [end:closed_form]

# --8<-- [start:plots]
# --- Plots ----------------------------------------------------------------------------
fig = plt.figure(figsize=(14, 8))
plt.axis([0, num_epochs, 0, max(np.max(loss_epochs), np.max(mse_epochs))])
plt.plot(loss_epochs, label="Loss on X_train")
plt.plot(mse_epochs, label="MSE on X_test")
plt.title("Loss in Iterations")
plt.xlabel("# Epoch")
plt.ylabel("MSE")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch05_mse.png"))
plt.close(fig)

fig = plt.figure(figsize=(14, 8))
plt.axis([0, num_epochs, min(0.0, np.min(rs_epochs)), 1.0])
plt.plot(rs_epochs, label="R2 on X_test")
plt.xlabel("# Epoch")
plt.ylabel("R2")
plt.legend()
fig.savefig(os.path.join(output_dir, "ch05_r2.png"))
plt.close(fig)

print("Plots saved in", output_dir)
# --8<-- [end:plots]
