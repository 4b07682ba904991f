"""Placement with a GPU: TF 1.x's rules, soft placement, values that stay on the GPU, and
the copies between devices -- counted, logged, and only where values cross.

Run by ``tests/test_numba_cuda.py`` in the CUDA simulator (see ``tests/cuda/conftest.py``);
every result is compared with the same program on the CPU.
"""
import re

import numpy as np
import pytest
from numba import cuda

import minitensor as tf
from minitensor.kernels.devices import is_device_array

if not cuda.is_available():
    pytest.skip("no CUDA GPU here (numba.cuda.is_available() is False); run with "
                "NUMBA_ENABLE_CUDASIM=1 to use Numba's CUDA simulator", allow_module_level=True)

GPU_LINE = ": /job:localhost/replica:0/task:0/device:GPU:0"
CPU_LINE = ": /job:localhost/replica:0/task:0/device:CPU:0"


def cpu_config(**kwargs):
    return tf.ConfigProto(device_count={"GPU": 0}, **kwargs)


def seed_graph():
    """The seed's example: y = w * x + b."""
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    x = tf.placeholder(tf.float32)
    return x, w * x + b


def test_the_seed_example_runs_on_the_gpu_and_logs_it(capsys):
    x, y = seed_graph()
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: [1, 2, 3, 4]})
        assert dict(sess.transfers) == {"constant": 2, "feed": 1, "fetch": 1}
        sess.run(y, {x: [1, 2, 3, 4]})
        assert dict(sess.transfers) == {"constant": 2, "feed": 2, "fetch": 2}
        assert sess.transfer_count == 6
    np.testing.assert_allclose(out, [0, 0.3, 0.6, 0.9], atol=1e-6)
    log = capsys.readouterr().out
    assert log.startswith("Device mapping:\n/job:localhost/replica:0/task:0/device:GPU:0 -> "
                          "device: 0, name: ")
    for line in ["Variable: (VariableV2)", "Variable/read: (Identity)", "Variable/Assign: (Assign)",
                 "mul: (Mul)", "add: (Add)", "init: (NoOp)"]:
        assert line + GPU_LINE in log
    assert "transfer Placeholder:0: /device:CPU:0 -> /device:GPU:0 (feed, every run; " \
           "read by mul)" in log
    assert "transfer add:0: /device:GPU:0 -> /device:CPU:0 (fetch, every run)" in log
    assert log.count("transfer Placeholder:0") == 1         # logged once, when planned


def test_variables_stay_on_the_gpu_between_runs():
    x = tf.placeholder(tf.float32, [None])
    y_true = tf.placeholder(tf.float32, [None])
    w = tf.Variable(0.5)
    b = tf.Variable(0.0)
    loss = tf.reduce_mean(tf.square(w * x + b - y_true))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    data = {x: np.array([1, 2, 3], np.float32), y_true: np.array([2, 4, 6], np.float32)}
    results = []
    for config in (tf.ConfigProto(), cpu_config()):
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            before = dict(sess.transfers)
            losses = [sess.run([train, loss], data)[1] for _ in range(3)]
            after = dict(sess.transfers)
            results.append((losses, sess.run([w, b]), before, after,
                            [type(v) for v in sess._variable_values.values()]))
    (gpu_losses, gpu_wb, before, after, kinds), (cpu_losses, cpu_wb, *_rest) = results
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    np.testing.assert_allclose(gpu_wb, cpu_wb, rtol=1e-5)
    assert all(is_device_array(k) or "FakeCUDAArray" in k.__name__ for k in kinds)
    # each step copies the two feeds up and the loss down -- never the variables -- and the
    # two scalars of the mean's gradient (Size -> Cast runs on the CPU, the division on the GPU)
    assert after["feed"] - before.get("feed", 0) == 6
    assert after["fetch"] - before.get("fetch", 0) == 3
    assert after["boundary"] == 3 * 2
    assert after.get("variable", 0) == 0
    assert not results[1][3]            # the CPU session copied nothing


