"""Devices and placement without a GPU: device names, device lists, log_device_placement,
tf.device with a name or a function, soft placement and its error.

Every test here pretends the machine has no GPU (the ``no_gpu`` fixture), so they mean the
same on every machine.  Placement *with* a GPU runs in Numba's CUDA simulator:
``tests/cuda/test_cuda_placement.py``, launched by ``tests/test_numba_cuda.py``.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minitensor as tf
from minitensor.kernels import devices
from minitensor.kernels.devices import canonical_device

ROOT = Path(__file__).resolve().parent.parent
CPU_LINE = ": /job:localhost/replica:0/task:0/device:CPU:0"
NO_GPU = "this test pretends the machine has no GPU"


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    monkeypatch.setattr(devices, "_gpus", ([], NO_GPU))


@pytest.mark.parametrize("name,canonical", [
    ("/cpu:0", "/device:CPU:0"),
    ("/gpu:0", "/device:GPU:0"),
    ("/GPU:1", "/device:GPU:1"),
    ("/device:CPU:0", "/device:CPU:0"),
    ("/job:localhost/replica:0/task:0/device:GPU:0", "/device:GPU:0"),
    ("/job:localhost", ""),
    ("/device:GPU:*", "/device:GPU:*"),
    ("", ""),
])
def test_device_names_are_canonicalised(name, canonical):
    assert canonical_device(name) == canonical


def test_a_bad_device_name_says_what_to_write():
    with pytest.raises(ValueError, match=r"'gpu0' is not a device name; use '/device:CPU:0'"):
        canonical_device("gpu0")


def test_list_local_devices_prints_like_tf():
    from minitensor.python.client import device_lib
    devices_found = device_lib.list_local_devices()
    assert [d.name for d in devices_found] == ["/device:CPU:0"]
    text = repr(devices_found)
    assert text.startswith('[name: "/device:CPU:0"\ndevice_type: "CPU"\nmemory_limit: 268435456\n'
                           'locality {\n}\nincarnation: ')
    assert text.endswith("\n]")
    with tf.Session() as sess:
        assert [d.name for d in sess.list_devices()] == ["/device:CPU:0"]


def seed_example():
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    x = tf.placeholder(tf.float32)
    return x, w * x + b


def test_log_device_placement_prints_one_line_per_op_in_tf_format(capsys):
    x, y = seed_example()
    config = tf.ConfigProto()
    config.log_device_placement = True
    with tf.Session(config=config) as sess:
        tf.global_variables_initializer().run()
        out = sess.run(y, {x: [1, 2, 3, 4]})
        sess.run(y, {x: [1, 2, 3, 4]})                     # a second run logs nothing new
    assert out.tolist() == pytest.approx([0, 0.3, 0.6, 0.9])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Device mapping: no known devices."
    expected = ["Variable/initial_value: (Const)", "Variable/Assign: (Assign)",
                "Variable_1/initial_value: (Const)", "Variable_1/Assign: (Assign)",
                "init: (NoOp)", "Variable: (VariableV2)", "Variable/read: (Identity)",
                "Variable_1: (VariableV2)", "Variable_1/read: (Identity)", "mul: (Mul)",
                "add: (Add)"]
    assert lines[1:] == [line + CPU_LINE for line in expected]


def test_without_a_gpu_an_op_on_the_gpu_fails_at_run_and_says_how_to_fix_it():
    x = tf.placeholder(tf.float32)
    with tf.device("/gpu:0"):
        y = tf.multiply(x, 2.0, name="doubled")      # building the graph is fine
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        with tf.Session() as sess:
            sess.run(y, {x: 1.0})
    message = str(info.value)
    assert message.startswith("Cannot assign a device for operation 'doubled' (Mul, created at "
                              "test_placement.py:")
    assert "explicitly assigned to /device:GPU:0" in message
    assert "there is no GPU: " + NO_GPU in message
    assert "Available devices: [ /job:localhost/replica:0/task:0/device:CPU:0 ]" in message
    assert "allow_soft_placement=True" in message
    assert "tf.device('/gpu:0')" in message
    assert info.value.op is not None and info.value.op.device == "/gpu:0"


def test_the_error_names_the_op_and_the_line_that_made_it():
    a = tf.placeholder(tf.float32, name="a")
    with tf.device("/device:GPU:0"):
        scaled = tf.multiply(a, tf.constant(2.0), name="scaled")
    line = sys._getframe().f_lineno - 1
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"operation 'scaled' \(Mul, created at test_placement.py:%d\)"
                             % line):
        tf.Session().run(scaled, {a: 1.0})


def test_soft_placement_runs_gpu_ops_on_the_cpu(capsys):
    x = tf.placeholder(tf.float32)
    with tf.device("/gpu:0"):
        y = tf.multiply(x, 2.0, name="doubled")
    config = tf.ConfigProto(log_device_placement=True, allow_soft_placement=True)
    with tf.Session(config=config) as sess:
        assert sess.run(y, {x: 3.0}) == 6.0
        assert sess.transfer_count == 0
    assert "doubled: (Mul)" + CPU_LINE in capsys.readouterr().out


def test_a_device_function_chooses_per_op(capsys):
    def on_gpu_if_matmul(op):
        return "/gpu:0" if op.type == "MatMul" else "/cpu:0"
    with tf.device(on_gpu_if_matmul):
        a = tf.constant([[1.0, 2.0]], name="a")
        c = tf.matmul(a, a, transpose_b=True, name="c")
    assert (a.op.device, c.op.device) == ("/cpu:0", "/gpu:0")
    with pytest.raises(tf.errors.InvalidArgumentError, match="operation 'c' \\(MatMul"):
        tf.Session().run(c)
    config = tf.ConfigProto(log_device_placement=True, allow_soft_placement=True)
    with tf.Session(config=config) as sess:
        assert sess.run(c)[0, 0] == 5.0
    assert "c: (MatMul)" + CPU_LINE in capsys.readouterr().out


@pytest.mark.parametrize("device", ["/device:TPU:0", "/cpu:1"])
def test_a_device_that_does_not_exist(device):
    with tf.device(device):
        y = tf.constant(2.0, name="two") * 3.0
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="there is no device %s here" % canonical_device(device)):
        tf.Session().run(y)
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        assert sess.run(y) == 6.0


def test_an_invalid_device_string_names_the_op():
    with tf.device("my gpu"):
        y = tf.constant(2.0, name="two")
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Operation 'two' \(Const, .*invalid device 'my gpu'"):
        tf.Session().run(y)


def test_placement_is_decided_once_per_op():
    x, y = seed_example()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, {x: 1.0})
        placed = dict(sess._placer.device_of)
        assert placed[y.op] == "/device:CPU:0"
        sess.run(y, {x: 2.0})
        assert sess._placer.device_of == placed


def test_hidden_gpus_and_reference_kernels_explain_themselves():
    with tf.device("/gpu:0"):
        y = tf.constant(2.0) * 3.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"device_count=\{'GPU': 0\}"):
        tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})).run(y)
    # the reference-kernel switch runs everything as readable NumPy, on the CPU
    with tf.Session(config=tf.ConfigProto(kernels="reference")) as sess:
        assert sess.run(y) == 6.0


def test_why_there_is_no_gpu(monkeypatch):
    monkeypatch.setattr(devices.importlib.util, "find_spec",
                        lambda name: None if name == "numba_cuda" else object())
    found, reason = devices._find_gpus()
    assert found == [] and "pip install 'minitensor[cuda]'" in reason
    monkeypatch.setattr(devices.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    assert "CUDA_VISIBLE_DEVICES" in devices._find_gpus()[1]


def test_importing_and_running_on_the_cpu_never_imports_numba_cuda():
    code = ("import sys, minitensor as tf\n"
            "assert not [m for m in sys.modules if m.startswith('numba')], 'import'\n"
            "with tf.device('/gpu:0'):\n"
            "    y = tf.constant(2.0) * 3.0\n"
            "config = tf.ConfigProto(allow_soft_placement=True)\n"
            "print(tf.Session(config=config).run(y), 'numba.cuda' in sys.modules)\n")
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    value, imported = result.stdout.split()
    assert value == "6.0"
    if sys.platform.startswith("linux") and not os.path.exists("/dev/nvidiactl") and \
            not os.path.exists("/dev/dxg"):
        assert imported == "False"          # no driver: found out without importing Numba


@pytest.mark.ch08
def test_ch08_tutorial(tmp_path):
    env = dict(os.environ)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    env["CUDA_VISIBLE_DEVICES"] = ""          # the same output on machines with a GPU
    env["MINITENSOR_OUTPUT_DIR"] = str(tmp_path / "tutorial_output")
    result = subprocess.run([sys.executable, str(ROOT / "tutorials" / "ch08_devices.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert '[name: "/device:CPU:0"\ndevice_type: "CPU"\nmemory_limit: 268435456' in out
    assert "mul: (Mul)" + CPU_LINE in out
    assert out.count("output:  [0.         0.3        0.6        0.90000004]") == 2
    assert "product: (MatMul)" + CPU_LINE in out                # soft-placed
    assert "InvalidArgumentError: Cannot assign a device for operation 'ArgMax' (ArgMax, " \
           "created at ch08_devices.py:" in out
    assert "best: [1 0]" in out
    assert "step 3: loss 1.4735, copies so far {}" in out
    assert "/device:CPU:0 CPU memory_limit: 268435456" in out
    # the traced step: MatMul takes the most time; the timeline file is Chrome trace JSON
    ranked = re.findall(r"^(\S+|all ops) +(\d+) us$", out, re.M)
    assert ranked[0][0] == "MatMul" and ranked[-1][0] == "all ops"
    assert int(ranked[-1][1]) >= sum(int(us) for _, us in ranked[:-1])
    trace = json.loads((tmp_path / "tutorial_output" / "ch08_timeline.json").read_text())
    ops = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "X"}
    assert {"MatMul", "Relu", "GradientDescent/update_w0/ApplyGradientDescent"} <= ops
