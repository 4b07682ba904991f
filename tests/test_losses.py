"""tf.losses: values against NumPy for every reduction, gradients, the LOSSES collection,
and the shape errors ((N, 1) vs (N,), one-hot vs class ids) that teach."""
import numpy as np
import pytest

import minitensor as tf
from minitensor.debug.gradient_check import gradient_check
from minitensor.framework import errors

R = tf.losses.Reduction
RNG = np.random.default_rng(0)
LABELS = RNG.standard_normal((4, 3))
PREDS = RNG.standard_normal((4, 3))
WEIGHTS = np.array([[1.0], [0.0], [2.0], [0.5]])       # one weight per example


def _reduce(per_element, weights, reduction):
    w = np.broadcast_to(weights, per_element.shape)
    weighted = per_element * w
    if reduction == R.NONE:
        return weighted
    total = weighted.sum()
    if reduction == R.SUM:
        return total
    if reduction == R.MEAN:
        return total / w.sum()
    if reduction == R.SUM_OVER_BATCH_SIZE:
        return total / per_element.size
    return total / np.count_nonzero(w)


def _placeholders(shape=(4, 3)):
    return tf.placeholder(tf.float64, shape), tf.placeholder(tf.float64, shape)


REGRESSION = [
    ("mean_squared_error", tf.losses.mean_squared_error, lambda l, p: (p - l) ** 2, {}),
    ("absolute_difference", tf.losses.absolute_difference, lambda l, p: np.abs(p - l), {}),
    ("huber_loss", tf.losses.huber_loss,
     lambda l, p: np.where(np.abs(p - l) <= 0.7, 0.5 * (p - l) ** 2,
                           0.7 * (np.abs(p - l) - 0.35)), {"delta": 0.7}),
    ("hinge_loss", lambda labels, predictions, **kw: tf.losses.hinge_loss(labels, predictions, **kw),
     lambda l, p: np.maximum(0, 1 - (2 * l - 1) * p), {}),
]


@pytest.mark.parametrize("reduction", [R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE,
                                       R.SUM_BY_NONZERO_WEIGHTS])
@pytest.mark.parametrize("name,loss_fn,reference,kwargs", REGRESSION,
                         ids=[r[0] for r in REGRESSION])
def test_regression_losses_match_numpy_for_every_reduction(name, loss_fn, reference, kwargs,
                                                           reduction):
    labels, preds = _placeholders()
    label_values = (LABELS > 0).astype(float) if name == "hinge_loss" else LABELS
    feed = {labels: label_values, preds: PREDS}
    loss = loss_fn(labels, preds, weights=WEIGHTS, reduction=reduction, **kwargs)
    expected = _reduce(reference(label_values, PREDS), WEIGHTS, reduction)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss, feed), expected, rtol=1e-12)
    if name != "absolute_difference" or reduction != R.NONE:
        gradient_check(loss, [preds], feed)


def test_default_reduction_is_the_mean_over_nonzero_weights():
    labels, preds = _placeholders()
    feed = {labels: LABELS, preds: PREDS}
    loss = tf.losses.mean_squared_error(labels, preds)
    with tf.Session() as sess:
        assert sess.run(loss, feed) == pytest.approx(np.mean((PREDS - LABELS) ** 2))
    assert loss.shape.as_list() == []


def test_all_zero_weights_give_zero_not_nan():
    labels, preds = _placeholders()
    loss = tf.losses.mean_squared_error(labels, preds, weights=0.0)
    mean = tf.losses.mean_squared_error(labels, preds, weights=np.zeros((4, 1)),
                                        reduction=R.MEAN)
    with tf.Session() as sess:
        assert sess.run([loss, mean], {labels: LABELS, preds: PREDS}) == [0.0, 0.0]


def test_log_loss_and_cosine_distance():
    labels, preds = _placeholders((3, 2))
    lv = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    pv = np.array([[0.9, 0.2], [0.4, 0.6], [0.7, 0.99]])
    log_loss = tf.losses.log_loss(labels, preds)
    eps = 1e-7
    expected = np.mean(-lv * np.log(pv + eps) - (1 - lv) * np.log(1 - pv + eps))
    a = np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]])
    b = np.array([[0.8, 0.6], [0.6, 0.8], [0.0, 1.0]])
    cos = tf.losses.cosine_distance(labels, preds, axis=1)
    with tf.Session() as sess:
        assert sess.run(log_loss, {labels: lv, preds: pv}) == pytest.approx(expected)
        assert sess.run(cos, {labels: a, preds: b}) == pytest.approx(
            np.mean(1 - (a * b).sum(1)))
    gradient_check(log_loss, [preds], {labels: lv, preds: pv})
    with pytest.raises(ValueError, match="axis"):
        tf.losses.cosine_distance(labels, preds)


def test_column_against_vector_is_refused_instead_of_broadcast_to_n_by_n():
    y = tf.placeholder(tf.float32, [None], name="y_true")
    y_hat = tf.placeholder(tf.float32, [None, 1], name="y_pred")
    with pytest.raises(errors.ShapeError) as info:
        tf.losses.mean_squared_error(labels=y, predictions=y_hat)
    message = str(info.value)
    assert "y_true" in message and "y_pred" in message
    assert "(N, N)" in message
    assert "tf.squeeze(predictions, axis=-1)" in message or "tf.reshape(labels, [-1, 1])" in \
        message
    with pytest.raises(errors.ShapeError, match="same shape"):
        tf.losses.absolute_difference(tf.zeros([3, 1]), tf.zeros([3]))


def test_integer_labels_are_cast_and_python_lists_accepted():
    preds = tf.constant([[0.5], [2.0]])
    loss = tf.losses.mean_squared_error([[1], [2]], preds)
    with tf.Session() as sess:
        assert sess.run(loss) == pytest.approx(0.125)


