"""Graph building, names, lazy execution, control dependencies and Session.run semantics."""
import collections

import numpy as np
import pytest

import minitensor as tf


def test_names_uniquify_the_tf_way():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    assert a.name == "Const:0" and b.name == "Const_1:0"
    s1, s2 = tf.add(a, b), tf.add(a, b)
    assert (s1.op.name, s2.op.name) == ("Add", "Add_1")
    # TF compares names case-insensitively, so after Add, Add_1 the operator gives add_2
    assert (a + b).op.name == "add_2"
    assert (a * b).op.name == "mul" and (a / b).op.name == "truediv" and (-a).op.name == "Neg"
    assert str(s1) == 'Tensor("Add:0", shape=(), dtype=float32)'
    assert repr(s1) == "<tf.Tensor 'Add:0' shape=() dtype=float32>"
    p = tf.placeholder(tf.float32)
    assert str(p) == 'Tensor("Placeholder:0", dtype=float32)'
    assert repr(p) == "<tf.Tensor 'Placeholder:0' shape=<unknown> dtype=float32>"
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    assert repr(x) == "<tf.Tensor 'x:0' shape=(?, 784) dtype=float32>"


def test_name_scopes_nest_and_uniquify():
    with tf.name_scope("layer"):
        a = tf.constant(1.0, name="w")
        with tf.name_scope("inner"):
            b = tf.add(a, a)
    with tf.name_scope("layer"):
        c = tf.constant(1.0, name="w")
    assert a.op.name == "layer/w" and b.op.name == "layer/inner/Add"
    assert c.op.name == "layer_1/w"


def test_variable_reprs_and_ops_match_tf():
    w = tf.Variable([.3], tf.float32)
    b = tf.Variable([-.3], tf.float32)
    assert repr(w) == "<tf.Variable 'Variable:0' shape=(1,) dtype=float32_ref>"
    assert b.name == "Variable_1:0"
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names[:4] == ["Variable/initial_value", "Variable", "Variable/Assign", "Variable/read"]
    assert w in tf.global_variables() and w in tf.trainable_variables()
    t = tf.Variable(1.0, trainable=False)
    assert t not in tf.trainable_variables() and t in tf.global_variables()


def test_session_run_keeps_fetch_structure():
    a, b = tf.constant(1.0), tf.constant([2, 3])
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as sess:
        out = sess.run({"a": a, "nested": [b, (a, Pair(a, b))]})
    assert set(out) == {"a", "nested"}
    assert out["a"] == 1.0 and isinstance(out["nested"], list)
    assert isinstance(out["nested"][1], tuple)
    pair = out["nested"][1][1]
    assert isinstance(pair, Pair) and pair.x == 1.0
    np.testing.assert_array_equal(pair.y, [2, 3])


def test_scalars_print_like_the_seed():
    with tf.Session() as sess:
        out = sess.run([tf.constant(5), tf.constant(6.0), tf.constant(7.0, tf.float32)])
    assert str(out) == "[5, 6.0, 7.0]"
    assert isinstance(out[1], np.float32) and isinstance(out[0], np.int32)


def test_run_by_name_and_op_returns_none():
    a = tf.constant(2.0, name="a")
    tf.multiply(a, 3.0, name="triple")
    v = tf.Variable(1.0)
    init = tf.global_variables_initializer()
    with tf.Session() as sess:
        assert sess.run(init) is None
        assert sess.run("init") is None
        assert sess.run("triple:0") == 6.0
        with pytest.raises(ValueError, match="Operation, not a Tensor"):
            tf.get_default_graph().get_tensor_by_name("triple")
        assert sess.run(v) == 1.0


def test_lazy_execution_runs_only_what_the_fetch_needs():
    counter = tf.Variable(0)
    bump = tf.assign_add(counter, 1)
    x = tf.constant(3.0)
    y = x * 2.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y)
        assert sess.run(counter) == 0
        sess.run(bump)
        sess.run(bump)
        assert sess.run(counter) == 2


def test_control_dependencies_force_order():
    counter = tf.Variable(0)
    bump = tf.assign_add(counter, 1)
    x = tf.constant(3.0)
    with tf.control_dependencies([bump]):
        y = tf.identity(x)
    assert bump.op in y.op.control_inputs
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y)
        sess.run(y)
        assert sess.run(counter) == 2


def test_plans_are_cached_per_signature():
    x = tf.placeholder(tf.float32, [None])
    y = x * 2.0
    with tf.Session() as sess:
        sess.run(y, {x: [1.0]})
        sess.run(y, {x: [1.0, 2.0]})
        assert len(sess._plans) == 1
        sess.run([y, x], {x: [1.0]})
        assert len(sess._plans) == 2


