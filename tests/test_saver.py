"""tf.train.Saver: round trips, file naming, max_to_keep, atomic writes, mismatch reports."""
import json
import os

import numpy as np
import pytest

import minitensor as tf
from minitensor.framework.errors import NotFoundError
from minitensor.train import saver as saver_module


def build_model(w_shape=(2, 3)):
    w = tf.Variable(np.arange(np.prod(w_shape), dtype=np.float32).reshape(w_shape), name="w")
    with tf.variable_scope("layer1"):
        b = tf.get_variable("b", [3], initializer=tf.constant_initializer(0.5))
    step = tf.Variable(0, name="step", trainable=False)
    return w, b, step


def test_round_trip_across_two_sessions(tmp_path):
    w, b, step = build_model()
    update = tf.group(tf.assign_add(w, tf.ones_like(w)), tf.assign(step, 7))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(update)
        saved_w, saved_b = sess.run([w, b])
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"))
    assert prefix == str(tmp_path / "model.ckpt")

    with tf.Session() as sess:  # a new session: nothing initialized, values come from the file
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(w), saved_w)
        np.testing.assert_array_equal(sess.run(b), saved_b)
        assert sess.run(step) == 7
        assert sess.run(w).dtype == np.float32


def test_round_trip_into_a_rebuilt_graph(tmp_path):
    w, b, _ = build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(b, [1.0, 2.0, 3.0]))
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=10)
    tf.reset_default_graph()
    w, b, _ = build_model()
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(b), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(sess.run(w), np.arange(6).reshape(2, 3))


def test_global_step_naming_files_and_index(tmp_path):
    w, b, step = build_model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "ckpt" / "model"), global_step=1000)
        assert prefix == str(tmp_path / "ckpt" / "model-1000")
        sess.run(tf.assign(step, 42))
        by_tensor = saver.save(sess, str(tmp_path / "ckpt" / "model"), global_step=step)
        assert by_tensor == str(tmp_path / "ckpt" / "model-42")
    files = sorted(os.listdir(tmp_path / "ckpt"))
    assert files == ["checkpoint", "model-1000.index.json", "model-1000.npz",
                     "model-42.index.json", "model-42.npz"]
    index = json.loads((tmp_path / "ckpt" / "model-1000.index.json").read_text())
    assert index["global_step"] == 1000
    assert index["variables"] == [
        {"name": "w", "shape": [2, 3], "dtype": "float32"},
        {"name": "layer1/b", "shape": [3], "dtype": "float32"},
        {"name": "step", "shape": [], "dtype": "int32"}]
    with np.load(str(tmp_path / "ckpt" / "model-1000.npz"), allow_pickle=False) as values:
        assert sorted(values.files) == ["layer1/b", "step", "w"]
        np.testing.assert_array_equal(values["layer1/b"], [0.5, 0.5, 0.5])


def test_pad_step_number(tmp_path):
    build_model()
    saver = tf.train.Saver(pad_step_number=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert saver.save(sess, str(tmp_path / "m"), global_step=5) == str(tmp_path / "m-00000005")


def test_max_to_keep_deletes_older_checkpoints(tmp_path):
    build_model()
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefixes = [saver.save(sess, str(tmp_path / "m"), global_step=s) for s in range(4)]
    assert saver.last_checkpoints == prefixes[2:]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-2.index.json", "m-2.npz",
                                            "m-3.index.json", "m-3.npz"]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefixes[3]
    assert state.all_model_checkpoint_paths == prefixes[2:]
    assert json.loads((tmp_path / "checkpoint").read_text()) == {
        "model_checkpoint_path": "m-3", "all_model_checkpoint_paths": ["m-2", "m-3"]}


def test_max_to_keep_none_keeps_every_file(tmp_path):
    build_model()
    saver = tf.train.Saver(max_to_keep=None)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for s in range(3):
            saver.save(sess, str(tmp_path / "m"), global_step=s)
    assert len([n for n in os.listdir(tmp_path) if n.endswith(".npz")]) == 3
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == [str(tmp_path / "m-2")]


