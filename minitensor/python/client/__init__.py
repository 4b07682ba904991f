"""``minitensor.python.client.device_lib`` and ``.timeline`` as in TF 1.x."""
from . import device_lib, timeline  # noqa: F401
