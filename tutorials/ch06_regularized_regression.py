"""Chapter 6: regularized regression -- Lasso (L1), Ridge (L2) and ElasticNet (L1 + L2).

The seed's programs ("正则化回归") with `import minitensor as tf`: the multiple-regression
graph of chapter 5 plus a penalty on the weights, with the penalty's strength held in a
variable (`lasso_param`, `ridge_param`) as in the seed, and, for comparison, the same
model without a penalty.  As in chapter 5 the data is scikit-learn's diabetes set (the
seed's Boston set is no longer shipped), standardized.

    python tutorials/ch06_regularized_regression.py

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   training epochs per model (default 1500)
    MINITENSOR_OUTPUT_DIR        where the plot goes (default ./tutorial_output)

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch06_regularized_regression.md shows (mkdocs includes them from this file); they do nothing here.
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
diabetes = skds.load_diabetes()
X = diabetes.data.astype(np.float32)
y = diabetes.target.astype(np.float32)
if y.ndim == 1:
    y = y.reshape(len(y), 1)

X = skpp.StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = skms.train_test_split(X, y, test_size=.2,
                                                         random_state=123)
# --8<-- [end:data]


# --8<-- [start:train]
def train(regularization):
    """Build the graph with the given penalty ("none", "lasso", "ridge", "elasticnet"),
    train it.

    Each model gets a fresh default graph, as each of the seed's programs started from
    an empty one.  Returns the per-epoch test MSE and R2 and the learned weights.
    """
    tf.reset_default_graph()
    num_outputs = y_train.shape[1]
    num_inputs = X_train.shape[1]

    x_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_inputs], name="x")
    y_tensor = tf.placeholder(dtype=tf.float32, shape=[None, num_outputs], name="y")

    w = tf.Variable(tf.zeros([num_inputs, num_outputs]), dtype=tf.float32, name="w")
    b = tf.Variable(tf.zeros([num_outputs]), dtype=tf.float32, name="b")

    model = tf.matmul(x_tensor, w) + b

    # the penalty: alpha * mean(|w|) for L1, alpha * mean(w^2) for L2, both for ElasticNet.
    # Fix: the seed made the penalty strength a *trainable* Variable, so minimize(loss)
    # trained it too: d(loss)/d(alpha) = mean(w^2) > 0, gradient descent pushes alpha
    # below zero, the penalty then rewards large weights and (with these data) the
    # ridge run diverges to nan.  trainable=False keeps alpha a variable that you can
    # tf.assign a new value to, but one the optimizer leaves alone.
    if regularization == "lasso":
        lasso_param = tf.Variable(0.8, dtype=tf.float32, trainable=False)
        penalty = tf.reduce_mean(tf.abs(w)) * lasso_param
    elif regularization == "ridge":
        ridge_param = tf.Variable(0.8, dtype=tf.float32, trainable=False)
        penalty = tf.reduce_mean(tf.square(w)) * ridge_param
    elif regularization == "elasticnet":  # the seed: "make the loss L1 + L2"
        lasso_param = tf.Variable(0.8, dtype=tf.float32, trainable=False)
        ridge_param = tf.Variable(0.8, dtype=tf.float32, trainable=False)
        penalty = (tf.reduce_mean(tf.abs(w)) * lasso_param
                   + tf.reduce_mean(tf.square(w)) * ridge_param)
    else:  # "none": chapter 5's plain least-squares loss, for comparison
        penalty = 0.0
    loss = tf.reduce_mean(tf.square(model - y_tensor)) + penalty

    mse = tf.reduce_mean(tf.square(model - y_tensor))
    y_mean = tf.reduce_mean(y_tensor)
    total_error = tf.reduce_sum(tf.square(y_tensor - y_mean))
    unexplained_error = tf.reduce_sum(tf.square(y_tensor - model))
    rs = 1 - (tf.div(unexplained_error, total_error))

    learning_rate = 0.001
    optimizer = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

    mse_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
    rs_epochs = np.empty(shape=[num_epochs], dtype=np.float32)
    with tf.Session() as tfs:
        tfs.run(tf.global_variables_initializer())
        for epoch in range(num_epochs):
            tfs.run([loss, optimizer], {x_tensor: X_train, y_tensor: y_train})
            mse_epochs[epoch], rs_epochs[epoch] = tfs.run(
                [mse, rs], {x_tensor: X_test, y_tensor: y_test})
        w_hat = tfs.run(w)
    print("{0:>10}: For test data: MSE = {1:.8f}, R2 = {2:.8f}, sum|w| = {3:.4f}".format(
        regularization, mse_epochs[-1], rs_epochs[-1], float(np.abs(w_hat).sum())))
    return mse_epochs, rs_epochs, w_hat.ravel()


results = {name: train(name) for name in ("none", "lasso", "ridge", "elasticnet")}
# --8<-- [end:train]

# --8<-- [start:plots]
# --- One figure: test MSE per epoch, and the learned weight of each feature -------------
fig, (ax_mse, ax_w) = plt.subplots(1, 2, figsize=(14, 6))
for name, (mse_epochs, rs_epochs, w_hat) in results.items():
    ax_mse.plot(mse_epochs, label=name)
ax_mse.set_yscale("log")
ax_mse.set_title("MSE on X_test")
ax_mse.set_xlabel("# Epoch")
ax_mse.set_ylabel("MSE (log scale)")
ax_mse.legend()

features = np.arange(X_train.shape[1])
bar_width = 0.8 / len(results)
for i, (name, (_, _, w_hat)) in enumerate(results.items()):
    ax_w.bar(features + i * bar_width, w_hat, width=bar_width, label=name)
ax_w.set_xticks(features + 0.4 - bar_width / 2)
ax_w.set_xticklabels(diabetes.feature_names)
ax_w.axhline(0.0, color="black", linewidth=0.5)
ax_w.set_title("Learned weights: the penalties pull them towards 0")
ax_w.set_ylabel("w")
ax_w.legend()
fig.savefig(os.path.join(output_dir, "ch06_regularization.png"))
plt.close(fig)

print("Plots saved in", output_dir)
# --8<-- [end:plots]
