"""Each Numba CPU kernel against its NumPy reference kernel, on the sizes training uses.

    python bench/kernels_cpu.py [--reps 15] [--dtype float32] [--parallel] [--no-steps]

Sizes: "MLP" is a 100 x 256 activation (batch 100, 256 hidden units: the MNIST MLP);
"LSTM" is one step of an LSTM(128) on 28 inputs with batch 100 (gates 100 x 512).  For each
kernel the two versions are called alternately (so a busy machine slows both alike) and the
median time per call is printed with the ratio reference / numba (> 1: numba is faster).

Then whole training steps (``sess.run(train_op)`` of the MNIST MLP and of an LSTM(128) over
28 rows) with ``kernels="reference"`` and with the fast kernels.

Compile time is paid first, by ``warmup()``, and printed on its own line.  The allocator is
tuned as ``kernels/threads.py`` explains (``--default-malloc`` to measure without).  ``--parallel``
adds the measurement behind ``kernels/threads.py``: a serial loop against the same loop with
``parallel=True`` (prange) at growing sizes.
"""
import argparse
import os
import statistics
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minitensor  # noqa: E402,F401  (registers the ops)
import minitensor.kernels.numba_cpu as fast  # noqa: E402
import minitensor.ops.rnn_ops  # noqa: E402,F401
from minitensor.framework.registry import get_op_def  # noqa: E402
from minitensor.kernels import threads  # noqa: E402


def median_seconds(fn, reps, number):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def compare(fn_ref, fn_fast, reps):
    fn_ref()
    fn_fast()
    once = max(median_seconds(fn_ref, 1, 1), 1e-7)
    number = max(1, min(2000, int(0.004 / once)))        # ~4 ms per repetition
    ref_times, fast_times = [], []
    for _ in range(reps):                                 # alternate: same load for both
        ref_times.append(median_seconds(fn_ref, 1, number))
        fast_times.append(median_seconds(fn_fast, 1, number))
    return statistics.median(ref_times), statistics.median(fast_times)


def kernels_of(op_type):
    kernels = get_op_def(op_type).kernels
    return kernels["reference"], kernels["numba_cpu"]


# --- the cases -----------------------------------------------------------------------------

def update_ctx(op_type, shape, dtype, slots):
    names = ["var"] + ["var/slot%d" % k for k in range(slots)]
    state = {n: np.full(shape, 0.5, dtype) for n in names}
    inputs = [types.SimpleNamespace(op=types.SimpleNamespace(name=n)) for n in names]
    return types.SimpleNamespace(state=state, key="var", op=types.SimpleNamespace(inputs=inputs))


def element_cases(shape, dtype, r):
    x = r.standard_normal(shape).astype(dtype)
    y = r.standard_normal(shape).astype(dtype)
    s = (1 / (1 + np.exp(-x))).astype(dtype)
    bias = r.standard_normal(shape[-1]).astype(dtype)
    return [
        ("Relu", (x,), {}),
        ("ReluGrad", (y, x), {}),
        ("Sigmoid", (x,), {}),
        ("SigmoidGrad", (s, y), {}),
        ("TanhGrad", (np.tanh(x), y), {}),
        ("BiasAdd", (x, bias), {"axis": 1}),
        ("BiasAddGrad", (x,), {"axis": 1}),
        ("ReduceSum", (x,), {"axis": (0,), "keepdims": False}),
        ("ReduceSum", (x,), {"axis": (1,), "keepdims": False}),
        ("ReduceMean", (x,), {"axis": None, "keepdims": False}),
        ("L2Loss", (x,), {}),
        ("SigmoidCrossEntropyWithLogits", (x, (y > 0).astype(dtype)), {}),
        ("Softmax", (x,), {"axis": 1}),
        ("LogSoftmax", (x,), {"axis": 1}),
    ]


def xent_cases(rows, classes, dtype, r):
    logits = r.standard_normal((rows, classes)).astype(dtype)
    ids = r.integers(0, classes, rows)
    labels = np.eye(classes, dtype=dtype)[ids]
    ctx = types.SimpleNamespace(op=types.SimpleNamespace(name="xent"))
    return [
        ("SoftmaxCrossEntropyWithLogits", (logits, labels), {"axis": 1}),
        ("SparseSoftmaxCrossEntropyWithLogits", (ctx, logits, ids), {}),
    ]


