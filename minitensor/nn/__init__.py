"""``tf.nn``: activations, softmax, losses on logits, dropout, bias_add, ...

Names only; each op is defined (kernel + gradient) in ``minitensor/ops/nn_ops.py``.
"""
from ..ops.math_ops import sigmoid, tanh  # noqa: F401
from ..ops.nn_ops import (bias_add, dropout, elu, embedding_lookup, in_top_k,  # noqa: F401
                          l2_loss, l2_normalize, leaky_relu, log_softmax, moments, relu,
                          relu6, relu_layer, selu, sigmoid_cross_entropy_with_logits, softmax,
                          softmax_cross_entropy_with_logits,
                          softmax_cross_entropy_with_logits_v2, softplus, softsign,
                          sparse_softmax_cross_entropy_with_logits, top_k,
                          weighted_cross_entropy_with_logits, xw_plus_b, zero_fraction)
from . import rnn_cell  # noqa: F401,E402  (tf.nn.rnn_cell.BasicLSTMCell, LSTMStateTuple, ...)
from .rnn import (bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn,  # noqa: F401,E402
                  static_rnn)
