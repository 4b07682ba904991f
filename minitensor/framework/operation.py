"""``Operation``: one node of the graph (an op type, its inputs, attributes and outputs)."""
from .errors import format_site


class Operation:
    """A node: ``type`` (e.g. ``"MatMul"``), unique ``name``, input tensors, attrs, outputs.

    ``site`` is the (file, line) of the user's code that created it; error messages use it.
    ``_id`` is the creation number: inputs are always created before their consumers, so
    sorting by ``_id`` is a valid execution order (the session relies on this).
    """

    __slots__ = ("type", "name", "inputs", "outputs", "attrs", "graph", "control_inputs",
                 "device", "site", "_id", "_control_outputs", "__weakref__")

    def __init__(self, graph, op_type, name, inputs, attrs, control_inputs, device, site, op_id):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = list(control_inputs)
        self.device = device
        self.site = site
        self._id = op_id
        self.outputs = ()
        self._control_outputs = []

    @property
    def node_def(self):
        return self

    def values(self):
        return tuple(self.outputs)

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError("Operation '%s' (%s) has no attribute %r; it has %s"
                             % (self.name, self.type, name, sorted(self.attrs))) from None

    def run(self, feed_dict=None, session=None):
        """Run this op in ``session`` (default: the default session)."""
        from .graph import default_session_for
        default_session_for(self, session).run(self, feed_dict)

    def _describe(self):
        return "'%s' (%s, created at %s)" % (self.name, self.type, format_site(self.site))

    def __repr__(self):
        lines = ['name: "%s"' % self.name, 'op: "%s"' % self.type]
        for t in self.inputs:
            lines.append('input: "%s"' % (t.op.name if t.value_index == 0 else t.name))
        for c in self.control_inputs:
            lines.append('input: "^%s"' % c.name)
        if self.device:
            lines.append('device: "%s"' % self.device)
        for key in sorted(self.attrs):
            value = self.attrs[key]
            if hasattr(value, "shape") and getattr(value, "size", 0) > 8:
                value = "<array shape=%s dtype=%s>" % (value.shape, value.dtype)
            lines.append("attr { key: %r value: %s }" % (key, value))
        return "\n".join(lines)

    __str__ = __repr__
