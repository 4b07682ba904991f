"""MNIST MLP 784-256-256-10 (ReLU, softmax cross-entropy, SGD lr 0.01, batch 100, float32):
seconds per epoch for minitensor, a hand-written NumPy forward/backward of the same network,
and PyTorch CPU when it is installed -- in one run, back to back, with ratios.

    python bench/mlp_mnist.py [--epochs 3] [--mnist-dir ../shared/data/mnist] [--kernels both]

``--kernels both`` (the default) runs minitensor twice, with its fast (Numba) kernels and
with the NumPy reference kernels, and prints the ratio of the two; ``auto`` or
``reference`` runs one of them.

All implementations start from the same weights and see the same batches, so their test
accuracies agree closely.  After one warm-up epoch (compile time and first-run plan
building show there), each timed epoch runs every implementation in turn; the figure is the
median, and the ratio is to the hand-written NumPy median.
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


# Each implementation is an object with ``epoch(order)`` (train on one epoch's batches) and
# ``accuracy()``, so that the timed epochs can take turns: a shared machine's load then
# falls on all of them alike.

class NumpyMLP:
    name = "numpy (hand-written)"

    def __init__(self, weights, x, labels, batch, lr):
        self.params = [(w.copy(), b.copy()) for w, b in weights]
        self.x, self.labels, self.batch, self.lr = x, labels, batch, lr
        self.eye = np.eye(10, dtype=np.float32)

    def epoch(self, order):
        (w1, b1), (w2, b2), (w3, b3) = self.params
        x, labels, eye, lr = self.x, self.labels, self.eye, self.lr
        for start in range(0, len(order), self.batch):
            idx = order[start:start + self.batch]
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

    def accuracy(self):
        h = X_TEST
        for i, (w, b) in enumerate(self.params):
            h = h @ w + b
            if i < len(self.params) - 1:
                h = np.maximum(h, 0)
        return float(np.mean(h.argmax(1) == Y_TEST))


class MinitensorMLP:
    def __init__(self, weights, x, labels, batch, lr, kernels):
        import minitensor as tf
        self.name = "minitensor (%s kernels)" % kernels
        self.x, self.labels, self.batch = x, labels, batch
        tf.reset_default_graph()
        self.xs = tf.placeholder(tf.float32, [None, 784], name="x")
        self.ys = tf.placeholder(tf.int64, [None], name="y")
        h = self.xs
        for i, (w0, b0) in enumerate(weights):
            w = tf.Variable(w0, name="w%d" % (i + 1))
            b = tf.Variable(b0, name="b%d" % (i + 1))
            h = tf.matmul(h, w) + b
            if i < len(weights) - 1:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.ys,
                                                                             logits=h))
        self.train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
        self.correct = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(h, 1), self.ys), tf.float32))
        self.sess = tf.Session(config=tf.ConfigProto(kernels=kernels))
        self.sess.run(tf.global_variables_initializer())

    def epoch(self, order):
        sess, train, xs, ys, x, labels = (self.sess, self.train, self.xs, self.ys, self.x,
                                          self.labels)
        for start in range(0, len(order), self.batch):
            idx = order[start:start + self.batch]
            sess.run(train, {xs: x[idx], ys: labels[idx]})

    def accuracy(self):
        return float(self.sess.run(self.correct, {self.xs: X_TEST, self.ys: Y_TEST}))


class TorchMLP:
    name = "pytorch cpu"

    def __init__(self, weights, x, labels, batch, lr):
        import torch
        self.torch = torch
        self.params = []
        for w, b in weights:
            self.params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
        self.xt, self.yt = torch.from_numpy(x), torch.from_numpy(labels)
        self.batch, self.lr = batch, lr

    def forward(self, h):
        for i in range(3):
            h = h @ self.params[2 * i] + self.params[2 * i + 1]
            if i < 2:
                h = self.torch.relu(h)
        return h

    def epoch(self, order):
        torch = self.torch
        for start in range(0, len(order), self.batch):
            idx = torch.from_numpy(order[start:start + self.batch])
            loss = torch.nn.functional.cross_entropy(self.forward(self.xt[idx]), self.yt[idx])
            for p in self.params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in self.params:
                    p -= self.lr * p.grad

    def accuracy(self):
        with self.torch.no_grad():
            h = self.forward(self.torch.from_numpy(X_TEST))
        return float((h.argmax(1).numpy() == Y_TEST).mean())


X_TEST = Y_TEST = None


def main(argv=None):
    global X_TEST, Y_TEST
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after 1 warm-up)")
    parser.add_argument("--mnist-dir", default=os.environ.get(
        "MINITENSOR_MNIST_DIR", os.path.join(os.path.dirname(HERE), "..", "shared", "data",
                                             "mnist")))
    parser.add_argument("--kernels", default="both", choices=["both", "auto", "reference"],
                        help="both (default), auto (fast kernels) or reference")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args(argv)

    x, labels, X_TEST, Y_TEST = load_mnist(args.mnist_dir)
    weights = initial_weights()
    orders = epoch_orders(len(x), args.epochs + 1)
    kinds = ["auto", "reference"] if args.kernels == "both" else [args.kernels]
    impls = [NumpyMLP(weights, x, labels, args.batch, args.lr)]
    impls += [MinitensorMLP(weights, x, labels, args.batch, args.lr, kind) for kind in kinds]
    try:
        impls.append(TorchMLP(weights, x, labels, args.batch, args.lr))
    except ImportError:
        pass
    times = {impl.name: [] for impl in impls}
    for round_number, order in enumerate(orders):      # round 0 is the warm-up
        for impl in impls:
            t0 = time.perf_counter()
            impl.epoch(order)
            times[impl.name].append(time.perf_counter() - t0)

    print("MNIST MLP 784-256-256-10, SGD lr %g, batch %d, float32; %d timed epochs after 1 "
          "warm-up, implementations taking turns" % (args.lr, args.batch, args.epochs))
    base = statistics.median(times[impls[0].name][1:])
    for impl in impls:
        warm, timed = times[impl.name][0], times[impl.name][1:]
        med = statistics.median(timed)
        print("  %-32s %6.3f s/epoch (min %.3f, max %.3f; warm-up epoch %.3f)  test acc %.4f"
              "  ratio to numpy %.2fx" % (impl.name, med, min(timed), max(timed), warm,
                                          impl.accuracy(), med / base))
    if len(kinds) == 2:
        fast, reference = (statistics.median(times["minitensor (%s kernels)" % kind][1:])
                           for kind in kinds)
        print("Numba kernels against the reference kernels, same graph: %.2fx faster"
              % (reference / fast))
    if not any(impl.name == "pytorch cpu" for impl in impls):
        print("  (PyTorch not installed: pip install torch to add it to the comparison)")


if __name__ == "__main__":
    main()
