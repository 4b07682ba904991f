"""minitensor's CUDA kernels against cuBLAS and PyTorch on the same GPU.

    python bench/gpu.py                      # everything
    python bench/gpu.py --only matmul --sizes 1024 4096
    python bench/gpu.py --only mlp --batches 100 10000

1. matmul: TFLOP/s of ``matmul_tiled`` (64 x 64 tiles, 4 x 4 outputs per thread, the
   readable one), of its generated, unrolled twins ``matmul_tiled_4x4`` and
   ``matmul_tiled_8x8`` (128 x 128 tiles, 8 x 8 per thread), and of ``matmul()`` itself
   (which picks one -- marked ``*`` -- and splits k for weight gradients) against cuBLAS
   SGEMM through PyTorch or CuPy, in true FP32 (TF32 switched off), at 1024 and 4096 and at
   the MLP's own shapes for batch 10,000;
2. element-wise: GB/s of the same-shape add and of ReLU against PyTorch/CuPy on 2^26 floats;
3. the MNIST MLP (784-256-256-10, ReLU, softmax cross-entropy, SGD): seconds per training
   step -- feed a batch from host memory, run forward + backward + update, fetch the loss --
   at batch 100 (where launch overhead dominates) and 10,000 (where the kernels do),
   minitensor against PyTorch with the same loop.  The data are random: only time matters.

Each row prints minitensor's figure, the baseline's, and their ratio.  Needs an NVIDIA GPU
and numba-cuda (``pip install 'minitensor[cuda]'``); PyTorch (with CUDA) or CuPy for the
baselines.  Without a GPU it says so and exits with status 2.  ``--allow-simulator`` runs
it in Numba's CUDA simulator at toy sizes: that checks the script, not the speed.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def gpu_or_exit(allow_simulator):
    """The GPU's description, or a clear message and exit status 2."""
    from minitensor.kernels import devices
    found, reason = devices.gpus()
    if not found:
        print("bench/gpu.py needs an NVIDIA GPU, and there is none: %s.\n"
              "Run it on a machine with a GPU, the NVIDIA driver and numba-cuda "
              "(pip install 'minitensor[cuda]')." % reason)
        sys.exit(2)
    if devices.simulator_on() and not allow_simulator:
        print("bench/gpu.py: NUMBA_ENABLE_CUDASIM is set, so the 'GPU' is Numba's simulator; "
              "its timings mean nothing. Unset it, or pass --allow-simulator to check the "
              "script at toy sizes.")
        sys.exit(2)
    return found[0].physical_device_desc


class Baseline:
    """cuBLAS and element-wise kernels through PyTorch (preferred) or CuPy, in FP32."""

    def __init__(self):
        self.name, self.torch, self.cupy = None, None, None
        try:
            import torch
            if torch.cuda.is_available():
                torch.backends.cuda.matmul.allow_tf32 = False     # true FP32 SGEMM
                torch.backends.cudnn.allow_tf32 = False
                torch.set_float32_matmul_precision("highest")
                self.torch, self.name = torch, "PyTorch %s (cuBLAS)" % torch.__version__
                return
        except ImportError:
            pass
        try:
            os.environ.setdefault("CUPY_TF32", "0")
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            self.cupy, self.name = cupy, "CuPy %s (cuBLAS)" % cupy.__version__
        except Exception:        # not installed, or no CUDA for it
            pass

    def array(self, host):
        if self.torch is not None:
            return self.torch.from_numpy(host).cuda()
        return self.cupy.asarray(host)

    def empty(self, shape):
        if self.torch is not None:
            return self.torch.empty(shape, dtype=self.torch.float32, device="cuda")
        return self.cupy.empty(shape, dtype=np.float32)

    def synchronize(self):
        if self.torch is not None:
            self.torch.cuda.synchronize()
        else:
            self.cupy.cuda.Device().synchronize()

    def matmul(self, a, b, out):
        if self.torch is not None:
            return self.torch.mm(a, b, out=out)
        return self.cupy.matmul(a, b, out=out)

    def add(self, x, y, out):
        if self.torch is not None:
            return self.torch.add(x, y, out=out)
        return self.cupy.add(x, y, out=out)

    def relu(self, x, out):
        if self.torch is not None:
            return self.torch.clamp_min(x, 0.0, out=out)
        return self.cupy.maximum(x, 0, out=out)


