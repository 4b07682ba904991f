"""Just enough of the protobuf wire format and TFRecord framing to write (and read back)
TensorBoard event files, with no dependency on protobuf or TensorFlow.

Wire format: each field is a key ``(field_number << 3) | wire_type`` (a varint) followed by
its value: varint (type 0), 64-bit (type 1), length-delimited bytes (type 2) or 32-bit
(type 5).  A TFRecord is ``length (u64) | masked crc32c(length) (u32) | data |
masked crc32c(data) (u32)``.
"""
import struct

# --- CRC-32C (Castagnoli), as TFRecord requires -----------------------------

_POLY = 0x82F63B78
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data +
            struct.pack("<I", masked_crc32c(data)))


def read_tfrecords(raw):
    """Yield the payloads of a TFRecord byte string, checking both CRCs."""
    pos = 0
    while pos < len(raw):
        header = raw[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", raw[pos + 8:pos + 12])
        if crc != masked_crc32c(header):
            raise ValueError("corrupt TFRecord header at byte %d" % pos)
        data = raw[pos + 12:pos + 12 + length]
        (crc,) = struct.unpack("<I", raw[pos + 12 + length:pos + 16 + length])
        if crc != masked_crc32c(data):
            raise ValueError("corrupt TFRecord payload at byte %d" % pos)
        yield data
        pos += 16 + length


# --- encoding ------------------------------------------------------------------

def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(int(value))


def field_double(number, value):
    return varint(number << 3 | 1) + struct.pack("<d", float(value))


def field_float(number, value):
    return varint(number << 3 | 5) + struct.pack("<f", float(value))


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(value)) + value


def field_packed_doubles(number, values):
    return field_bytes(number, b"".join(struct.pack("<d", float(v)) for v in values))


# --- decoding (for tests and summary_iterator) ----------------------------------

def _read_varint(data, pos):
    result, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def parse(data):
    """Decode a message into {field_number: [raw values]} (bytes for type 2)."""
    fields, pos = {}, 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 1:
            (value,) = struct.unpack("<d", data[pos:pos + 8])
            pos += 8
        elif wire == 5:
            (value,) = struct.unpack("<f", data[pos:pos + 4])
            pos += 4
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value = data[pos:pos + length]
            pos += length
        else:
            raise ValueError("unsupported wire type %d" % wire)
        fields.setdefault(number, []).append(value)
    return fields
