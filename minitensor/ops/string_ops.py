"""String ops: hashing to buckets, formatting numbers, base64, joining, splitting, substrings.

A ``tf.string`` value is a NumPy ``object`` array of ``bytes`` (as TF 1.x returns them):
``sess.run(tf.constant("hi"))`` gives ``b'hi'``.  Python ``str`` inputs are encoded as UTF-8.
Every op here works byte by byte unless it has a ``unit="UTF8_CHAR"`` argument.

No op in this file has a gradient: strings are not differentiable.

The three hash functions are TensorFlow's own, written out in plain Python so the bucket
numbers match TF 1.x:

=============================== ============================== ===========================
op                              hash (64 bits)                 used for
=============================== ============================== ===========================
string_to_hash_bucket_fast      FarmHash ``Fingerprint64``     trusted inputs (fastest)
string_to_hash_bucket_strong    SipHash-2-4 keyed by ``key``   inputs an adversary controls
string_to_hash_bucket           TF's ``Hash64`` (MurmurHash2   old code (TF calls it
                                64A, seed 0xDECAFCAFFE)        deprecated)
=============================== ============================== ===========================

bucket = hash % num_buckets.  (They are checked against the examples in TF's docs, e.g.
``string_to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) == [0, 2, 2]``.)
"""
import base64
import binascii
import collections
import re

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ShapeError
from ..framework.registry import not_differentiable, reference_kernel
from ..framework.shapes import TensorShape, broadcast_shapes, describe
from ..framework.tensor import Tensor
from .constant_op import convert_to_tensor
from .op_util import (arg_label, check_dtype, convert_pair, make_multi_output_op, make_op,
                      normalize_axis, static_int_list)

__all__ = ["string_to_hash_bucket_fast", "string_to_hash_bucket_strong", "string_to_hash_bucket",
           "as_string", "encode_base64", "decode_base64", "reduce_join", "string_join",
           "string_split", "substr", "regex_replace", "SparseTensor", "SparseTensorValue"]


# =========================================================================
# Helpers
# =========================================================================

def _string_input(value, label, name="input"):
    """``value`` as a tf.string tensor, or an error that says what came instead."""
    if isinstance(value, Tensor) or hasattr(value, "_to_tensor"):
        x = convert_to_tensor(value)
    else:
        x = convert_to_tensor(value, dtype=dtypes.string) if _looks_like_text(value) \
            else convert_to_tensor(value)
    check_dtype("%s (argument %s)" % (label, name), x, {"string"})
    return x


def _looks_like_text(value):
    array = np.asarray(value, dtype=object)
    return array.size == 0 or all(isinstance(v, (str, bytes)) for v in array.ravel())


def _static_string(value, label, what):
    """A Python ``str`` argument (pattern, separator, ...): also accepts bytes or a
    constant string tensor."""
    if isinstance(value, Tensor):
        if value.op.type == "Const" and value.dtype == dtypes.string and value.shape.ndims == 0:
            value = value.op.attrs["value"][()]
        else:
            raise NotImplementedError("%s: %s must be known when the graph is built (a Python "
                                      "string), got %s." % (label, what, arg_label(value)))
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError("%s: %s must be a string, got %r." % (label, what, value))


def _map_strings(fn, values, out_dtype=object):
    """Apply ``fn`` to every element of an array, keeping its shape."""
    values = np.asarray(values, dtype=object)
    out = np.empty(values.size, dtype=out_dtype)
    for i, v in enumerate(values.ravel()):
        out[i] = fn(v)
    return out.reshape(values.shape)


def _num_buckets(num_buckets, label):
    n = int(num_buckets)
    if n < 1:
        raise ValueError("%s: num_buckets must be >= 1, got %d." % (label, n))
    return n


# =========================================================================
# The three 64-bit hash functions (plain Python ints, kept to 64 bits with & _MASK)
# =========================================================================

_MASK = (1 << 64) - 1


def _fetch64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _fetch32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


def _rotate_right(v, shift):
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & _MASK


def _rotate_left(v, shift):
    return ((v << shift) | (v >> (64 - shift))) & _MASK


# --- FarmHash Fingerprint64 (farmhash "na" Hash64) --------------------------

