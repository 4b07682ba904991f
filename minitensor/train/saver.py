"""``tf.train.Saver``: checkpoints as ``.npz`` + a JSON index, written atomically, no pickle.

    saver = tf.train.Saver()                       # every global variable, by its name
    path = saver.save(sess, "ckpt/model", global_step=100)     # -> "ckpt/model-100"
    ...
    saver.restore(sess, tf.train.latest_checkpoint("ckpt"))

``save(sess, "ckpt/model", global_step=100)`` writes three files:

    ckpt/model-100.npz          the values: one array per variable, keyed by its checkpoint
                                name (``layer1/weights``); ``np.load`` opens it
    ckpt/model-100.index.json   each variable's name, shape and dtype, readable by anyone
    ckpt/checkpoint             JSON: the latest checkpoint and all kept ones (paths relative
                                to ``ckpt/``), what ``tf.train.latest_checkpoint`` reads

Each file is written to a temporary file in the same directory, then renamed over the real
name (``os.replace``), so a crash mid-save leaves the previous checkpoint intact, never a half
file. Arrays are stored with ``allow_pickle=False``: loading a checkpoint runs no code.
No ``.meta`` graph file is written: the graph is your Python code; build it again, then restore.
"""
import collections
import json
import numbers
import os
import re
import time
import warnings

import numpy as np

from ..framework.errors import GraphMismatchError, NotFoundError, SessionClosedError
from ..framework.shapes import describe
from ..ops.state_ops import Variable, global_variables

__all__ = ["Saver", "latest_checkpoint", "get_checkpoint_state", "list_variables",
           "load_variable", "checkpoint_exists", "CheckpointState"]

VALUES_SUFFIX = ".npz"
INDEX_SUFFIX = ".index.json"
STATE_FILENAME = "checkpoint"
FORMAT_NAME = "minitensor-checkpoint"
FORMAT_VERSION = 1
# Suffixes a user may paste from `ls` in place of the prefix (ours, and TF's own).
_KNOWN_SUFFIXES = (INDEX_SUFFIX, VALUES_SUFFIX, ".index", ".meta", ".data-00000-of-00001")


# --- atomic files ---------------------------------------------------------------------------

def _atomic_write(path, write):
    """Write ``path`` through ``write(binary_file)`` into a temporary file, then rename it."""
    import tempfile  # here, not at the top: it is slow to import and only saving needs it
    directory = os.path.dirname(path) or "."
    handle, temp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                                         suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp_path, 0o644)  # mkstemp makes it 0600; a checkpoint is an ordinary file
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise


def _write_npz(f, arrays):
    """The ``np.savez`` format (a zip of ``.npy`` files), written without pickle.

    Done by hand rather than ``np.savez(f, **arrays)`` so that any variable name works as a key
    (savez's own keyword names would collide) and object arrays are refused, not pickled.
    """
    import zipfile
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _write_json(path, document):
    """JSON with one line per list item, so that ``cat`` shows one variable per line."""
    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n".join("  " + json.dumps(item) for item in value)
            lines.append(" %s: [\n%s\n ]" % (json.dumps(key), items))
        else:
            lines.append(" %s: %s" % (json.dumps(key), json.dumps(value)))
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    _atomic_write(path, lambda f: f.write(text.encode("utf-8")))


# --- what to save ----------------------------------------------------------------------------

def _describe_item(item):
    name = getattr(item, "name", None)
    return "%s %r" % (type(item).__name__, name) if name else repr(item)


def _as_variable(item, where):
    if isinstance(item, Variable):
        return item
    hint = ""
    if getattr(item, "op", None) is not None and getattr(item.op, "type", "") == "VariableV2":
        hint = " Pass the tf.Variable object itself, not its ref tensor."
    elif hasattr(item, "op"):
        hint = (" A Saver saves variables only; a tensor such as %r is computed from them."
                % getattr(item, "name", item))
    raise TypeError("tf.train.Saver: %s is a %s, not a tf.Variable.%s"
                    % (where, _describe_item(item), hint))


