"""``tensorflow.examples.tutorials.mnist``: the ``input_data`` module of the TF 1.x MNIST tutorials."""
from . import input_data  # noqa: F401