_K0 = 0xc3a5c85c97cb3127
_K1 = 0xb492b66fbe98f273
_K2 = 0x9ae16a3b2f90404f


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _hash_len_0_to_16(s):
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch64(s, 0) + _K2) & _MASK
        b = _fetch64(s, n - 8)
        c = (_rotate_right(b, 37) * mul + a) & _MASK
        d = ((_rotate_right(a, 25) + b) * mul) & _MASK
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        a = _fetch32(s, 0)
        return _hash_len16(n + (a << 3), _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_len_17_to_32(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K1) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _MASK
    d = (_fetch64(s, n - 16) * _K2) & _MASK
    return _hash_len16((_rotate_right((a + b) & _MASK, 43) + _rotate_right(c, 30) + d) & _MASK,
                       (a + _rotate_right((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _weak_hash_len32_with_seeds(s, i, a, b):
    w, x, y, z = _fetch64(s, i), _fetch64(s, i + 8), _fetch64(s, i + 16), _fetch64(s, i + 24)
    a = (a + w) & _MASK
    b = _rotate_right((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate_right(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def _hash_len_33_to_64(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K2) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _MASK
    d = (_fetch64(s, n - 16) * _K2) & _MASK
    y = (_rotate_right((a + b) & _MASK, 43) + _rotate_right(c, 30) + d) & _MASK
    z = _hash_len16(y, (a + _rotate_right((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_fetch64(s, 16) * mul) & _MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & _MASK
    h = ((z + _fetch64(s, n - 24)) * mul) & _MASK
    return _hash_len16((_rotate_right((e + f) & _MASK, 43) + _rotate_right(g, 30) + h) & _MASK,
                       (e + _rotate_right((f + a) & _MASK, 18) + g) & _MASK, mul)


def fingerprint64(s):
    """FarmHash ``Fingerprint64`` of the bytes ``s`` (TF's ``string_to_hash_bucket_fast``)."""
    n = len(s)
    if n <= 16:
        return _hash_len_0_to_16(s)
    if n <= 32:
        return _hash_len_17_to_32(s)
    if n <= 64:
        return _hash_len_33_to_64(s)
    # Longer strings: 64 bytes per round into a 56-byte state (v, w, x, y, z).
    x = 81
    y = (81 * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v = w = (0, 0)
    x = (x * _K2 + _fetch64(s, 0)) & _MASK
    end = ((n - 1) // 64) * 64           # leaves 1 to 64 bytes for the final round
    pos = 0
    while True:
        x = (_rotate_right((x + y + v[0] + _fetch64(s, pos + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rotate_right((y + v[1] + _fetch64(s, pos + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w[1]
        y = (y + v[0] + _fetch64(s, pos + 40)) & _MASK
        z = (_rotate_right((z + w[0]) & _MASK, 33) * _K1) & _MASK
        v = _weak_hash_len32_with_seeds(s, pos, (v[1] * _K1) & _MASK, (x + w[0]) & _MASK)
        w = _weak_hash_len32_with_seeds(s, pos + 32, (z + w[1]) & _MASK,
                                        (y + _fetch64(s, pos + 16)) & _MASK)
        z, x = x, z
        pos += 64
        if pos == end:
            break
    mul = _K1 + ((z & 0xff) << 1)
    pos = n - 64                         # the last 64 bytes (they may overlap the loop's)
    w0 = (w[0] + ((n - 1) & 63)) & _MASK
    v0 = (v[0] + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rotate_right((x + y + v[0] + _fetch64(s, pos + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rotate_right((y + v[1] + _fetch64(s, pos + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w[1] * 9) & _MASK
    y = (y + v[0] * 9 + _fetch64(s, pos + 40)) & _MASK
    z = (_rotate_right((z + w[0]) & _MASK, 33) * mul) & _MASK
    v = _weak_hash_len32_with_seeds(s, pos, (v[1] * mul) & _MASK, (x + w[0]) & _MASK)
    w = _weak_hash_len32_with_seeds(s, pos + 32, (z + w[1]) & _MASK,
                                    (y + _fetch64(s, pos + 16)) & _MASK)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _MASK,
                       (_hash_len16(v[1], w[1], mul) + x) & _MASK, mul)


# --- SipHash-2-4 ----------------------------------------------------------------

def siphash24(k0, k1, s):
    """SipHash-2-4 of the bytes ``s`` with the 128-bit key (k0, k1) (TF's StrongKeyedHash)."""
    v0 = k0 ^ 0x736f6d6570736575
    v1 = k1 ^ 0x646f72616e646f6d
    v2 = k0 ^ 0x6c7967656e657261
    v3 = k1 ^ 0x7465646279746573

    def sip_round(v0, v1, v2, v3):
        v0 = (v0 + v1) & _MASK
        v1 = _rotate_left(v1, 13) ^ v0
        v0 = _rotate_left(v0, 32)
        v2 = (v2 + v3) & _MASK
        v3 = _rotate_left(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK
        v3 = _rotate_left(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK
        v1 = _rotate_left(v1, 17) ^ v2
        v2 = _rotate_left(v2, 32)
        return v0, v1, v2, v3

    n = len(s)
    whole = n - n % 8
    # every 8-byte word, then the tail padded with the length's low byte in the top byte
    words = [_fetch64(s, i) for i in range(0, whole, 8)]
    words.append(((n & 0xff) << 56) | int.from_bytes(s[whole:], "little"))
    for m in words:
        v3 ^= m
        for _ in range(2):
            v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
        v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


# --- TF's legacy Hash64 (MurmurHash2 64A) ------------------------------------------

def tf_hash64(s, seed=0xDECAFCAFFE):
    """TensorFlow's ``Hash64`` (MurmurHash64A, seed 0xDECAFCAFFE): ``string_to_hash_bucket``."""
    m, r = 0xc6a4a7935bd1e995, 47
    n = len(s)
    h = seed ^ ((n * m) & _MASK)
    whole = n - n % 8
    for i in range(0, whole, 8):
        k = (_fetch64(s, i) * m) & _MASK
        k ^= k >> r
        k = (k * m) & _MASK
        h = ((h ^ k) * m) & _MASK
    if n % 8:
        h = ((h ^ int.from_bytes(s[whole:], "little")) * m) & _MASK
    h ^= h >> r
    h = (h * m) & _MASK
    h ^= h >> r
    return h


# =========================================================================
# Hash buckets
# =========================================================================

def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's name
    """Each string -> ``Fingerprint64(s) % num_buckets`` (int64, same shape).

    Fast and stable forever, but an adversary can make many strings land in one bucket;
    use :func:`string_to_hash_bucket_strong` for untrusted inputs.
    """
    label = "tf.string_to_hash_bucket_fast"
    x = _string_input(input, label)
    return make_op("StringToHashBucketFast", [x], dtypes.int64, x.shape,
                   name=name or "StringToHashBucketFast",
                   attrs={"num_buckets": _num_buckets(num_buckets, label)})


@reference_kernel("StringToHashBucketFast")
def _string_to_hash_bucket_fast(x, num_buckets):
    return _map_strings(lambda s: fingerprint64(s) % num_buckets, x, np.int64)


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Each string -> ``SipHash-2-4(key, s) % num_buckets``; ``key`` is two integers [k0, k1].

    Keyed: without the key nobody can craft strings that collide.  About 4x slower than
    :func:`string_to_hash_bucket_fast`.
    """
    label = "tf.string_to_hash_bucket_strong"
    x = _string_input(input, label)
    key = [int(k) for k in key] if isinstance(key, (list, tuple, np.ndarray)) else None
    if key is None or len(key) != 2:
        raise ValueError("%s: key must be a list of two integers [k0, k1] (the 128-bit SipHash "
                         "key), got %r." % (label, key))
    return make_op("StringToHashBucketStrong", [x], dtypes.int64, x.shape,
                   name=name or "StringToHashBucketStrong",
                   attrs={"num_buckets": _num_buckets(num_buckets, label),
                          "key": (key[0] & _MASK, key[1] & _MASK)})


@reference_kernel("StringToHashBucketStrong")
def _string_to_hash_bucket_strong(x, num_buckets, key):
    return _map_strings(lambda s: siphash24(key[0], key[1], s) % num_buckets, x, np.int64)


def string_to_hash_bucket(string_tensor=None, num_buckets=None, name=None, input=None):  # noqa: A002
    """Each string -> ``Hash64(s) % num_buckets`` (TF's older hash; prefer the _fast one)."""
    label = "tf.string_to_hash_bucket"
    x = _string_input(string_tensor if string_tensor is not None else input, label)
    if num_buckets is None:
        raise ValueError("%s: num_buckets is required." % label)
    return make_op("StringToHashBucket", [x], dtypes.int64, x.shape,
                   name=name or "StringToHashBucket",
                   attrs={"num_buckets": _num_buckets(num_buckets, label)})


@reference_kernel("StringToHashBucket")
def _string_to_hash_bucket(x, num_buckets):
    return _map_strings(lambda s: tf_hash64(s) % num_buckets, x, np.int64)


# =========================================================================
# Numbers -> strings
# =========================================================================

_PRINTF_FLAGS = ("", "0", " ", "-", "+")


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",  # noqa: A002
              name=None):
    """Format numbers (or bools) as strings, printf-style, like TF's ``AsString``.

    Floats use ``%f`` (6 decimals) unless ``scientific`` (``%e``) or ``shortest`` (``%g``);
    ``precision`` sets the decimals, ``width`` pads to that many characters with ``fill``
    (``""``/``" "``: spaces on the left, ``"0"``: zeros, ``"-"``: spaces on the right).
    Bools become ``b"true"`` / ``b"false"``; complex numbers ``b"(re,im)"``.
    """
    label = "tf.as_string"
    x = convert_to_tensor(input)
    check_dtype(label, x, {"int", "float", "complex", "bool"})
    d = x.dtype.base_dtype
    fill = fill.decode() if isinstance(fill, bytes) else fill
    if not (d.is_floating or d.is_complex):
        if scientific or shortest:
            raise InvalidArgumentError("%s: scientific and shortest formats are only for float "
                                       "and complex inputs; %s is %s." % (label, arg_label(x), d.name))
        if precision > -1:
            raise InvalidArgumentError("%s: precision is only for float and complex inputs; %s is "
                                       "%s." % (label, arg_label(x), d.name))
    if scientific and shortest:
        raise InvalidArgumentError("%s: choose scientific=True or shortest=True, not both." % label)
    if fill not in _PRINTF_FLAGS:
        raise InvalidArgumentError(
            "%s: fill must be one of %s (a printf flag), got %r." % (label, _PRINTF_FLAGS, fill),
            hint="pad with another character afterwards, e.g. with tf.regex_replace.")
    spec = "%"
    if width > -1:
        spec += "%s%d" % (fill, width)
    if precision > -1:
        spec += ".%d" % precision
    if d.is_floating or d.is_complex:
        spec += "g" if shortest else "e" if scientific else "f"
    elif d.is_integer:
        spec += "d"
    if d.is_complex:
        spec = "(%s,%s)" % (spec, spec)
    return make_op("AsString", [x], dtypes.string, x.shape, name=name or "AsString",
                   attrs={"format": spec})


@reference_kernel("AsString")
def _as_string(x, format):  # noqa: A002 - the printf format, as TF's kernel calls it
    x = np.asarray(x)
    if x.dtype == np.bool_:
        fn = lambda v: b"true" if v else b"false"  # noqa: E731
    elif np.iscomplexobj(x):
        fn = lambda v: (format % (v.real, v.imag)).encode()  # noqa: E731
    elif np.issubdtype(x.dtype, np.integer):
        fn = lambda v: (format % int(v)).encode()  # noqa: E731
    else:
        fn = lambda v: (format % float(v)).encode()  # noqa: E731
    out = np.empty(x.size, dtype=object)
    for i, v in enumerate(x.ravel()):
        out[i] = fn(v)
    return out.reshape(x.shape)


# =========================================================================
# Base64 (web-safe alphabet: '-' and '_' instead of '+' and '/')
# =========================================================================

def encode_base64(input, pad=False, name=None):  # noqa: A002
    """Web-safe base64 of each string; no '=' padding unless ``pad=True`` (TF's default)."""
    x = _string_input(input, "tf.encode_base64")
    return make_op("EncodeBase64", [x], dtypes.string, x.shape, name=name or "EncodeBase64",
                   attrs={"pad": bool(pad)})


@reference_kernel("EncodeBase64")
def _encode_base64(x, pad):
    def encode(s):
        out = base64.urlsafe_b64encode(s)
        return out if pad else out.rstrip(b"=")
    return _map_strings(encode, x)


_WEB_SAFE = re.compile(rb"^[A-Za-z0-9_-]*={0,2}$")


def decode_base64(input, name=None):  # noqa: A002
    """Decode web-safe base64 strings (with or without '=' padding)."""
    x = _string_input(input, "tf.decode_base64")
    return make_op("DecodeBase64", [x], dtypes.string, x.shape, name=name or "DecodeBase64")


@reference_kernel("DecodeBase64")
def _decode_base64(x):
    def decode(s):
        body = s.rstrip(b"=")
        if not _WEB_SAFE.match(s) or len(body) % 4 == 1:
            raise InvalidArgumentError(
                "tf.decode_base64: %r is not web-safe base64." % (s,),
                hint="web-safe base64 uses A-Z a-z 0-9 '-' '_' (not '+' '/'); for standard "
                     "base64 replace '+' by '-' and '/' by '_' first (tf.regex_replace).")
        try:
            return base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
        except binascii.Error as e:
            raise InvalidArgumentError("tf.decode_base64: cannot decode %r: %s" % (s, e)) from None
    return _map_strings(decode, x)


# =========================================================================
# Joining
# =========================================================================

def reduce_join(inputs, axis=None, keep_dims=False, separator="", name=None,
                reduction_indices=None, keepdims=None):
    """Join the strings along ``axis`` (all axes when None) with ``separator``.

    For ``a = [["a", "b"], ["c", "d"]]``: ``reduce_join(a, 0) == ["ac", "bd"]``,
    ``reduce_join(a, 1) == ["ab", "cd"]``, ``reduce_join(a) == "abcd"``.  With several axes
    the first one listed varies fastest (TF's rule): ``reduce_join(a, [0, 1]) == "acbd"``.
    """
    label = "tf.reduce_join"
    x = _string_input(inputs, label, "inputs")
    if keepdims is not None:
        keep_dims = keepdims
    if axis is None:
        axis = reduction_indices
    separator = _static_string(separator, label, "separator")
    ndims = x.shape.ndims
    if ndims is None:
        raise NotImplementedError("%s needs an input of known rank; %s has an unknown shape."
                                  % (label, arg_label(x)))
    if axis is None:
        axes = tuple(reversed(range(ndims)))   # TF's default: row-major order
    else:
        axes = static_int_list(axis, "axis")
        if ndims == 0 and axes:
            raise ShapeError("%s: %s is a scalar; it has no axis %s to join along."
                             % (label, arg_label(x), axes[0]))
        axes = tuple(normalize_axis(a, ndims, label) for a in axes)
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError("%s: axis %s lists a dimension twice." % (label, list(axes)))
    if keep_dims:
        shape = TensorShape([1 if i in axes else d for i, d in enumerate(x.shape.dims)])
    else:
        shape = TensorShape([d for i, d in enumerate(x.shape.dims) if i not in axes])
    return make_op("ReduceJoin", [x], dtypes.string, shape, name=name or "ReduceJoin",
                   attrs={"axis": axes, "keep_dims": bool(keep_dims), "separator": separator})


@reference_kernel("ReduceJoin")
def _reduce_join(x, axis, keep_dims, separator):
    x = np.asarray(x, dtype=object)
    kept = [d for d in range(x.ndim) if d not in axis]
    # the joined axes go last; among them the first listed axis varies fastest
    moved = np.transpose(x, kept + list(reversed(axis)))
    n = int(np.prod([x.shape[a] for a in axis], dtype=np.int64))
    rows = moved.reshape([x.shape[d] for d in kept] + [n])
    out = np.empty(rows.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = separator.join(rows[index])
    if keep_dims:
        out = out.reshape([1 if d in axis else x.shape[d] for d in range(x.ndim)])
    return out


def string_join(inputs, separator="", name=None):
    """Join the strings of several tensors element-wise: ``string_join([a, b], "-")``.

    The inputs must have the same shape, or be scalars (a scalar is used for every element).
    """
    label = "tf.string_join"
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("%s takes a non-empty list of string tensors, got %r." % (label, inputs))
    tensors = [_string_input(t, label, "inputs[%d]" % i) for i, t in enumerate(inputs)]
    separator = _static_string(separator, label, "separator")
    shape = TensorShape([])
    first = None
    for t in tensors:
        if t.shape.ndims == 0:
            continue
        if first is not None and not t.shape.is_compatible_with(first.shape):
            raise ShapeError(
                "%s: the inputs must have the same shape or be scalars, but %s has shape %s and "
                "%s has shape %s." % (label, arg_label(first), describe(first.shape),
                                      arg_label(t), describe(t.shape)),
                hint="tf.string_join does not broadcast beyond scalars; tile or reshape the "
                     "inputs to one shape first.")
        if first is None:
            first = t
        shape = t.shape if shape.ndims == 0 else shape.merge_with(t.shape)
    return make_op("StringJoin", tensors, dtypes.string, shape, name=name or "StringJoin",
                   attrs={"separator": separator})


@reference_kernel("StringJoin")
def _string_join(*inputs, separator):
    arrays = [np.asarray(a, dtype=object) for a in inputs]
    shape = next((a.shape for a in arrays if a.ndim), ())
    for a in arrays:
        if a.ndim and a.shape != shape:
            raise InvalidArgumentError("tf.string_join: input shapes %s and %s differ (only "
                                       "scalars may be mixed in)." % (shape, a.shape))
    arrays = [np.broadcast_to(a, shape) for a in arrays]
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = separator.join(a[index] for a in arrays)
    return out


# =========================================================================
# Splitting into a SparseTensor
# =========================================================================

SparseTensorValue = collections.namedtuple("SparseTensorValue",
                                           ["indices", "values", "dense_shape"])
SparseTensorValue.__doc__ = """What ``Session.run`` returns for a :class:`SparseTensor`:
NumPy arrays ``indices`` [N, rank] (int64), ``values`` [N] and ``dense_shape`` [rank]."""


class SparseTensor:
    """A mostly-empty tensor stored as three dense tensors (TF 1.x ``tf.SparseTensor``).

    ``indices`` [N, rank] int64: the coordinates of the N stored values; ``values`` [N];
    ``dense_shape`` [rank] int64: the shape of the whole tensor.  ``sess.run(sparse)`` gives
    a :data:`SparseTensorValue` with the three arrays.

    >>> st = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    """

    def __init__(self, indices, values, dense_shape):
        self.indices = convert_to_tensor(indices, dtype=dtypes.int64)
        self.values = convert_to_tensor(values)
        self.dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64)
        if self.indices.shape.ndims not in (None, 2):
            raise ShapeError("SparseTensor: indices must be a matrix [N, rank], got shape %s."
                             % describe(self.indices.shape))
        if self.values.shape.ndims not in (None, 1):
            raise ShapeError("SparseTensor: values must be a vector [N], got shape %s."
                             % describe(self.values.shape))

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def graph(self):
        return self.values.graph

    @property
    def op(self):
        return self.values.op

    @property
    def shape(self):
        """The static dense shape (known when dense_shape is a constant)."""
        static = static_int_list(self.dense_shape, "dense_shape")
        if static is not None:
            return TensorShape(static)
        n = self.dense_shape.shape.dims[0] if self.dense_shape.shape.ndims == 1 else None
        return TensorShape(None if n is None else [None] * n)

    def get_shape(self):
        return self.shape

    def _fetch_components(self):
        """How Session.run fetches this object: three tensors, rebuilt as a SparseTensorValue."""
        return SparseTensorValue, (self.indices, self.values, self.dense_shape)

    def eval(self, feed_dict=None, session=None):
        from ..framework.graph import default_session_for
        return default_session_for(self.values, session).run(self, feed_dict)

    def __repr__(self):
        return "SparseTensor(indices=%s, values=%s, dense_shape=%s)" % (
            self.indices, self.values, self.dense_shape)


def string_split(source, delimiter=" ", skip_empty=True, sep=None, result_type="SparseTensor",
                 name=None):
    """Split each string of the vector ``source``; returns a :class:`SparseTensor`.

    Every character of ``delimiter`` is a delimiter; an empty delimiter splits into single
    bytes.  Row i of the result holds the tokens of ``source[i]``:
    ``string_split(["hello world", "a b c"])`` has indices [[0,0],[0,1],[1,0],[1,1],[1,2]],
    values [b"hello", b"world", b"a", b"b", b"c"] and dense_shape [2, 3].
    With ``skip_empty=False`` empty tokens are kept ("a  b" -> "a", "", "b").  As in TF 1.x
    an empty string gives no tokens.
    """
    label = "tf.string_split"
    if result_type != "SparseTensor":
        raise NotImplementedError("%s: only result_type='SparseTensor' is supported." % label)
    x = _string_input(source, label, "source")
    if x.shape.ndims not in (None, 1):
        raise ShapeError("%s: source must be a vector (1-D) of strings, but %s has shape %s."
                         % (label, arg_label(x), describe(x.shape)),
                         hint="flatten it first: tf.reshape(source, [-1]).")
    delimiter = _static_string(sep if sep is not None else delimiter, label, "delimiter")
    indices, values, dense_shape = make_multi_output_op(
        "StringSplit", [x], [(dtypes.int64, TensorShape([None, 2])),
                             (dtypes.string, TensorShape([None])),
                             (dtypes.int64, TensorShape([2]))],
        name=name or "StringSplit", attrs={"delimiter": delimiter, "skip_empty": bool(skip_empty)})
    return SparseTensor(indices, values, dense_shape)


def _split_one(s, delimiter, skip_empty):
    if not s:
        return []                      # TF 1.x: an empty string has no tokens
    if not delimiter:
        return [s[i:i + 1] for i in range(len(s))]
    tokens = re.split(b"[" + re.escape(delimiter) + b"]", s)
    return [t for t in tokens if t] if skip_empty else tokens


@reference_kernel("StringSplit")
def _string_split(source, delimiter, skip_empty):
    source = np.asarray(source, dtype=object)
    if source.ndim != 1:
        raise InvalidArgumentError("tf.string_split: source must be a vector, got shape %s."
                                   % (source.shape,))
    rows = [_split_one(s, delimiter, skip_empty) for s in source]
    indices = np.array([[i, j] for i, row in enumerate(rows) for j in range(len(row))],
                       dtype=np.int64).reshape(-1, 2)
    values = np.empty(len(indices), dtype=object)
    values[:] = [token for row in rows for token in row]
    dense_shape = np.array([len(rows), max((len(r) for r in rows), default=0)], dtype=np.int64)
    return indices, values, dense_shape


# =========================================================================
# Substrings, regular expressions, lengths
# =========================================================================

def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002 - TF's argument names
    """``input[pos:pos+len]`` for every string (``pos`` and ``len`` broadcast like NumPy).

    A negative ``pos`` counts from the end; a ``len`` past the end (or negative) takes the
    rest of the string; a ``pos`` outside [-length, length] is an error.
    ``unit="UTF8_CHAR"`` counts characters instead of bytes.
    """
    label = "tf.substr"
    x = _string_input(input, label)
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError("%s: unit must be 'BYTE' or 'UTF8_CHAR', got %r." % (label, unit))
    pos_t, len_t = convert_pair(pos, len, label)
    check_dtype("%s (argument pos)" % label, pos_t, {"int"})
    if not pos_t.shape.is_compatible_with(len_t.shape):
        raise ShapeError("%s: pos and len must have the same shape, but %s has shape %s and %s "
                         "has shape %s." % (label, arg_label(pos_t), describe(pos_t.shape),
                                            arg_label(len_t), describe(len_t.shape)))
    shape = broadcast_shapes(x.shape, pos_t.shape.merge_with(len_t.shape))
    if shape is None:
        raise ShapeError("%s: %s of shape %s and pos/len of shape %s cannot be broadcast "
                         "together." % (label, arg_label(x), describe(x.shape),
                                        describe(pos_t.shape)))
    return make_op("Substr", [x, pos_t, len_t], dtypes.string, shape, name=name or "Substr",
                   attrs={"unit": unit})


@reference_kernel("Substr")
def _substr(x, pos, length, unit):
    x, pos, length = np.broadcast_arrays(np.asarray(x, dtype=object), pos, length)
    out = np.empty(x.shape, dtype=object)
    for index in np.ndindex(x.shape):
        s = x[index]
        text = _utf8_chars(s, "tf.substr") if unit == "UTF8_CHAR" else s
        p, n = int(pos[index]), int(length[index])
        if not -len(text) <= p <= len(text):
            raise InvalidArgumentError("tf.substr: pos %d is out of range for the string %r "
                                       "(length %d) at index %s." % (p, s, len(text), index))
        if p < 0:
            p += len(text)
        piece = text[p:] if n < 0 else text[p:p + n]
        out[index] = piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return out


def _utf8_chars(s, label):
    try:
        return s.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidArgumentError("%s: %r is not valid UTF-8 (%s)." % (label, s, e)) from None


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replace matches of the regular expression ``pattern`` by ``rewrite``.

    ``rewrite`` may refer to groups as ``\\1`` ... ``\\9`` (``\\0`` is the whole match), as in
    TF's RE2; the matching itself uses Python's ``re``, whose syntax agrees with RE2 for
    common patterns.  ``replace_global=False`` replaces only the first match.
    """
    label = "tf.regex_replace"
    x = _string_input(input, label)
    pattern = _static_string(pattern, label, "pattern")
    rewrite = _static_string(rewrite, label, "rewrite")
    try:
        re.compile(pattern)
    except re.error as e:
        raise InvalidArgumentError("%s: invalid pattern %r: %s" % (label, pattern, e)) from None
    return make_op("RegexReplace", [x], dtypes.string, x.shape, name=name or "RegexReplace",
                   attrs={"pattern": pattern, "rewrite": rewrite,
                          "replace_global": bool(replace_global)})


def _expand_rewrite(rewrite, match):
    """RE2 rewrite strings: ``\\d`` is group d, ``\\\\`` a backslash, the rest literal."""
    out, i = [], 0
    while i < len(rewrite):
        if rewrite[i:i + 1] == b"\\" and i + 1 < len(rewrite):
            nxt = rewrite[i + 1:i + 2]
            if nxt.isdigit():
                out.append(match.group(int(nxt)) or b"")
                i += 2
                continue
            if nxt == b"\\":
                out.append(b"\\")
                i += 2
                continue
        out.append(rewrite[i:i + 1])
        i += 1
    return b"".join(out)


@reference_kernel("RegexReplace")
def _regex_replace(x, pattern, rewrite, replace_global):
    compiled = re.compile(pattern)
    count = 0 if replace_global else 1
    return _map_strings(
        lambda s: compiled.sub(lambda m: _expand_rewrite(rewrite, m), s, count=count), x)


def string_length(input, name=None, unit="BYTE"):  # noqa: A002
    """The length of each string in bytes (or in characters with ``unit="UTF8_CHAR"``), int32.

    TF 1.x calls it ``tf.strings.length``.
    """
    x = _string_input(input, "tf.strings.length")
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError("tf.strings.length: unit must be 'BYTE' or 'UTF8_CHAR', got %r." % unit)
    return make_op("StringLength", [x], dtypes.int32, x.shape, name=name or "StringLength",
                   attrs={"unit": unit})


length = string_length


@reference_kernel("StringLength")
def _string_length(x, unit):
    if unit == "UTF8_CHAR":
        return _map_strings(lambda s: len(_utf8_chars(s, "tf.strings.length")), x, np.int32)
    return _map_strings(len, x, np.int32)


not_differentiable("StringToHashBucketFast", "StringToHashBucketStrong", "StringToHashBucket",
                   "AsString", "EncodeBase64", "DecodeBase64", "ReduceJoin", "StringJoin",
                   "StringSplit", "Substr", "RegexReplace", "StringLength")
