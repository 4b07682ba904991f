"""The caching GPU allocator (kernels/cuda_memory.py), with the driver calls replaced.

Runs without the simulator (which has no memory manager), GPU or not: the three methods
that talk to the CUDA driver are swapped for fakes that hand out numbered blocks.
"""
import gc
import os

import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "") not in ("", "0"):
    pytest.skip("Numba's simulator has no memory manager to replace", allow_module_level=True)

from numba.cuda.cudadrv import driver as cuda_driver  # noqa: E402

from minitensor.kernels import cuda_memory  # noqa: E402


class FakeDriverPool(cuda_memory._manager_class()):
    """The pool, with a pretend driver: blocks are numbers, frees are recorded."""

    def __init__(self, capacity=None):
        super().__init__(context=None)
        self.driver_blocks, self.freed, self.capacity = [], [], capacity

    def _driver_alloc(self, size):
        if self.capacity is not None and len(self.driver_blocks) - len(self.freed) >= \
                self.capacity:
            raise cuda_driver.CudaAPIError(
                cuda_driver.binding.CUresult.CUDA_ERROR_OUT_OF_MEMORY, "out of memory")
        self.driver_blocks.append(1000 + len(self.driver_blocks))
        return self.driver_blocks[-1]

    def _driver_free(self, pointer):
        self.freed.append(pointer)

    def _wrap(self, pointer, size, finalizer):
        return cuda_driver.AutoFreePointer(None, pointer, size, finalizer=finalizer)


def test_sizes_round_up_to_512_bytes():
    assert [cuda_memory.rounded(n) for n in (1, 512, 513, 4000)] == [512, 512, 1024, 4096]


def test_a_dropped_block_serves_the_next_allocation_of_its_size():
    pool = FakeDriverPool()
    first = pool.memalloc(1000)
    pointer = first.device_pointer
    assert first.size == 1024 and pool.stats["allocated"] == 1
    del first
    gc.collect()
    assert pool.cached_bytes == 1024
    again = pool.memalloc(600)                     # rounds to 1024 too: the same block
    assert again.device_pointer == pointer and pool.stats["reused"] == 1
    other = pool.memalloc(1024)                    # the first is in use: a new block
    assert other.device_pointer != pointer and pool.stats["allocated"] == 2
    bigger = pool.memalloc(5000)
    assert bigger.size == 5120 and pool.stats["allocated"] == 3
    assert pool.freed == []                        # nothing went back to the driver


def test_a_block_in_use_is_never_handed_out_twice():
    pool = FakeDriverPool()
    held = [pool.memalloc(2048) for _ in range(5)]
    assert len({m.device_pointer for m in held}) == 5
    held.pop()
    gc.collect()
    assert len({m.device_pointer for m in held + [pool.memalloc(2048)]}) == 5


def test_when_the_gpu_is_full_the_cache_goes_back_to_the_driver_and_it_retries():
    pool = FakeDriverPool(capacity=2)
    a, b = pool.memalloc(512), pool.memalloc(4096)
    del b
    gc.collect()                                   # a 4096-byte block sits in the cache
    c = pool.memalloc(8192)                        # the driver is full: release, retry
    assert pool.freed == [1001] and pool.stats["released"] == 1
    assert pool.cached_bytes == 0 and c.size == 8192 and a.size == 512


@pytest.fixture
def fraction_of_a_pretend_gpu():
    """per_process_gpu_memory_fraction=0.25 of a 40 KiB GPU: 10 KiB for this process."""
    cuda_memory.set_memory_fraction(0.25, 40 * 1024)
    yield
    cuda_memory.set_memory_fraction(None, 0)


def test_the_memory_fraction_caps_what_the_pool_takes(fraction_of_a_pretend_gpu):
    from minitensor.framework.errors import ResourceExhaustedError
    pool = FakeDriverPool()
    held = [pool.memalloc(4096), pool.memalloc(4096)]           # 8 KiB of 10
    assert pool.driver_bytes == 8192
    with pytest.raises(ResourceExhaustedError) as caught:
        pool.memalloc(4096)                                       # 12 KiB > 10
    assert str(caught.value).startswith(
        "Out of GPU memory for this process: per_process_gpu_memory_fraction=0.25 allows "
        "10.0 KiB of the GPU's 40.0 KiB; 8.0 KiB is taken and 4.0 KiB more was asked for.\n"
        "  Fix: use a smaller batch")
    assert pool.driver_bytes == 8192 and len(held) == 2


def test_at_the_cap_the_cache_goes_back_to_the_driver_first(fraction_of_a_pretend_gpu):
    pool = FakeDriverPool()
    kept = pool.memalloc(4096)
    dropped = pool.memalloc(4096)
    del dropped
    gc.collect()                                                  # 4 KiB cached, 8 KiB taken
    bigger = pool.memalloc(6144)                                  # 14 > 10: release, then 10
    assert pool.freed and pool.driver_bytes == 4096 + 6144
    assert kept.size == 4096 and bigger.size == 6144
