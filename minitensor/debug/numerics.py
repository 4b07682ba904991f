"""Find the first op that turned finite values into NaN or Inf.

    report = tf.debug.find_first_nonfinite(sess, loss, feed_dict)
    print(report)      # op name, type, the user's line, and statistics of its inputs

It runs the same plan ``sess.run`` would, one op at a time, checking every output.  Point it
at the loss (not the training op) to look without changing any variable.
"""
import numpy as np

from ..framework.errors import format_site
from ..session import _flatten_fetches


class NonFiniteReport:
    """What ``find_first_nonfinite`` found: ``op`` (or None), and a readable ``__str__``."""

    def __init__(self, op=None, inputs=(), output=None):
        self.op = op
        self.inputs = list(inputs)
        self.output = output

    def __bool__(self):
        return self.op is not None

    def __str__(self):
        if self.op is None:
            return "Every value computed for these fetches is finite."
        lines = ["First non-finite value: '%s' (%s, created at %s) produced %s from finite "
                 "inputs." % (self.op.name, self.op.type, format_site(self.op.site),
                              _describe(self.output))]
        for name, value in self.inputs:
            lines.append("  input '%s': %s" % (name, _describe(value)))
        return "\n".join(lines)


def _describe(value):
    a = np.asarray(value)
    if a.dtype.kind not in "fc" or a.size == 0:
        return "shape %s %s" % (a.shape, a.dtype)
    finite = np.isfinite(a)
    text = "shape %s, min %.4g, max %.4g" % (a.shape, np.nanmin(np.where(finite, a, np.nan))
                                            if finite.any() else np.nan,
                                            np.nanmax(np.where(finite, a, np.nan))
                                            if finite.any() else np.nan)
    n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    if n_nan or n_inf:
        text += ", %d NaN, %d Inf" % (n_nan, n_inf)
    zeros = int((a == 0).sum())
    if zeros:
        text += ", %d zero(s)" % zeros
    return text


def _finite(value):
    a = np.asarray(value)
    return a.dtype.kind not in "fc" or bool(np.all(np.isfinite(a)))


def find_first_nonfinite(session, fetches, feed_dict=None):
    """Run ``fetches`` op by op and return a :class:`NonFiniteReport`."""
    elements, positions = [], {}
    _flatten_fetches(fetches, session.graph, elements, positions)
    feeds = session._check_feeds(feed_dict) if feed_dict else {}
    plan = session._build_plan(elements, feeds, fuse=False)     # every op's own output
    values = list(plan.initial)
    for tensor, slot in plan.feed_slots.items():
        values[slot] = feeds[tensor]
    with np.errstate(all="ignore"):
        for kernel, ins, out, op in plan.steps:
            args = [values[i] for i in ins]
            result = kernel(*args)
            outs = (out,) if out.__class__ is int else (out or ())
            results = (result,) if out.__class__ is int else (result if out else ())
            for slot, value in zip(outs, results):
                values[slot] = value
            if all(_finite(a) for a in args) and not all(_finite(r) for r in results):
                names = [t.name for i, t in enumerate(op.inputs)]
                bad = next(r for r in results if not _finite(r))
                return NonFiniteReport(op, zip(names, args), bad)
    return NonFiniteReport()