def mlp(hidden=4, classes=3, features=5, seed=7):
    x = tf.placeholder(tf.float32, [None, features])
    y = tf.placeholder(tf.float32, [None, classes])
    w1 = tf.Variable(tf.random_normal([features, hidden], seed=seed))
    b1 = tf.Variable(tf.zeros([hidden]))
    w2 = tf.Variable(tf.random_normal([hidden, classes], seed=seed + 1))
    b2 = tf.Variable(tf.zeros([classes]))
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.nn.bias_add(tf.matmul(h, w2), b2)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, y, loss, train, [w1, b1, w2, b2]


def train_on_gpu_and_cpu(x, y, loss, train, weights, rows, steps, seed):
    """Train ``steps`` steps on the GPU (placement logged) and on the CPU from the same
    start; check losses and weights agree; return the GPU session's copy counts."""
    rng = np.random.default_rng(seed)
    data = {x: rng.standard_normal((rows, 5)).astype(np.float32),
            y: np.eye(3, dtype=np.float32)[rng.integers(0, 3, rows)]}
    runs = []
    for config in (tf.ConfigProto(log_device_placement=True), cpu_config()):
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([train, loss], data)[1] for _ in range(steps)]
            runs.append((losses, sess.run(weights), dict(sess.transfers)))
    (gpu_losses, gpu_weights, transfers), (cpu_losses, cpu_weights, _) = runs
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=1e-5)
    for g, c in zip(gpu_weights, cpu_weights):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6)
    return transfers


def test_an_mlp_trains_the_same_on_the_gpu_and_on_the_cpu(capsys):
    x, y, loss, train, weights = mlp()
    transfers = train_on_gpu_and_cpu(x, y, loss, train, weights, rows=7, steps=2, seed=0)
    log = capsys.readouterr().out
    for op_type in ["MatMul", "BiasAdd", "Relu", "SoftmaxCrossEntropyWithLogits", "ReluGrad",
                    "BiasAddGrad", "SumToShape", "ApplyGradientDescent", "RandomNormal"]:
        assert re.search(r": \(%s\)%s" % (op_type, GPU_LINE), log), op_type
    # Size's int32 result is cast on the CPU: the mean's gradient divides two copied scalars
    assert "Cast" + CPU_LINE in log.replace(": (Cast)", "Cast")
    assert transfers.get("variable", 0) == 0
    assert transfers["boundary"] == 2 * 2            # two scalars per step
    assert transfers["random"] == 2                  # w1 and w2 drawn on the CPU, copied once


def test_random_initial_values_match_the_cpu_for_a_seed():
    w = tf.Variable(tf.truncated_normal([3, 4], seed=3))
    v = tf.Variable(tf.random_uniform([5], seed=4))
    values = []
    for config in (tf.ConfigProto(), cpu_config()):
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            values.append(sess.run([w, v]))
    for g, c in zip(*values):
        np.testing.assert_array_equal(g, c)


def test_ops_pinned_to_the_cpu_stay_there_and_the_boundary_is_copied(capsys):
    with tf.device("/cpu:0"):
        a = tf.constant([[1.0, 2.0], [3.0, 4.0]]) * 2.0
    b = tf.matmul(a, a)                               # unpinned: the GPU
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        np.testing.assert_allclose(sess.run(b), [[28, 40], [60, 88]])
        assert sess.transfers["boundary"] == 1          # a, copied once for both uses
    log = capsys.readouterr().out
    assert "mul: (Mul)" + CPU_LINE in log
    assert "MatMul: (MatMul)" + GPU_LINE in log


def test_a_device_function_places_op_by_op(capsys):
    def matmul_on_gpu(op):
        return "/gpu:0" if op.type == "MatMul" else "/cpu:0"
    with tf.device(matmul_on_gpu):
        a = tf.constant([[1.0, 2.0]])
        c = tf.matmul(a, a, transpose_b=True) + 1.0
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        assert sess.run(c)[0, 0] == pytest.approx(6.0)
    log = capsys.readouterr().out
    assert "MatMul: (MatMul)" + GPU_LINE in log
    assert "add: (Add)" + CPU_LINE in log


