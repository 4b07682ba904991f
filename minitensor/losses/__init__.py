"""``tf.losses``: loss functions that weight, reduce and collect per-example losses.

Every loss here is built from ops in ``ops/`` (so its gradient comes for free) in three
steps, as in TF 1.x:

1. check the shapes (labels and predictions must match: an (N, 1) column against an (N,)
   vector would broadcast to (N, N) and give a wrong loss without any error),
2. compute one loss per element (``losses``),
3. ``compute_weighted_loss``: multiply by ``weights``, reduce (by default: the sum divided by
   the number of non-zero weights, i.e. the mean), and add the result to the ``LOSSES``
   collection, from which ``get_total_loss()`` sums them.
"""
from ..framework.errors import ShapeError
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.shapes import describe
from ..ops import math_ops
from ..ops.array_ops import (ones_like, shape as shape_op, size as size_op, squeeze,
                             stop_gradient, zeros_like)
from ..ops.constant_op import convert_to_tensor
from ..ops.math_ops import (abs as abs_op, add_n, cast, greater, log, minimum, multiply,
                            not_equal, reduce_sum, square, squared_difference, where)
from ..ops.nn_ops import (check_dense_labels, check_same_shape, check_sparse_labels, relu,
                          sigmoid_cross_entropy_with_logits,
                          softmax_cross_entropy_with_logits_v2,
                          sparse_softmax_cross_entropy_with_logits)
from ..ops.op_util import arg_label, check_dtype


class Reduction:
    """How ``compute_weighted_loss`` turns weighted per-element losses into the loss."""
    NONE = "none"                                   # keep the per-element losses
    SUM = "weighted_sum"                            # sum(w * l)
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"   # sum(w * l) / number of elements
    MEAN = "weighted_mean"                          # sum(w * l) / sum(w)
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"  # sum(w * l) / count(w != 0)
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction %r; use one of tf.losses.Reduction.NONE, SUM, "
                             "MEAN, SUM_OVER_BATCH_SIZE, SUM_BY_NONZERO_WEIGHTS." % (key,))


_DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS


# =========================================================================
# The LOSSES collection
# =========================================================================

def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Add ``loss`` to a collection (``get_total_loss`` sums that collection)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses added so far (optionally only those whose name matches ``scope``)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    if not losses:
        return convert_to_tensor(0.0, name=name)
    return add_n(losses, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss"):
    """The sum of every loss in the LOSSES collection (plus the regularization losses)."""
    losses = get_losses()
    if add_regularization_losses:
        losses = losses + get_regularization_losses()
    if not losses:
        raise ValueError("tf.losses.get_total_loss(): no losses have been added. The tf.losses.* "
                         "functions add their result to the LOSSES collection; a loss computed "
                         "by hand can be added with tf.losses.add_loss(loss).")
    return add_n(losses, name=name)


# =========================================================================
# Weighting and reducing
# =========================================================================

def _check_weights(weights, losses):
    """Weights are a scalar, or have the losses' rank with each dimension 1 or equal."""
    w, l_ = weights.shape.dims, losses.shape.dims
    if w is None or l_ is None or len(w) == 0:
        return
    ok = len(w) == len(l_) and all(a in (1, None) or b is None or a == b for a, b in zip(w, l_))
    if not ok:
        hint = "give one weight per element (same shape as the losses) or a scalar."
        if len(w) == len(l_) - 1:
            hint = "one weight per example: tf.expand_dims(weights, -1) gives shape %s." % (
                describe(list(w) + [1]))
        raise ShapeError(
            "tf.losses: weights of shape %s cannot weight losses of shape %s: the weights must "
            "be a scalar or have the same rank as the losses, each dimension 1 or equal. "
            "weights: %s; losses: %s." % (describe(weights.shape), describe(losses.shape),
                                          arg_label(weights), arg_label(losses)), hint=hint)


def _safe_divide(total, count, name):
    """total / count, or 0 where count is 0 (an all-zero-weight batch has loss 0)."""
    positive = greater(count, 0)
    return where(positive, total / where(positive, count, ones_like(count)), zeros_like(total),
                 name=name)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=_DEFAULT):
    """Multiply ``losses`` by ``weights``, reduce them, and add the result to the collection."""
    Reduction.validate(reduction)
    losses = convert_to_tensor(losses)
    check_dtype("tf.losses.compute_weighted_loss", losses, {"float"})
    dtype = losses.dtype.base_dtype
    weights = convert_to_tensor(weights, dtype=dtype) if not hasattr(weights, "dtype") else \
        convert_to_tensor(weights)
    if weights.dtype.base_dtype != dtype:
        weights = cast(weights, dtype)
    _check_weights(weights, losses)
    with get_default_graph().name_scope(scope or "weighted_loss"):
        weighted = multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = reduce_sum(weighted, name="Sum")
            if reduction == Reduction.MEAN:
                loss = _safe_divide(loss, reduce_sum(multiply(ones_like(losses), weights)),
                                    name="value")
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                present = cast(not_equal(multiply(ones_like(losses), weights), 0), dtype)
                loss = _safe_divide(loss, reduce_sum(present, name="num_present"), name="value")
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_divide(loss, cast(size_op(losses), dtype), name="value")
    add_loss(loss, loss_collection)
    return loss


