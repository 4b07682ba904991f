"""Static shapes with unknown dimensions (``None``), as in TF 1.x's ``TensorShape``.

A shape is known at graph-build time only partly: ``(None, 784)`` means "any batch size,
784 features".  ``TensorShape(None)`` means even the rank is unknown (an unshaped
placeholder).  Shapes print the TF 1.x way: ``(?, 784)`` and ``<unknown>``.
"""


class Dimension:
    """One dimension: an ``int`` or ``None`` (unknown). Compares equal to ints."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = None if value is None else int(value)

    def __eq__(self, other):
        other = other.value if isinstance(other, Dimension) else other
        if self.value is None or other is None:
            return None
        return self.value == other

    def __int__(self):
        return self.value

    __index__ = __int__

    def __repr__(self):
        return "Dimension(%r)" % self.value

    def __str__(self):
        return "?" if self.value is None else str(self.value)

    def __hash__(self):
        return hash(self.value)


class TensorShape:
    """A possibly partial shape.  ``dims`` is a tuple of ints/None, or None if rank unknown."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims.dims
        elif dims is not None:
            if isinstance(dims, (int, Dimension)) or hasattr(dims, "__index__"):
                dims = (dims,)
            dims = tuple(None if d is None else int(d.value if isinstance(d, Dimension) else d)
                         for d in dims)
            for d in dims:
                if d is not None and d < 0:
                    if d == -1:
                        raise ValueError("Use None (not -1) for an unknown dimension in a shape: %r" % (dims,))
                    raise ValueError("Dimensions must be >= 0, got %r" % (dims,))
        self.dims = dims

    # --- queries ---------------------------------------------------------
    @property
    def ndims(self):
        return None if self.dims is None else len(self.dims)

    rank = ndims

    def is_fully_defined(self):
        return self.dims is not None and None not in self.dims

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self.dims:
            n *= d
        return n

    def as_list(self):
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_compatible_with(self, other):
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return True
        if len(self.dims) != len(other.dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.dims, other.dims))

    def merge_with(self, other):
        other = as_shape(other)
        if self.dims is None:
            return other
        if other.dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError("Shapes %s and %s are not compatible" % (self, other))
        return TensorShape([a if a is not None else b for a, b in zip(self.dims, other.dims)])

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError("Shapes %s and %s are incompatible" % (self, as_shape(other)))

    def with_rank(self, rank):
        if self.dims is None:
            return TensorShape([None] * rank)
        if len(self.dims) != rank:
            raise ValueError("Shape %s must have rank %d" % (self, rank))
        return self

    # --- protocol --------------------------------------------------------
    def __len__(self):
        if self.dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self.dims)

    def __iter__(self):
        if self.dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(Dimension(d) for d in self.dims)

    def __getitem__(self, key):
        if self.dims is None:
            return TensorShape(None) if isinstance(key, slice) else Dimension(None)
        if isinstance(key, slice):
            return TensorShape(self.dims[key])
        return Dimension(self.dims[key])

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self.dims == other.dims

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self.dims)

    def __bool__(self):
        return self.dims is not None

    def __str__(self):
        if self.dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in self.dims)
        return "(%s,)" % inner if len(self.dims) == 1 else "(%s)" % inner

    def __repr__(self):
        return "TensorShape(%s)" % (None if self.dims is None else list(self.dims))


def as_shape(shape):
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(ndims=None):
    return TensorShape(None if ndims is None else [None] * ndims)


def describe(shape):
    """Shape for error messages: unknown dimensions read as 'any'."""
    shape = as_shape(shape)
    if shape.dims is None:
        return "any shape"
    inner = ", ".join("any" if d is None else str(d) for d in shape.dims)
    return "(%s,)" % inner if len(shape.dims) == 1 else "(%s)" % inner


def broadcast_shapes(a, b):
    """Static broadcast of two shapes (NumPy rules); None where unknown.

    Returns None when the shapes cannot broadcast (the caller raises a named error).
    """
    a, b = as_shape(a), as_shape(b)
    if a.dims is None or b.dims is None:
        return TensorShape(None)
    n = max(len(a.dims), len(b.dims))
    da = (1,) * (n - len(a.dims)) + a.dims
    db = (1,) * (n - len(b.dims)) + b.dims
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None and y is None:
            out.append(None)
        elif x is None:
            out.append(y)
        elif y is None:
            out.append(x)
        elif x == y:
            out.append(x)
        else:
            return None
    return TensorShape(out)
