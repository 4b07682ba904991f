"""Devices as TF 1.x names them: ``/device:CPU:0``, ``/device:GPU:0`` (also ``/cpu:0``).

The CPU is always there.  A GPU is there when ``numba.cuda`` finds one -- or when Numba's
CUDA simulator is on (``NUMBA_ENABLE_CUDASIM=1``, set before ``numba.cuda`` is first
imported), which runs every GPU thread as a Python thread on the CPU: slow, but it is how
the CUDA kernels are tested on machines without a GPU and how a learner steps through one.

Looking for a GPU imports ``numba.cuda`` (about a second), so it happens at most once per
process and only when something asks: :func:`list_local_devices`, or a session placing ops
(``kernels/placement.py``).  On Linux a machine without an NVIDIA driver is recognised
without importing anything.
"""
import importlib.util
import os
import random
import sys

JOB = "/job:localhost/replica:0/task:0"
CPU = "/device:CPU:0"
GPU = "/device:GPU:0"
CPU_MEMORY_LIMIT = 268435456          # what TF 1.x reports for the CPU (256 MiB)

_SPEC = __import__("re").compile(
    r"^(?:/job:[^/]+)?(?:/replica:\d+)?(?:/task:\d+)?"
    r"(?:/(?:device:)?(?P<type>[A-Za-z_]+):(?P<index>\d+|\*))?$")


def canonical_device(name):
    """'/gpu:0' -> '/device:GPU:0'; '/job:localhost/.../device:CPU:0' -> '/device:CPU:0';
    '' stays ''.  A device function's result goes through here too."""
    if not name:
        return ""
    if not isinstance(name, str):
        name = getattr(name, "name", None) or str(name)      # a DeviceSpec-like object
    m = _SPEC.match(name.strip())
    if not m:
        raise ValueError("%r is not a device name; use '/device:CPU:0' or '/device:GPU:0' "
                         "(or the short forms '/cpu:0', '/gpu:0')." % name)
    if m.group("type") is None:
        return ""
    return "/device:%s:%s" % (m.group("type").upper(), m.group("index"))


def full_name(device):
    """'/device:GPU:0' -> '/job:localhost/replica:0/task:0/device:GPU:0'"""
    return JOB + device


def placement_line(op, device):
    """One line of ``log_device_placement``, as TF 1.x prints it:
    ``mul: (Mul): /job:localhost/replica:0/task:0/device:GPU:0``"""
    return "%s: (%s): %s" % (op.name, op.type, full_name(device))


class DeviceAttributes:
    """What ``device_lib.list_local_devices()`` returns for one device (TF's proto, printed
    the way TF prints it)."""

    def __init__(self, name, device_type, memory_limit, physical_device_desc="",
                 incarnation=None, bus_id=None):
        self.name = name
        self.device_type = device_type
        self.memory_limit = int(memory_limit)
        self.physical_device_desc = physical_device_desc
        self.incarnation = random.getrandbits(63) if incarnation is None else incarnation
        self.bus_id = bus_id

    def __repr__(self):
        lines = ['name: "%s"' % self.name, 'device_type: "%s"' % self.device_type,
                 "memory_limit: %d" % self.memory_limit, "locality {"]
        if self.bus_id is not None:
            lines.append("  bus_id: %d" % self.bus_id)
        lines += ["}", "incarnation: %d" % self.incarnation]
        if self.physical_device_desc:
            lines.append('physical_device_desc: "%s"' % self.physical_device_desc)
        return "\n".join(lines) + "\n"


_CPU_DEVICE = DeviceAttributes(CPU, "CPU", CPU_MEMORY_LIMIT)
_gpus = None          # (list of DeviceAttributes, reason there are none) once looked up


def simulator_on():
    """Is Numba's CUDA simulator asked for?  (It must be set before numba.cuda is imported.)"""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "") not in ("", "0")