# =========================================================================
# Regression losses
# =========================================================================

def _float_pair(op_label, labels, predictions):
    """Both as float tensors of the predictions' dtype (float32 unless they are floats)."""
    if labels is None:
        raise ValueError("%s: labels must not be None." % op_label)
    if predictions is None:
        raise ValueError("%s: predictions must not be None." % op_label)
    predictions = convert_to_tensor(predictions)
    if not predictions.dtype.is_floating:
        predictions = math_ops.to_float(predictions)
    dtype = predictions.dtype.base_dtype
    if hasattr(labels, "dtype") and hasattr(labels, "op"):
        labels = convert_to_tensor(labels)
    else:
        labels = convert_to_tensor(labels, dtype=dtype)
    if labels.dtype.base_dtype != dtype:
        labels = cast(labels, dtype)
    return labels, predictions


def _pair_checked(op_label, labels, predictions, b_name="predictions"):
    labels_in, predictions_in = labels, predictions
    labels, predictions = _float_pair(op_label, labels, predictions)
    # Name the user's own tensors in the message (not the casts made above).
    check_same_shape(op_label, _orig(labels_in, labels), _orig(predictions_in, predictions),
                     "labels", b_name)
    return labels, predictions


def _orig(value, converted):
    return convert_to_tensor(value) if hasattr(value, "op") else converted


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """mean((predictions - labels)^2) (weighted)."""
    labels, predictions = _pair_checked("tf.losses.mean_squared_error", labels, predictions)
    with get_default_graph().name_scope(scope or "mean_squared_error"):
        losses = squared_difference(predictions, labels)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """mean(|predictions - labels|) (weighted)."""
    labels, predictions = _pair_checked("tf.losses.absolute_difference", labels, predictions)
    with get_default_graph().name_scope(scope or "absolute_difference"):
        losses = abs_op(predictions - labels)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta);  e = predictions - labels."""
    labels, predictions = _pair_checked("tf.losses.huber_loss", labels, predictions)
    with get_default_graph().name_scope(scope or "huber_loss"):
        error = abs_op(predictions - labels)
        quadratic = minimum(error, delta)
        linear = error - quadratic        # written this way so the gradient is continuous
        losses = 0.5 * square(quadratic) + delta * linear
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """-labels log(p + eps) - (1 - labels) log(1 - p + eps), for probabilities p."""
    labels, predictions = _pair_checked("tf.losses.log_loss", labels, predictions)
    with get_default_graph().name_scope(scope or "log_loss"):
        losses = (-multiply(labels, log(predictions + epsilon)) -
                  multiply(1 - labels, log(1 - predictions + epsilon)))
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=_DEFAULT):
    """max(0, 1 - y * logits) with labels in {0, 1} mapped to y in {-1, 1}."""
    labels, logits = _pair_checked("tf.losses.hinge_loss", labels, logits, "logits")
    with get_default_graph().name_scope(scope or "hinge_loss"):
        losses = relu(1 - (2 * labels - 1) * logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT, dim=None):
    """1 - sum(labels * predictions, axis) for unit-normalized labels and predictions."""
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("tf.losses.cosine_distance: give the axis along which the vectors lie "
                         "(axis=...).")
    labels, predictions = _pair_checked("tf.losses.cosine_distance", labels, predictions)
    with get_default_graph().name_scope(scope or "cosine_distance_loss"):
        losses = 1 - reduce_sum(multiply(predictions, labels), axis=axis, keepdims=True)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


# =========================================================================
# Classification losses (on logits)
# =========================================================================

def _logits_tensor(op_label, logits):
    if logits is None:
        raise ValueError("%s: logits must not be None." % op_label)
    logits = convert_to_tensor(logits)
    check_dtype(op_label + " logits", logits, {"float"})
    return logits


def _labels_like_logits(labels, logits, op_label):
    if labels is None:
        raise ValueError("%s: labels must not be None." % op_label)
    if hasattr(labels, "dtype") and hasattr(labels, "op"):
        labels = convert_to_tensor(labels)
    else:
        labels = convert_to_tensor(labels, dtype=logits.dtype.base_dtype)
    return labels


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """Mean softmax cross-entropy for one-hot labels of shape (batch, classes).

    ``label_smoothing`` = s replaces the labels by labels * (1 - s) + s / classes.
    """
    op_label = "tf.losses.softmax_cross_entropy"
    logits = _logits_tensor(op_label, logits)
    labels = _labels_like_logits(onehot_labels, logits, op_label)
    check_dense_labels(op_label, labels, logits, "tf.losses.sparse_softmax_cross_entropy",
                       check_dtypes=False)
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss"):
        if labels.dtype.base_dtype != logits.dtype.base_dtype:
            labels = cast(labels, logits.dtype.base_dtype)
        if label_smoothing:
            num_classes = logits.shape.dims[-1] if logits.shape.ndims else None
            if num_classes is None:
                num_classes = cast(shape_op(logits)[-1], logits.dtype.base_dtype)
            labels = labels * (1 - label_smoothing) + label_smoothing / num_classes
        losses = softmax_cross_entropy_with_logits_v2(labels=stop_gradient(labels),
                                                      logits=logits, name="xentropy")
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """Mean softmax cross-entropy for integer class ids of shape (batch,).

    Labels (and weights) of shape (batch, 1) are squeezed to (batch,), as TF does.
    """
    op_label = "tf.losses.sparse_softmax_cross_entropy"
    logits = _logits_tensor(op_label, logits)
    if labels is None:
        raise ValueError("%s: labels must not be None." % op_label)
    labels = convert_to_tensor(labels)
    l_dims, g_dims = labels.shape.dims, logits.shape.dims
    if l_dims is not None and g_dims is not None and len(l_dims) == len(g_dims) and \
            l_dims[-1] == 1 and g_dims[-1] != 1:
        labels = squeeze(labels, axis=[-1])
        weights_t = weights if hasattr(weights, "op") else None
        if weights_t is not None and weights_t.shape.ndims == len(l_dims) and \
                weights_t.shape.dims[-1] == 1:
            weights = squeeze(weights_t, axis=[-1])
    check_sparse_labels(op_label, labels, logits, "tf.losses.softmax_cross_entropy")
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss"):
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """Mean sigmoid cross-entropy for independent 0/1 labels shaped like the logits.

    ``label_smoothing`` = s replaces the labels by labels * (1 - s) + 0.5 s.
    """
    op_label = "tf.losses.sigmoid_cross_entropy"
    logits = _logits_tensor(op_label, logits)
    labels = _labels_like_logits(multi_class_labels, logits, op_label)
    check_same_shape(op_label, labels, logits, "multi_class_labels", "logits")
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss"):
        if labels.dtype.base_dtype != logits.dtype.base_dtype:
            labels = cast(labels, logits.dtype.base_dtype)
        if label_smoothing:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)