def test_saving_the_same_path_twice_keeps_one_entry(tmp_path):
    w, _, _ = build_model()
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, str(tmp_path / "m"))
        sess.run(tf.assign(w, tf.zeros_like(w)))
        saver.save(sess, str(tmp_path / "m"))
    assert saver.last_checkpoints == [str(tmp_path / "m")]
    np.testing.assert_array_equal(saver_module.load_variable(str(tmp_path / "m"), "w"),
                                  np.zeros((2, 3)))


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, monkeypatch):
    w, _, _ = build_model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "m"), global_step=1)
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-1.index.json", "m-1.npz"]
        good_values = (tmp_path / "m-1.npz").read_bytes()

        # a crash in the middle of writing the values must leave the old file untouched
        def crash(f, arrays):
            f.write(b"half a zip")
            raise KeyboardInterrupt("power cut")
        monkeypatch.setattr(saver_module, "_write_npz", crash)
        sess.run(tf.assign(w, tf.zeros_like(w)))
        with pytest.raises(KeyboardInterrupt):
            saver.save(sess, str(tmp_path / "m"), global_step=1)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-1.index.json", "m-1.npz"]
    assert (tmp_path / "m-1.npz").read_bytes() == good_values
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix


def test_atomic_write_replaces_through_a_temporary_file_in_the_same_directory(tmp_path,
                                                                              monkeypatch):
    build_model()
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((os.path.dirname(src), os.path.basename(src), dst))
        real_replace(src, dst)
    monkeypatch.setattr(saver_module.os, "replace", spy)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=2)
    assert [os.path.basename(dst) for _, _, dst in replaced] == [
        "m-2.npz", "m-2.index.json", "checkpoint"]
    assert all(directory == str(tmp_path) and name.endswith(".tmp")
               for directory, name, _ in replaced)


def test_saving_into_a_missing_directory_creates_it(tmp_path):
    build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "a" / "b" / "model"))
    assert os.path.isfile(prefix + ".npz")
    assert tf.train.latest_checkpoint(str(tmp_path / "a" / "b")) == prefix


def test_save_path_that_is_a_directory_is_refused(tmp_path):
    build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="is a directory; give a file prefix"):
            tf.train.Saver().save(sess, str(tmp_path))


def test_mismatch_table_names_differences_and_close_matches(tmp_path):
    v1 = tf.Variable(tf.ones([2, 3]), name="v1")
    w = tf.Variable(tf.ones([3]), name="w")
    tf.Variable(tf.ones([]), name="old")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    for _ in range(6):  # a notebook cell run six times: v1, v1_1, ..., v1_5
        v1 = tf.Variable(tf.zeros([2, 3]), name="v1")
    w = tf.Variable(tf.zeros([4]), name="w")
    tf.Variable(tf.zeros([5]), name="bias")
    with tf.Session() as sess:
        saver = tf.train.Saver([v1, w] + tf.global_variables()[-1:])
        with pytest.raises(NotFoundError) as info:
            saver.restore(sess, prefix)
    message = str(info.value)
    assert "3 of the 3 variables to restore do not match" in message
    lines = message.splitlines()
    header = next(i for i, line in enumerate(lines) if "graph variable" in line)
    assert "checkpoint key" in lines[header] and set(lines[header + 1].strip()) <= {"-", " "}
    rows = [line for line in lines[header + 2:] if not line.lstrip().startswith("Fix:")]

    def row(text):
        return next(line for line in rows if text in line)
    assert "`v1_5` ≈ `v1` — a re-run notebook cell?" in row("v1_5 (2, 3) float32")
    assert "v1 (2, 3) float32" in row("v1_5")
    assert "shape differs" in row("w (4,) float32") and "w (3,) float32" in row("w (4,)")
    assert "only in the checkpoint" in row("old () float32")
    assert "not in the checkpoint" in row("bias (5,) float32")
    assert len(rows) == 4
    assert "tf.reset_default_graph()" in message
    assert "tf.train.Saver({'v1': <the variable named v1_5>})" in message
    # the hint's mapping works
    with tf.Session() as sess:
        tf.train.Saver({"v1": v1}).restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(v1), np.ones((2, 3)))


def test_renamed_variable_is_suggested(tmp_path):
    tf.Variable(tf.ones([2]), name="weights")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    tf.Variable(tf.zeros([2]), name="weight")
    with tf.Session() as sess:
        with pytest.raises(NotFoundError, match="`weight` ≈ `weights` — renamed\\?") as info:
            tf.train.Saver().restore(sess, prefix)
    assert "tf.train.list_variables(%r)" % prefix in str(info.value)


def test_dtype_difference_is_reported(tmp_path):
    tf.Variable(np.ones(2, np.float64), name="x")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    tf.Variable(np.ones(2, np.float32), name="x")
    with tf.Session() as sess:
        with pytest.raises(NotFoundError, match=r"x \(2,\) float64 +dtype differs"):
            tf.train.Saver().restore(sess, prefix)


