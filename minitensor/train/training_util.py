"""The global step: an int64 counter of training steps (``tf.train.get_or_create_global_step``).

``optimizer.minimize(loss, global_step=step)`` adds 1 to it after every update, and the
learning-rate schedules (``tf.train.exponential_decay``) read it.
"""
from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..ops.state_ops import Variable


def get_global_step(graph=None):
    """The global step variable of ``graph`` (default graph), or None if there is none."""
    graph = graph or get_default_graph()
    steps = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) > 1:
        raise ValueError("There are %d variables in the GLOBAL_STEP collection; there must be "
                         "at most one." % len(steps))
    if steps:
        return steps[0]
    try:
        tensor = graph.get_tensor_by_name("global_step:0")
    except KeyError:
        return None
    return tensor if tensor.dtype.base_dtype.is_integer else None


def create_global_step(graph=None):
    """Create the int64 scalar variable 'global_step' (starts at 0, not trainable)."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("A global step already exists in this graph; use "
                         "tf.train.get_or_create_global_step() to reuse it.")
    with graph.as_default():
        saved = graph._name_stack
        graph._name_stack = ""
        try:
            return Variable(0, dtype=dtypes.int64, trainable=False, name="global_step",
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])
        finally:
            graph._name_stack = saved


def get_or_create_global_step(graph=None):
    """The global step, created on first use."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The current value of the global step as a Python int."""
    return int(sess.run(global_step_tensor))
