"""Chapter 8: devices and placement -- which device runs each op, and what crosses between
them.

The seed's "通过计算设备（CPU、GPU）运行图" section with `import minitensor as tf`:
listing devices, logging placement, tf.device with a name or a function, soft placement,
GPU memory options -- plus what the seed's logs do not show: the copies between the CPU
and the GPU, counted, and where the time of a training step goes (a traced run, and its
timeline for chrome://tracing).

    python tutorials/ch08_devices.py                          # whatever this machine has
    NUMBA_ENABLE_CUDASIM=1 python tutorials/ch08_devices.py   # with a simulated GPU

A GPU needs numba-cuda (`pip install 'minitensor[cuda]'`).  Without a GPU, Numba's CUDA
simulator (`NUMBA_ENABLE_CUDASIM=1`, set before the program starts) pretends to have one
and runs the GPU kernels as Python threads on the CPU: slow, but the placement and the
copies are exactly those of a real GPU.

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch08_devices.md shows; they do nothing here.
"""
# --8<-- [start:setup]
import collections
import os

import numpy as np

import minitensor as tf
from minitensor.python.client import device_lib, timeline
# --8<-- [end:setup]

# --8<-- [start:list_devices]
# --- Which devices can run a graph -------------------------------------------------
print(device_lib.list_local_devices())
# --8<-- [end:list_devices]

# --8<-- [start:log_placement]
# --- Where does each op run? log_device_placement ---------------------------------
tf.reset_default_graph()

w = tf.Variable([.3], tf.float32)
b = tf.Variable([-.3], tf.float32)
x = tf.placeholder(tf.float32)
y = w * x + b

config = tf.ConfigProto()
config.log_device_placement = True

with tf.Session(config=config) as tfs:
    tf.global_variables_initializer().run()
    print('output: ', tfs.run(y, {x: [1, 2, 3, 4]}))
    print("copies between devices:", dict(tfs.transfers), "total:", tfs.transfer_count)
# --8<-- [end:log_placement]

# --8<-- [start:pin_cpu]
# --- Putting ops on a device: tf.device ---------------------------------------------
tf.reset_default_graph()
with tf.device('/device:CPU:0'):
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    x = tf.placeholder(tf.float32)
    y = w * x + b

config = tf.ConfigProto()
config.log_device_placement = True
with tf.Session(config=config) as tfs:
    tfs.run(tf.global_variables_initializer())
    print("output: ", tfs.run(y, {x: [1, 2, 3, 4]}))
    print("copies between devices:", tfs.transfer_count)
# --8<-- [end:pin_cpu]

# --8<-- [start:device_function]
# --- Dynamic placement: tf.device(function) -----------------------------------------
# The function sees each op as it is created and returns its device: here the matrix
# products go to the GPU and everything else stays on the CPU.
tf.reset_default_graph()


def matmuls_on_the_gpu(op):
    return "/device:GPU:0" if op.type == "MatMul" else "/device:CPU:0"


with tf.device(matmuls_on_the_gpu):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]], name="a")
    product = tf.matmul(a, a, name="product")
    total = tf.reduce_sum(product, name="total")
print("devices asked for:", {op.name: op.device for op in tf.get_default_graph().get_operations()})

config = tf.ConfigProto(log_device_placement=True, allow_soft_placement=True)
with tf.Session(config=config) as tfs:
    print("total:", tfs.run(total))
    print("copies between devices:", dict(tfs.transfers))
# --8<-- [end:device_function]

# --8<-- [start:soft_placement]
# --- Soft placement ---------------------------------------------------------------
# An op explicitly assigned to the GPU fails when there is no GPU, or when the GPU has no
# kernel for it (tf.argmax has none here) ...
tf.reset_default_graph()
with tf.device('/gpu:0'):
    logits = tf.constant([[1.0, 3.0, 2.0], [5.0, 1.0, 0.0]])
    best = tf.argmax(logits, 1)

try:
    with tf.Session() as tfs:
        tfs.run(best)
except tf.errors.InvalidArgumentError as e:
    print("InvalidArgumentError:", e)

