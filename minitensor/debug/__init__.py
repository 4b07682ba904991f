"""Tools for looking inside: gradient checks, "why is my gradient None?", graph drawing."""
from .gradient_check import (GradientCheckError, compute_gradient_error, gradient_check,  # noqa: F401
                             numeric_jacobian)
from ..gradients import explain_gradient  # noqa: F401
from .draw import draw_graph, graph_edges, to_mermaid  # noqa: F401
from .numerics import NonFiniteReport, find_first_nonfinite  # noqa: F401


def explain_gradients(loss, var_list):
    """One line per variable saying whether (and how) the loss's gradient reaches it."""
    return "\n".join(explain_gradient(loss, v) for v in var_list)
