"""``tf.train``: optimizers (and, as they land, Saver and the global step helpers)."""
from .gradient_descent import GradientDescentOptimizer  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .momentum import MomentumOptimizer  # noqa: F401
from .adagrad import AdagradOptimizer  # noqa: F401
from .adadelta import AdadeltaOptimizer  # noqa: F401
from .rmsprop import RMSPropOptimizer  # noqa: F401
from .adam import AdamOptimizer  # noqa: F401
from .training_util import (create_global_step, get_global_step,  # noqa: F401
                            get_or_create_global_step, global_step)
from .learning_rate_decay import (exponential_decay, inverse_time_decay,  # noqa: F401
                                  natural_exp_decay)
from .saver import Saver, latest_checkpoint, get_checkpoint_state, list_variables  # noqa: F401
