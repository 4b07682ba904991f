"""The CUDA kernels' tests -- run in subprocesses, with and without Numba's CUDA simulator.

Why subprocesses: the simulator has to be switched on (``NUMBA_ENABLE_CUDASIM=1``) before
``numba.cuda`` is first imported, and pytest imports every test file into one process.
Setting the variable at the top of this file would be too late if anything had imported
``numba.cuda`` already -- and, worse, would hand a simulated GPU to every other test in the
run (the session places ops on any GPU it finds).  So the tests live in ``tests/cuda/`` and
this file runs them in fresh Python processes:

1. in the simulator: every CUDA kernel against its NumPy reference kernel, and placement with
   a (simulated) GPU.  This runs on any machine with numba-cuda installed, GPU or not;
2. without the simulator: every kernel compiled to PTX for a real GPU (needs NVVM, no GPU),
   and the tests of (1) again on a real GPU when the machine has one.

By hand: ``MINITENSOR_CUDA_TESTS=1 NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda``.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ("numba-cuda is not installed, so the CUDA kernels cannot be tested: install it "
           "with  pip install 'minitensor[cuda]'  (or  pip install numba-cuda); the tests then "
           "run in Numba's CUDA simulator on machines without a GPU")

pytestmark = pytest.mark.skipif(importlib.util.find_spec("numba_cuda") is None, reason=INSTALL)


def run_cuda_tests(paths, simulator):
    """Run ``tests/cuda/<paths>`` in a new process; return (exit code, output, counts)."""
    env = dict(os.environ)
    env["MINITENSOR_CUDA_TESTS"] = "1"
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    if simulator:
        env["NUMBA_ENABLE_CUDASIM"] = "1"
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-rs", "-p",
               "no:cacheprovider"]
    command += [str(ROOT / "tests" / "cuda" / p) for p in paths]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1200)
    output = result.stdout + result.stderr
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|error)",
                                                      output.splitlines()[-1] if output else "")}
    return result.returncode, output, counts


def expect_success(paths, simulator, at_least):
    code, output, counts = run_cuda_tests(paths, simulator)
    if code == 5 or (code == 0 and not counts.get("passed")):
        reasons = sorted(set(re.findall(r"SKIPPED \[\d+\] [^:]+:\d+: (.*)", output)))
        pytest.skip("; ".join(reasons) or "no tests ran:\n" + output[-2000:])
    assert code == 0, "the CUDA tests failed (exit %d):\n%s" % (code, output[-12000:])
    assert counts.get("passed", 0) >= at_least, output[-3000:]


def test_cuda_kernels_match_the_reference_kernels_in_the_simulator():
    expect_success(["test_cuda_kernels.py"], simulator=True, at_least=100)


def test_placement_with_a_simulated_gpu():
    expect_success(["test_cuda_placement.py"], simulator=True, at_least=15)


def test_cuda_kernels_compile_for_a_real_gpu():
    """Catches what the simulator cannot: untypable code, float64 math, local memory.
    Skips (saying how to install NVVM) where NVVM is missing."""
    expect_success(["test_cuda_ptx.py"], simulator=False, at_least=20)


def test_the_caching_gpu_allocator_and_the_launch_parameters():
    """The memory pool's bookkeeping with the driver faked, and the kernel parameters the
    direct launch packs against Numba's own (needs numba-cuda, no GPU)."""
    expect_success(["test_cuda_memory.py", "test_cuda_launch.py"], simulator=False,
                   at_least=6)


def test_cuda_kernels_and_placement_on_a_real_gpu():
    """Skips, saying so, on machines without a GPU."""
    expect_success(["test_cuda_kernels.py", "test_cuda_placement.py"], simulator=False,
                   at_least=140)


@pytest.mark.ch09
def test_ch09_tutorial_runs_every_step_in_the_simulator(tmp_path):
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    result = subprocess.run([sys.executable, str(ROOT / "tutorials" / "ch09_cuda_kernel.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for step in range(1, 6):
        assert re.search(r"step %d: .*matches NumPy" % step, out), out
    assert "running in Numba's CUDA simulator" in out
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:GPU:0" in out
    assert "copies between devices: {'feed': 2, 'fetch': 1}" in out


@pytest.mark.ch08
def test_ch08_tutorial_with_a_simulated_gpu(tmp_path):
    """The GPU logs that docs/ch08_devices.md shows."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env.pop("CUDA_VISIBLE_DEVICES", None)
    result = subprocess.run([sys.executable, str(ROOT / "tutorials" / "ch08_devices.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    gpu = ": /job:localhost/replica:0/task:0/device:GPU:0"
    cpu = ": /job:localhost/replica:0/task:0/device:CPU:0"
    assert 'physical_device_desc: "device: 0, name: SIMULATOR' in out
    assert "mul: (Mul)" + gpu in out and "init: (NoOp)" + cpu in out     # pinned: init follows
    assert "copies between devices: {'constant': 2, 'feed': 1, 'fetch': 1} total: 4" in out
    assert "copies between devices: 0" in out                           # all on the CPU
    assert "transfer product:0: /device:GPU:0 -> /device:CPU:0 (boundary, every run; " \
           "read by total)" in out
    assert "but there is no GPU kernel for ArgMax." in out
    assert "ArgMax: (ArgMax)" + cpu in out and "best: [1 0]" in out
    assert "step 3: loss 1.4735, copies so far {'constant': 3, 'feed': 6, 'boundary': 6, " \
           "'fetch': 3}" in out
    assert "/device:GPU:0 GPU memory_limit:" in out
