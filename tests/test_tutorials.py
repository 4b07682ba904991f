"""Run every tutorial script as a learner would (``python tutorials/chNN_....py``), small.

Each test runs one script in a subprocess with small sizes (environment variables) and a
temporary output folder, then checks the exit code, the key printed lines and the plots.
Run one chapter with ``pytest -m ch04``.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"


def run_tutorial(script, tmp_path, epochs=None, samples=None):
    """Run ``tutorials/<script>`` in ``tmp_path``; return (stdout, stderr), fail on a crash."""
    env = dict(os.environ)
    # the scripts import the minitensor of this checkout, like the in-process tests do
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["MINITENSOR_OUTPUT_DIR"] = str(tmp_path / "plots")
    env["MPLBACKEND"] = "Agg"
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if epochs is not None:
        env["MINITENSOR_TUTORIAL_EPOCHS"] = str(epochs)
    if samples is not None:
        env["MINITENSOR_TUTORIAL_SAMPLES"] = str(samples)
    result = subprocess.run([sys.executable, str(TUTORIALS / script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        "%s exited with %d\n--- stdout ---\n%s\n--- stderr ---\n%s"
        % (script, result.returncode, result.stdout, result.stderr))
    return result.stdout, result.stderr


def number_after(label, text):
    """The float printed after ``label`` (e.g. ``R2 = 0.91``) -- fails if it is missing."""
    match = re.search(re.escape(label) + r"\s*(-?[0-9.]+(?:e[-+]?[0-9]+)?|nan)", text)
    assert match, "no %r in the output:\n%s" % (label, text)
    return float(match.group(1))


def plots_in(tmp_path):
    return sorted(p.name for p in (tmp_path / "plots").glob("*.png"))


@pytest.mark.ch01
def test_ch01_tensors(tmp_path):
    out, _ = run_tutorial("ch01_tensors.py", tmp_path)
    assert "b'Hello, TensorFlow!!'" in out
    assert "run([c1, c2, c3]) : [5, 6.0, 7.0]" in out
    assert 'op1:  Tensor("Add:0", shape=(), dtype=float32)' in out
    assert 'op2:  Tensor("Mul:0", shape=(), dtype=float32)' in out
    assert "run(op1):  13.0" in out
    assert "run(op2):  42.0" in out
    assert 'p1:  Tensor("Placeholder:0", dtype=float32)' in out
    assert "run(op4, {p1:2.0, p2:3.0}):  6.0" in out
    assert "run(op4, feed_dict={p1:3.0, p2:4.0}):  12.0" in out
    assert "[ 6. 12. 20.]" in out
    # the seed's strided_slice numbering: tf_t[1][2] is two slices, and so on
    assert 'tf_t[0]:  Tensor("strided_slice:0", shape=(), dtype=float64)' in out
    assert 'tf_t[1][2]:  Tensor("strided_slice_5:0", shape=(), dtype=float64)' in out
    assert 'tf_t[1][1][1]:  Tensor("strided_slice_11:0", shape=(), dtype=int64)' in out
    assert "run(tf_t[1][2]):  4.0" in out
    assert "run(tf_t[1][1][1]):  8" in out


@pytest.mark.ch02
def test_ch02_variables(tmp_path):
    out, _ = run_tutorial("ch02_variables.py", tmp_path)
    assert "w:  <tf.Variable 'Variable:0' shape=(1,) dtype=float32_ref>" in out
    assert "run(y, {x:[1,2,3,4]}):  [0.         0.3        0.6        0.90000004]" in out
    assert "after assign, run(y, {x:[1,2,3,4]}):  [0.7 1.7 2.7 3.7]" in out
    assert "range(2, 10, 3):  [2 5 8]" in out
    assert "lin_space(0.0, 1.0, 5):  [0.   0.25 0.5  0.75 1.  ]" in out

    # graph-seed rules: a second run draws anew, a new session reproduces the first draw
    def block_after(label):
        start = out.index(label) + len(label)
        return out[start:].split("\n", 3)[1:3]   # the two printed rows of the 2x3 draw
    first = block_after("random_normal, first run:")
    second = block_after("random_normal, second run (new numbers):")
    new_session = block_after("random_normal, first run in a new session (same as the first run):")
    assert first != second
    assert first == new_session
    seeded = re.search(r"random_uniform\(seed=7\) in two sessions:  (\[.*?\]) (\[.*?\])", out)
    assert seeded and seeded.group(1) == seeded.group(2)

    assert "VariableExistsError: Variable 'w' already exists" in out
    assert "reuse=True returns the same variable:  True" in out
    assert "same object: True" in out
    assert "layer1/kernel:0" in out


@pytest.mark.ch03
def test_ch03_graphs(tmp_path):
    out, err = run_tutorial("ch03_graphs.py", tmp_path)
    assert "y    AddN   inputs=['x1:0', 'x2:0', 'x3:0']" in out
    # lazy execution: `expensive` (and its counter) runs only when fetched
    assert "run(cheap): 3.0  calls = 0" in out
    assert "run(expensive): 200.0  calls = 1" in out
    assert "run(expensive) again: 200.0  calls = 2" in out
    assert "cheap was computed: [3.0]" in err           # tf.Print writes to stderr
    # control dependency: c ran before the read inside the block
    assert "run(after_c): 15" in out
    assert "run(d): 6" in out
    assert out.count("output:  [0.         0.3        0.6        0.90000004]") == 3
    assert "y is in g: True  and not in the default graph: True" in out
    assert "w1: <tf.Variable 'layer1/w:0'" in out
    assert 'h2: Tensor("layer2/Sum:0", shape=(), dtype=float32)' in out
    # log_device_placement: one line per op, in execution order (c before after_c)
    assert "mul: (Mul): /job:localhost/replica:0/task:0/device:CPU:0" in out
    assert out.index("c: (AssignAdd)") < out.index("after_c: (Add)")


@pytest.mark.ch04
def test_ch04_linear_regression(tmp_path):
    out, _ = run_tutorial("ch04_linear_regression.py", tmp_path, epochs=400)
    model = re.search(r"Model: Y = (-?[0-9.]+) X \+ (-?[0-9.]+)", out)
    least_squares = re.search(r"Least squares: Y = (-?[0-9.]+) X \+ (-?[0-9.]+)", out)
    assert model and least_squares, out
    slope, intercept = float(model.group(1)), float(model.group(2))
    ls_slope, ls_intercept = float(least_squares.group(1)), float(least_squares.group(2))
    # 400 steps of learning rate 0.01 leave the slope within ~0.1% of the optimum
    assert slope == pytest.approx(ls_slope, rel=5e-3)
    assert intercept == pytest.approx(ls_intercept, abs=0.5)
    assert number_after("R2 =", out) > 0.9
    assert 0 < number_after("MSE =", out) < 1000
    assert plots_in(tmp_path) == ["ch04_data.png", "ch04_model.png", "ch04_mse.png",
                                  "ch04_r2.png"]


@pytest.mark.ch04
def test_ch04_small_sample_count(tmp_path):
    """MINITENSOR_TUTORIAL_SAMPLES changes the data size; the fit still matches."""
    out, _ = run_tutorial("ch04_linear_regression.py", tmp_path, epochs=300, samples=60)
    assert "(60,)" in out and "(60, 1)" in out
    assert number_after("|dw| =", out) < 2.0


@pytest.mark.ch05
def test_ch05_multiple_regression(tmp_path):
    # The default 1500 epochs take about two seconds; fewer leave the bias far from its
    # optimum (learning rate 0.001), so this chapter runs at full size.
    out, _ = run_tutorial("ch05_multiple_regression.py", tmp_path)
    assert "X_train: (353, 10)  X_test: (89, 10)" in out
    gd_r2 = float(re.search(r"For test data: .*R2 = (-?[0-9.]+)", out).group(1))
    ls_r2 = float(re.search(r"Least squares: .*R2 = (-?[0-9.]+)", out).group(1))
    # the numbers the docs page shows
    assert ls_r2 == pytest.approx(0.5676, abs=1e-3)
    assert gd_r2 == pytest.approx(0.5414, abs=2e-3)
    assert plots_in(tmp_path) == ["ch05_mse.png", "ch05_r2.png"]


@pytest.mark.ch06
def test_ch06_regularized_regression(tmp_path):
    out, _ = run_tutorial("ch06_regularized_regression.py", tmp_path)  # ~3 s at full size
    rows = dict(re.findall(r"(\w+): For test data: MSE = [0-9.]+, R2 = (-?[0-9.]+|nan)", out))
    assert set(rows) == {"none", "lasso", "ridge", "elasticnet"}, out
    for name, r2 in rows.items():
        assert r2 != "nan" and 0.5 < float(r2) < 0.6, (name, r2)
    # the penalties shrink the weights: L2 (and L1 + L2) more than L1 alone here
    sizes = {name: float(v) for name, v in re.findall(r"(\w+): .*sum\|w\| = ([0-9.]+)", out)}
    assert sizes["elasticnet"] <= sizes["ridge"] <= sizes["lasso"] < sizes["none"]
    assert plots_in(tmp_path) == ["ch06_regularization.png"]


@pytest.mark.ch07
def test_ch07_logistic_regression(tmp_path):
    out, _ = run_tutorial("ch07_logistic_regression.py", tmp_path, epochs=200)
    # the fixed one-hot encoding: rows of two, not (n, 1, 2)
    assert "[[1. 0.]\n [0. 1.]" in out
    assert number_after("Test accuracy =", out) > 0.9
    losses = [float(v) for v in re.findall(r"loss=([0-9.]+)", out)]
    assert len(losses) >= 2 and losses[-1] < losses[0]   # training lowers the log-loss
    assert plots_in(tmp_path) == ["ch07_data.png", "ch07_pred_vs_orig.png"]


def test_every_tutorial_is_tested():
    """A new tutorial script needs a test that runs it (in any tests/*.py file), marked
    with its chapter's marker (registered in pyproject.toml)."""
    scripts = sorted(p.name for p in TUTORIALS.glob("ch*.py"))
    assert scripts, "no tutorials found"
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    untested = [s for s in scripts
                if '"%s"' % s not in sources or "pytest.mark.%s" % s[:4] not in sources]
    assert not untested, "tutorials without a test (marked pytest.mark.chNN): %s" % untested


# --- docs/errors.md: every program on the page gives the message the page shows ---------

ERRORS_PAGE = ROOT / "docs" / "errors.md"
_BROKEN = re.compile(r'```python title="broken"\n(.*?)```\s*\nminitensor says:\s*\n```text\n(.*?)\n```',
                     re.S)
_FIXED = re.compile(r'```python title="fixed"\n(.*?)```', re.S)


def _run_snippet(code):
    """Run a page's program as `snippet.py`; return what it printed and the error line."""
    import contextlib
    import io

    import minitensor as tf
    from minitensor.framework import registry
    tf.reset_default_graph()
    op_types_before = set(registry._OP_DEFS)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "snippet.py", "exec"), {"__name__": "__snippet__"})
    except Exception as error:  # noqa: BLE001 - any error is what the page documents
        return printed.getvalue() + "%s: %s" % (type(error).__name__, error)
    finally:
        # programs that register their own op types ("Double", "MyCustomOp") must not
        # leave them behind for the next program
        for op_type in set(registry._OP_DEFS) - op_types_before:
            del registry._OP_DEFS[op_type]
    return None


def _normalize(text):
    return re.sub(r"graph #\d+", "graph #N", text).strip()


def test_errors_page_messages_are_current():
    page = ERRORS_PAGE.read_text()
    pairs = _BROKEN.findall(page)
    assert len(pairs) >= 18, "the errors page lost its examples"
    for code, shown in pairs:
        got = _run_snippet(code)
        assert got is not None, "this program on docs/errors.md raised nothing:\n" + code
        assert _normalize(got) == _normalize(shown), (
            "docs/errors.md shows a message minitensor no longer prints. Program:\n%s\n"
            "--- the page shows ---\n%s\n--- minitensor prints ---\n%s" % (code, shown, got))


def test_errors_page_fixes_run():
    fixes = _FIXED.findall(ERRORS_PAGE.read_text())
    assert len(fixes) >= 15
    for code in fixes:
        assert _run_snippet(code) is None, "a 'fixed' program on docs/errors.md fails:\n" + code


def test_every_error_class_has_a_section():
    """error.docs_url points at errors/#<docs_page>: that anchor must exist on the page."""
    import minitensor  # noqa: F401  (defines the classes)
    import minitensor.datasets.mnist  # noqa: F401
    import minitensor.debug  # noqa: F401
    from minitensor.framework.errors import MinitensorError

    anchors = set(re.findall(r"^## .*\{#([a-z0-9-]+)\}\s*$", ERRORS_PAGE.read_text(), re.M))
    classes, stack = [], [MinitensorError]
    while stack:
        cls = stack.pop()
        classes.append(cls)
        stack.extend(cls.__subclasses__())
    missing = sorted("%s -> #%s" % (c.__name__, c.docs_page) for c in classes
                     if c.docs_page not in anchors)
    assert not missing, "docs/errors.md has no section for: " + ", ".join(missing)


def test_tutorial_pages_include_their_scripts():
    """Each chapter page includes its script (so page and program cannot diverge) and
    names its test marker."""
    for script in sorted(TUTORIALS.glob("ch*.py")):
        page = ROOT / "docs" / (script.stem + ".md")
        assert page.exists(), "no docs page for %s" % script.name
        text = page.read_text()
        assert '--8<-- "tutorials/%s"' % script.name in text
        assert "pytest -m %s" % script.stem[:4] in text
        sections = set(re.findall(r"# --8<-- \[start:(\w+)\]", script.read_text()))
        used = set(re.findall(r'--8<-- "tutorials/%s:(\w+)"' % re.escape(script.name), text))
        assert used <= sections, "page uses sections the script lacks: %s" % (used - sections)


# --- docs/api.md: lists what exists, and everything public ------------------------------

def _public_names(namespace, prefix):
    import inspect
    return {prefix + name for name in dir(namespace)
            if not name.startswith("_") and not inspect.ismodule(getattr(namespace, name))}


def test_api_page_matches_the_package():
    import minitensor as tf
    page = (ROOT / "docs" / "api.md").read_text()
    listed = set(re.findall(r"`(tf(?:\.[A-Za-z_]\w*)+)`", page))
    for name in sorted(listed):          # every name on the page exists
        obj = tf
        for part in name.split(".")[1:]:
            assert hasattr(obj, part), "docs/api.md lists %s, which does not exist" % name
            obj = getattr(obj, part)
    public = (_public_names(tf, "tf.") | _public_names(tf.nn, "tf.nn.")
              | _public_names(tf.train, "tf.train."))
    public |= {"tf." + name for name in dir(tf) if not name.startswith("_")
               and name not in ("framework", "ops", "session", "kernels", "tracing")  # internal
               and __import__("inspect").ismodule(getattr(tf, name))}
    missing = sorted(public - listed)
    assert not missing, "public names missing from docs/api.md: " + ", ".join(missing)
