"""Chapter 14: forecasting the airline passengers series with an MLP and an LSTM.

The seed's chapter "TensorFlow 和 Keras RNN用于时间序列数据" starts this example (monthly
international airline passengers, 1949-1960, a 2-step window from ``mvts_to_xy``) and stops
because datasetslib had changed.  minitensor.datasets.timeseries has the pieces:
``load_airline_passengers``, ``train_test_split_series`` (in time order, never shuffled),
``MinMaxScaler``/``StandardScaler``, ``mvts_to_xy``, ``rmse`` and ``persistence_baseline``.

Part 1 is the seed's setup: scaled passenger counts, the last 2 months in, the next month
out.  Neither network does clearly better than the naive forecast "next month = this
month".  Part 2 changes what the networks see -- a year of monthly changes of
log(passengers) -- and both beat it by a factor of two.

    python tutorials/ch14_airline_forecast.py    # a few seconds

Environment variables (so CI can run it small):
    MINITENSOR_TUTORIAL_EPOCHS   training epochs, full batch (default 1000 in part 1, 200 in
                                 part 2; when set, both parts use it)
    MINITENSOR_OUTPUT_DIR        where the plots go (default ./tutorial_output)
"""
# --8<-- [start:setup]
import os

import matplotlib

matplotlib.use("Agg")  # write plots to files, never open a window
import matplotlib.pyplot as plt
import numpy as np

import minitensor as tf
from minitensor.datasets import timeseries as ts

epochs_env = int(os.environ.get("MINITENSOR_TUTORIAL_EPOCHS") or 0)
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
# --8<-- [end:setup]

# --8<-- [start:data]
# --- 1. The data --------------------------------------------------------------------------
months, series = ts.load_airline_passengers(return_months=True)
print("%d months, %s to %s, %d to %d thousand passengers"
      % (len(series), months[0], months[-1], series.min(), series.max()))
train, test = ts.train_test_split_series(series, train_fraction=0.67)
n_train = len(train)
print("train: %s to %s (%d months), test: %s to %s (%d months)"
      % (months[0], months[n_train - 1], len(train), months[n_train], months[-1], len(test)))
# --8<-- [end:data]


# --8<-- [start:models]
# --- 2. Two models on windows of shape (N, n_x, 1) ----------------------------------------
def mlp_model(x, n_x, units):
    """One ReLU hidden layer on the window flattened to n_x numbers."""
    w = tf.get_variable("hidden/w", [n_x, units],
                        initializer=tf.variance_scaling_initializer(scale=2.0))
    b = tf.get_variable("hidden/b", [units], initializer=tf.zeros_initializer())
    return tf.nn.relu(tf.matmul(tf.reshape(x, [-1, n_x]), w) + b)


def lstm_model(x, n_x, units):
    """An LSTM reads the window one month at a time; its last output summarizes it."""
    outputs, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(units), x,
                                       dtype=tf.float32)
    return outputs[:, -1, :]


