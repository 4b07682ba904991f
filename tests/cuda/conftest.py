"""Tests of the CUDA kernels and of placement with a GPU.

They need ``numba.cuda`` with a GPU -- a real one, or Numba's CUDA simulator, which must be
switched on (``NUMBA_ENABLE_CUDASIM=1``) before ``numba.cuda`` is first imported.  A pytest
run imports every test file into one process, so these files cannot switch it on for
themselves without switching it on for every other test too.  ``tests/test_numba_cuda.py``
therefore runs this folder in a subprocess, with the simulator on (and again without it when
the machine has a GPU), and sets ``MINITENSOR_CUDA_TESTS=1``; without that variable the
folder is not collected.  To run it by hand:

    MINITENSOR_CUDA_TESTS=1 NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda
"""
import os

if os.environ.get("MINITENSOR_CUDA_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]
