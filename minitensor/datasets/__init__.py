"""Datasets for the tutorials: MNIST (IDX reader, checksums, download and cache).

    from minitensor.datasets import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
"""
from . import mnist  # noqa: F401
from . import timeseries  # noqa: F401,E402
