"""``tf.train``: optimizers (and, as they land, Saver and the global step helpers)."""
from .gradient_descent import GradientDescentOptimizer  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
