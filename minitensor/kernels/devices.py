"""Devices as TF 1.x names them: ``/device:CPU:0``, ``/device:GPU:0`` (also ``/cpu:0``)."""
import re

_JOB = "/job:localhost/replica:0/task:0"
_SPEC = re.compile(r"^(?:/job:[^/]+)?(?:/replica:\d+)?(?:/task:\d+)?"
                   r"(?:/(?:device:)?(?P<type>[A-Za-z]+):(?P<index>\d+|\*))?$")


def canonical_device(name):
    """'/gpu:0' -> '/device:GPU:0'; '' stays ''."""
    if not name:
        return ""
    m = _SPEC.match(name.strip())
    if not m:
        raise ValueError("%r is not a device name; use '/device:CPU:0' or '/device:GPU:0' "
                         "(or the short forms '/cpu:0', '/gpu:0')." % name)
    if m.group("type") is None:
        return ""
    return "/device:%s:%s" % (m.group("type").upper(), m.group("index"))


def placement_line(op, session):
    device = canonical_device(op.device) if isinstance(op.device, str) else ""
    if not device or device.startswith("/device:GPU"):
        device = "/device:CPU:0"
    return "%s: (%s): %s/%s" % (op.name, op.type, _JOB, device.lstrip("/"))


class DeviceAttributes:
    """What ``device_lib.list_local_devices()`` returns for one device."""

    def __init__(self, name, device_type, memory_limit, physical_device_desc="",
                 incarnation=0):
        self.name = name
        self.device_type = device_type
        self.memory_limit = memory_limit
        self.physical_device_desc = physical_device_desc
        self.incarnation = incarnation

    def __repr__(self):
        lines = ['name: "%s"' % self.name, 'device_type: "%s"' % self.device_type,
                 "memory_limit: %d" % self.memory_limit, "locality {", "}",
                 "incarnation: %d" % self.incarnation]
        if self.physical_device_desc:
            lines.append('physical_device_desc: "%s"' % self.physical_device_desc)
        return "\n".join(lines) + "\n"


def list_local_devices():
    import os
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        pages = 268435456
    return [DeviceAttributes("/device:CPU:0", "CPU", pages, incarnation=1)]


def list_session_devices():
    return list_local_devices()
