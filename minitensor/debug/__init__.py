"""Tools for looking inside: gradient checks, "why is my gradient None?", graph drawing."""
from .gradient_check import compute_gradient_error, gradient_check, numeric_jacobian  # noqa: F401
from ..gradients import explain_gradient  # noqa: F401


def explain_gradients(loss, var_list):
    """One line per variable saying whether (and how) the loss's gradient reaches it."""
    return "\n".join(explain_gradient(loss, v) for v in var_list)
