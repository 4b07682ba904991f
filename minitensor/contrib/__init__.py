"""``tf.contrib``: the few contrib names the TF 1.x course uses (``tf.contrib.rnn``)."""
from . import rnn  # noqa: F401
