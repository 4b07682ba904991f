"""Graph, Operation, Tensor, dtypes, shapes, errors and the op registry.

Nothing here imports ``minitensor.ops``: ops plug in through ``registry`` and
``tensor.register_operator``."""