def seconds_per_call(call, synchronize, repeat, warmup=2):
    """Median seconds of ``call()`` over ``repeat`` timed calls, the GPU drained each time."""
    for _ in range(warmup):
        call()
    synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(label, ours, theirs, unit, higher_is_better=True):
    if theirs is None:
        print("  %-34s minitensor %10.3f %-8s  (no baseline)" % (label, ours, unit))
        return
    ratio = ours / theirs if higher_is_better else theirs / ours
    print("  %-34s minitensor %10.3f %-8s baseline %10.3f %-8s  minitensor/baseline %.2f"
          % (label, ours, unit, theirs, unit, ratio))


# --- 1. matmul ---------------------------------------------------------------------

MATMUL_KERNELS = {        # name: (kernel attribute, tile edge)
    "readable": ("matmul_tiled_gpu", "TILE"),       # matmul_tiled, the one ch09 explains
    "4x4": ("matmul_tiled_4x4_gpu", "TILE"),         # generated: unrolled, prefetching
    "8x8": ("matmul_tiled_8x8_gpu", "BIG_TILE"),
}


def bench_matmul(shapes, baseline, repeat):
    from numba import cuda
    from minitensor.kernels import numba_cuda as k
    print("matmul C = A @ B, float32 (TFLOP/s, higher is better); both kernels, and which one "
          "matmul() picks:")
    rng = np.random.default_rng(0)
    for m, kk, n in shapes:
        a = rng.standard_normal((m, kk)).astype(np.float32)
        b = rng.standard_normal((kk, n)).astype(np.float32)
        a_gpu, b_gpu = cuda.to_device(a), cuda.to_device(b)
        c_gpu = cuda.device_array((m, n), np.float32)
        a_flat, b_flat, c_flat = k.flat(a_gpu), k.flat(b_gpu), k.flat(c_gpu)
        flops = 2.0 * m * n * kk
        t_base = None
        if baseline.name:
            ab, bb, cb = baseline.array(a), baseline.array(b), baseline.empty((m, n))
            t_base = seconds_per_call(lambda: baseline.matmul(ab, bb, cb), baseline.synchronize,
                                      repeat)
        expected = a.astype(np.float64) @ b.astype(np.float64)
        for name, (attr, tile) in MATMUL_KERNELS.items():
            kernel, edge = getattr(k, attr), getattr(k, tile)
            grid = (k.blocks_for(n, edge), k.blocks_for(m, edge))

            def ours():
                kernel[grid, (k.BLOCK, k.BLOCK)](c_flat, a_flat, b_flat, m, n, kk, kk, 1, n, 1)
            t_ours = seconds_per_call(ours, cuda.synchronize, repeat)
            error = np.max(np.abs(c_gpu.copy_to_host() - expected)) / np.sqrt(kk)
            picked = " *" if k.matmul_kernel_for(m, n) == name else ""
            row("%s %dx%dx%d%s (err/sqrt(k) %.0e)" % (name, m, kk, n, picked, error),
                flops / t_ours / 1e12, flops / t_base / 1e12 if t_base else None, "TFLOP/s")
        t_ours = seconds_per_call(lambda: k.matmul(a_gpu, b_gpu), cuda.synchronize, repeat)
        row("matmul() %dx%dx%d (split-k %d)" % (m, kk, n, k.split_k_for(m, n, kk)
                                                 if k.matmul_kernel_for(m, n) == "4x4" else 1),
            flops / t_ours / 1e12, flops / t_base / 1e12 if t_base else None, "TFLOP/s")


# --- 2. element-wise ---------------------------------------------------------------

def bench_elementwise(n, baseline, repeat):
    from numba import cuda
    from minitensor.kernels import numba_cuda as k
    print("element-wise on %d floats (GB/s moved, higher is better):" % n)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    x_gpu, y_gpu, out = cuda.to_device(x), cuda.to_device(y), cuda.device_array(n, np.float32)
    blocks = k.items_blocks(n)

    def our_add():
        k.add_elementwise_gpu[blocks, k.THREADS](out, x_gpu, y_gpu)

    def our_relu():
        k.relu_elementwise_gpu[blocks, k.THREADS](out, x_gpu)
    cases = [("add  (read 2, write 1)", our_add, 12 * n),
             ("relu (read 1, write 1)", our_relu, 8 * n)]
    if baseline.name:
        xb, yb, ob = baseline.array(x), baseline.array(y), baseline.empty((n,))
        theirs = [lambda: baseline.add(xb, yb, ob), lambda: baseline.relu(xb, ob)]
    for (label, call, moved), their_call in zip(cases, theirs if baseline.name else
                                                [None, None]):
        t_ours = seconds_per_call(call, cuda.synchronize, repeat)
        t_base = seconds_per_call(their_call, baseline.synchronize, repeat) \
            if their_call else None
        row(label, moved / t_ours / 1e9, moved / t_base / 1e9 if t_base else None, "GB/s")