def test_fetched_variable_values_are_snapshots():
    w = tf.Variable([1.0, 2.0])
    step = tf.assign_add(w, [1.0, 1.0])
    with tf.Session() as sess:
        sess.run(w.initializer)
        before = sess.run(w)
        sess.run(step)
        np.testing.assert_array_equal(before, [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(w), [2.0, 3.0])


def test_variables_live_in_the_session():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    assert s1.run(v) == 2.0 and s2.run(v) == 1.0
    s1.close()
    s2.close()


def test_feeding_a_variable_overrides_it_for_one_run():
    w = tf.Variable(2.0)
    y = w * 3.0
    with tf.Session() as sess:
        sess.run(w.initializer)
        assert sess.run(y, {w: 10.0}) == 30.0
        assert sess.run(y) == 6.0


def test_interactive_session_eval_and_run():
    sess = tf.InteractiveSession()
    try:
        v = tf.Variable([1.0, 2.0])
        tf.global_variables_initializer().run()
        np.testing.assert_array_equal((v * 2).eval(), [2.0, 4.0])
        assert tf.get_default_session() is sess
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_multiple_graphs():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([.3], tf.float32)
        x = tf.placeholder(tf.float32)
        y = w * x
        assert tf.get_default_graph() is g
    assert tf.get_default_graph() is not g
    with tf.Session(graph=g) as sess:
        sess.run(w.initializer)
        np.testing.assert_allclose(sess.run(y, {x: [1, 2]}), [0.3, 0.6], rtol=1e-6)


def test_reset_default_graph_gives_a_new_graph():
    g1 = tf.get_default_graph()
    tf.constant(1.0)
    tf.reset_default_graph()
    assert tf.get_default_graph() is not g1
    assert tf.get_default_graph().get_operations() == []


def test_collections_and_get_collection_scope():
    with tf.variable_scope("enc"):
        a = tf.get_variable("a", [1])
    with tf.variable_scope("dec"):
        b = tf.get_variable("b", [1])
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="enc") == [a]
    assert tf.trainable_variables("dec") == [b]
    tf.add_to_collection("mine", 3)
    assert tf.get_collection("mine") == [3]


def test_placeholder_with_default():
    keep = tf.placeholder_with_default(1.0, shape=[])
    y = keep * 2.0
    with tf.Session() as sess:
        assert sess.run(y) == 2.0
        assert sess.run(y, {keep: 0.5}) == 1.0


def test_feed_casts_float64_data_to_float32_placeholders():
    x = tf.placeholder(tf.float32, [None, 2])
    with tf.Session() as sess:
        out = sess.run(x * 1.0, {x: np.ones((3, 2), dtype=np.float64)})
    assert out.dtype == np.float32


def test_make_callable():
    x = tf.placeholder(tf.float32)
    f = tf.Session().make_callable(x * 2.0, [x])
    assert f(4.0) == 8.0


def test_ten_thousand_op_chain_runs_and_differentiates():
    x = tf.placeholder(tf.float64, [])
    y = x
    for _ in range(10000):
        y = y * 1.0001
    g = tf.gradients(y, x)[0]
    with tf.Session() as sess:
        value, grad = sess.run([y, g], {x: 1.0})
    assert value == pytest.approx(1.0001 ** 10000)
    assert grad == pytest.approx(1.0001 ** 10000)


def test_device_scope_is_recorded():
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
    assert a.op.device == "/cpu:0"
    with tf.device(lambda op: "/device:CPU:0" if op.type == "Const" else ""):
        b = tf.constant(2.0)
    assert b.op.device == "/device:CPU:0"


def test_log_device_placement_prints_tf_format(capsys):
    w = tf.Variable([.3], tf.float32)
    x = tf.placeholder(tf.float32)
    y = w * x
    config = tf.ConfigProto()
    config.log_device_placement = True
    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, {x: [1.0]})
    out = capsys.readouterr().out
    assert "mul: (Mul): /job:localhost/replica:0/task:0/device:CPU:0" in out
    assert "Variable/read: (Identity): /job:localhost/replica:0/task:0/device:CPU:0" in out


def test_device_lib_lists_the_cpu():
    from minitensor.python.client import device_lib
    devices = device_lib.list_local_devices()
    assert devices[0].name == "/device:CPU:0" and devices[0].device_type == "CPU"
    assert 'device_type: "CPU"' in repr(devices[0])


def test_convert_to_tensor_dtype_inference():
    assert tf.convert_to_tensor(5.0).dtype == tf.float32
    assert tf.convert_to_tensor(5).dtype == tf.int32
    assert tf.convert_to_tensor(2**40).dtype == tf.int64
    assert tf.convert_to_tensor(True).dtype == tf.bool
    assert tf.convert_to_tensor("s").dtype == tf.string
    assert tf.convert_to_tensor([1.0, 2]).dtype == tf.float32
    assert tf.convert_to_tensor(np.array([1.0])).dtype == tf.float64
    assert tf.convert_to_tensor(np.array([[[1, 2]]])).dtype == tf.int64
    assert tf.convert_to_tensor(5.0, dtype=tf.float64).dtype == tf.float64
    t = tf.convert_to_tensor([tf.constant(1.0), 2.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(t), [1.0, 2.0])


def test_tensor_is_not_a_python_bool_or_array():
    t = tf.constant(1.0)
    with pytest.raises(TypeError, match="Python bool"):
        bool(t)
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(t)


def test_string_constants_fetch_as_bytes():
    with tf.Session() as sess:
        assert sess.run(tf.constant("Hello, TensorFlow!!")) == b"Hello, TensorFlow!!"


def test_print_passes_value_through(capsys):
    x = tf.constant([1.0, 2.0])
    y = tf.Print(x, [x], message="x is ")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), [1.0, 2.0])
    assert "x is [1.0 2.0]" in capsys.readouterr().err


def test_group_and_no_op():
    a = tf.Variable(0)
    b = tf.Variable(0)
    both = tf.group(tf.assign_add(a, 1), tf.assign_add(b, 2))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(both)
        assert sess.run([a, b]) == [1, 2]
        assert sess.run(tf.no_op()) is None
