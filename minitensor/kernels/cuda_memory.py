"""A caching allocator for GPU memory: blocks freed by one training step serve the next.

Every op on the GPU returns a new device array, and a training step makes dozens of them.
By default Numba asks the CUDA driver for each one (``cuMemAlloc``) and gives it back
(``cuMemFree``) when Python drops it: two driver calls per value per step.  PyTorch, CuPy and
TensorFlow keep freed blocks instead and hand them out again; this module does the same for
Numba, through Numba's External Memory Management (EMM) plugin interface:

    memalloc(size):  round size up to a multiple of 512 bytes;
                     a free block of that size?  take it.  else ask the driver for one
    when Python drops the array:  put its block back on the free list of its size

A training step allocates the same sizes in every run, so from the second step on every
allocation is a list pop.  Kernels run in order on one stream, so a block freed by one op
and taken by a later op is only written after the earlier op's kernels have finished.

When the driver says the GPU is out of memory, the free blocks are handed back to the driver
and the allocation is tried once more.  ``MINITENSOR_CUDA_POOL=0`` switches the pool off
(Numba's own allocator is used); ``pool_stats()`` says how many allocations were reused.

``ConfigProto(gpu_options=GPUOptions(per_process_gpu_memory_fraction=0.3))`` caps what the
pool takes from the driver (in use and cached) at that fraction of the GPU's memory, as in
TF: past it, the cache is handed back, and if that is not enough, the op that asked gets a
``ResourceExhaustedError`` saying how much was asked, taken and allowed.

The plugin must be installed before Numba creates its CUDA context (the first GPU call);
``devices.py`` does that when it first looks for a GPU.  Numba's simulator has no memory
manager, so there this module does nothing.
"""
import collections
import itertools
import os
import weakref

GRANULE = 512          # bytes: sizes are rounded up to a multiple of this


def rounded(size):
    """``size`` rounded up to a multiple of GRANULE (so near sizes share blocks)."""
    return -(-int(size) // GRANULE) * GRANULE


def _manager_class():
    """Build the plugin class (it subclasses Numba's allocator, so Numba is imported here)."""
    from numba.cuda.cudadrv import driver as cuda_driver

    class CachingMemoryManager(cuda_driver.NumbaCUDAMemoryManager):
        """Numba's allocator, with a free list per block size in front of it."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.free_blocks = collections.defaultdict(list)    # size -> [device pointer]
            self.in_use = {}                # key -> Numba's pointer object (keeps it alive)
            self.stats = collections.Counter()
            self.cached_bytes = 0
            self.driver_bytes = 0             # taken from the driver: in use + cached
            self._keys = itertools.count()

        def memalloc(self, size):
            if size <= 0:
                return super().memalloc(size)
            size = rounded(size)
            blocks = self.free_blocks[size]
            if blocks:
                pointer = blocks.pop()
                self.cached_bytes -= size
                self.stats["reused"] += 1
            else:
                pointer = self._allocate(size)
                self.stats["allocated"] += 1
            key = next(self._keys)
            memory = self._wrap(pointer, size, self._give_back(pointer, size, key))
            self.in_use[key] = memory
            return memory.own()

        def _give_back(self, pointer, size, key):
            """What runs when the last view of the array is dropped: the block goes back on
            its free list (Numba calls it; ``in_use`` held the pointer object until then)."""
            blocks = self.free_blocks[size]
            in_use = self.in_use
            manager = weakref.ref(self)

            def give_back():
                in_use.pop(key, None)
                blocks.append(pointer)
                alive = manager()
                if alive is not None:
                    alive.cached_bytes += size
            return give_back

        def _allocate(self, size):
            """A new block from the driver; when the GPU (or this process's share of it) is
            full, free the cache and retry."""
            limit = _LIMIT[0]
            if limit is not None and self.driver_bytes + size > limit[0]:
                self.release_cached()
                if self.driver_bytes + size > limit[0]:
                    raise _over_the_limit(size, self.driver_bytes, *limit)
            try:
                pointer = self._driver_alloc(size)
            except cuda_driver.CudaAPIError as e:
                if e.code != cuda_driver.binding.CUresult.CUDA_ERROR_OUT_OF_MEMORY:
                    raise
                self.release_cached()
                self.deallocations.clear()
                pointer = self._driver_alloc(size)
            self.driver_bytes += size
            return pointer

        def release_cached(self):
            """Hand every free block back to the driver."""
            for size, blocks in self.free_blocks.items():
                while blocks:
                    self._driver_free(blocks.pop())
                    self.stats["released"] += 1
                    self.driver_bytes -= size
            self.cached_bytes = 0

        def reset(self):
            self.release_cached()
            super().reset()

        # the three places that talk to the driver (tests replace them)
        @staticmethod
        def _driver_alloc(size):
            return cuda_driver.driver.cuMemAlloc(size)

        @staticmethod
        def _driver_free(pointer):
            cuda_driver.driver.cuMemFree(pointer)

        def _wrap(self, pointer, size, finalizer):
            return cuda_driver.AutoFreePointer(weakref.proxy(self.context), pointer, size,
                                               finalizer=finalizer)

    return CachingMemoryManager


_installed = []
_LIMIT = [None]        # (bytes, fraction, total bytes) from per_process_gpu_memory_fraction


def set_memory_fraction(fraction, total_bytes):
    """Cap the pool at ``fraction`` of the GPU's ``total_bytes`` (0 or None: no cap).  One
    cap per process, as TF's ``per_process_gpu_memory_fraction``: the last session sets it."""
    if not fraction:
        _LIMIT[0] = None
    else:
        _LIMIT[0] = (int(fraction * total_bytes), float(fraction), int(total_bytes))


def _gib(n):
    """1536 -> '1.5 KiB', 3 * 2**30 -> '3.0 GiB'"""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return "%.1f %s" % (n / float(scale), unit)
    return "%d bytes" % n


def _over_the_limit(size, taken, limit, fraction, total):
    from ..framework.errors import ResourceExhaustedError
    return ResourceExhaustedError(
        "Out of GPU memory for this process: per_process_gpu_memory_fraction=%g allows %s of "
        "the GPU's %s; %s is taken and %s more was asked for."
        % (fraction, _gib(limit), _gib(total), _gib(taken), _gib(size)),
        hint="use a smaller batch, or raise gpu_options.per_process_gpu_memory_fraction "
             "(or leave it at 0: no cap).")


def install():
    """Make Numba allocate through the caching pool (once per process; before the first GPU
    call).  Returns the plugin class, or None when the pool is off or cannot be used."""
    if _installed:
        return _installed[0]
    _installed.append(None)
    if os.environ.get("MINITENSOR_CUDA_POOL", "1") == "0":
        return None
    from numba.core import config
    if config.ENABLE_CUDASIM:
        return None
    from numba import cuda
    manager = _manager_class()
    cuda.set_memory_manager(manager)
    _installed[0] = manager
    return manager


def pool_stats():
    """``{"reused": ..., "allocated": ..., "released": ..., "cached_bytes": ...}`` for the
    current CUDA context, or None when the pool is not in use."""
    if not _installed or _installed[0] is None:
        return None
    from numba import cuda
    manager = cuda.current_context().memory_manager
    if not hasattr(manager, "free_blocks"):
        return None
    return dict(manager.stats, cached_bytes=manager.cached_bytes,
                driver_bytes=manager.driver_bytes)
