"""Run the neural-network tutorials (chapters 10-15) as a learner would, small.

Chapters 10-13 train on the real MNIST files.  They are read from ``$MINITENSOR_MNIST_DIR``
or, when that is not set, from ``../shared/data/mnist`` next to this checkout (where CI
keeps them); without either the MNIST tests are skipped, saying so -- they never download.
Run one chapter with ``pytest -m ch13``.
"""
import os
import re
from pathlib import Path

import pytest

from test_tutorials import number_after, plots_in, run_tutorial

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"


def _mnist_dir():
    configured = os.environ.get("MINITENSOR_MNIST_DIR")
    if configured and Path(configured).is_dir():
        return configured
    if SHARED_MNIST.is_dir():
        return str(SHARED_MNIST)
    return None


@pytest.fixture
def mnist_env(monkeypatch):
    """Point the tutorials at the local MNIST files (and never at the network)."""
    directory = _mnist_dir()
    if directory is None:
        pytest.skip("the MNIST files are not here: set MINITENSOR_MNIST_DIR to a folder "
                    "holding them (expected at %s in CI); these tests never download"
                    % SHARED_MNIST)
    monkeypatch.setenv("MINITENSOR_MNIST_DIR", directory)
    return monkeypatch


def _floats(pattern, text):
    return [float(v) for v in re.findall(pattern, text)]


# --- chapter 10: softmax regression ------------------------------------------------------

@pytest.mark.ch10
def test_ch10_softmax_mnist(tmp_path, mnist_env):
    mnist_env.setenv("MINITENSOR_TUTORIAL_BATCHES", "60")
    out, _ = run_tutorial("ch10_softmax_mnist.py", tmp_path, epochs=3)
    assert "train: 55000 images, validation: 5000, test: 10000" in out
    # the seed's single pass (here 60 batches of learning rate 0.001): well above chance
    first = re.search(r"^epoch 0000 accuracy=([0-9.]+)$", out, re.M)
    assert first and 0.5 < float(first.group(1)) < 0.9, out
    losses = _floats(r"loss=([0-9.]+)", out)
    accuracies = _floats(r"loss=[0-9.]+ accuracy=([0-9.]+)", out)
    assert len(losses) == len(accuracies) == 3
    assert losses[0] > losses[1] > losses[2]          # every epoch lowers the loss
    assert accuracies[-1] > accuracies[0]
    assert number_after("final test accuracy =", out) == pytest.approx(accuracies[-1], abs=1e-4)
    assert plots_in(tmp_path) == ["ch10_softmax_curves.png"]


# --- chapter 11: the seed's MLP table, then He init + Adam -------------------------------

@pytest.mark.ch11
def test_ch11_mlp_mnist(tmp_path, mnist_env):
    mnist_env.setenv("MINITENSOR_TUTORIAL_BATCHES", "40")
    mnist_env.setenv("MINITENSOR_TUTORIAL_BETTER_EPOCHS", "2")
    out, _ = run_tutorial("ch11_mlp_mnist.py", tmp_path, epochs=2)
    rows = re.findall(r"^\| (\d) \| (\d+) \| ([0-9.]+) \| ([0-9.]+) \| [0-9.]+ s \|$", out, re.M)
    assert [(layers, neurons) for layers, neurons, _, _ in rows] == [
        ("0", "0"), ("2", "64"), ("2", "256")], out
    assert [seed for _, _, _, seed in rows] == ["0.6642", "0.8296", "0.9246"]
    for _, _, accuracy, _ in rows:
        assert 0.0 <= float(accuracy) <= 1.0
    # random_normal weights give huge logits: the seed's first losses are in the tens or
    # more, and every network's loss falls from its first epoch to its second
    first, second = (_floats(r"epoch: %04d loss = ([0-9.]+)" % e, out) for e in (0, 1))
    assert len(first) == len(second) == 3
    assert min(first) > 5
    assert all(b < a for a, b in zip(first, second)), (first, second)
    # 80 Adam steps with He initialisation already beat 80 epochs of nothing: > 85%
    assert number_after("He init + Adam, 2x256: test accuracy =", out) > 0.85
    assert plots_in(tmp_path) == ["ch11_mlp_accuracy.png"]


# --- chapter 12: the NaN of the hand-written cross-entropy -------------------------------