# ... unless the session may move it to a device that can run it.
config = tf.ConfigProto(log_device_placement=True)
config.allow_soft_placement = True
with tf.Session(config=config) as tfs:
    print("best:", tfs.run(best))
# --8<-- [end:soft_placement]

# --8<-- [start:transfers]
# --- Values stay where they are computed -----------------------------------------
# A training step on the GPU copies the fed batch up and the fetched loss down; the
# weights stay on the GPU between steps.  On a CPU-only machine nothing is copied.
tf.reset_default_graph()
rng = np.random.default_rng(0)
x_data = rng.standard_normal((8, 3)).astype(np.float32)
y_data = x_data @ np.array([[1.0], [-2.0], [0.5]], np.float32)

x = tf.placeholder(tf.float32, [None, 3])
y_true = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable(tf.zeros([3, 1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y_true))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

with tf.Session() as tfs:
    tfs.run(tf.global_variables_initializer())
    for step in range(1, 4):
        _, value = tfs.run([train, loss], {x: x_data, y_true: y_data})
        print("step %d: loss %.4f, copies so far %s" % (step, value, dict(tfs.transfers)))
# --8<-- [end:transfers]

# --8<-- [start:gpu_memory]
# --- GPU memory and threads --------------------------------------------------------
config = tf.ConfigProto()
config.gpu_options.allow_growth = True                   # Numba always allocates on demand
config.gpu_options.per_process_gpu_memory_fraction = 0.5  # at most half the GPU's memory
config.intra_op_parallelism_threads = 2                  # BLAS and Numba threads inside an op
config.inter_op_parallelism_threads = 1                  # ops run one after another anyway
with tf.Session(config=config) as tfs:
    for device in tfs.list_devices():
        print(device.name, device.device_type, "memory_limit:", device.memory_limit)
# --8<-- [end:gpu_memory]

# --8<-- [start:trace]
# --- Where does the time go? Tracing a run ----------------------------------------
# One training step of an MNIST-sized MLP, traced: every op's time, added up per op type.
tf.reset_default_graph()
x = tf.placeholder(tf.float32, [None, 784], name="x")
labels = tf.placeholder(tf.int64, [None], name="labels")
h = x
for i, (n_in, n_out) in enumerate([(784, 256), (256, 256), (256, 10)]):
    w = tf.Variable(tf.random_normal([n_in, n_out], stddev=0.05, seed=i), name="w%d" % i)
    b = tf.Variable(tf.zeros([n_out]), name="b%d" % i)
    h = tf.matmul(h, w) + b
    if n_out != 10:
        h = tf.nn.relu(h)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=h))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)

feed = {x: rng.random((100, 784), dtype=np.float32), labels: rng.integers(0, 10, 100)}
cpu_only = tf.ConfigProto(device_count={"GPU": 0})   # drop it to trace a step on a GPU
with tf.Session(config=cpu_only) as tfs:
    tfs.run(tf.global_variables_initializer())
    for _ in range(5):                        # compile the kernels and warm up first
        tfs.run(train, feed)
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    run_metadata = tf.RunMetadata()
    tfs.run(train, feed, options=options, run_metadata=run_metadata)

per_type = collections.Counter()
for device in run_metadata.step_stats.dev_stats:
    for node in device.node_stats:
        op_type = node.timeline_label.split(" = ")[1].split("(")[0]
        per_type[op_type] += node.all_end_rel_micros
for op_type, micros in per_type.most_common(5):
    print("%-36s %6d us" % (op_type, micros))
print("%-36s %6d us" % ("all ops", sum(per_type.values())))

# The same run as a picture: open the file in chrome://tracing or https://ui.perfetto.dev
output_dir = os.environ.get("MINITENSOR_OUTPUT_DIR") or "tutorial_output"
os.makedirs(output_dir, exist_ok=True)
path = os.path.join(output_dir, "ch08_timeline.json")
with open(path, "w") as f:
    f.write(timeline.Timeline(run_metadata.step_stats).generate_chrome_trace_format())
print("timeline written to", path)
# --8<-- [end:trace]
