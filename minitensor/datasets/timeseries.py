"""Time series helpers for the RNN chapters: windows, a classic data set, scaling, scores.

    from minitensor.datasets import timeseries as ts
    series = ts.load_airline_passengers()                  # (144,) monthly totals, 1949-1960
    train, test = ts.train_test_split_series(series, 0.67) # no shuffling: the past trains
    scaler = ts.MinMaxScaler().fit(train)                  # fit on the training part only
    X_train, Y_train, X_test, Y_test = ts.mvts_to_xy(
        scaler.transform(train), scaler.transform(test), n_x=2, n_y=1)
    # X: (N, 2, 1) -- the values at t-1 and t;  Y: (N, 1, 1) -- the value at t+1
    print(ts.rmse(Y_test, ts.persistence_baseline(X_test)))  # the score to beat

``mvts_to_xy`` follows ``datasetslib.timeseries.mvts_to_xy`` (the seed book's helper): it
turns a series into supervised pairs, each X the ``n_x`` steps before a point and each Y
the ``n_y`` steps from that point on.
"""
import csv
import os

import numpy as np

__all__ = ["mvts_to_xy", "load_airline_passengers", "train_test_split_series", "MinMaxScaler",
           "StandardScaler", "rmse", "persistence_baseline"]

_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


# =========================================================================
# Supervised windows
# =========================================================================

def mvts_to_xy(*series, n_x=1, n_y=1, x_idx=None, y_idx=None, flatten=False,
               dtype=np.float32):
    """Cut each (multivariate) time series into supervised windows (X, Y).

    A series of shape (T,) or (T, features) gives N = T - n_x - n_y + 1 windows:

        X[k] = series[k : k + n_x, x_idx]                 shape (N, n_x, len(x_idx))
        Y[k] = series[k + n_x : k + n_x + n_y, y_idx]     shape (N, n_y, len(y_idx))

    ``x_idx`` / ``y_idx`` pick the feature columns of X and Y (default: all).  With
    ``flatten=True`` each window is one row, as datasetslib returns them: X (N, n_x *
    n_x_features), Y (N, n_y * n_y_features), oldest step first -- the layout for an MLP.

    One series returns ``(X, Y)``; several return ``[X1, Y1, X2, Y2, ...]``, so
    ``X_train, Y_train, X_test, Y_test = mvts_to_xy(train, test, n_x=2)``.
    """
    if not series:
        raise TypeError("mvts_to_xy needs at least one series: mvts_to_xy(train, n_x=2, n_y=1).")
    n_x, n_y = _positive_int(n_x, "n_x"), _positive_int(n_y, "n_y")
    out = []
    for number, values in enumerate(series):
        data = _as_2d(values, "mvts_to_xy: series %d" % number)
        cols_x = _columns(x_idx, data.shape[1], "x_idx")
        cols_y = _columns(y_idx, data.shape[1], "y_idx")
        n = len(data) - n_x - n_y + 1
        if n < 1:
            raise ValueError(
                "mvts_to_xy: series %d has %d steps, too few for one window of n_x=%d inputs "
                "and n_y=%d targets (a window needs n_x + n_y = %d steps)."
                % (number, len(data), n_x, n_y, n_x + n_y))
        starts = np.arange(n)[:, None]
        x = data[starts + np.arange(n_x)][:, :, cols_x]              # (N, n_x, |x_idx|)
        y = data[starts + n_x + np.arange(n_y)][:, :, cols_y]        # (N, n_y, |y_idx|)
        if flatten:
            x, y = x.reshape(n, -1), y.reshape(n, -1)
        out += [x.astype(dtype), y.astype(dtype)]
    return tuple(out) if len(series) == 1 else out


def _positive_int(value, name):
    if int(value) != value or value < 1:
        raise ValueError("mvts_to_xy: %s must be a positive integer, got %r." % (name, value))
    return int(value)


def _as_2d(values, what):
    data = np.asarray(values)
    if data.ndim == 1:
        return data.reshape(-1, 1)
    if data.ndim != 2:
        raise ValueError("%s must have shape (T,) or (T, features), got %s." % (what, data.shape))
    return data


def _columns(idx, n_features, name):
    if idx is None:
        return list(range(n_features))
    cols = [int(i) for i in np.atleast_1d(idx)]
    for i in cols:
        if not -n_features <= i < n_features:
            raise IndexError("mvts_to_xy: %s contains %d, but the series has %d feature "
                             "column(s) (valid: 0 to %d)." % (name, i, n_features, n_features - 1))
    return cols


# =========================================================================
# The international airline passengers series (Box & Jenkins 1976)
# =========================================================================

def load_airline_passengers(return_months=False):
    """Monthly totals of international airline passengers (thousands), Jan 1949 - Dec 1960.

    The classic Box & Jenkins "series G": 144 values, float32, shipped with minitensor
    (``datasets/data/airline_passengers.csv``).  With ``return_months=True`` returns
    ``(months, values)`` where months are ``"1949-01"`` ... ``"1960-12"``.
    """
    months, values = [], []
    with open(os.path.join(_DATA_DIR, "airline_passengers.csv"), newline="") as f:
        for row in csv.DictReader(f):
            months.append(row["month"])
            values.append(float(row["passengers"]))
    values = np.array(values, dtype=np.float32)
    return (months, values) if return_months else values


