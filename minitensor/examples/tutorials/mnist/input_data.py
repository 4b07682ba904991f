"""TF 1.x's ``input_data`` module, so the course's MNIST programs run unchanged:

    from minitensor.examples.tutorials.mnist import input_data
    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

Everything is defined in :mod:`minitensor.datasets.mnist`; this module only gathers names.
"""
from ....datasets.mnist import (DataSet, Datasets, dense_to_one_hot,  # noqa: F401
                                extract_images, extract_labels, read_data_sets)