def gpus():
    """``(devices, reason)``: the GPUs ``numba.cuda`` sees, and -- when there are none -- a
    sentence saying why, for error messages.  Looked up once per process."""
    global _gpus
    if _gpus is None:
        _gpus = _find_gpus()
    return _gpus


def _find_gpus():
    if importlib.util.find_spec("numba_cuda") is None:
        return [], ("numba-cuda is not installed; install it with "
                    "pip install 'minitensor[cuda]' (or pip install numba-cuda)")
    if not simulator_on() and sys.platform.startswith("linux") and not (
            os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/dxg")):
        return [], "this machine has no NVIDIA driver (/dev/nvidiactl does not exist)"
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return [], "CUDA_VISIBLE_DEVICES=%r hides every GPU" % os.environ["CUDA_VISIBLE_DEVICES"]
    try:
        from . import cuda_memory
        cuda_memory.install()         # before Numba's first CUDA call creates the context
        from numba import cuda
        if not cuda.is_available():
            return [], "numba.cuda.is_available() is False (no usable GPU or CUDA driver)"
        from numba.core import config
        if config.ENABLE_CUDASIM:
            return [_simulated_gpu()], ""
        return [_real_gpu(i, device) for i, device in enumerate(cuda.gpus)], ""
    except Exception as e:       # a broken driver or toolkit: say what Numba said
        return [], "numba.cuda failed to start: %s: %s" % (type(e).__name__, e)


def _simulated_gpu():
    return DeviceAttributes(
        GPU, "GPU", _host_memory(), bus_id=1,
        physical_device_desc="device: 0, name: SIMULATOR (Numba's CUDA simulator: GPU threads "
                             "run as Python threads on the CPU), pci bus id: 0000:00:00.0, "
                             "compute capability: 5.2")


def _real_gpu(index, gpu):
    from numba import cuda
    with gpu:
        device = cuda.get_current_device()
        free, _total = cuda.current_context().get_memory_info()
    name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
    major, minor = device.compute_capability
    bus = "%04x:%02x:%02x.0" % (device.PCI_DOMAIN_ID, device.PCI_BUS_ID, device.PCI_DEVICE_ID)
    return DeviceAttributes(
        "/device:GPU:%d" % index, "GPU", free, bus_id=1,
        physical_device_desc="device: %d, name: %s, pci bus id: %s, compute capability: %d.%d"
                             % (index, name, bus, major, minor))


def _host_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return CPU_MEMORY_LIMIT


def list_local_devices():
    """The CPU and every GPU Numba sees (``tensorflow.python.client.device_lib``)."""
    return [_CPU_DEVICE] + list(gpus()[0])


def list_session_devices(config=None):
    """The devices a session with this ``ConfigProto`` runs ops on: the CPU and GPU:0.

    ``device_count={'GPU': 0}`` hides the GPU; ``gpu_options.per_process_gpu_memory_fraction``
    scales the memory reported (Numba allocates on demand, it does not reserve it).
    """
    found = [_CPU_DEVICE]
    if config is not None and config.device_count.get("GPU", 1) == 0:
        return found
    devices = gpus()[0]
    if devices:
        gpu = devices[0]
        fraction = getattr(getattr(config, "gpu_options", None),
                           "per_process_gpu_memory_fraction", 0.0) or 1.0
        found.append(DeviceAttributes(gpu.name, "GPU", gpu.memory_limit * min(fraction, 1.0),
                                      gpu.physical_device_desc, gpu.incarnation, gpu.bus_id))
    return found


def device_mapping():
    """TF's "Device mapping:" lines, printed once when ``log_device_placement`` is on."""
    devices = gpus()[0]
    if not devices:
        return "Device mapping: no known devices."
    return "Device mapping:\n" + "\n".join(
        "%s -> %s" % (full_name(d.name), d.physical_device_desc) for d in devices)


def is_device_array(value):
    """A value that lives on the GPU (a Numba device array, or the simulator's stand-in)."""
    return hasattr(value, "copy_to_host")