# =========================================================================
# Splitting and scaling
# =========================================================================

def train_test_split_series(data, train_fraction=0.67):
    """Split a series in time order: the first ``int(len * train_fraction)`` steps train.

    Never shuffle a time series before splitting: the model would see the future.
    """
    data = np.asarray(data)
    if not 0 < train_fraction < 1:
        raise ValueError("train_test_split_series: train_fraction must be between 0 and 1 "
                         "(e.g. 0.67), got %r." % (train_fraction,))
    n_train = int(len(data) * train_fraction)
    if n_train < 1 or n_train >= len(data):
        raise ValueError("train_test_split_series: %d steps with train_fraction=%r leaves an "
                         "empty part (%d train, %d test)."
                         % (len(data), train_fraction, n_train, len(data) - n_train))
    return data[:n_train], data[n_train:]


class _Scaler:
    """fit / transform / fit_transform / inverse_transform, per feature column."""

    def fit(self, data):
        data = _as_2d(data, "%s.fit: data" % type(self).__name__).astype(np.float64)
        self._fit(data)
        self.n_features_ = data.shape[1]
        return self

    def fit_transform(self, data):
        return self.fit(data).transform(data)

    def transform(self, data):
        data, shape = self._checked(data, "transform")
        return self._forward(data).reshape(shape).astype(self._out_dtype(data), copy=False)

    def inverse_transform(self, data):
        data, shape = self._checked(data, "inverse_transform")
        return self._backward(data).reshape(shape).astype(self._out_dtype(data), copy=False)

    def _checked(self, data, method):
        name = type(self).__name__
        if not hasattr(self, "n_features_"):
            raise RuntimeError("%s.%s: the scaler has not been fitted yet. Call "
                               "scaler.fit(train) first (on the training data only)."
                               % (name, method))
        array = np.asarray(data)
        shape = array.shape
        if self.n_features_ == 1:                 # any shape: every value is that feature
            return array.reshape(-1, 1), shape
        if array.ndim == 0 or array.shape[-1] != self.n_features_:
            raise ValueError("%s.%s: the scaler was fitted on %d features (columns), but got "
                             "data of shape %s." % (name, method, self.n_features_, shape))
        return array.reshape(-1, self.n_features_), shape

    @staticmethod
    def _out_dtype(data):
        return data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64


class MinMaxScaler(_Scaler):
    """x' = (x - min) / (max - min) * (hi - lo) + lo, per feature; ``feature_range=(lo, hi)``.

    A constant feature maps to ``lo`` (its range is treated as 1).
    """

    def __init__(self, feature_range=(0, 1)):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError("MinMaxScaler: feature_range must be (low, high) with low < high, "
                             "got %r." % (feature_range,))
        self.feature_range = (float(lo), float(hi))

    def _fit(self, data):
        self.data_min_ = data.min(axis=0)
        self.data_max_ = data.max(axis=0)
        span = self.data_max_ - self.data_min_
        self.data_range_ = np.where(span == 0, 1.0, span)

    def _forward(self, x):
        lo, hi = self.feature_range
        return (x - self.data_min_) / self.data_range_ * (hi - lo) + lo

    def _backward(self, x):
        lo, hi = self.feature_range
        return (x - lo) / (hi - lo) * self.data_range_ + self.data_min_


class StandardScaler(_Scaler):
    """x' = (x - mean) / std, per feature (population std; a constant feature keeps std 1)."""

    def _fit(self, data):
        self.mean_ = data.mean(axis=0)
        std = data.std(axis=0)
        self.scale_ = np.where(std == 0, 1.0, std)

    def _forward(self, x):
        return (x - self.mean_) / self.scale_

    def _backward(self, x):
        return x * self.scale_ + self.mean_


# =========================================================================
# Scores
# =========================================================================

def rmse(a, b):
    """Root mean squared error sqrt(mean((a - b)^2)).

    Arrays with the same number of elements are compared element by element whatever their
    shapes ((N, 1) against (N,) is fine); anything else is an error rather than a silent
    broadcast to (N, N).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        if a.size != b.size:
            raise ValueError("rmse: the arrays have shapes %s and %s (%d and %d values); they "
                             "must hold the same number of values." % (a.shape, b.shape,
                                                                        a.size, b.size))
        a, b = a.reshape(-1), b.reshape(-1)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def persistence_baseline(X, n_y=None, y_idx=None):
    """The naive "next = last seen" forecast: the score a model must beat.

    For windows ``X`` of shape (N, n_x, features) from :func:`mvts_to_xy`: each window's
    last step, repeated ``n_y`` times (default 1) and restricted to the ``y_idx`` columns,
    shape (N, n_y, len(y_idx)) -- the shape of Y.  For a 1-D series s: the forecast of
    ``s[1:]``, which is ``s[:-1]``.
    """
    X = np.asarray(X)
    if X.ndim == 1:
        return X[:-1].copy()
    if X.ndim != 3:
        raise ValueError("persistence_baseline: expected windows of shape (N, n_x, features) "
                         "from mvts_to_xy (flatten=False) or a 1-D series, got shape %s."
                         % (X.shape,))
    cols = _columns(y_idx, X.shape[2], "y_idx")
    last = X[:, -1:, :][:, :, cols]
    return np.repeat(last, n_y or 1, axis=1)