def test_an_op_without_a_gpu_kernel_needs_soft_placement(capsys):
    with tf.device("/gpu:0"):
        logits = tf.constant([[1.0, 3.0, 2.0]])
        best = tf.argmax(logits, 1)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.Session().run(best)
    message = str(info.value)
    assert "Cannot assign a device for operation 'ArgMax' (ArgMax, created at " \
           "test_cuda_placement.py:" in message
    assert "explicitly assigned to /device:GPU:0" in message
    assert "but there is no GPU kernel for ArgMax." in message
    assert "allow_soft_placement=True" in message
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=True)
    with tf.Session(config=config) as sess:
        assert sess.run(best) == [1]
    log = capsys.readouterr().out
    assert "ArgMax: (ArgMax)" + CPU_LINE in log
    assert "Const: (Const)" + GPU_LINE in log


def test_an_int_variable_pinned_to_the_gpu_is_placed_with_its_ops():
    with tf.device("/gpu:0"):
        counter = tf.Variable(0, name="counter")
        step = tf.assign_add(counter, 1)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"operation 'counter' \(VariableV2, .*counter:0 is int32 and the GPU "
                             r"kernels take float32 only"):
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        assert sess.run(counter) == 1
        assert sess.transfer_count == 0


def test_a_gpu_that_does_not_exist():
    with tf.device("/device:GPU:1"):
        y = tf.constant(2.0) * 3.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="no device /device:GPU:1"):
        tf.Session().run(y)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(y) == 6.0
        assert sess.transfers["fetch"] == 1               # soft placement chose GPU:0


def test_hiding_the_gpu_and_forcing_the_reference_kernels():
    with tf.device("/gpu:0"):
        y = tf.constant(2.0) * 3.0
    for config in (tf.ConfigProto(device_count={"GPU": 0}, allow_soft_placement=True),
                   tf.ConfigProto(kernels="reference")):
        with tf.Session(config=config) as sess:
            assert sess.run(y) == 6.0
            assert sess.transfer_count == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="device_count"):
        tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})).run(y)


def test_an_optimizer_without_a_gpu_kernel_added_later_moves_the_values():
    """RMSProp has no CUDA kernel: created after the variable went to the GPU, its updates
    run on the CPU, and the variable's value is copied down and back up -- counted."""
    x, y, loss, train, weights = mlp()
    rng = np.random.default_rng(1)
    data = {x: rng.standard_normal((6, 5)).astype(np.float32),
            y: np.eye(3, dtype=np.float32)[rng.integers(0, 3, 6)]}
    sessions = [tf.Session(), tf.Session(config=cpu_config())]
    for sess in sessions:
        sess.run(tf.global_variables_initializer())
        sess.run(train, data)
    adam = tf.train.RMSPropOptimizer(0.01)
    adam_step = adam.minimize(loss)
    slots = tf.variables_initializer(adam.variables())
    results = []
    for sess in sessions:
        sess.run(slots)
        sess.run(adam_step, data)
        results.append(sess.run(weights + [loss], data))
    for g, c in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6)
    assert sessions[0].transfers["variable"] >= 2 * len(weights)
    for sess in sessions:
        sess.close()


@pytest.mark.parametrize("make_optimizer,update", [
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), "ApplyMomentum"),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), "ApplyMomentum"),
    (lambda: tf.train.AdamOptimizer(0.05), "ApplyAdam"),
], ids=["momentum", "nesterov", "adam"])
def test_momentum_and_adam_update_on_the_gpu_like_on_the_cpu(make_optimizer, update, capsys):
    x, y, loss, _, weights = mlp()
    train = make_optimizer().minimize(loss)
    transfers = train_on_gpu_and_cpu(x, y, loss, train, weights, rows=6, steps=3, seed=3)
    assert re.search(r": \(%s\)%s" % (update, GPU_LINE), capsys.readouterr().out)
    assert transfers.get("variable", 0) == 0          # slots and variables stay on the GPU