def fit_predict(model, X_train, Y_train, X_all, epochs, units=16, learning_rate=0.01):
    """Train ``model`` + a linear output on (X_train, Y_train); return predictions for X_all."""
    tf.reset_default_graph()
    tf.set_random_seed(1)
    n_x = X_train.shape[1]
    x = tf.placeholder(tf.float32, [None, n_x, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    features = model(x, n_x, units)
    w = tf.get_variable("output/w", [units, 1])
    b = tf.get_variable("output/b", [1], initializer=tf.zeros_initializer())
    prediction = tf.matmul(features, w) + b
    loss = tf.reduce_mean(tf.square(prediction - y))           # mean squared error
    optimizer = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    with tf.Session() as tfs:
        tfs.run(tf.global_variables_initializer())
        for epoch in range(epochs):                  # full batch: all training windows
            tfs.run(optimizer, {x: X_train, y: Y_train.reshape(-1, 1)})
        return tfs.run(prediction, {x: X_all}).ravel()
# --8<-- [end:models]


# --8<-- [start:part1]
# --- 3. Part 1, the seed's setup: scaled counts, 2 months in, 1 month out ------------------
scaler = ts.MinMaxScaler().fit(train)                 # fitted on the training months only
X_train, Y_train, X_test, Y_test = ts.mvts_to_xy(
    scaler.transform(train), scaler.transform(test), n_x=2, n_y=1)
print("part 1 windows: X_train %s, Y_train %s, X_test %s, Y_test %s"
      % (X_train.shape, Y_train.shape, X_test.shape, Y_test.shape))


def to_passengers(scaled):
    return scaler.inverse_transform(np.asarray(scaled).reshape(-1, 1)).ravel()


truth_1 = to_passengers(Y_test)
forecasts_1 = {"persistence": to_passengers(ts.persistence_baseline(X_test))}
for name, model in [("MLP", mlp_model), ("LSTM", lstm_model)]:
    predicted = fit_predict(model, X_train, Y_train, X_test, epochs_env or 1000)
    forecasts_1[name] = to_passengers(predicted)
scores_1 = {name: ts.rmse(truth_1, forecast) for name, forecast in forecasts_1.items()}
for name, score in scores_1.items():
    print("part 1 test RMSE %-11s %6.2f thousand passengers" % (name + ":", score))
# --8<-- [end:part1]

# --8<-- [start:part2]
# --- 4. Part 2: a year of monthly changes of log(passengers) -------------------------------
# change[t] = log(series[t + 1]) - log(series[t]): the growth from one month to the next.
# Its size does not grow with the trend, so the test years look like the training years.
change = np.diff(np.log(series))
change_scaler = ts.StandardScaler().fit(change[:n_train - 1])   # changes inside train only
n_x = 12
X, Y = ts.mvts_to_xy(change_scaler.transform(change), n_x=n_x, n_y=1)
# window k holds change[k : k + 12] and predicts change[k + 12], the step from month
# k + 12 to month k + 13.  Windows whose target month is a test month are the test set:
# their inputs are all months before it, so every one of the 48 test months is forecast.
target_month = np.arange(len(Y)) + n_x + 1
is_test = target_month >= n_train
last_month = series[target_month - 1]                  # known when the forecast is made
truth_2 = series[target_month[is_test]]
print("part 2 windows: X %s, Y %s, %d train, %d test"
      % (X.shape, Y.shape, (~is_test).sum(), is_test.sum()))

forecasts = {"persistence": last_month[is_test]}
for name, model in [("MLP", mlp_model), ("LSTM", lstm_model)]:
    predicted = fit_predict(model, X[~is_test], Y[~is_test], X[is_test], epochs_env or 200)
    # back from a scaled log-change to passengers: last month * exp(change)
    forecasts[name] = last_month[is_test] * np.exp(change_scaler.inverse_transform(predicted))
scores_2 = {name: ts.rmse(truth_2, forecast) for name, forecast in forecasts.items()}
for name, score in scores_2.items():
    print("part 2 test RMSE %-11s %6.2f thousand passengers" % (name + ":", score))
# --8<-- [end:part2]

# --8<-- [start:plots]
# --- 5. Plot: the series, then forecast against truth in the test years -------------------
fig, axes = plt.subplots(3, 1, figsize=(12, 13))
axes[0].plot(series, "k-", label="passengers")
axes[0].axvline(n_train - 0.5, color="grey", linestyle="--", label="train | test")
axes[0].set_xticks(range(0, len(series), 12))
axes[0].set_xticklabels(months[::12], rotation=45)
axes[0].set_title("International airline passengers (thousands)")
axes[0].legend()
# part 1's test windows start 2 months into the test years (mvts_to_xy on the test part)
for ax, first_months, truth, predictions, scores, title in [
        (axes[1], n_train + 2 + np.arange(len(truth_1)), truth_1, forecasts_1, scores_1,
         "Part 1: scaled counts, 2 months in"),
        (axes[2], target_month[is_test], truth_2, forecasts, scores_2,
         "Part 2: a year of log-changes in")]:
    ax.plot(first_months, truth, "k-", linewidth=2, label="truth")
    for name, style in [("persistence", ":"), ("MLP", "-"), ("LSTM", "-")]:
        ax.plot(first_months, predictions[name], style,
                label="%s (RMSE %.1f)" % (name, scores[name]))
    ax.set_xticks(first_months[::6])
    ax.set_xticklabels([months[m] for m in first_months[::6]], rotation=45)
    ax.set_ylabel("thousands")
    ax.set_title(title + ", next month out (test years)")
    ax.legend()
fig.tight_layout()
fig.savefig(os.path.join(output_dir, "ch14_airline_forecast.png"))
plt.close(fig)
print("Plots saved in %s" % output_dir)
# --8<-- [end:plots]
