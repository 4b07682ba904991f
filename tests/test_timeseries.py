"""Time series helpers: windows, the airline data, splitting, scalers, scores."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from minitensor.datasets import timeseries as ts


# ---------------------------------------------------------------------------------------
# mvts_to_xy
# ---------------------------------------------------------------------------------------

def windows_by_hand(series, n_x, n_y, x_idx, y_idx):
    data = series.reshape(len(series), -1)
    xs, ys = [], []
    for t in range(n_x, len(data) - n_y + 1):         # t: the first target step
        xs.append(data[t - n_x:t][:, x_idx])
        ys.append(data[t:t + n_y][:, y_idx])
    return np.array(xs), np.array(ys)


def test_univariate_windows_like_the_seed():
    series = np.arange(10, 20, dtype=np.float64)
    X, Y = ts.mvts_to_xy(series, n_x=2, n_y=1)
    assert X.shape == (8, 2, 1) and Y.shape == (8, 1, 1)
    assert X.dtype == Y.dtype == np.float32
    np.testing.assert_array_equal(X[0, :, 0], [10, 11])     # {t-1, t}
    np.testing.assert_array_equal(Y[0, :, 0], [12])         # {t+1}
    np.testing.assert_array_equal(X[-1, :, 0], [17, 18])
    np.testing.assert_array_equal(Y[-1, :, 0], [19])


@settings(deadline=None, max_examples=15)
@given(T=st.integers(3, 30), features=st.integers(1, 4), n_x=st.integers(1, 4),
       n_y=st.integers(1, 3), data=st.data())
def test_multivariate_windows_match_a_loop(T, features, n_x, n_y, data):
    if n_x + n_y > T:
        return
    series = np.random.default_rng(T).standard_normal((T, features))
    x_idx = data.draw(st.lists(st.integers(0, features - 1), min_size=1, max_size=features,
                               unique=True))
    y_idx = data.draw(st.lists(st.integers(0, features - 1), min_size=1, max_size=features,
                               unique=True))
    X, Y = ts.mvts_to_xy(series, n_x=n_x, n_y=n_y, x_idx=x_idx, y_idx=y_idx, dtype=np.float64)
    want_x, want_y = windows_by_hand(series, n_x, n_y, x_idx, y_idx)
    np.testing.assert_array_equal(X, want_x)
    np.testing.assert_array_equal(Y, want_y)
    assert X.shape == (T - n_x - n_y + 1, n_x, len(x_idx))
    Xf, Yf = ts.mvts_to_xy(series, n_x=n_x, n_y=n_y, x_idx=x_idx, y_idx=y_idx, flatten=True,
                           dtype=np.float64)
    np.testing.assert_array_equal(Xf, want_x.reshape(len(want_x), -1))
    np.testing.assert_array_equal(Yf, want_y.reshape(len(want_y), -1))


def test_several_series_return_x_y_pairs_in_order():
    train, test = np.arange(20.0), np.arange(100.0, 108.0)
    X_train, Y_train, X_test, Y_test = ts.mvts_to_xy(train, test, n_x=3, n_y=2)
    assert X_train.shape == (16, 3, 1) and Y_test.shape == (4, 2, 1)
    np.testing.assert_array_equal(X_test[0, :, 0], [100, 101, 102])
    np.testing.assert_array_equal(Y_test[0, :, 0], [103, 104])


def test_flattened_layout_is_datasetslibs():
    series = np.array([[1, 10], [2, 20], [3, 30], [4, 40]], dtype=np.float32)
    X, Y = ts.mvts_to_xy(series, n_x=2, n_y=1, y_idx=1, flatten=True)
    np.testing.assert_array_equal(X, [[1, 10, 2, 20], [2, 20, 3, 30]])
    np.testing.assert_array_equal(Y, [[30], [40]])


def test_window_errors_are_explained():
    with pytest.raises(ValueError, match="too few"):
        ts.mvts_to_xy(np.arange(3.0), n_x=3, n_y=1)
    with pytest.raises(IndexError, match="2 feature"):
        ts.mvts_to_xy(np.zeros((5, 2)), y_idx=[2])
    with pytest.raises(ValueError, match="positive integer"):
        ts.mvts_to_xy(np.arange(5.0), n_x=0)


# ---------------------------------------------------------------------------------------
# The airline passengers data
# ---------------------------------------------------------------------------------------

def test_airline_passengers_is_the_box_jenkins_series():
    series = ts.load_airline_passengers()
    assert series.shape == (144,) and series.dtype == np.float32
    assert series.sum() == 40363
    np.testing.assert_array_equal(series[:12], [112, 118, 132, 129, 121, 135, 148, 148, 136,
                                                119, 104, 118])
    np.testing.assert_array_equal(series[-12:], [417, 391, 419, 461, 472, 535, 622, 606, 508,
                                                 461, 390, 432])
    assert series.min() == 104 and series.max() == 622 and np.median(series) == 265.5
    yearly = series.reshape(12, 12).sum(axis=1)
    assert np.all(np.diff(yearly) > 0), "traffic grew every year"
    months, values = ts.load_airline_passengers(return_months=True)
    assert months[0] == "1949-01" and months[-1] == "1960-12" and len(months) == 144
    np.testing.assert_array_equal(values, series)


# ---------------------------------------------------------------------------------------
# Splitting and scaling
# ---------------------------------------------------------------------------------------

def test_split_keeps_time_order():
    series = ts.load_airline_passengers()
    train, test = ts.train_test_split_series(series, 0.67)
    assert len(train) == 96 and len(test) == 48
    np.testing.assert_array_equal(np.concatenate([train, test]), series)
    with pytest.raises(ValueError, match="between 0 and 1"):
        ts.train_test_split_series(series, 67)
    with pytest.raises(ValueError, match="empty"):
        ts.train_test_split_series(np.arange(3), 0.1)


def test_min_max_scaler_round_trip_and_range():
    data = np.array([[1.0, -5.0, 7.0], [3.0, 5.0, 7.0], [2.0, 0.0, 7.0]])
    scaler = ts.MinMaxScaler(feature_range=(-1, 1)).fit(data)
    scaled = scaler.transform(data)
    np.testing.assert_allclose(scaled[:, :2], [[-1, -1], [1, 1], [0, 0]])
    np.testing.assert_array_equal(scaled[:, 2], -1)               # constant column: low end
    np.testing.assert_allclose(scaler.inverse_transform(scaled), data)


def test_scaler_fitted_on_a_series_scales_windows():
    series = ts.load_airline_passengers()
    train, test = ts.train_test_split_series(series, 0.67)
    scaler = ts.MinMaxScaler().fit(train)
    scaled = scaler.transform(train)
    assert scaled.shape == train.shape and scaled.dtype == np.float32
    assert scaled.min() == 0 and scaled.max() == 1
    X, Y = ts.mvts_to_xy(scaler.transform(test), n_x=2)
    np.testing.assert_allclose(scaler.inverse_transform(Y)[:, 0, 0], test[2:], rtol=1e-5)


def test_standard_scaler():
    rng = np.random.default_rng(0)
    data = rng.normal(5, 3, (200, 2))
    scaler = ts.StandardScaler()
    scaled = scaler.fit_transform(data)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(scaled), data)


def test_scaler_errors_are_explained():
    with pytest.raises(RuntimeError, match="fit"):
        ts.MinMaxScaler().transform([1.0, 2.0])
    scaler = ts.StandardScaler().fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="3 features"):
        scaler.transform(np.zeros((4, 2)))


# ---------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------

def test_rmse():
    assert ts.rmse([1, 2, 3], [1, 2, 3]) == 0
    assert ts.rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
    assert ts.rmse(np.ones((5, 1)), np.zeros(5)) == 1.0          # (N, 1) vs (N,) is fine
    with pytest.raises(ValueError, match="same number of values"):
        ts.rmse(np.ones(4), np.ones(5))


def test_persistence_baseline_on_windows_and_series():
    series = np.array([[1.0, 10], [2, 20], [3, 30], [4, 40], [5, 50]])
    X, Y = ts.mvts_to_xy(series, n_x=2, n_y=2)
    guess = ts.persistence_baseline(X, n_y=2)
    assert guess.shape == Y.shape
    np.testing.assert_array_equal(guess[0], [[2, 20], [2, 20]])
    np.testing.assert_array_equal(ts.persistence_baseline(X, y_idx=[1])[:, :, 0], [[20], [30]])
    s = ts.load_airline_passengers()
    np.testing.assert_array_equal(ts.persistence_baseline(s), s[:-1])
    # "next month = this month" on the airline test years: the score a model has to beat
    _, test = ts.train_test_split_series(s, 0.67)
    X_test, Y_test = ts.mvts_to_xy(test, n_x=1)
    score = ts.rmse(Y_test, ts.persistence_baseline(X_test))
    assert score == pytest.approx(np.sqrt(np.mean(np.diff(test) ** 2)))
    assert 40 < score < 60
