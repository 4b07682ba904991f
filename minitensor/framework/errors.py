"""Errors that teach.

Every error minitensor raises on bad input is a :class:`MinitensorError`.  Its message
names the user's own tensor or variable, says where it was created (file:line), what was
expected and what came, and how to fix it.  The classes keep TF 1.x's names
(``tf.errors.InvalidArgumentError`` ...) and also derive from the Python exception a TF
user would catch (``ValueError``, ``TypeError``), so old ``except`` clauses still work.

Each error class has a page in the docs (``docs/errors.md``), linked from ``docs_url``.
"""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS_BASE = "https://minitensor.readthedocs.io/en/latest/errors/"


def user_frame_site(skip_package=True):
    """(filename, lineno) of the first stack frame outside the minitensor package.

    Called once per created op so that errors can say "created at train.py:12".
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (skip_package and filename.startswith(_PACKAGE_DIR)):
            return filename, frame.f_lineno
        frame = frame.f_back
    return "<unknown>", 0


def format_site(site):
    """``train.py:12`` (the short file name; notebooks show as ``<ipython-input-..>``)."""
    if not site:
        return "<unknown>"
    filename, lineno = site
    return "%s:%d" % (os.path.basename(filename), lineno)


class MinitensorError(Exception):
    """Base class. ``hint`` holds the suggested fix (already part of the message)."""

    docs_page = "index"

    def __init__(self, message, hint=None):
        self.message = message
        self.hint = hint
        text = message if not hint else message.rstrip() + "\n  Fix: " + hint
        super().__init__(text)

    @property
    def docs_url(self):
        return DOCS_BASE + "#" + self.docs_page


class OpError(MinitensorError):
    """An error while running an op (TF's ``tf.errors.OpError``)."""

    def __init__(self, message, hint=None, op=None):
        super().__init__(message, hint)
        self.op = op
        self.node_def = None


class InvalidArgumentError(OpError, ValueError):
    docs_page = "invalid-argument"


class FailedPreconditionError(OpError):
    docs_page = "uninitialized-variable"


class NotFoundError(OpError):
    docs_page = "not-found"


class OutOfRangeError(OpError):
    docs_page = "out-of-range"


class UnimplementedError(OpError, NotImplementedError):
    docs_page = "unimplemented"


class InternalError(OpError):
    docs_page = "internal"


class ResourceExhaustedError(OpError):
    docs_page = "resource-exhausted"


class UnavailableError(OpError):
    docs_page = "unavailable"


class AbortedError(OpError):
    docs_page = "aborted"


class UnknownError(OpError):
    docs_page = "unknown"


# --- build-time errors (raised while the graph is being built) -------------

class ShapeError(MinitensorError, ValueError):
    """Shapes that cannot work together (matmul inner dims, broadcasting, reshape)."""
    docs_page = "shape-mismatch"


class DTypeError(MinitensorError, TypeError):
    """Inputs of one op with different dtypes, or a dtype the op does not accept."""
    docs_page = "dtype-mismatch"


class FeedError(MinitensorError, ValueError):
    """A feed_dict entry with the wrong shape, dtype, key or value."""
    docs_page = "feed"


class FeedTypeError(FeedError, TypeError):
    docs_page = "feed"


class MissingFeedError(InvalidArgumentError):
    docs_page = "missing-feed"


class FetchError(MinitensorError, TypeError):
    docs_page = "fetch"


class GraphMismatchError(MinitensorError, ValueError):
    docs_page = "graph-mismatch"


class VariableExistsError(MinitensorError, ValueError):
    docs_page = "variable-exists"


class VariableNotFoundError(MinitensorError, ValueError):
    docs_page = "variable-not-found"


class NoGradientError(MinitensorError, ValueError):
    docs_page = "no-gradient"


class UninitializedVariableError(FailedPreconditionError):
    docs_page = "uninitialized-variable"


class SessionClosedError(MinitensorError, RuntimeError):
    docs_page = "session"


class GradientShapeError(InternalError):
    """A registered gradient function returned a gradient of the wrong shape."""
    docs_page = "internal"
