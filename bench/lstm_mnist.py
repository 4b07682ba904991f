"""LSTM(128) on MNIST rows (28 steps x 28 pixels, batch 100, float32, SGD): seconds per 100
training steps for a hand-written NumPy LSTM (forward + backpropagation through time),
minitensor on three graphs, each with its Numba CPU kernels and with the NumPy reference
kernels, and PyTorch CPU's ``nn.LSTM`` when it is installed -- in one run, with ratios.

    python bench/lstm_mnist.py [--steps 100] [--repeats 3] [--warmup 5]
                               [--kernels both|numba|reference] [--graphs sequence,cells,_simple]
                               [--mnist-dir ../shared/data/mnist]

The minitensor graphs (the same graph for both kernel sets, so their ratio compares kernels):

    sequence  tf.contrib.rnn.LSTMBlockFusedCell: one BlockLSTM op for the 28 steps
    cells     static_rnn of BasicLSTMCell: one fused LSTMBlockCell op per step
    _simple   static_rnn of BasicLSTMCell(fused=False): each step gate by gate

With both kernel sets and the ``cells`` graph, the run also times the ``cells`` graph's
matrix products alone (the same BLAS calls on the same shapes, taking turns with the
others) and splits a ``cells`` step into those and the rest: the part the kernels decide.

Every implementation starts from the same weights (TF's BasicLSTMCell layout: one kernel
[x, h] -> [i, j, f, o], forget bias 1) and trains on the same batches, so their losses after
the run agree to float32 rounding; they are printed as a check.  After ``--warmup`` steps
(plan building, JIT compilation), ``--repeats`` runs of ``--steps`` steps are timed, the
implementations taking turns; the figure is the median.  Nothing is asserted: this only
measures.
"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

N_STEPS, N_INPUTS, N_UNITS, N_CLASSES = 28, 28, 128, 10
FORGET_BIAS = 1.0


def load_batches(directory, n_batches, batch, seed=1):
    from minitensor.datasets import mnist
    (x_train, y_train), _ = mnist.load_data(directory)
    x = x_train.reshape(-1, N_STEPS, N_INPUTS).astype(np.float32) / 255.0
    order = np.random.default_rng(seed).permutation(len(x))[:n_batches * batch]
    return [(x[idx], y_train[idx].astype(np.int64)) for idx in order.reshape(n_batches, batch)]


def initial_weights(seed=0):
    """Glorot-uniform kernel [x, h] -> 4 gates (i, j, f, o), zero biases, output layer."""
    rng = np.random.default_rng(seed)
    fan_in, fan_out = N_INPUTS + N_UNITS, 4 * N_UNITS
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    kernel = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
    limit = np.sqrt(6.0 / (N_UNITS + N_CLASSES))
    w_out = rng.uniform(-limit, limit, (N_UNITS, N_CLASSES)).astype(np.float32)
    return dict(kernel=kernel, bias=np.zeros(fan_out, np.float32), w_out=w_out,
                b_out=np.zeros(N_CLASSES, np.float32))


class Runner:
    """One implementation: ``step(x, y)`` trains on one batch, ``loss(x, y)`` evaluates,
    ``close()`` frees what it holds.  ``run(count)`` times ``count`` steps over the batches
    (each implementation walks the same batches in the same order)."""

    def __init__(self, name, batches, step, loss, close=lambda: None):
        self.name, self.batches = name, batches
        self.step, self.loss, self.close = step, loss, close
        self.position = 0
        self.times = []

    def run(self, count):
        start = time.perf_counter()
        for _ in range(count):
            x, y = self.batches[self.position % len(self.batches)]
            self.step(x, y)
            self.position += 1
        return time.perf_counter() - start


# --- hand-written NumPy -------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


class NumpyLSTM:
    """The forward pass step by step, keeping what the backward pass needs, then BPTT."""

    def __init__(self, weights, lr):
        self.w = {k: v.copy() for k, v in weights.items()}
        self.lr = np.float32(lr)

    def loss_and_grads(self, x, labels):
        kernel, bias, w_out, b_out = (self.w[k] for k in ("kernel", "bias", "w_out", "b_out"))
        batch, n = len(x), N_UNITS
        h = np.zeros((batch, n), np.float32)
        c = np.zeros((batch, n), np.float32)
        cache = []
        for t in range(N_STEPS):
            xh = np.concatenate([x[:, t], h], axis=1)
            gates = xh @ kernel + bias
            i = _sigmoid(gates[:, :n])
            j = np.tanh(gates[:, n:2 * n])
            f = _sigmoid(gates[:, 2 * n:3 * n] + np.float32(FORGET_BIAS))
            o = _sigmoid(gates[:, 3 * n:])
            c_prev = c
            c = f * c_prev + i * j
            tanh_c = np.tanh(c)
            h = tanh_c * o
            cache.append((xh, i, j, f, o, c_prev, tanh_c))
        logits = h @ w_out + b_out
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(batch), labels]))

        d_logits = p
        d_logits[np.arange(batch), labels] -= 1
        d_logits /= batch
        grads = {"w_out": h.T @ d_logits, "b_out": d_logits.sum(axis=0),
                 "kernel": np.zeros_like(kernel), "bias": np.zeros_like(bias)}
        d_h = d_logits @ w_out.T
        d_c = np.zeros_like(c)
        for xh, i, j, f, o, c_prev, tanh_c in reversed(cache):
            d_o = d_h * tanh_c
            d_c = d_c + d_h * o * (1 - tanh_c * tanh_c)
            d_gates = np.concatenate([d_c * j * i * (1 - i), d_c * i * (1 - j * j),
                                      d_c * c_prev * f * (1 - f), d_o * o * (1 - o)], axis=1)
            grads["kernel"] += xh.T @ d_gates
            grads["bias"] += d_gates.sum(axis=0)
            d_h = (d_gates @ kernel.T)[:, N_INPUTS:]
            d_c = d_c * f
        return loss, grads

    def step(self, x, labels):
        loss, grads = self.loss_and_grads(x, labels)
        for name, grad in grads.items():
            self.w[name] -= self.lr * grad
        return loss

    def loss(self, x, labels):
        return float(self.loss_and_grads(x, labels)[0])


def numpy_runner(weights, batches, args):
    model = NumpyLSTM(weights, args.lr)
    return Runner("numpy (hand-written)", batches, model.step, model.loss)


def products_runner(weights, batches, args):
    """Only the matrix products of the per-step graph ("cells"), on the same shapes: per
    step [x, h] @ kernel forward, then d_gates @ kernel^T and [x, h]^T @ d_gates backward,
    and the output layer's three.  Both kernel sets hand these to the same BLAS, so this is
    the part of a "cells" step that the Numba kernels cannot make faster."""
    rng = np.random.default_rng(3)
    kernel, w_out = weights["kernel"], weights["w_out"]
    batch = len(batches[0][0])
    xh = rng.random((N_STEPS, batch, N_INPUTS + N_UNITS), dtype=np.float32)
    d_gates = rng.random((N_STEPS, batch, 4 * N_UNITS), dtype=np.float32)
    h = rng.random((batch, N_UNITS), dtype=np.float32)
    d_logits = rng.random((batch, N_CLASSES), dtype=np.float32)

    def step(xb, _):
        for t in range(N_STEPS):
            np.concatenate([xb[:, t], xh[t, :, N_INPUTS:]], axis=1) @ kernel
        h @ w_out, h.T @ d_logits, d_logits @ w_out.T
        for t in reversed(range(N_STEPS)):
            xh[t].T @ d_gates[t], d_gates[t] @ kernel.T

    return Runner(PRODUCTS, batches, step, lambda xb, yb: float("nan"))


PRODUCTS = "cells' matrix products alone"


# --- minitensor ---------------------------------------------------------------------------

GRAPHS = {
    "sequence": "one BlockLSTM op for all 28 steps (tf.contrib.rnn.LSTMBlockFusedCell)",
    "cells": "static_rnn of BasicLSTMCell: one LSTMBlockCell op per step",
    "_simple": "static_rnn of BasicLSTMCell(fused=False): each step gate by gate",
}


def minitensor_runner(weights, batches, args, graph, kernels):
    """minitensor on one of the GRAPHS, with ``kernels`` "auto" (Numba where registered) or
    "reference" (the NumPy reference kernels everywhere): the same graph either way."""
    import minitensor as tf
    # registers the Numba CPU kernels that "auto" picks (importing it twice is harmless)
    import minitensor.kernels.numba_cpu  # noqa: F401
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, N_STEPS, N_INPUTS], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    if graph == "sequence":
        cell = tf.contrib.rnn.LSTMBlockFusedCell(N_UNITS, forget_bias=FORGET_BIAS)
        _, (_, last) = cell(tf.transpose(x, [1, 0, 2]), dtype=tf.float32)
    else:
        cell = tf.nn.rnn_cell.BasicLSTMCell(N_UNITS, forget_bias=FORGET_BIAS,
                                            fused=graph == "cells")
        outputs, _ = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        last = outputs[-1]
    w_out = tf.Variable(weights["w_out"], name="w_out")
    b_out = tf.Variable(weights["b_out"], name="b_out")
    logits = tf.matmul(last, w_out) + b_out
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(args.lr).minimize(loss)
    sess = tf.Session(config=tf.ConfigProto(kernels=kernels))
    sess.run(tf.global_variables_initializer())
    kernel, bias = cell.variables
    kernel.load(weights["kernel"], sess)
    bias.load(weights["bias"], sess)
    name = "minitensor %s, %s" % (graph, "numba" if kernels == "auto" else kernels)
    return Runner(name, batches, lambda xb, yb: sess.run(train, {x: xb, y: yb}),
                  lambda xb, yb: float(sess.run(loss, {x: xb, y: yb})), sess.close)


# --- PyTorch (optional) -------------------------------------------------------------------

def torch_runner(weights, batches, args):
    import torch
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    n = N_UNITS
    # TF's gate blocks are [i, j, f, o]; PyTorch's are [i, f, g, o] with g = j
    order = np.concatenate([np.arange(0, n), np.arange(2 * n, 3 * n), np.arange(n, 2 * n),
                            np.arange(3 * n, 4 * n)])
    kernel = weights["kernel"][:, order]
    bias = weights["bias"][order].copy()
    bias[n:2 * n] += FORGET_BIAS                     # TF adds the forget bias inside the cell
    lstm = torch.nn.LSTM(N_INPUTS, n, batch_first=True)
    linear = torch.nn.Linear(n, N_CLASSES)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(kernel[:N_INPUTS].T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(kernel[N_INPUTS:].T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(bias))
        lstm.bias_hh_l0.zero_()
        linear.weight.copy_(torch.from_numpy(weights["w_out"].T.copy()))
        linear.bias.copy_(torch.from_numpy(weights["b_out"]))
    # PyTorch has two biases, b_ih + b_hh, where TF has one: keep b_hh at 0 (and out of the
    # update, or the bias would move twice as fast)
    lstm.bias_hh_l0.requires_grad_(False)
    params = [p for p in lstm.parameters() if p.requires_grad] + list(linear.parameters())
    optimizer = torch.optim.SGD(params, lr=args.lr)
    tensors = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]
    lookup = {id(xb): i for i, (xb, _) in enumerate(batches)}

    def loss_of(xt, yt):
        out, _ = lstm(xt)
        return torch.nn.functional.cross_entropy(linear(out[:, -1]), yt)

    def step(xb, _):
        xt, yt = tensors[lookup[id(xb)]]
        optimizer.zero_grad(set_to_none=True)
        loss_of(xt, yt).backward()
        optimizer.step()

    def loss(xb, _):
        with torch.no_grad():
            return float(loss_of(*tensors[lookup[id(xb)]]))

    return Runner("pytorch cpu (nn.LSTM)", batches, step, loss)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (the median counts)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--kernels", default="both",
                        choices=["both", "numba", "auto", "reference"],
                        help="minitensor's kernels: both (each graph twice: Numba, then the "
                             "reference kernels, and their ratio), numba (= auto: fast where "
                             "registered) or reference")
    parser.add_argument("--graphs", default="sequence,cells,_simple",
                        help="comma-separated minitensor graphs: " + ", ".join(GRAPHS))
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--mnist-dir", default=os.environ.get(
        "MINITENSOR_MNIST_DIR", os.path.join(os.path.dirname(HERE), "..", "shared", "data",
                                             "mnist")))
    args = parser.parse_args(argv)
    graphs = [g for g in args.graphs.split(",") if g]
    unknown = [g for g in graphs if g not in GRAPHS]
    if unknown:
        parser.error("unknown graph(s) %s; choose from %s" % (unknown, ", ".join(GRAPHS)))
    kernel_sets = {"both": ["auto", "reference"], "numba": ["auto"], "auto": ["auto"],
                   "reference": ["reference"]}[args.kernels]

    batches = load_batches(args.mnist_dir, n_batches=100, batch=args.batch)
    weights = initial_weights()
    runners = [numpy_runner(weights, batches, args)]
    if "cells" in graphs and len(kernel_sets) == 2:
        runners.append(products_runner(weights, batches, args))
    for graph in graphs:
        for kernels in kernel_sets:
            runners.append(minitensor_runner(weights, batches, args, graph, kernels))
    have_torch = importlib.util.find_spec("torch") is not None and not args.no_torch
    if have_torch:
        runners.append(torch_runner(weights, batches, args))

    warm = {r.name: r.run(args.warmup) for r in runners}
    # The implementations take turns, one timed run each per round, so that a machine
    # whose load changes (other programs, a laptop's clock) treats them alike.
    for _ in range(args.repeats):
        for r in runners:
            r.times.append(r.run(args.steps))
    final = {r.name: r.loss(*batches[0]) for r in runners}
    for r in runners:
        r.close()

    total = args.warmup + args.steps * args.repeats
    print("LSTM(%d) on MNIST rows (%d steps x %d), batch %d, float32, SGD lr %g: median of %d "
          "runs of %d steps after %d warm-up steps, taking turns"
          % (N_UNITS, N_STEPS, N_INPUTS, args.batch, args.lr, args.repeats, args.steps,
             args.warmup))
    base = statistics.median(runners[0].times)
    base_min = min(runners[0].times)
    for r in runners:
        med = statistics.median(r.times)
        print("  %-34s %7.3f s per %d steps (%6.1f ms/step; min %.3f, max %.3f; warm-up %.2f s)"
              "  ratio to numpy %.2fx (of the minima %.2fx)  %s"
              % (r.name, med, args.steps, 1000 * med / args.steps, min(r.times),
                 max(r.times), warm[r.name], med / base, min(r.times) / base_min,
                 "(no model)" if r.name == PRODUCTS else
                 "loss after %d steps %.5f" % (total, final[r.name])))
    if len(kernel_sets) == 2:
        by_name = {r.name: r for r in runners}
        print("Numba kernels against the reference kernels, same graph (reference time / Numba "
              "time):")
        for graph in graphs:
            fast, ref = (by_name["minitensor %s, %s" % (graph, k)] for k in ("numba", "reference"))
            print("  %-10s %.2fx (of the minima %.2fx)   %s"
                  % (graph, statistics.median(ref.times) / statistics.median(fast.times),
                     min(ref.times) / min(fast.times), GRAPHS[graph]))
        if "cells" in graphs:
            products = statistics.median(by_name[PRODUCTS].times)
            fast, ref = (statistics.median(by_name["minitensor cells, %s" % k].times)
                         for k in ("numba", "reference"))
            print("  cells: of a step, the matrix products alone (the same BLAS calls for both "
                  "kernel sets) take %.1f ms;\n    the rest: Numba %.1f ms, reference %.1f ms "
                  "(%.2fx); with the rest free, reference / products would be %.2fx"
                  % (1000 * products / args.steps, 1000 * (fast - products) / args.steps,
                     1000 * (ref - products) / args.steps,
                     (ref - products) / max(fast - products, 1e-9), ref / products))
    if not have_torch and not args.no_torch:
        print("  (PyTorch not installed: pip install torch to add it to the comparison)")


if __name__ == "__main__":
    main()