def dropout_case(shape, dtype, r):
    x = r.standard_normal(shape).astype(dtype)
    generator = np.random.default_rng(0)
    ctx = types.SimpleNamespace(op=types.SimpleNamespace(name="dropout"), rng=lambda: generator)
    return [("Dropout", (ctx, x, np.asarray(0.5, dtype)),
             {"seed": None, "seed2": None, "noise_shape": None})]


OPTIMIZERS = [("ApplyGradientDescent", 0, ["lr", "grad"], {}),
              ("ApplyMomentum", 1, ["lr", "grad", 0.9], {"use_nesterov": False}),
              ("ApplyAdam", 2, [0.5, 0.6, "lr", 0.9, 0.999, 1e-8, "grad"], {}),
              ("ApplyRMSProp", 2, ["lr", 0.9, 0.0, 1e-10, "grad"], {}),
              ("ApplyCenteredRMSProp", 3, ["lr", 0.9, 0.0, 1e-10, "grad"], {}),
              ("ApplyAdagrad", 1, ["lr", "grad"], {}),
              ("ApplyAdadelta", 2, ["lr", 0.95, 1e-6, "grad"], {})]


def optimizer_pairs(shape, dtype, r):
    """(name, reference call, fast call): each on its own copy of the variable and slots."""
    grad = (r.standard_normal(shape) * 1e-3).astype(dtype)
    pairs = []
    for op_type, slots, hyper, attrs in OPTIMIZERS:
        args = [grad if h == "grad" else np.asarray(1e-3 if h == "lr" else h, dtype)
                for h in hyper]
        ref, fst = kernels_of(op_type)
        ctx_ref = update_ctx(op_type, shape, dtype, slots)
        ctx_fast = update_ctx(op_type, shape, dtype, slots)
        pairs.append((op_type, lambda k=ref, c=ctx_ref, a=args, kw=attrs: k(c, *a, **kw),
                      lambda k=fst, c=ctx_fast, a=args, kw=attrs: k(c, *a, **kw)))
    return pairs


def lstm_pairs(batch, n, units, dtype, r):
    x = r.standard_normal((batch, n)).astype(dtype)
    c = r.standard_normal((batch, units)).astype(dtype)
    h = r.standard_normal((batch, units)).astype(dtype)
    kernel = (r.standard_normal((n + units, 4 * units)) * 0.1).astype(dtype)
    bias = np.zeros(4 * units, dtype)
    attrs = {"forget_bias": 1.0, "cell_clip": None}
    fwd_ref, fwd_fast = kernels_of("LSTMBlockCell")
    grad_ref, grad_fast = kernels_of("LSTMBlockCellGrad")
    outs = fwd_ref(x, c, h, kernel, bias, **attrs)
    zeros = np.zeros((batch, units), dtype)
    d_h = r.standard_normal((batch, units)).astype(dtype)
    d_cs = r.standard_normal((batch, units)).astype(dtype)
    grad_args = (x, c, h, kernel, *outs[:6], zeros, d_cs, zeros, zeros, zeros, zeros, d_h)

    def step(fwd, grad):
        return lambda: (fwd(x, c, h, kernel, bias, **attrs),
                        grad(*grad_args, cell_clip=None))

    gru_w_ru = (r.standard_normal((n + units, 2 * units)) * 0.1).astype(dtype)
    gru_w_c = (r.standard_normal((n + units, units)) * 0.1).astype(dtype)
    b_ru, b_c = np.zeros(2 * units, dtype), np.zeros(units, dtype)
    gfwd_ref, gfwd_fast = kernels_of("GRUBlockCell")
    ggrad_ref, ggrad_fast = kernels_of("GRUBlockCellGrad")
    gouts = gfwd_ref(x, h, gru_w_ru, gru_w_c, b_ru, b_c)
    ggrad_args = (x, h, gru_w_ru, gru_w_c, *gouts[:3], zeros, zeros, zeros, d_h)
    return [
        ("LSTMBlockCell", lambda: fwd_ref(x, c, h, kernel, bias, **attrs),
         lambda: fwd_fast(x, c, h, kernel, bias, **attrs)),
        ("LSTMBlockCellGrad", lambda: grad_ref(*grad_args, cell_clip=None),
         lambda: grad_fast(*grad_args, cell_clip=None)),
        ("LSTM step (fwd + bwd)", step(fwd_ref, grad_ref), step(fwd_fast, grad_fast)),
        ("GRUBlockCell", lambda: gfwd_ref(x, h, gru_w_ru, gru_w_c, b_ru, b_c),
         lambda: gfwd_fast(x, h, gru_w_ru, gru_w_c, b_ru, b_c)),
        ("GRUBlockCellGrad", lambda: ggrad_ref(*ggrad_args), lambda: ggrad_fast(*ggrad_args)),
    ]