def _variables_by_name(var_list):
    """OrderedDict {checkpoint name: Variable} from None, a dict, or a list of variables."""
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, dict):
        named = collections.OrderedDict()
        for name, variable in var_list.items():
            if not isinstance(name, str):
                raise TypeError("tf.train.Saver: the keys of a dict var_list are the names in the "
                                "checkpoint and must be strings; got %r." % (name,))
            named[name] = _as_variable(variable, "var_list[%r]" % name)
        return named
    if isinstance(var_list, Variable):
        var_list = [var_list]
    named = collections.OrderedDict()
    for position, item in enumerate(var_list):
        variable = _as_variable(item, "var_list[%d]" % position)
        name = variable.op.name
        if name in named and named[name] is not variable:
            raise ValueError("tf.train.Saver: at least two variables have the same name: %s. "
                             "Pass a dict {name: variable} to give them distinct names."
                             % name)
        named[name] = variable
    return named


def _check_graph(variables, sess, action):
    if getattr(sess, "_closed", False):
        raise SessionClosedError("Saver.%s: the session is closed." % action,
                                 hint="call %s inside the `with tf.Session() as sess:` block."
                                 % action)
    for name, variable in variables.items():
        if variable.graph is not sess.graph:
            raise GraphMismatchError(
                "Saver.%s: variable %s belongs to another graph than the session's."
                % (action, variable._describe()),
                hint="create the Saver after building the model, in the graph the session runs "
                     "(tf.Session(graph=g) with the Saver made inside `with g.as_default():`).")


def _storable(name, value, variable):
    array = np.asarray(value)
    if array.dtype == object:  # tf.string values: bytes objects -> fixed-width bytes
        try:
            return array.astype(np.bytes_)
        except (TypeError, ValueError, UnicodeEncodeError):
            raise TypeError("Saver.save: variable %r holds Python objects that cannot be stored "
                            "without pickle." % name) from None
    return np.asarray(array, dtype=variable.dtype.base_dtype.as_numpy_dtype)


# --- the Saver ---------------------------------------------------------------------------------

