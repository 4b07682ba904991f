"""MNIST MLP 784-256-256-10 (ReLU, softmax cross-entropy, SGD lr 0.01, batch 100, float32):
seconds per epoch for minitensor, a hand-written NumPy forward/backward of the same network,
and PyTorch CPU when it is installed -- in one run, back to back, with ratios.

    python bench/mlp_mnist.py [--epochs 3] [--mnist-dir ../shared/data/mnist] [--kernels auto]

All implementations start from the same weights and see the same batches, so their test
accuracies agree closely.  Each times ``--epochs`` epochs after one warm-up epoch (compile
time and first-run plan building are reported separately); the figure is the median.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def load_mnist(directory):
    from minitensor.datasets import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data(directory)
    x_train = x_train.reshape(len(x_train), -1).astype(np.float32) / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255.0
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def glorot(rng, n_in, n_out):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(np.float32)


def initial_weights(seed=0, sizes=(784, 256, 256, 10)):
    rng = np.random.default_rng(seed)
    return [(glorot(rng, a, b), np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]


def epoch_orders(n, epochs, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


# --- hand-written NumPy ------------------------------------------------------------

def numpy_train(weights, x, labels, orders, batch, lr):
    (w1, b1), (w2, b2), (w3, b3) = [(w.copy(), b.copy()) for w, b in weights]
    eye = np.eye(10, dtype=np.float32)
    times = []
    for order in orders:
        t0 = time.perf_counter()
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            xb, yb = x[idx], eye[labels[idx]]
            h1 = np.maximum(xb @ w1 + b1, 0)
            h2 = np.maximum(h1 @ w2 + b2, 0)
            z = h2 @ w3 + b3
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            dz = (p - yb) / len(idx)
            dw3, db3 = h2.T @ dz, dz.sum(0)
            dh2 = dz @ w3.T
            dh2 *= h2 > 0
            dw2, db2 = h1.T @ dh2, dh2.sum(0)
            dh1 = dh2 @ w2.T
            dh1 *= h1 > 0
            dw1, db1 = xb.T @ dh1, dh1.sum(0)
            w1 -= lr * dw1
            b1 -= lr * db1
            w2 -= lr * dw2
            b2 -= lr * db2
            w3 -= lr * dw3
            b3 -= lr * db3
        times.append(time.perf_counter() - t0)
    return times, [(w1, b1), (w2, b2), (w3, b3)]


def numpy_accuracy(params, x, labels):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = np.maximum(h, 0)
    return float(np.mean(h.argmax(1) == labels))


# --- minitensor ------------------------------------------------------------------------

def minitensor_train(weights, x, labels, orders, batch, lr, kernels):
    import minitensor as tf
    tf.reset_default_graph()
    xs = tf.placeholder(tf.float32, [None, 784], name="x")
    ys = tf.placeholder(tf.int64, [None], name="y")
    h = xs
    variables = []
    for i, (w0, b0) in enumerate(weights):
        w = tf.Variable(w0, name="w%d" % (i + 1))
        b = tf.Variable(b0, name="b%d" % (i + 1))
        variables += [w, b]
        h = tf.matmul(h, w) + b
        if i < len(weights) - 1:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ys, logits=h))
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    correct = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(h, 1), ys), tf.float32))
    times = []
    config = tf.ConfigProto(kernels=kernels)
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        for order in orders:
            t0 = time.perf_counter()
            for start in range(0, len(order), batch):
                idx = order[start:start + batch]
                sess.run(train, {xs: x[idx], ys: labels[idx]})
            times.append(time.perf_counter() - t0)
        acc = sess.run(correct, {xs: X_TEST, ys: Y_TEST})
    return times, float(acc)


# --- PyTorch (optional) ------------------------------------------------------------

def torch_train(weights, x, labels, orders, batch, lr):
    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    params = []
    for w, b in weights:
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    times = []
    for order in orders:
        t0 = time.perf_counter()
        for start in range(0, len(order), batch):
            idx = torch.from_numpy(order[start:start + batch])
            h = xt[idx]
            for i in range(3):
                h = h @ params[2 * i] + params[2 * i + 1]
                if i < 2:
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, yt[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        h = torch.from_numpy(X_TEST)
        for i in range(3):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < 2:
                h = torch.relu(h)
        acc = float((h.argmax(1).numpy() == Y_TEST).mean())
    return times, acc


X_TEST = Y_TEST = None


def main(argv=None):
    global X_TEST, Y_TEST
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after 1 warm-up)")
    parser.add_argument("--mnist-dir", default=os.environ.get(
        "MINITENSOR_MNIST_DIR", os.path.join(os.path.dirname(HERE), "..", "shared", "data",
                                             "mnist")))
    parser.add_argument("--kernels", default="auto", help="auto (fast kernels) or reference")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args(argv)

    x, labels, X_TEST, Y_TEST = load_mnist(args.mnist_dir)
    weights = initial_weights()
    orders = epoch_orders(len(x), args.epochs + 1)
    results = {}

    times, params = numpy_train(weights, x, labels, orders, args.batch, args.lr)
    results["numpy (hand-written)"] = (times[1:], numpy_accuracy(params, X_TEST, Y_TEST), times[0])
    times, acc = minitensor_train(weights, x, labels, orders, args.batch, args.lr, args.kernels)
    results["minitensor (%s kernels)" % args.kernels] = (times[1:], acc, times[0])
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    if have_torch:
        times, acc = torch_train(weights, x, labels, orders, args.batch, args.lr)
        results["pytorch cpu"] = (times[1:], acc, times[0])

    print("MNIST MLP 784-256-256-10, SGD lr %g, batch %d, float32; %d timed epochs after 1 "
          "warm-up" % (args.lr, args.batch, args.epochs))
    base = statistics.median(results["numpy (hand-written)"][0])
    for name, (times, acc, warm) in results.items():
        med = statistics.median(times)
        print("  %-28s %6.3f s/epoch (min %.3f, max %.3f; warm-up epoch %.3f)  test acc %.4f"
              "  ratio to numpy %.2fx" % (name, med, min(times), max(times), warm, acc,
                                          med / base))
    if not have_torch:
        print("  (PyTorch not installed: pip install torch to add it to the comparison)")


if __name__ == "__main__":
    main()
