"""Data types, TensorFlow 1.x style: ``tf.float32``, ``tf.int64``, ``tf.string`` ...

A :class:`DType` is a small named wrapper around a NumPy dtype.  Values inside a
session are NumPy arrays, so every DType says which NumPy dtype holds its values.
Strings are NumPy ``object`` arrays of ``bytes`` (as TF returns them).
"""
import builtins as _builtins

import numpy as np


class DType:
    """A tensor element type. Compare with ``==``; print shows the TF name."""

    __slots__ = ("name", "as_numpy_dtype", "_is_ref")

    def __init__(self, name, numpy_type, is_ref=False):
        self.name = name + ("_ref" if is_ref else "")
        self.as_numpy_dtype = numpy_type
        self._is_ref = is_ref

    # --- classification -------------------------------------------------
    @property
    def base_dtype(self):
        return _BY_NAME[self.name[:-4]] if self._is_ref else self

    @property
    def _as_ref(self):
        return self if self._is_ref else _REF_TYPES[self.name]

    @property
    def is_floating(self):
        return self.base_dtype.name in ("float16", "float32", "float64", "bfloat16")

    @property
    def is_complex(self):
        return self.base_dtype.name in ("complex64", "complex128")

    @property
    def is_integer(self):
        return self.base_dtype.name in _INTEGER_NAMES

    @property
    def is_unsigned(self):
        return self.base_dtype.name.startswith("uint")

    @property
    def is_bool(self):
        return self.base_dtype.name == "bool"

    @property
    def is_numeric(self):
        return self.is_floating or self.is_complex or self.is_integer

    @property
    def is_differentiable(self):
        """Gradients flow only through floating and complex tensors."""
        return self.is_floating or self.is_complex

    @property
    def real_dtype(self):
        return {"complex64": float32, "complex128": float64}.get(self.base_dtype.name, self.base_dtype)

    @property
    def min(self):
        return np.finfo(self.as_numpy_dtype).min if self.is_floating else np.iinfo(self.as_numpy_dtype).min

    @property
    def max(self):
        return np.finfo(self.as_numpy_dtype).max if self.is_floating else np.iinfo(self.as_numpy_dtype).max

    @property
    def size(self):
        return np.dtype(self.as_numpy_dtype).itemsize if self.name != "string" else 1

    # --- protocol --------------------------------------------------------
    def __eq__(self, other):
        if other is None:
            return False
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "tf." + self.name

    def __str__(self):
        return "<dtype: %r>" % self.name

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
half, double = float16, float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's public name
string = DType("string", np.object_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
        bool, string, complex64, complex128]
_INTEGER_NAMES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)
_REF_TYPES = {d.name: DType(d.name, d.as_numpy_dtype, is_ref=True) for d in _ALL}
_BY_NUMPY = {np.dtype(d.as_numpy_dtype): d for d in _ALL if d is not string}

float32_ref = _REF_TYPES["float32"]
float64_ref = _REF_TYPES["float64"]
int32_ref = _REF_TYPES["int32"]
int64_ref = _REF_TYPES["int64"]


def as_dtype(type_value):
    """Turn a DType, a NumPy dtype/type, a Python type or a name into a :class:`DType`."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        name = type_value
        if name.endswith("_ref"):
            return as_dtype(name[:-4])._as_ref
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in ("str", "bytes", "object"):
            return string
    if type_value is str or type_value is bytes:
        return string
    if type_value is _builtins.bool:
        return bool
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd in _BY_NUMPY:
            return _BY_NUMPY[npd]
        if npd.kind in "OSU":
            return string
    raise TypeError(
        "Cannot convert %r to a minitensor dtype. Use one of tf.float32, tf.float64, tf.int32, "
        "tf.int64, tf.bool, tf.string, ... (or a NumPy dtype such as np.float32)." % (type_value,))