class Saver:
    """Saves and restores variables (TF 1.x ``tf.train.Saver``).

    ``var_list``: None (every global variable that exists now, each under its name), a list of
    variables, or a dict ``{name in the checkpoint: variable}`` to map names.
    ``max_to_keep``: how many recent checkpoints to keep; older ones are deleted (None or 0:
    keep every file, and list only the latest in the ``checkpoint`` file).
    ``keep_checkpoint_every_n_hours``: additionally keep one checkpoint per that many hours.
    The other arguments exist for TF compatibility and change nothing.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        self._variables = _variables_by_name(var_list)
        if not self._variables and not allow_empty:
            raise ValueError("No variables to save: tf.train.Saver() saves the variables that "
                             "exist when it is created, and there are none yet. Create the "
                             "Saver after building the model (or pass allow_empty=True).")
        self._max_to_keep = max_to_keep
        self._keep_every_s = keep_checkpoint_every_n_hours * 3600.0
        self._next_keep_time = time.time() + self._keep_every_s
        self._pad_step_number = pad_step_number
        self._last_checkpoints = []  # [(prefix, time saved)], oldest first

    @property
    def last_checkpoints(self):
        """Prefixes of the checkpoints this Saver keeps, oldest first."""
        return [prefix for prefix, _ in self._last_checkpoints]

    def recover_last_checkpoints(self, checkpoint_paths):
        """Adopt existing checkpoints (e.g. ``get_checkpoint_state(d).all_model_checkpoint_paths``)
        so that ``max_to_keep`` counts and deletes them too."""
        now = time.time()
        self._last_checkpoints = [(p, now) for p in checkpoint_paths if checkpoint_exists(p)]

    # --- save ---------------------------------------------------------------------------
    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Write the variables' values; returns the checkpoint prefix (``save_path-step``)."""
        if not save_path:
            raise ValueError("Saver.save needs a save_path such as 'ckpt/model.ckpt'.")
        save_path = os.fspath(save_path)
        if os.path.isdir(save_path):
            raise ValueError("Saver.save: save_path %r is a directory; give a file prefix inside "
                             "it, e.g. %r." % (save_path, os.path.join(save_path, "model.ckpt")))
        if not self._variables:
            return None
        _check_graph(self._variables, sess, "save")
        prefix = save_path
        if global_step is not None:
            if not isinstance(global_step, numbers.Integral):
                global_step = sess.run(global_step)  # a global_step tensor or variable
            prefix = ("%s-%08d" if self._pad_step_number else "%s-%d") % (save_path,
                                                                         int(global_step))
        directory = os.path.dirname(prefix) or "."
        os.makedirs(directory, exist_ok=True)

        names = list(self._variables)
        values = sess.run([self._variables[name] for name in names])
        arrays = collections.OrderedDict(
            (name, _storable(name, value, self._variables[name]))
            for name, value in zip(names, values))
        index = {
            "format": FORMAT_NAME, "version": FORMAT_VERSION,
            "global_step": None if global_step is None else int(global_step),
            "values_file": os.path.basename(prefix + VALUES_SUFFIX),
            "variables": [{"name": name, "shape": list(array.shape),
                           "dtype": self._variables[name].dtype.base_dtype.name}
                          for name, array in arrays.items()],
        }
        _atomic_write(prefix + VALUES_SUFFIX, lambda f: _write_npz(f, arrays))
        _write_json(prefix + INDEX_SUFFIX, index)
        self._remember(prefix)
        if write_state:
            _write_state(directory, self.last_checkpoints, latest_filename)
        return prefix

    def _remember(self, prefix):
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != prefix]
        self._last_checkpoints.append((prefix, time.time()))
        if not self._max_to_keep:
            self._last_checkpoints = self._last_checkpoints[-1:]  # files stay on disk
            return
        while len(self._last_checkpoints) > self._max_to_keep:
            old_prefix, saved_at = self._last_checkpoints.pop(0)
            if saved_at > self._next_keep_time:  # keep one checkpoint every n hours
                self._next_keep_time += self._keep_every_s
                continue
            for suffix in (VALUES_SUFFIX, INDEX_SUFFIX):
                if os.path.exists(old_prefix + suffix):
                    os.remove(old_prefix + suffix)

    # --- restore --------------------------------------------------------------------------
    def restore(self, sess, save_path):
        """Load the values saved at ``save_path`` (a prefix as ``save`` returned) into ``sess``."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None. (tf.train.latest_checkpoint "
                             "returns None when the directory holds no checkpoint.)")
        _check_graph(self._variables, sess, "restore")
        prefix = _existing_prefix(save_path)
        entries = _read_entries(prefix)
        report = _mismatch_report(self._variables, entries, prefix)
        if report is not None:
            message, hint = report
            raise NotFoundError(message, hint=hint)
        with np.load(prefix + VALUES_SUFFIX, allow_pickle=False) as values:
            for name, variable in self._variables.items():
                sess._store_variable(variable, values[name])


# --- reading checkpoints ----------------------------------------------------------------------

def _strip_suffix(path):
    path = os.fspath(path)
    for suffix in _KNOWN_SUFFIXES:
        if path.endswith(suffix):
            return path[:-len(suffix)]
    return path


def checkpoint_exists(checkpoint_prefix):
    """True when the values file of ``checkpoint_prefix`` exists."""
    return os.path.isfile(_strip_suffix(checkpoint_prefix) + VALUES_SUFFIX)


def _checkpoints_in(directory):
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    return sorted(os.path.join(directory, n[:-len(INDEX_SUFFIX)]) for n in names
                  if n.endswith(INDEX_SUFFIX))


def _existing_prefix(save_path):
    """The prefix of an existing checkpoint, or a NotFoundError that says what is there."""
    path = os.fspath(save_path)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        raise NotFoundError(
            "%r is a directory, not a checkpoint prefix." % path,
            hint="restore(sess, tf.train.latest_checkpoint(%r))%s" % (
                path, "" if latest is None else "  (that is %r)" % latest))
    prefix = _strip_suffix(path)
    if checkpoint_exists(prefix):
        return prefix
    directory = os.path.dirname(prefix)
    found = _checkpoints_in(directory)
    if found:
        listing = "  checkpoints in %s:\n%s" % (directory or ".",
                                                "\n".join("    " + p for p in found))
    elif os.path.isdir(directory or "."):
        listing = "  %s holds no checkpoint." % (directory or "the current directory")
    else:
        listing = "  the directory %r does not exist." % directory
    raise NotFoundError(
        "No checkpoint at %r (no file %s).\n%s" % (path, prefix + VALUES_SUFFIX, listing),
        hint="pass a prefix that Saver.save returned, e.g. tf.train.latest_checkpoint(%r)."
             % (directory or "."))


def _read_entries(prefix):
    """OrderedDict {name: (shape tuple, dtype name)} from the index (or the values file)."""
    index_path = prefix + INDEX_SUFFIX
    if os.path.isfile(index_path):
        with open(index_path, encoding="utf-8") as f:
            try:
                index = json.load(f)
            except ValueError as e:
                raise NotFoundError("The checkpoint index %s is not valid JSON (%s)."
                                    % (index_path, e),
                                    hint="save the checkpoint again; a file written by "
                                         "Saver.save is always complete.") from None
        return collections.OrderedDict(
            (v["name"], (tuple(v["shape"]), v["dtype"])) for v in index["variables"])
    with np.load(prefix + VALUES_SUFFIX, allow_pickle=False) as values:
        return collections.OrderedDict(
            (name, (values[name].shape, values[name].dtype.name)) for name in values.files)


def _mismatch_report(variables, entries, prefix):
    """(message, hint) with a table of the differences, or None when everything matches."""
    import difflib
    graph = collections.OrderedDict(
        (name, (v.shape, v.dtype.base_dtype.name)) for name, v in variables.items())
    missing = [name for name in graph if name not in entries]
    differ = [name for name in graph if name in entries and (
        not graph[name][0].is_compatible_with(entries[name][0])
        or graph[name][1] != entries[name][1])]
    if not missing and not differ:
        return None
    unused = [key for key in entries if key not in graph]
    rows, reruns = [], []
    for name in differ:
        what = ("dtype differs" if graph[name][0].is_compatible_with(entries[name][0])
                else "shape differs")
        rows.append((name, graph[name], name, entries[name], what))
    unmatched_missing = []
    for name in missing:
        key = _rerun_original(name, entries)
        if key is not None:  # `v1_1` next to `v1`: the model was built twice
            note = "`%s` ≈ `%s` — a re-run notebook cell?" % (name, key)
            reruns.append((name, key))
        else:
            close = difflib.get_close_matches(name, unused, n=1, cutoff=0.6)
            if not close:
                unmatched_missing.append(name)
                continue
            key = close[0]
            note = "`%s` ≈ `%s` — renamed?" % (name, key)
        if key in unused:
            unused.remove(key)
        rows.append((name, graph[name], key, entries[key], note))
    for name in unmatched_missing:
        rows.append((name, graph[name], None, None, "not in the checkpoint"))
    for key in unused:
        rows.append((None, None, key, entries[key], "only in the checkpoint (not restored)"))

    def cell(name, spec):
        if name is None:
            return "—"
        shape, dtype = spec
        return "%s %s %s" % (name, describe(shape), dtype)

    table = [("graph variable (shape dtype)", "checkpoint key (shape dtype)", "note")]
    table += [(cell(gn, gs), cell(ck, cs), note) for gn, gs, ck, cs, note in rows]
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    lines = ["  %s  %s  %s" % (a.ljust(widths[0]), b.ljust(widths[1]), c) for a, b, c in table]
    lines.insert(1, "  %s  %s  %s" % ("-" * widths[0], "-" * widths[1], "-" * 4))
    problems = len(missing) + len(differ)
    message = ("Restoring %s failed: %d of the %d variables to restore do not match the "
               "checkpoint (by name and shape).\n\n%s\n" % (
                   prefix, problems, len(graph), "\n".join(line.rstrip() for line in lines)))
    if reruns:
        name, key = reruns[0]
        hint = ("the graph holds a second copy of the model (`%s` instead of `%s`): a cell that "
                "builds it ran twice. Call tf.reset_default_graph() before building the model, "
                "then build it, create the Saver and restore again. Or map names explicitly: "
                "tf.train.Saver({%r: <the variable named %s>})." % (name, key, key, name))
    else:
        hint = ("build the same model (same variable names and shapes) as when saving, or give "
                "tf.train.Saver a dict {checkpoint key: variable} to map names. "
                "tf.train.list_variables(%r) lists what the checkpoint holds." % prefix)
    return message, hint


def _rerun_original(name, entries):
    """The checkpoint key that ``name`` is an auto-renamed copy of (``v1_3`` of ``v1``,
    ``layer_1/w`` of ``layer/w``), or None. TF adds ``_N`` to a name already taken."""
    parts = name.split("/")
    for i, part in enumerate(parts):
        base = re.fullmatch(r"(.+)_\d+", part)
        if base:
            key = "/".join(parts[:i] + [base.group(1)] + parts[i + 1:])
            if key in entries:
                return key
    return None


def list_variables(ckpt_dir_or_file):
    """[(name, shape)] of every variable in a checkpoint (a prefix, or a directory: its latest)."""
    prefix = _resolve(ckpt_dir_or_file)
    return sorted((name, list(shape)) for name, (shape, _) in _read_entries(prefix).items())


def load_variable(ckpt_dir_or_file, name):
    """The saved value of one variable, as a NumPy array."""
    prefix = _resolve(ckpt_dir_or_file)
    with np.load(prefix + VALUES_SUFFIX, allow_pickle=False) as values:
        if name not in values.files:
            raise NotFoundError("Key %r not found in checkpoint %s; it holds: %s."
                                % (name, prefix, ", ".join(sorted(values.files))))
        return values[name]


def _resolve(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise NotFoundError("No checkpoint in directory %r (no '%s' state file, or it names "
                                "no existing checkpoint)." % (path, STATE_FILENAME))
        return latest
    return _existing_prefix(path)


# --- the state file -----------------------------------------------------------------------------

class CheckpointState:
    """What the ``checkpoint`` file says: the latest checkpoint and all kept ones."""

    def __init__(self, model_checkpoint_path, all_model_checkpoint_paths):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __repr__(self):
        lines = ['model_checkpoint_path: "%s"' % self.model_checkpoint_path]
        lines += ['all_model_checkpoint_paths: "%s"' % p for p in self.all_model_checkpoint_paths]
        return "\n".join(lines)


def _write_state(directory, prefixes, latest_filename=None):
    """The ``checkpoint`` file: paths inside ``directory`` are stored relative to it."""
    def relative(prefix):
        if os.path.dirname(prefix) == directory or (
                not os.path.dirname(prefix) and directory == "."):
            return os.path.basename(prefix)
        return os.path.abspath(prefix)
    document = {"model_checkpoint_path": relative(prefixes[-1]),
                "all_model_checkpoint_paths": [relative(p) for p in prefixes]}
    _write_json(os.path.join(directory, latest_filename or STATE_FILENAME), document)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The :class:`CheckpointState` of ``checkpoint_dir``, or None when it has no state file."""
    path = os.path.join(os.fspath(checkpoint_dir), latest_filename or STATE_FILENAME)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        latest = document["model_checkpoint_path"]
        kept = document.get("all_model_checkpoint_paths") or [latest]
    except (ValueError, KeyError, TypeError) as e:
        warnings.warn("%s is not a minitensor checkpoint state file (%s: %s); ignoring it. "
                      "Delete it: the next Saver.save writes it anew." % (path, type(e).__name__,
                                                                          e), stacklevel=2)
        return None

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(os.fspath(checkpoint_dir), p)
    return CheckpointState(absolute(latest), [absolute(p) for p in kept])


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint in ``checkpoint_dir``, or None (TF 1.x semantics)."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None