def calls(cases):
    """(name, reference call, fast call) for (op type, args, attrs) cases."""
    out = []
    for op_type, args, attrs in cases:
        ref, fst = kernels_of(op_type)
        label = op_type
        if "axis" in attrs and op_type.startswith("Reduce"):
            label += " axis=%s" % (None if attrs["axis"] is None else attrs["axis"][0])
        out.append((label, lambda k=ref, a=args, kw=attrs: k(*a, **kw),
                    lambda k=fst, a=args, kw=attrs: k(*a, **kw)))
    return out


def print_table(title, pairs, reps):
    print("\n%s" % title)
    print("  %-40s %12s %12s %8s" % ("kernel", "reference", "numba", "ratio"))
    ratios = []
    for name, fn_ref, fn_fast in pairs:
        t_ref, t_fast = compare(fn_ref, fn_fast, reps)
        ratios.append(t_ref / t_fast)
        print("  %-40s %9.1f us %9.1f us %7.2fx" % (name, t_ref * 1e6, t_fast * 1e6,
                                                    t_ref / t_fast), flush=True)
    return ratios


# --- serial vs parallel (the measurement behind threads.py) -------------------------------

def parallel_check(reps):
    from minitensor.kernels.jit import import_numba
    numba = import_numba()

    def relu_parallel(x, out):
        zero = x.dtype.type(0)
        for i in numba.prange(x.size):
            v = x[i]
            out[i] = zero if v <= zero else v

    def adam_parallel(var, m, v, grad, alpha, b1, b2, eps):
        for i in numba.prange(var.size):
            g = grad[i]
            mi = m[i] + (g - m[i]) * b1
            vi = v[i] + (g * g - v[i]) * b2
            m[i] = mi
            v[i] = vi
            var[i] -= alpha * mi / (np.sqrt(vi) + eps)

    options = dict(parallel=True, error_model="numpy", fastmath={"contract", "nsz", "arcp"})
    par_relu = numba.njit(**options)(relu_parallel)
    par_adam = numba.njit(**options)(adam_parallel)
    print("\nserial vs parallel=True (prange), float32, %d threads, OMP_WAIT_POLICY=%s"
          % (numba.get_num_threads(), os.environ.get("OMP_WAIT_POLICY")))
    print("  %-12s %10s %12s %12s %8s" % ("kernel", "elements", "serial", "parallel",
                                          "ratio"))
    f32 = np.float32
    for size in (25_600, 100_000, 1_000_000, 4_000_000):
        x = np.random.default_rng(0).standard_normal(size).astype(f32)
        out = np.empty_like(x)
        arrays = [np.full(size, 0.5, f32) for _ in range(3)]
        scalars = (f32(1e-3), f32(0.1), f32(0.001), f32(1e-8))
        for name, serial, parallel in [
                ("relu", lambda: fast._relu_kernel(x, out), lambda: par_relu(x, out)),
                ("adam", lambda: fast._adam_kernel(*arrays, x, *scalars),
                 lambda: par_adam(*arrays, x, *scalars))]:
            t_serial, t_parallel = compare(serial, parallel, reps)
            print("  %-12s %10d %9.1f us %9.1f us %7.2fx" % (
                name, size, t_serial * 1e6, t_parallel * 1e6, t_serial / t_parallel),
                flush=True)


# --- whole training steps through Session.run (what a learner's program sees) -------------

