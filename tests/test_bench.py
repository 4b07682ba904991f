"""The CPU LSTM benchmark still runs and still compares like with like.

Nothing here times anything: a few steps of ``bench/lstm_mnist.py`` on real MNIST rows, and
the check that the benchmark is honest -- every implementation, minitensor with either kernel
set included, trained from the same weights on the same batches to the same loss -- and that
it prints the kernel ratios and the split of a ``cells`` step into BLAS and the rest."""
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"


def load_bench(name):
    spec = importlib.util.spec_from_file_location("bench_" + name, ROOT / "bench" / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not list(MNIST_DIR.glob("train-images*")),
                    reason="needs ../shared/data/mnist beside the checkout")
def test_lstm_benchmark_implementations_agree(capsys):
    bench = load_bench("lstm_mnist")
    bench.main(["--steps", "2", "--repeats", "1", "--warmup", "1", "--no-torch",
                "--graphs", "sequence,cells", "--mnist-dir", str(MNIST_DIR)])
    out = capsys.readouterr().out
    losses = {name.strip(): float(loss) for name, loss in
              re.findall(r"^  (\S.*?)\s+\d+\.\d+ s per .*loss after 3 steps (\S+)$", out, re.M)}
    assert set(losses) == {"numpy (hand-written)", "minitensor sequence, numba",
                           "minitensor sequence, reference", "minitensor cells, numba",
                           "minitensor cells, reference"}
    for name, loss in losses.items():
        assert loss == pytest.approx(losses["numpy (hand-written)"], rel=1e-4), name
    assert "cells' matrix products alone" in out and "(no model)" in out
    assert re.search(r"^  sequence +\d+\.\d+x", out, re.M)
    assert re.search(r"^  cells +\d+\.\d+x", out, re.M)
    assert re.search(r"the rest: Numba \d+\.\d ms, reference \d+\.\d ms", out)
