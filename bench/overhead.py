"""Per-op overhead of Session.run: a chain of 1,000 tiny element-wise ops and its gradient.

    python bench/overhead.py [--ops 1000] [--reps 30]

The plan is built once (first run, not timed); then ``sess.run([y, grad])`` is timed.
Prints microseconds per chain op for the forward pass alone and forward + backward, with
the median and range over repetitions, and the same chain in plain NumPy in the same
process as a reference.  Reference figures measured on this 2-core machine (see
shared/research/reference-figures-cpu.md): TF 1.x C++ executor ~0.2-0.3 us/op,
micrograd ~2.4 us/op fwd+bwd, PyTorch eager ~6.7 us/op fwd+bwd.
"""
import argparse
import statistics
import sys
import time

import numpy as np


def build_chain(tf, n_ops):
    x = tf.placeholder(tf.float32, shape=[1], name="x")
    y = x
    for i in range(n_ops):
        # alternate cheap element-wise ops, as a learner's scalar model would
        kind = i % 4
        if kind == 0:
            y = y * 0.999
        elif kind == 1:
            y = y + 0.001
        elif kind == 2:
            y = tf.tanh(y)
        else:
            y = y - 0.0005
    grad = tf.gradients(y, x)[0]
    return x, y, grad


def time_runs(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def numpy_chain(x, n_ops):
    y = x
    for i in range(n_ops):
        kind = i % 4
        if kind == 0:
            y = y * np.float32(0.999)
        elif kind == 1:
            y = y + np.float32(0.001)
        elif kind == 2:
            y = np.tanh(y)
        else:
            y = y - np.float32(0.0005)
    return y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import minitensor as tf
    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    x, y, grad = build_chain(tf, args.ops)
    build_s = time.perf_counter() - t0
    feed = {x: np.array([0.5], dtype=np.float32)}
    with tf.Session() as sess:
        t0 = time.perf_counter()
        sess.run([y, grad], feed)
        first_s = time.perf_counter() - t0
        sess.run(y, feed)
        fwd = time_runs(lambda: sess.run(y, feed), args.reps)
        both = time_runs(lambda: sess.run([y, grad], feed), args.reps)
        n_executed = len(sess._plans[((y, grad), frozenset([x]))].steps)
    x_np = np.array([0.5], dtype=np.float32)
    ref = time_runs(lambda: numpy_chain(x_np, args.ops), args.reps)

    def us(ts):
        return 1e6 * statistics.median(ts) / args.ops, 1e6 * min(ts) / args.ops, \
            1e6 * max(ts) / args.ops

    print("minitensor Session.run overhead, %d-op chain, %d reps (python %s)"
          % (args.ops, args.reps, sys.version.split()[0]))
    print("  import minitensor: %.3f s   build graph + gradients: %.3f s   first run (plan): "
          "%.4f s" % (import_s, build_s, first_s))
    print("  kernels executed per fwd+bwd run: %d" % n_executed)
    rows = [("forward", us(fwd)), ("forward + backward", us(both)),
            ("NumPy forward only (same chain)", us(ref))]
    for label, (med, lo, hi) in rows:
        print("  %-34s %6.2f us/op  (min %.2f, max %.2f)" % (label, med, lo, hi))
    print("  ratio fwd+bwd / NumPy forward: %.2fx; reference: TF1 ~0.3, micrograd ~2.4, "
          "PyTorch eager ~6.7 us/op" % (us(both)[0] / us(ref)[0]))


if __name__ == "__main__":
    main()