@pytest.mark.ch12
def test_ch12_stable_cross_entropy(tmp_path, mnist_env):
    mnist_env.setenv("MINITENSOR_TUTORIAL_BATCHES", "40")
    out, _ = run_tutorial("ch12_stable_cross_entropy.py", tmp_path)
    # the table: naive and fused agree while softmax stays positive, then naive is NaN
    rows = {int(s): (naive, float(fused), float(exact)) for s, naive, fused, exact in re.findall(
        r"^ *(\d+) \| \[.*?\] *\| *(\S+) \| *(\S+) \| (\S+)$", out, re.M)}
    assert sorted(rows) == [1, 10, 50, 100, 1000], out
    for scale, (naive, fused, exact) in rows.items():
        assert fused == pytest.approx(exact, rel=1e-5)
        if scale <= 50:
            assert float(naive) == pytest.approx(exact, rel=1e-4)
        else:
            assert naive == "nan"
    # step by step: softmax underflows, log gives -inf, 0 * -inf gives nan
    assert out.count("softmax(z)       [0. 0. 1.]") == 2
    assert "log(softmax(z))  [-inf -inf   0.]" in out
    assert "y * log(...)     [nan nan  0.]" in out
    assert out.count("naive gradient   [nan nan nan]") == 2
    assert "fused loss       9999.0" in out
    assert "fused gradient   [ 0. -1.  1.]" in out
    assert "fused gradient   [0. 0. 0.]" in out
    assert "logsumexp = 10000" in out
    # find_first_nonfinite names the Log op and the line that created it
    assert "First non-finite value: 'Log' (Log, created at ch12_stable_cross_entropy.py:" in out
    assert "first non-finite op type: Log" in out
    assert "fused loss: Every value computed for these fetches is finite." in out
    # training at learning rate 2: the naive loss dies within a few steps, the fused trains
    naive_steps = int(re.search(r"naive: (\d+) finite steps", out).group(1))
    fused_steps = int(re.search(r"fused: (\d+) finite steps", out).group(1))
    assert naive_steps < 20 and fused_steps == 40, out
    assert re.search(r"naive: step %d, loss = nan" % naive_steps, out)
    fused_accuracy = float(re.search(r"fused: .*test accuracy = ([0-9.]+)", out).group(1))
    assert fused_accuracy > 0.8
    assert plots_in(tmp_path) == ["ch12_cross_entropy.png"]
    # the page shows what the script prints (the fused run is shorter here)
    _assert_page_output_matches("ch12_stable_cross_entropy", out,
                                skip=lambda line: line.startswith("fused: "))


# --- chapter 13: RNN, GRU and LSTM cells on MNIST rows -----------------------------------

@pytest.mark.ch13
def test_ch13_rnn_mnist(tmp_path, mnist_env):
    mnist_env.setenv("MINITENSOR_TUTORIAL_BATCHES", "10")
    out, _ = run_tutorial("ch13_rnn_mnist.py", tmp_path, epochs=1, samples=300)
    assert "test sequences: (300, 28, 28)  labels: (300, 10)" in out
    # parameter counts: (28 + 128) x 128 per gate block + biases, + the 128 x 10 output layer
    assert ("--- BasicRNNCell: 28 steps, 21386 parameters (rnn/basic_rnn_cell/kernel:0, "
            "rnn/basic_rnn_cell/bias:0)") in out
    assert ("--- GRUCell: 28 steps, 61578 parameters (rnn/gru_cell/gates/kernel:0, "
            "rnn/gru_cell/gates/bias:0, rnn/gru_cell/candidate/kernel:0, "
            "rnn/gru_cell/candidate/bias:0)") in out
    assert ("--- BasicLSTMCell: 28 steps, 81674 parameters (rnn/basic_lstm_cell/kernel:0, "
            "rnn/basic_lstm_cell/bias:0)") in out
    rows = re.findall(r"^\| (\w+) \| (\d+) \| ([0-9.]+) \| \d+ s \|$", out, re.M)
    assert [(name, params) for name, params, _ in rows] == [
        ("BasicRNNCell", "21386"), ("GRUCell", "61578"), ("BasicLSTMCell", "81674")], out
    for name, _, accuracy in rows:           # ten Adam steps: well above chance (0.1)
        assert 0.2 < float(accuracy) <= 1.0, (name, accuracy)
        assert number_after("%s: test accuracy =" % name, out) == float(accuracy)
    assert "dynamic_rnn: one tensor of shape (?, 28, 128)" in out
    assert "final state: LSTMStateTuple c (?, 128) h (?, 128)" in out
    assert number_after("largest difference between the two last outputs:", out) < 1e-6
    assert plots_in(tmp_path) == ["ch13_rnn_accuracy.png"]


# --- chapter 14: airline passengers, MLP and LSTM against persistence -------------------

