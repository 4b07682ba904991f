"""Kernels and devices.  The NumPy reference kernels live next to their ops in ``ops/``;
fast Numba kernels for the CPU and CUDA register here against the same op types."""
