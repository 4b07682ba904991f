"""``tf.contrib.rnn``: the RNN cells and helpers, as the seed's RNN chapter imports them."""
from ..nn.rnn import (bidirectional_dynamic_rnn, dynamic_rnn, stack_bidirectional_dynamic_rnn,  # noqa: F401
                      static_bidirectional_rnn, static_rnn)
from ..nn.rnn_cell import (BasicLSTMCell, BasicRNNCell, DropoutWrapper, GRUCell,  # noqa: F401
                           LSTMBlockCell, LSTMCell, LSTMStateTuple, MultiRNNCell, RNNCell)
