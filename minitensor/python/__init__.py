"""``minitensor.python.client.device_lib`` as in TF 1.x."""
