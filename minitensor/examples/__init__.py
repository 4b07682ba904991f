"""``tensorflow.examples`` for TF 1.x programs: ``from minitensor.examples.tutorials.mnist import input_data``."""