def training_steps(reps):
    """sess.run(train_op) for the course's MLP and LSTM, kernels="reference" vs "auto"."""
    import minitensor as tf

    def mlp():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.int64, [None])
        h = x
        for n_in, n_out in ((784, 256), (256, 256)):
            w = tf.Variable(tf.random_normal([n_in, n_out], stddev=0.05, seed=1))
            b = tf.Variable(tf.zeros([n_out]))
            h = tf.nn.relu(tf.nn.bias_add(tf.matmul(h, w), b))
        w = tf.Variable(tf.random_normal([256, 10], stddev=0.05, seed=2))
        logits = tf.matmul(h, w)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                             logits=logits))
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        r = np.random.default_rng(0)
        return train, {x: r.random((100, 784), dtype=np.float32), y: r.integers(0, 10, 100)}

    def lstm():
        x = tf.placeholder(tf.float32, [None, 28, 28])
        y = tf.placeholder(tf.int64, [None])
        cell = tf.nn.rnn_cell.BasicLSTMCell(128)
        outputs, _ = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), dtype=tf.float32)
        w = tf.Variable(tf.random_normal([128, 10], stddev=0.1, seed=3))
        logits = tf.matmul(outputs[-1], w)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                             logits=logits))
        train = tf.train.AdamOptimizer(0.005).minimize(loss)
        r = np.random.default_rng(0)
        return train, {x: r.random((100, 28, 28), dtype=np.float32),
                       y: r.integers(0, 10, 100)}

    print("\nwhole training steps, sess.run(train_op), batch 100 (ms per step)")
    print("  %-40s %12s %12s %8s" % ("model", "reference", "numba", "ratio"))
    for name, build in (("MLP 784-256-256-10, SGD", mlp),
                        ("LSTM(128), 28 steps of 28 inputs, Adam", lstm)):
        runs = {}
        for kind in ("reference", "auto"):
            tf.reset_default_graph()
            train, feed = build()
            sess = tf.Session(config=tf.ConfigProto(kernels=kind))
            sess.run(tf.global_variables_initializer())
            runs[kind] = (sess, train, feed)
        calls_ = [(lambda s=s, t=t, f=f: s.run(t, f)) for s, t, f in
                  (runs["reference"], runs["auto"])]
        t_ref, t_fast = compare(calls_[0], calls_[1], max(3, reps // 3))
        print("  %-40s %9.2f ms %9.2f ms %7.2fx" % (name, t_ref * 1e3, t_fast * 1e3,
                                                    t_ref / t_fast), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--parallel", action="store_true",
                        help="also time serial against parallel=True loops")
    parser.add_argument("--no-steps", action="store_true",
                        help="skip the whole-training-step timings")
    parser.add_argument("--default-malloc", action="store_true",
                        help="do not call threads.tune_memory_allocator()")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    r = np.random.default_rng(0)

    if not args.default_malloc:
        threads.tune_memory_allocator()
    report = fast.warmup()
    print("compile (or cache load): %.2f s for %d kernels; first calls: %.1f ms"
          % (report.compile_seconds, report.kernels, report.run_seconds * 1e3))
    print("threads:", threads.describe())
    print("dtype %s, median of %d repetitions" % (dtype.name, args.reps))

    mlp = (calls(element_cases((100, 256), dtype, r)) + calls(xent_cases(100, 10, dtype, r))
           + calls(dropout_case((100, 256), dtype, r)) + optimizer_pairs((784, 256), dtype, r))
    ratios = print_table("MLP sizes: activations 100 x 256, logits 100 x 10, "
                         "optimizer updates on a 784 x 256 weight", mlp, args.reps)
    lstm = (calls(element_cases((100, 512), dtype, r)[:8])
            + optimizer_pairs((156, 512), dtype, r)[:3] + lstm_pairs(100, 28, 128, dtype, r))
    ratios += print_table("LSTM sizes: batch 100, 28 inputs, 128 units (gates 100 x 512, "
                          "kernel 156 x 512)", lstm, args.reps)
    print("\ngeometric mean of the ratios: %.2fx" % float(np.exp(np.mean(np.log(ratios)))))
    if not args.no_steps:
        training_steps(args.reps)
    if args.parallel:
        parallel_check(args.reps)


if __name__ == "__main__":
    main()