def test_weights_that_cannot_weight_the_losses_are_refused():
    labels, preds = _placeholders()
    with pytest.raises(errors.ShapeError, match=r"expand_dims\(weights, -1\)"):
        tf.losses.mean_squared_error(labels, preds, weights=np.ones(4))
    with pytest.raises(ValueError, match="Invalid Reduction"):
        tf.losses.mean_squared_error(labels, preds, reduction="mean")


# =========================================================================
# Classification losses
# =========================================================================

def _np_log_softmax(x):
    shifted = x - x.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


LOGITS = RNG.standard_normal((5, 4)) * 2
IDS = np.array([0, 3, 1, 1, 2])
ONEHOT = np.eye(4)[IDS]


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_softmax_cross_entropy_with_label_smoothing(smoothing):
    logits = tf.placeholder(tf.float64, [None, 4])
    onehot = tf.placeholder(tf.float64, [None, 4])
    loss = tf.losses.softmax_cross_entropy(onehot, logits, label_smoothing=smoothing)
    smoothed = ONEHOT * (1 - smoothing) + smoothing / 4
    expected = np.mean(-(smoothed * _np_log_softmax(LOGITS)).sum(-1))
    feed = {logits: LOGITS, onehot: ONEHOT}
    with tf.Session() as sess:
        assert sess.run(loss, feed) == pytest.approx(expected, rel=1e-12)
    gradient_check(loss, [logits], feed)
    assert tf.losses.get_losses() == [loss]


def test_softmax_cross_entropy_accepts_int_one_hot_and_refuses_class_ids():
    logits = tf.constant(LOGITS, dtype=tf.float32)
    loss = tf.losses.softmax_cross_entropy(tf.one_hot(IDS, 4, dtype=tf.int32), logits)
    with tf.Session() as sess:
        assert sess.run(loss) == pytest.approx(
            np.mean(-_np_log_softmax(LOGITS)[np.arange(5), IDS]), rel=1e-5)
    ids = tf.placeholder(tf.int32, [None], name="digits")
    with pytest.raises(errors.ShapeError, match=r"(?s)class ids.*digits.*sparse_softmax"):
        tf.losses.softmax_cross_entropy(ids, logits)


def test_sparse_softmax_cross_entropy_squeezes_a_column_and_weights():
    logits = tf.placeholder(tf.float64, [None, 4])
    ids = tf.placeholder(tf.int64, [None, 1])
    weights = np.array([1.0, 0.0, 1.0, 3.0, 1.0])
    loss = tf.losses.sparse_softmax_cross_entropy(ids, logits, weights=weights)
    per_example = -_np_log_softmax(LOGITS)[np.arange(5), IDS]
    with tf.Session() as sess:
        out = sess.run(loss, {logits: LOGITS, ids: IDS[:, None]})
    assert out == pytest.approx((per_example * weights).sum() / 4)
    gradient_check(loss, [logits], {logits: LOGITS, ids: IDS[:, None]})


def test_sparse_softmax_cross_entropy_refuses_one_hot_labels():
    logits = tf.placeholder(tf.float32, [None, 10])
    onehot = tf.placeholder(tf.float32, [None, 10], name="y")
    with pytest.raises(errors.ShapeError) as info:
        tf.losses.sparse_softmax_cross_entropy(onehot, logits)
    assert ("labels look one-hot (shape (any, 10)); sparse_softmax_cross_entropy expects "
            "class ids of shape (any,). Use tf.losses.softmax_cross_entropy or "
            "tf.argmax(labels, 1).") in str(info.value)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_sigmoid_cross_entropy(smoothing):
    logits = tf.placeholder(tf.float64, [5, 4])
    labels = (RNG.uniform(size=(5, 4)) > 0.5).astype(float)
    loss = tf.losses.sigmoid_cross_entropy(labels, logits, label_smoothing=smoothing)
    z = labels * (1 - smoothing) + 0.5 * smoothing
    p = 1 / (1 + np.exp(-LOGITS))
    expected = np.mean(-z * np.log(p) - (1 - z) * np.log(1 - p))
    with tf.Session() as sess:
        assert sess.run(loss, {logits: LOGITS}) == pytest.approx(expected, rel=1e-10)
    gradient_check(loss, [logits], {logits: LOGITS})
    with pytest.raises(errors.ShapeError, match="multi_class_labels"):
        tf.losses.sigmoid_cross_entropy(np.ones(5), logits)


# =========================================================================
# The LOSSES collection
# =========================================================================

def test_total_loss_sums_losses_and_regularization_losses():
    labels, preds = _placeholders()
    w = tf.Variable(np.array([1.0, 2.0]))
    mse = tf.losses.mean_squared_error(labels, preds)
    mae = tf.losses.absolute_difference(labels, preds, loss_collection=None)
    custom = tf.reduce_sum(w)
    tf.losses.add_loss(custom)
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 0.1 * tf.nn.l2_loss(w))
    assert tf.losses.get_losses() == [mse, custom]
    assert mae not in tf.losses.get_losses()
    total = tf.losses.get_total_loss()
    data_only = tf.losses.get_total_loss(add_regularization_losses=False)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {labels: LABELS, preds: PREDS}
        expected = np.mean((PREDS - LABELS) ** 2) + 3.0
        assert sess.run(data_only, feed) == pytest.approx(expected)
        assert sess.run(total, feed) == pytest.approx(expected + 0.25)
        assert sess.run(tf.losses.get_regularization_loss()) == pytest.approx(0.25)


def test_total_loss_without_losses_explains():
    with pytest.raises(ValueError, match="add_loss"):
        tf.losses.get_total_loss()
    with tf.Session() as sess:
        assert sess.run(tf.losses.get_regularization_loss()) == 0.0
