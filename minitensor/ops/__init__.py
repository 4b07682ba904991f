"""Op families.  Importing this package registers every op's kernel and gradient."""
from . import (array_ops, clip_ops, constant_op, control_ops, init_ops, linalg_ops,  # noqa: F401
               math_ops, nn_ops, random_ops, special_math_ops, state_ops, string_ops,
               variable_scope)
