"""``from minitensor.python.client import device_lib; device_lib.list_local_devices()``"""
from ...kernels.devices import list_local_devices  # noqa: F401
