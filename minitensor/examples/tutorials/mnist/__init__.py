"""``tensorflow.examples.tutorials.mnist``: the TF 1.x MNIST tutorials' ``input_data`` module."""
from . import input_data  # noqa: F401