def test_fetched_values_are_the_callers_own_arrays():
    w = tf.Variable([1.0, 2.0])
    step = tf.train.GradientDescentOptimizer(1.0).apply_gradients([(tf.constant([1.0, 1.0]), w)])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(w)
        sess.run(step)
        np.testing.assert_array_equal(before, [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(w), [0.0, 1.0])
        assert isinstance(before, np.ndarray)


def test_load_and_assign_reach_the_gpu_copy():
    w = tf.Variable([1.0, 2.0])
    double = tf.assign(w, w * 2.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w.load([5.0, 6.0], sess)
        np.testing.assert_array_equal(sess.run(double), [10.0, 12.0])
        np.testing.assert_array_equal(sess.run(w), [10.0, 12.0])
        assert sess.transfers["variable"] == 1       # the loaded value, copied up once


def test_shape_ops_read_gpu_values_without_copying_them():
    x = tf.placeholder(tf.float32, [None, 3])
    h = tf.nn.relu(x)
    n = tf.size(h)
    with tf.Session() as sess:
        assert sess.run(n, {x: np.ones((4, 3), np.float32)}) == 12
        assert dict(sess.transfers) == {"feed": 1}


def test_a_checkpoint_saved_from_the_gpu_restores_on_the_cpu(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    step = tf.assign(w, w + 1.0)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        path = saver.save(sess, str(tmp_path / "model"))
    with tf.Session(config=cpu_config()) as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), [2.0, 3.0])
    with tf.Session() as sess:                       # and back onto the GPU
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), [2.0, 3.0])


def test_device_lists_show_the_gpu():
    from minitensor.python.client import device_lib
    devices = device_lib.list_local_devices()
    assert [d.name for d in devices] == ["/device:CPU:0", "/device:GPU:0"]
    text = repr(devices[1])
    assert 'device_type: "GPU"' in text and "locality {\n  bus_id: 1\n}" in text
    assert 'physical_device_desc: "device: 0, name: ' in text
    config = tf.ConfigProto()
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    with tf.Session(config=config) as sess:
        listed = sess.list_devices()
    assert [d.name for d in listed] == ["/device:CPU:0", "/device:GPU:0"]
    assert listed[1].memory_limit == devices[1].memory_limit // 2
    with tf.Session(config=cpu_config()) as sess:
        assert [d.name for d in sess.list_devices()] == ["/device:CPU:0"]


def test_bias_and_activation_are_fused_on_the_gpu_too(capsys):
    x, y, loss, train, weights = mlp()
    rng = np.random.default_rng(5)
    data = {x: rng.standard_normal((4, 5)).astype(np.float32),
            y: np.eye(3, dtype=np.float32)[rng.integers(0, 3, 4)]}
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, data)
    log = capsys.readouterr().out
    assert re.search(r"fused add(_\d+)? \+ Relu(_\d+)?: one kernel \(x \+ b, then Relu\) on "
                     r"/device:GPU:0", log), log


def test_a_traced_run_shows_gpu_ops_and_the_copies_between_devices():
    x, y = seed_graph()
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: [1, 2, 3, 4]}, options=tf.RunOptions(trace_level=3),
                       run_metadata=meta)
    np.testing.assert_allclose(out, [0, 0.3, 0.6, 0.9], atol=1e-6)
    by_device = {d.device: [n.timeline_label for n in d.node_stats]
                 for d in meta.step_stats.dev_stats}
    gpu = GPU_LINE[2:]
    assert set(by_device) == {gpu, gpu + "/memcpy"}
    assert "mul = Mul(Variable/read, Placeholder)" in by_device[gpu]
    assert "add = Add(mul, Variable_1/read)" in by_device[gpu]
    assert by_device[gpu + "/memcpy"] == ["MEMCPYHtoD = MEMCPYHtoD(Placeholder)",
                                          "MEMCPYDtoH = MEMCPYDtoH(add)"]
