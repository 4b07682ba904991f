"""Learning-rate schedules that read the global step (TF 1.x ``tf.train.exponential_decay``...).

Each returns a scalar tensor; pass it as the optimizer's learning_rate and pass the global
step to ``minimize`` so it advances::

    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, decay_steps=1000, decay_rate=0.96)
    train_op = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)
"""
from ..framework.graph import get_default_graph
from ..ops.constant_op import convert_to_tensor
from ..ops.math_ops import cast, exp, floor, pow as pow_op


def _step_and_rate(learning_rate, global_step, what):
    if global_step is None:
        raise ValueError("tf.train.%s needs a global_step (e.g. "
                         "tf.train.get_or_create_global_step())." % what)
    lr = convert_to_tensor(learning_rate, name="learning_rate")
    step = convert_to_tensor(global_step)
    return lr, cast(step, lr.dtype.base_dtype)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ^ (global_step / decay_steps)  (floor of the exponent if
    ``staircase``)."""
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        lr, step = _step_and_rate(learning_rate, global_step, "exponential_decay")
        p = step / cast(convert_to_tensor(decay_steps), lr.dtype.base_dtype)
        if staircase:
            p = floor(p)
        return lr * pow_op(cast(convert_to_tensor(decay_rate), lr.dtype.base_dtype), p)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * exp(-decay_rate * global_step / decay_steps)."""
    with get_default_graph().name_scope(name or "NaturalExpDecay"):
        lr, step = _step_and_rate(learning_rate, global_step, "natural_exp_decay")
        p = step / cast(convert_to_tensor(decay_steps), lr.dtype.base_dtype)
        if staircase:
            p = floor(p)
        return lr * exp(-cast(convert_to_tensor(decay_rate), lr.dtype.base_dtype) * p)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps)."""
    with get_default_graph().name_scope(name or "InverseTimeDecay"):
        lr, step = _step_and_rate(learning_rate, global_step, "inverse_time_decay")
        p = step / cast(convert_to_tensor(decay_steps), lr.dtype.base_dtype)
        if staircase:
            p = floor(p)
        return lr / (1 + cast(convert_to_tensor(decay_rate), lr.dtype.base_dtype) * p)
