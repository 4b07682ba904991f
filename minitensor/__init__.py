"""minitensor: a small, readable autodiff engine with the TensorFlow 1.x programming model.

    import minitensor as tf

This file only gathers names; every function is defined in the module it names.
"""
__version__ = "0.1.0"

from . import ops as _ops  # noqa: F401  (registers every op)
from .kernels.numba_cpu import warmup  # noqa: F401  (registers the Numba CPU kernels; numba loads lazily)
from .framework import dtypes
from .framework.dtypes import (DType, as_dtype, bool, complex64, complex128, double,  # noqa: A004
                               float16, float32, float64, half, int8, int16, int32, int64,
                               string, uint8, uint16, uint32, uint64)
from .framework.errors import MinitensorError
from .framework.graph import (Graph, GraphKeys, get_default_graph, get_default_session,
                              reset_default_graph)
from .framework.operation import Operation
from .framework.shapes import Dimension, TensorShape
from .framework.tensor import Tensor
from .framework import errors
from .framework.registry import register_gradient as RegisterGradient  # noqa: N812
from .framework.registry import not_differentiable as NotDifferentiable  # noqa: N812

from .ops.array_ops import (broadcast_to, concat, expand_dims, fill, gather, identity,
                            lin_space, linspace, matrix_transpose, newaxis, one_hot, ones,
                            ones_like, pad, range, rank, reshape, reverse, shape, size, slice,
                            split, squeeze, stack, stop_gradient, strided_slice, tile, transpose,
                            unstack, zeros, zeros_like)
from .ops.constant_op import constant, convert_to_tensor, placeholder, placeholder_with_default
from .ops.control_ops import Assert, Print, check_numerics, group, no_op, tuple
from .ops.init_ops import (constant_initializer, glorot_normal_initializer,
                           glorot_uniform_initializer, ones_initializer,
                           random_normal_initializer, random_uniform_initializer,
                           truncated_normal_initializer, variance_scaling_initializer,
                           zeros_initializer)
from .ops.math_ops import (abs, acos, add, add_n, argmax, argmin, asin, atan, cast, ceil,
                           complex_ as complex, conj, cos, count_nonzero, cumsum, div, divide,
                           equal, exp, expm1, floor, floor_div, floordiv, floormod, greater,
                           greater_equal, imag, less, less_equal, log, log1p, logical_and,
                           logical_not, logical_or, logical_xor, matmul, maximum, minimum, mod,
                           multiply, negative, not_equal, pow, real, realdiv, reciprocal,
                           reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean,
                           reduce_min, reduce_prod, reduce_sum, rint, round, rsqrt, scalar_mul,
                           sigmoid, sign, sin, sqrt, square, squared_difference, subtract, tan,
                           tanh, tensordot, to_double, to_float, to_int32, to_int64, truediv,
                           truncatediv, truncatemod, where)
from .ops.random_ops import (random_gamma, random_normal, random_shuffle, random_uniform,
                             set_random_seed, truncated_normal)
from .ops.state_ops import (Variable, all_variables, assign, assign_add, assign_sub,
                            global_variables, global_variables_initializer,
                            initialize_all_variables, is_variable_initialized, local_variables,
                            local_variables_initializer, model_variables,
                            report_uninitialized_variables, trainable_variables,
                            variables_initializer)
from .ops.variable_scope import (AUTO_REUSE, VariableScope, get_local_variable, get_variable,
                                 get_variable_scope, variable_scope)
from .ops.linalg_ops import *  # noqa: F401,F403  (names listed in each module's __all__)
from .ops.special_math_ops import *  # noqa: F401,F403
from .ops.string_ops import *  # noqa: F401,F403
from .ops.clip_ops import *  # noqa: F401,F403
from .ops.rnn_ops import reverse_sequence
from .gradients import gradients
from .session import ConfigProto, GPUOptions, InteractiveSession, RunMetadata, RunOptions, Session
from . import train
from . import nn
from . import losses
from . import summary
from . import datasets
from . import examples
from . import contrib
from . import python  # noqa: F401  (minitensor.python.client.device_lib, as in TF 1.x)
from .python.client import device_lib as _device_lib  # noqa: F401
from . import debug

sub = subtract
mul = multiply
neg = negative


def name_scope(name, default_name=None, values=None):
    """Open a name scope in the default graph: ops inside are named ``name/...``."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    """Ops created inside run only after ``control_inputs`` (see Graph.control_dependencies)."""
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    """Place the ops created inside on a device: ``with tf.device('/device:CPU:0'):``."""
    return get_default_graph().device(device_name_or_function)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)