@pytest.mark.ch14
def test_ch14_airline_forecast(tmp_path):
    out, _ = run_tutorial("ch14_airline_forecast.py", tmp_path, epochs=60)
    assert "144 months, 1949-01 to 1960-12, 104 to 622 thousand passengers" in out
    assert ("train: 1949-01 to 1956-12 (96 months), test: 1957-01 to 1960-12 (48 months)"
            in out)
    assert ("part 1 windows: X_train (94, 2, 1), Y_train (94, 1, 1), X_test (46, 2, 1), "
            "Y_test (46, 1, 1)") in out
    assert "part 2 windows: X (131, 12, 1), Y (131, 1, 1), 83 train, 48 test" in out
    scores = {(part, name): float(value) for part, name, value in re.findall(
        r"part (\d) test RMSE (\w+): +([0-9.]+|nan) thousand", out)}
    assert len(scores) == 6, out
    # the persistence scores do not depend on training: the page's numbers
    assert scores["1", "persistence"] == pytest.approx(49.01, abs=0.01)
    assert scores["2", "persistence"] == pytest.approx(48.04, abs=0.01)
    for (part, name), value in scores.items():
        assert 0 < value < 200, (part, name, value)
    # a year of log-changes: both networks beat "next month = this month" clearly
    assert scores["2", "MLP"] < 0.75 * scores["2", "persistence"]
    assert scores["2", "LSTM"] < 0.75 * scores["2", "persistence"]
    assert plots_in(tmp_path) == ["ch14_airline_forecast.png"]
    # the page shows what the script prints (the networks' scores depend on the epochs)
    _assert_page_output_matches("ch14_airline_forecast", out,
                                skip=lambda line: "RMSE MLP" in line or "RMSE LSTM" in line)


# --- chapter 15: the unrolled graph ------------------------------------------------------

@pytest.mark.ch15
def test_ch15_unrolled_rnn_graph(tmp_path):
    out, _ = run_tutorial("ch15_unrolled_rnn_graph.py", tmp_path)
    assert "variables: rnn/basic_rnn_cell/kernel:0 (7, 4), rnn/basic_rnn_cell/bias:0 (4,)" in out
    for step in range(5):
        suffix = "_%d" % step if step else ""
        assert ("step %d: concat%s(ConcatV2)  MatMul%s(MatMul)  add%s(Add)  Tanh%s(Tanh)"
                % (step, suffix, suffix, suffix, suffix)) in out
        assert number_after("step %d: largest difference graph vs NumPy =" % step, out) < 1e-6
    mermaid = re.search(r"^graph TD\n(?:  .*\n)+", out, re.M)
    assert mermaid, out
    text = mermaid.group(0)
    assert text.count("MatMul<br/>MatMul") == 1 and text.count("<br/>Tanh") == 5
    assert '["rnn/BasicRNNCellZeroState"]' in text          # collapsed scope: one box
    assert "kernel/read" not in text                          # the read folded into the kernel
    # the page embeds exactly the diagram the script prints
    page = (ROOT / "docs" / "ch15_unrolled_rnn_graph.md").read_text()
    assert "```mermaid\n" + text + "```" in page
    assert re.search(r"the kernel feeds 5 ops: rnn/basic_rnn_cell/MatMul, "
                     r"rnn/basic_rnn_cell/MatMul_1, .*MatMul_4$", out, re.M)
    assert "kernel gradient: gradients/AddN_1 (AddN) of" in out
    assert len(re.findall(r"^    gradients/rnn/basic_rnn_cell/MatMul(_\d)?_grad/MatMul_1:0$",
                          out, re.M)) == 5
    assert "backward: Tanh_4_grad -> add_4_grad -> MatMul_4_grad -> concat_4_grad" in out
    assert "sum of the contributions == kernel gradient: True" in out
    assert plots_in(tmp_path) == ["ch15_unrolled_rnn.png"]
    _assert_page_output_matches("ch15_unrolled_rnn_graph", out)


# --- the pages' "what you should see" blocks --------------------------------------------

def _assert_page_output_matches(stem, out, skip=lambda line: False):
    """Every line of the page's ```text blocks is a line the script printed (lines about
    where plots went, and those ``skip`` names, aside)."""
    page = (ROOT / "docs" / (stem + ".md")).read_text()
    printed = set(out.splitlines())
    shown = [line for block in re.findall(r"```text\n(.*?)```", page, re.S)
             for line in block.splitlines()]
    assert shown, "docs/%s.md shows no output" % stem
    stale = [line for line in shown
             if line not in printed and "saved in" not in line and not skip(line)]
    assert not stale, ("docs/%s.md shows lines the script no longer prints:\n%s"
                       % (stem, "\n".join(stale)))