# --- 3. the MNIST MLP training step ---------------------------------------------------

MNIST_SIZES = (784, 256, 256, 10)


def minitensor_step(weights, lr):
    """A training step function for minitensor (the session places it on the GPU)."""
    import minitensor as tf
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, weights[0][0].shape[0]])
    y = tf.placeholder(tf.float32, [None, weights[-1][0].shape[1]])
    h = x
    for i, (w, b) in enumerate(weights):
        h = tf.matmul(h, tf.Variable(w)) + tf.Variable(b)
        if i < len(weights) - 1:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=h))
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())

    def step(xb, yb_one_hot, yb_ids):
        return sess.run([train, loss], {x: xb, y: yb_one_hot})[1]
    return step, sess


def torch_step(torch, weights, lr):
    layers = []
    for i, (w, b) in enumerate(weights):
        linear = torch.nn.Linear(*w.shape).cuda()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def step(xb, yb_one_hot, yb_ids):
        xt = torch.from_numpy(xb).cuda()
        yt = torch.from_numpy(yb_ids).cuda()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def bench_mlp(batches, baseline, steps, sizes=MNIST_SIZES, lr=0.01):
    print("MNIST MLP %s training step: feed, forward, backward, SGD, fetch the loss "
          "(ms per step, lower is better):" % "-".join(map(str, sizes)))
    rng = np.random.default_rng(2)
    weights = [(rng.uniform(-0.05, 0.05, (a, b)).astype(np.float32), np.zeros(b, np.float32))
               for a, b in zip(sizes[:-1], sizes[1:])]
    for batch in batches:
        xb = rng.random((batch, sizes[0]), dtype=np.float32)
        ids = rng.integers(0, sizes[-1], batch)
        one_hot = np.eye(sizes[-1], dtype=np.float32)[ids]
        ours, sess = minitensor_step(weights, lr)
        start = time.perf_counter()
        first_loss = ours(xb, one_hot, ids)              # builds the plan, compiles kernels
        warmup = time.perf_counter() - start
        t_ours = seconds_per_call(lambda: ours(xb, one_hot, ids), lambda: None, steps, 2)
        transfers = dict(sess.transfers)
        from minitensor.kernels import cuda_memory
        pool = cuda_memory.pool_stats()
        sess.close()
        t_base, their_loss = None, None
        if baseline.torch is not None:
            theirs = torch_step(baseline.torch, weights, lr)
            their_loss = theirs(xb, one_hot, ids)
            t_base = seconds_per_call(lambda: theirs(xb, one_hot, ids), lambda: None, steps, 2)
        row("batch %d" % batch, t_ours * 1e3, t_base * 1e3 if t_base else None, "ms",
            higher_is_better=False)
        print("    first step %.1f s (plan + kernel compilation); first loss %.4f%s; "
              "copies in all: %s" % (warmup, first_loss, "" if their_loss is None else
                                     " (PyTorch %.4f)" % their_loss, transfers))
        print("    GPU memory pool: %s" % (pool or "not in use (the simulator, or MINITENSOR_CUDA_POOL=0)"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["matmul", "elementwise", "mlp"], action="append")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096],
                        help="square matmuls n x n x n (the MLP's own shapes are added)")
    parser.add_argument("--elements", type=int, default=2 ** 26)
    parser.add_argument("--batches", type=int, nargs="+", default=[100, 10000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--allow-simulator", action="store_true",
                        help="run in Numba's CUDA simulator at toy sizes (checks the script)")
    args = parser.parse_args(argv)
    description = gpu_or_exit(args.allow_simulator)
    mlp_sizes = MNIST_SIZES
    if args.allow_simulator:
        args.sizes, args.elements, args.batches = [70], 3000, [5]
        args.repeat, args.steps, mlp_sizes = 1, 1, (20, 16, 16, 10)
    baseline = Baseline()
    print("GPU: %s" % description)
    print("baseline: %s" % (baseline.name or "none (install PyTorch with CUDA, or CuPy)"))
    only = set(args.only or ["matmul", "elementwise", "mlp"])
    if "matmul" in only:
        shapes = [(n, n, n) for n in args.sizes]
        if not args.allow_simulator:     # the MNIST MLP's products at batch 10,000
            shapes += [(10000, 784, 256), (784, 10000, 256), (10000, 256, 256)]
        bench_matmul(shapes, baseline, args.repeat)
    if "elementwise" in only:
        bench_elementwise(args.elements, baseline, args.repeat)
    if "mlp" in only:
        if baseline.torch is None and baseline.name:
            print("(the MLP baseline needs PyTorch; CuPy has no autograd)")
        bench_mlp(args.batches, baseline, args.steps, mlp_sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
