"""Op families.  Importing this package registers every op's kernel and gradient."""
from . import (array_ops, constant_op, control_ops, init_ops, math_ops, random_ops,  # noqa: F401
               state_ops, variable_scope)
