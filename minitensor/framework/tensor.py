"""``Tensor``: a symbolic handle to one output of an :class:`Operation`.

A Tensor holds no value.  It names *which* value (``op``, ``value_index``), its
``dtype`` and its static ``shape``; the value exists only inside ``Session.run``.

Operators (``+ - * / // % ** @``, comparisons, unary ``-``, ``abs``, indexing) build new
ops.  The functions they call live in ``ops/`` and are looked up in ``_OVERLOADS``, which
``ops/math_ops.py`` and ``ops/array_ops.py`` fill (the framework never imports ``ops``).
"""
from . import shapes as _shapes
from .errors import MinitensorError, format_site

_OVERLOADS = {}


def register_operator(method_name, fn):
    """Bind ``Tensor.<method_name>`` (e.g. ``"__add__"``) to the op constructor ``fn(x, y)``."""
    _OVERLOADS[method_name] = fn


def _binary(method_name):
    def method(self, other):
        return _OVERLOADS[method_name](self, other)
    method.__name__ = method_name
    return method


def _reflected(method_name, forward_name):
    def method(self, other):
        return _OVERLOADS[forward_name](other, self)
    method.__name__ = method_name
    return method


def _unary(method_name):
    def method(self):
        return _OVERLOADS[method_name](self)
    method.__name__ = method_name
    return method


class TensorLike:
    """Operator overloads shared by :class:`Tensor` and ``Variable``."""

    __slots__ = ()
    __array_priority__ = 100  # so that ``np_array * tensor`` calls Tensor.__rmul__

    __add__ = _binary("__add__")
    __sub__ = _binary("__sub__")
    __mul__ = _binary("__mul__")
    __truediv__ = _binary("__truediv__")
    __floordiv__ = _binary("__floordiv__")
    __mod__ = _binary("__mod__")
    __pow__ = _binary("__pow__")
    __matmul__ = _binary("__matmul__")
    __and__ = _binary("__and__")
    __or__ = _binary("__or__")
    __xor__ = _binary("__xor__")
    __lt__ = _binary("__lt__")
    __le__ = _binary("__le__")
    __gt__ = _binary("__gt__")
    __ge__ = _binary("__ge__")
    __radd__ = _reflected("__radd__", "__add__")
    __rsub__ = _reflected("__rsub__", "__sub__")
    __rmul__ = _reflected("__rmul__", "__mul__")
    __rtruediv__ = _reflected("__rtruediv__", "__truediv__")
    __rfloordiv__ = _reflected("__rfloordiv__", "__floordiv__")
    __rmod__ = _reflected("__rmod__", "__mod__")
    __rpow__ = _reflected("__rpow__", "__pow__")
    __rmatmul__ = _reflected("__rmatmul__", "__matmul__")
    __rand__ = _reflected("__rand__", "__and__")
    __ror__ = _reflected("__ror__", "__or__")
    __rxor__ = _reflected("__rxor__", "__xor__")
    __neg__ = _unary("__neg__")
    __abs__ = _unary("__abs__")
    __invert__ = _unary("__invert__")
    __getitem__ = _binary("__getitem__")

    # TF 1.x compares tensors by identity (use tf.equal for values), so they can be
    # dict keys -- feed_dict needs that.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(
            "Using a symbolic tensor %s as a Python bool is not allowed: it has no value "
            "until Session.run. Fetch it first (`if sess.run(t):`), or build the choice into "
            "the graph with tf.where / tf.cond." % self._describe())

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "%s is symbolic: it has no value to turn into a NumPy array until Session.run. "
            "Use `sess.run(t)` (or `t.eval()` inside a session) to get its value." % self._describe())

    def __len__(self):
        raise TypeError(
            "len() of the symbolic tensor %s is not defined; use t.shape[0] for the static "
            "size or tf.shape(t)[0] for the run-time size." % self._describe())

    def __iter__(self):
        shape = self.shape
        if shape.dims is None or not shape.dims or shape.dims[0] is None:
            raise TypeError(
                "Cannot iterate over %s: its first dimension is not known when the graph is "
                "built. Use tf.unstack(t, num=...) with an explicit number." % self._describe())
        return (self[i] for i in range(shape.dims[0]))


class Tensor(TensorLike):
    """A symbolic value: output ``value_index`` of operation ``op``.

    >>> c = tf.constant(5.0); print(c)
    Tensor("Const:0", shape=(), dtype=float32)
    """

    __slots__ = ("op", "value_index", "dtype", "_shape", "_consumers", "__weakref__")

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = _shapes.as_shape(shape)
        self._consumers = []

    @property
    def name(self):
        return "%s:%d" % (self.op.name, self.value_index)

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return self.op.device

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refine the static shape (TF semantics: must be compatible with what is known)."""
        shape = _shapes.as_shape(shape)
        if not self._shape.is_compatible_with(shape):
            raise MinitensorError(
                "set_shape: %s has static shape %s, which is not compatible with %s."
                % (self._describe(), self._shape, shape))
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Value of this tensor, computed in ``session`` (default: the default session)."""
        from .graph import default_session_for
        return default_session_for(self, session).run(self, feed_dict)

    def _describe(self):
        """``'x' (Placeholder, created at train.py:3)`` -- used in error messages."""
        return "'%s' (%s, created at %s)" % (self.name, self.op.type, format_site(self.op.site))

    def _to_tensor(self):
        return self

    def __str__(self):
        shape = "" if self._shape.dims is None else ", shape=%s" % self._shape
        return 'Tensor("%s"%s, dtype=%s)' % (self.name, shape, self.dtype.name)

    def __repr__(self):
        return "<tf.Tensor '%s' shape=%s dtype=%s>" % (self.name, self._shape, self.dtype.name)