def test_extra_checkpoint_entries_are_fine(tmp_path):
    w, b, _ = build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    w = tf.Variable(tf.zeros([2, 3]), name="w")
    with tf.Session() as sess:
        tf.train.Saver([w]).restore(sess, prefix)  # a subset restores without complaint
        np.testing.assert_array_equal(sess.run(w), np.arange(6).reshape(2, 3))


def test_restore_errors_for_missing_paths(tmp_path):
    build_model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "m"), global_step=3)
        with pytest.raises(NotFoundError) as info:
            saver.restore(sess, str(tmp_path / "m-4"))
        assert "No checkpoint at" in str(info.value) and prefix in str(info.value)
        with pytest.raises(NotFoundError, match="is a directory") as info:
            saver.restore(sess, str(tmp_path))
        assert repr(prefix) in str(info.value)
        with pytest.raises(ValueError, match="Can't load save_path when it is None"):
            saver.restore(sess, None)
        saver.restore(sess, prefix + ".npz")  # a file name pasted from `ls` works too
        saver.restore(sess, prefix + ".index.json")


def test_latest_checkpoint_and_state(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    build_model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, str(tmp_path / "m"), global_step=1)
        last = saver.save(sess, str(tmp_path / "m"), global_step=2)
    assert tf.train.latest_checkpoint(str(tmp_path)) == last
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert 'model_checkpoint_path: "%s"' % last in repr(state)
    os.remove(last + ".npz")  # the state names a checkpoint that is gone
    assert tf.train.latest_checkpoint(str(tmp_path)) is None


def test_state_file_with_relative_paths_survives_moving_the_directory(tmp_path):
    build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, str(tmp_path / "a" / "m"), global_step=1)
    os.rename(tmp_path / "a", tmp_path / "b")
    assert tf.train.latest_checkpoint(str(tmp_path / "b")) == str(tmp_path / "b" / "m-1")


def test_a_damaged_state_file_warns_and_is_ignored(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "m-1"\n')  # TF's text format
    with pytest.warns(UserWarning, match="not a minitensor checkpoint state file"):
        assert tf.train.get_checkpoint_state(str(tmp_path)) is None


def test_list_variables(tmp_path):
    build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=9)
    expected = [("layer1/b", [3]), ("step", []), ("w", [2, 3])]
    assert tf.train.list_variables(prefix) == expected
    assert tf.train.list_variables(str(tmp_path)) == expected  # a directory: its latest


def test_dict_var_list_maps_names(tmp_path):
    w, b, _ = build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver({"weights": w}).save(sess, str(tmp_path / "m"))
    assert tf.train.list_variables(prefix) == [("weights", [2, 3])]
    tf.reset_default_graph()
    other = tf.Variable(tf.zeros([2, 3]), name="other_name")
    with tf.Session() as sess:
        tf.train.Saver({"weights": other}).restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(other), np.arange(6).reshape(2, 3))


def test_saver_argument_errors():
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()
    assert tf.train.Saver(allow_empty=True).last_checkpoints == []
    w = tf.Variable(1.0, name="w")
    y = w * 2.0
    with pytest.raises(TypeError, match="var_list\\[1\\] is a Tensor .* not a tf.Variable"):
        tf.train.Saver([w, y])
    with pytest.raises(TypeError, match="must be strings"):
        tf.train.Saver({1: w})


def test_saver_captures_the_variables_that_exist_when_it_is_made(tmp_path):
    tf.Variable(1.0, name="a")
    saver = tf.train.Saver()
    tf.Variable(2.0, name="later")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(tmp_path / "m"))
    assert tf.train.list_variables(prefix) == [("a", [])]


def test_restore_into_a_session_of_another_graph(tmp_path):
    build_model()
    saver = tf.train.Saver()
    other = tf.Graph()
    with other.as_default():
        tf.Variable(0.0, name="x")
    with tf.Session(graph=other) as sess:
        with pytest.raises(tf.errors.GraphMismatchError, match="belongs to another graph"):
            saver.restore(sess, str(tmp_path / "m"))


def test_uninitialized_variables_cannot_be_saved(tmp_path):
    build_model()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError):
            tf.train.Saver().save(sess, str(tmp_path / "m"))
    assert not os.path.exists(tmp_path / "m.npz")


def test_checkpoints_load_without_pickle(tmp_path):
    build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(sess, str(tmp_path / "m"))
    with np.load(prefix + ".npz", allow_pickle=False) as values:  # would raise on object arrays
        assert all(values[name].dtype != object for name in values.files)
