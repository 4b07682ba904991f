"""MNIST loader: IDX reading, checksums, search order, download, next_batch, real files."""
import gzip
import hashlib
import io
import os
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import minitensor as tf
from minitensor.datasets import mnist
from minitensor.datasets.mnist import ChecksumError, DatasetError, DatasetNotFoundError

REAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
SHIPPED_NAMES = {"train_images": "train-images.idx3-ubyte.gz",
                 "train_labels": "train-labels.idx1-ubyte.gz",
                 "test_images": "t10k-images.idx3-ubyte.gz",
                 "test_labels": "t10k-labels.idx1-ubyte.gz"}


# --- helpers --------------------------------------------------------------------------------

def idx_bytes(array):
    """IDX encoding of ``array`` (the writer the reader is tested against)."""
    codes = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B,
             np.dtype("i4"): 0x0C, np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}
    array = np.asarray(array)
    code = codes[array.dtype.newbyteorder("=")]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, gzipped):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test touches ~/.cache or the network: both point at tmp_path, downloads fail."""
    monkeypatch.setenv("MINITENSOR_DATA_DIR", str(tmp_path / "data_home"))
    monkeypatch.delenv("MINITENSOR_MNIST_DIR", raising=False)

    def no_network(url, timeout):
        raise urllib.error.URLError("network disabled in tests (%s)" % url)
    monkeypatch.setattr(mnist, "_urlopen", no_network)


@pytest.fixture
def small_mnist(tmp_path, monkeypatch):
    """Four small MNIST-shaped files (20 train, 6 test examples) in a 'mirror' directory, and
    FILES patched to know their hashes. Returns (mirror_dir, arrays)."""
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
              "train_labels": (np.arange(20) % 10).astype(np.uint8),
              "test_images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "test_labels": np.array([3, 1, 4, 1, 5, 9], np.uint8)}
    mirror = tmp_path / "mirror"
    files = {}
    for key, spec in mnist.FILES.items():
        raw = idx_bytes(arrays[key])
        gz = write(mirror / spec.gz_name, raw, gzipped=True).read_bytes()
        files[key] = spec._replace(count=len(arrays[key]), gz_sha256=sha256(gz),
                                   raw_sha256=sha256(raw))
    monkeypatch.setattr(mnist, "FILES", files)
    return mirror, arrays


def copy_files(arrays, folder, dotted=False, gzipped=True):
    for key, spec in mnist.FILES.items():
        name = spec.stem.replace("-idx", ".idx") if dotted else spec.stem
        write(Path(folder) / (name + (".gz" if gzipped else "")), idx_bytes(arrays[key]), gzipped)


# --- the IDX reader ----------------------------------------------------------------------------

@pytest.mark.parametrize("gzipped", [True, False])
@pytest.mark.parametrize("dtype,shape", [("u1", (5, 3, 4)), ("u1", (7,)), ("i1", (2, 3)),
                                         ("i2", (4, 2)), ("i4", (3,)), ("f4", (2, 2, 2)),
                                         ("f8", (1, 5))])
def test_read_idx_round_trip(tmp_path, gzipped, dtype, shape):
    rng = np.random.default_rng(1)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    path = write(tmp_path / "x.idx", idx_bytes(array), gzipped)
    got = mnist.read_idx(path)
    assert got.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(got, array)
    with open(path, "rb") as f:  # a file object works too
        np.testing.assert_array_equal(mnist.read_idx(f), array)


def test_read_idx_magic_numbers_are_mnists(tmp_path):
    labels = write(tmp_path / "l", idx_bytes(np.arange(5, dtype=np.uint8)), False)
    images = write(tmp_path / "i", idx_bytes(np.zeros((2, 3, 3), np.uint8)), False)
    assert labels.read_bytes()[:4] == struct.pack(">I", 2049)
    assert images.read_bytes()[:4] == struct.pack(">I", 2051)
    assert mnist.read_idx(labels, expected_magic=2049).shape == (5,)
    with pytest.raises(DatasetError, match=r"holds labels \(magic 2049\), but images"):
        mnist.read_idx(labels, expected_magic=2051)


def test_truncated_raw_file_names_the_file_and_the_sizes(tmp_path):
    data = idx_bytes(np.zeros((10, 4), np.uint8))
    path = write(tmp_path / "cut-idx3-ubyte", data[:-7], gzipped=False)
    with pytest.raises(DatasetError) as info:
        mnist.read_idx(path)
    message = str(info.value)
    assert "cut-idx3-ubyte is truncated" in message
    assert "(10, 4)" in message and "40 data bytes" in message and "holds 33" in message
    assert "Fix: delete" in message


def test_truncated_header(tmp_path):
    data = idx_bytes(np.zeros((10, 4), np.uint8))
    with pytest.raises(DatasetError, match="announces 2 dimensions"):
        mnist.read_idx(write(tmp_path / "h", data[:9], gzipped=False))
    with pytest.raises(DatasetError, match="too short to be an IDX file: 2 bytes"):
        mnist.read_idx(write(tmp_path / "h2", data[:2], gzipped=False))


def test_extra_bytes_at_the_end(tmp_path):
    data = idx_bytes(np.zeros((3,), np.uint8)) + b"xx"
    with pytest.raises(DatasetError, match="has 2 extra bytes at the end"):
        mnist.read_idx(write(tmp_path / "e", data, gzipped=False))


def test_truncated_gzip_says_the_download_was_interrupted(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "t.gz"
    path.write_bytes(packed[:len(packed) // 2])
    with pytest.raises(DatasetError, match="gzip file that ends early.*interrupted"):
        mnist.read_idx(path)


def test_corrupt_gzip(tmp_path):
    packed = bytearray(gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8))))
    packed[12:20] = b"\xff" * 8
    path = tmp_path / "c.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(DatasetError, match="c.gz") as info:
        mnist.read_idx(path)
    assert "Fix: delete" in str(info.value)


def test_an_html_error_page_is_recognised(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"<!DOCTYPE html><html><body>403 Forbidden</body></html>")
    with pytest.raises(DatasetError, match="starts like a web page"):
        mnist.read_idx(path)


# --- checksums ---------------------------------------------------------------------------

def test_known_hashes_are_the_shipped_sha256sums():
    expected = {"train-images.idx3-ubyte.gz": mnist.FILES["train_images"].gz_sha256,
                "train-labels.idx1-ubyte.gz": mnist.FILES["train_labels"].gz_sha256,
                "t10k-images.idx3-ubyte.gz": mnist.FILES["test_images"].gz_sha256,
                "t10k-labels.idx1-ubyte.gz": mnist.FILES["test_labels"].gz_sha256}
    sums_file = REAL_DIR / "SHA256SUMS"
    if not sums_file.exists():
        pytest.skip("shared MNIST copy not found at %s (it sits beside the repo)" % REAL_DIR)
    listed = dict(reversed(line.split()) for line in sums_file.read_text().splitlines() if line)
    assert listed == expected


def test_checksum_mismatch_names_file_hashes_and_fix(tmp_path):
    # a well-formed labels file, but not MNIST's: the hash check must catch it
    fake = idx_bytes(np.zeros(60000, np.uint8))
    path = write(tmp_path / "train-labels-idx1-ubyte.gz", fake, gzipped=True)
    spec = mnist.FILES["train_labels"]
    with pytest.raises(ChecksumError) as info:
        mnist._load_checked(str(path), spec)
    message = str(info.value)
    assert str(path) in message
    assert spec.gz_sha256 in message and spec.raw_sha256 in message  # expected
    assert sha256(path.read_bytes()) in message and sha256(fake) in message  # got
    assert "Fix: delete %s and run again to download it afresh" % path in message
    # verify=False reads it all the same
    assert mnist._load_checked(str(path), spec, verify=False).shape == (60000,)


def test_checksum_of_raw_file(tmp_path, small_mnist):
    _, arrays = small_mnist
    spec = mnist.FILES["test_labels"]
    good = write(tmp_path / "raw" / spec.stem, idx_bytes(arrays["test_labels"]), gzipped=False)
    np.testing.assert_array_equal(mnist._load_checked(str(good), spec), arrays["test_labels"])
    bad = write(tmp_path / "raw2" / spec.stem, idx_bytes(arrays["test_labels"][::-1]), False)
    with pytest.raises(ChecksumError, match="expected: %s" % spec.raw_sha256):
        mnist._load_checked(str(bad), spec)


def test_a_gzip_packed_differently_passes_by_its_contents(tmp_path, small_mnist):
    _, arrays = small_mnist
    spec = mnist.FILES["test_labels"]
    repacked = gzip.compress(idx_bytes(arrays["test_labels"]), compresslevel=1, mtime=12345)
    assert sha256(repacked) != spec.gz_sha256
    path = tmp_path / spec.gz_name
    path.write_bytes(repacked)
    np.testing.assert_array_equal(mnist._load_checked(str(path), spec), arrays["test_labels"])


# --- search order, download, offline --------------------------------------------------------------

def test_missing_and_offline_error_lists_files_dirs_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITENSOR_MNIST_DIR", str(tmp_path / "env_dir"))
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.read_data_sets(str(tmp_path / "MNIST_data"), one_hot=True)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for spec in mnist.FILES.values():
        assert spec.gz_name in message
    lines = message.splitlines()
    order = [next(i for i, line in enumerate(lines) if str(tmp_path / name) in line)
             for name in ("MNIST_data", "env_dir", "data_home")]
    assert order == sorted(order)  # searched in the documented order
    assert "the directory you passed" in message and "$MINITENSOR_MNIST_DIR" in message
    assert "network disabled in tests" in message  # why the download failed
    assert "Fix: copy the four MNIST files" in message
    assert "into %s" % (tmp_path / "env_dir") in message  # where to put them
    assert not (tmp_path / "env_dir").exists() or not any(
        p.name.endswith(".part") for p in (tmp_path / "env_dir").iterdir())


def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITENSOR_DATA_DIR", str(tmp_path / "d"))
    assert mnist.cache_dir() == str(tmp_path / "d" / "mnist")
    monkeypatch.delenv("MINITENSOR_DATA_DIR")
    assert mnist.cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "minitensor",
                                             "mnist")
    monkeypatch.setenv("MINITENSOR_MNIST_DIR", str(tmp_path / "m"))
    assert [d for d, _ in mnist.search_dirs("given")] == ["given", str(tmp_path / "m"),
                                                          mnist.cache_dir()]
    assert mnist.download_dir() == str(tmp_path / "m")


def test_download_from_a_file_url_into_the_cache(tmp_path, monkeypatch, small_mnist, capsys):
    mirror, arrays = small_mnist
    monkeypatch.setattr(mnist, "_urlopen", lambda url, timeout: __import__(
        "urllib.request").request.urlopen(url, timeout=timeout))
    data = mnist.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=5,
                                source_url=mirror.as_uri() + "/")
    cache = Path(mnist.cache_dir())
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        s.gz_name for s in mnist.FILES.values())  # no temporary files left behind
    assert "Downloaded" in capsys.readouterr().out
    np.testing.assert_array_equal(data.test.labels, arrays["test_labels"])
    # the second time, the cache is used: no network needed
    monkeypatch.setattr(mnist, "_urlopen", lambda url, timeout: pytest.fail("downloaded again"))
    again = mnist.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=5)
    np.testing.assert_array_equal(again.train.images, data.train.images)


def test_download_goes_to_env_dir_and_uses_the_next_mirror(tmp_path, monkeypatch, small_mnist):
    mirror, arrays = small_mnist
    monkeypatch.setenv("MINITENSOR_MNIST_DIR", str(tmp_path / "env_dir"))
    urls = []

    def fake_urlopen(url, timeout):
        urls.append(url)
        if url.startswith("https://first"):
            raise urllib.error.URLError("first mirror down")
        name = url.rsplit("/", 1)[1]
        return io.BytesIO((mirror / name).read_bytes())
    monkeypatch.setattr(mnist, "_urlopen", fake_urlopen)
    monkeypatch.setattr(mnist, "MIRRORS", ("https://first/", "https://second/mnist"))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])
    assert urls[:2] == ["https://first/train-images-idx3-ubyte.gz",
                        "https://second/mnist/train-images-idx3-ubyte.gz"]
    assert len(list((tmp_path / "env_dir").iterdir())) == 4


def test_a_bad_download_is_rejected_and_leaves_nothing(tmp_path, monkeypatch, small_mnist):
    monkeypatch.setattr(mnist, "_urlopen",
                        lambda url, timeout: io.BytesIO(gzip.compress(b"\x00\x00\x08\x01" * 3)))
    with pytest.raises(DatasetNotFoundError, match="is truncated"):
        mnist.download("test_labels", tmp_path / "dl", mirrors=["https://m/"])
    assert list((tmp_path / "dl").iterdir()) == []
    good = idx_bytes(np.zeros(6, np.uint8))  # well-formed, wrong hash
    monkeypatch.setattr(mnist, "_urlopen", lambda url, timeout: io.BytesIO(gzip.compress(good)))
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.download("test_labels", tmp_path / "dl", mirrors=["https://m1/", "https://m2/"])
    assert list((tmp_path / "dl").iterdir()) == []
    lines = str(info.value).splitlines()
    assert lines[0] == "could not download t10k-labels-idx1-ubyte.gz:"
    assert lines[1].startswith("    https://m1/t10k-labels-idx1-ubyte.gz is not the MNIST file")
    assert lines[2].startswith("    https://m2/") and "SHA-256 does not match" in lines[2]


def test_an_interrupted_download_leaves_no_partial_file(tmp_path, monkeypatch, small_mnist):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            raise ConnectionResetError("connection reset")
    monkeypatch.setattr(mnist, "_urlopen", lambda url, timeout: Broken())
    with pytest.raises(mnist.DownloadError, match="connection reset"):
        mnist.download("train_labels", tmp_path / "dl", mirrors=["https://m/"])
    assert list((tmp_path / "dl").iterdir()) == []


@pytest.mark.parametrize("dotted,gzipped", [(True, True), (False, False), (True, False)])
def test_both_naming_styles_gzipped_or_not(tmp_path, small_mnist, dotted, gzipped):
    _, arrays = small_mnist
    copy_files(arrays, tmp_path / "here", dotted=dotted, gzipped=gzipped)
    paths = mnist.find_files(tmp_path / "here")
    assert all(p.startswith(str(tmp_path / "here")) for p in paths.values())
    (x_train, y_train), (x_test, y_test) = mnist.load_data(tmp_path / "here")
    np.testing.assert_array_equal(x_test, arrays["test_images"])
    np.testing.assert_array_equal(y_train, arrays["train_labels"])


def test_empty_train_dir_falls_back_to_env_dir(tmp_path, monkeypatch, small_mnist):
    _, arrays = small_mnist
    copy_files(arrays, tmp_path / "env_dir")
    monkeypatch.setenv("MINITENSOR_MNIST_DIR", str(tmp_path / "env_dir"))
    (tmp_path / "MNIST_data").mkdir()
    data = mnist.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=5)
    assert data.train.num_examples == 15 and data.validation.num_examples == 5
    assert mnist.find_files(tmp_path / "MNIST_data")["test_labels"].startswith(
        str(tmp_path / "env_dir"))


def test_keras_npz(tmp_path, small_mnist):
    _, arrays = small_mnist
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=arrays["train_images"], y_train=arrays["train_labels"],
             x_test=arrays["test_images"], y_test=arrays["test_labels"])
    (x_train, _), (_, y_test) = mnist.load_data(str(path))
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])


# --- read_data_sets and DataSet ----------------------------------------------------------------

def test_read_data_sets_split_scaling_and_one_hot(tmp_path, small_mnist):
    _, arrays = small_mnist
    copy_files(arrays, tmp_path / "d")
    data = mnist.read_data_sets(str(tmp_path / "d"), one_hot=True, validation_size=5)
    train, validation, test = data
    assert (train.num_examples, validation.num_examples, test.num_examples) == (15, 5, 6)
    assert train.images.shape == (15, 784) and train.images.dtype == np.float32
    np.testing.assert_allclose(train.images, arrays["train_images"][5:].reshape(15, 784) / 255.0,
                               rtol=1e-6)
    assert 0.0 <= train.images.min() and train.images.max() <= 1.0
    assert test.labels.shape == (6, 10) and test.labels.dtype == np.float32
    np.testing.assert_array_equal(test.labels.argmax(axis=1), arrays["test_labels"])
    np.testing.assert_array_equal(test.labels.sum(axis=1), np.ones(6))
    np.testing.assert_array_equal(validation.labels.argmax(axis=1), arrays["train_labels"][:5])

    ids = mnist.read_data_sets(str(tmp_path / "d"), validation_size=5, dtype=tf.uint8,
                               reshape=False)
    assert ids.test.labels.dtype == np.uint8 and ids.test.labels.shape == (6,)
    assert ids.train.images.shape == (15, 28, 28, 1) and ids.train.images.dtype == np.uint8
    np.testing.assert_array_equal(ids.train.images[..., 0], arrays["train_images"][5:])
    with pytest.raises(ValueError, match="between 0 and 20. Received: 21"):
        mnist.read_data_sets(str(tmp_path / "d"), validation_size=21)


def test_dense_to_one_hot():
    np.testing.assert_array_equal(mnist.dense_to_one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        mnist.dense_to_one_hot([3], 3)


def make_dataset(n=10, seed=None):
    images = np.arange(n, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    return mnist.DataSet(images, np.arange(n), dtype=tf.float32, seed=seed)


def test_next_batch_crossing_the_epoch_boundary():
    data = make_dataset(10, seed=7)
    seen = []
    for _ in range(2):
        images, labels = data.next_batch(4)
        np.testing.assert_array_equal(images[:, 0], labels)  # images and labels stay paired
        seen.append(labels)
    assert data.epochs_completed == 0
    crossing_images, crossing = data.next_batch(4)  # 2 left in epoch 1, then 2 of epoch 2
    assert data.epochs_completed == 1 and len(crossing) == 4
    first_epoch = np.concatenate(seen + [crossing[:2]])
    assert sorted(first_epoch) == list(range(10))  # each example exactly once per epoch
    rest_of_second = np.concatenate([data.next_batch(4)[1] for _ in range(2)])
    second_epoch = np.concatenate([crossing[2:], rest_of_second])
    assert sorted(second_epoch) == list(range(10)) and data.epochs_completed == 1
    assert not np.array_equal(first_epoch, second_epoch)  # reshuffled (seeded, so certain)
    assert data.next_batch(1)[1].shape == (1,) and data.epochs_completed == 2


def test_next_batch_is_reproducible_with_a_seed():
    def batches(seed):
        data = make_dataset(10, seed=seed)
        return np.concatenate([data.next_batch(3)[1] for _ in range(8)])
    np.testing.assert_array_equal(batches(1), batches(1))
    assert not np.array_equal(batches(1), batches(2))


def test_next_batch_without_shuffle_walks_in_order():
    data = make_dataset(5)
    got = [data.next_batch(2, shuffle=False)[1].tolist() for _ in range(3)]
    assert got == [[0, 1], [2, 3], [4, 0]] and data.epochs_completed == 1


def test_next_batch_rejects_a_batch_bigger_than_the_data():
    with pytest.raises(ValueError, match="between 1 and the 10 examples"):
        make_dataset(10).next_batch(11)


def test_dataset_checks_pairs_and_dtype():
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        mnist.DataSet(np.zeros((3, 4)), np.zeros(2))
    with pytest.raises(TypeError, match="invalid image dtype int32"):
        mnist.DataSet(np.zeros((3, 4)), np.zeros(3), dtype=tf.int32)


def test_fake_data():
    data = mnist.read_data_sets("unused", fake_data=True, one_hot=True)
    images, labels = data.train.next_batch(5)
    assert images.shape == (5, 784) and labels.shape == (5, 10)
    np.testing.assert_array_equal(labels.argmax(1), np.zeros(5))


def test_tf_import_path():
    from minitensor.examples.tutorials.mnist import input_data
    assert input_data.read_data_sets is mnist.read_data_sets
    assert input_data.DataSet is mnist.DataSet


# --- the real files ----------------------------------------------------------------------------

needs_real = pytest.mark.skipif(not REAL_DIR.is_dir(), reason=(
    "the shared MNIST copy is not at %s (it ships beside the repo in shared/data/mnist)"
    % REAL_DIR))

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@needs_real
def test_real_files_checksums():
    for key, spec in mnist.FILES.items():
        data = (REAL_DIR / SHIPPED_NAMES[key]).read_bytes()
        assert sha256(data) == spec.gz_sha256
        assert sha256(gzip.decompress(data)) == spec.raw_sha256


@needs_real
def test_real_load_data():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(REAL_DIR)
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert x_train.max() == 255 and x_train.min() == 0


@needs_real
def test_real_read_data_sets():
    from minitensor.examples.tutorials.mnist import input_data
    data = input_data.read_data_sets(str(REAL_DIR), one_hot=True, seed=0)
    assert data.train.images.shape == (55000, 784) and data.train.images.dtype == np.float32
    assert data.validation.images.shape == (5000, 784)
    assert data.test.images.shape == (10000, 784)
    assert data.test.labels.shape == (10000, 10) and data.test.labels.dtype == np.float32
    assert data.test.labels.sum(axis=0).astype(int).tolist() == TEST_COUNTS
    together = data.train.labels.sum(axis=0) + data.validation.labels.sum(axis=0)
    assert together.astype(int).tolist() == TRAIN_COUNTS
    assert 0.0 == data.train.images.min() and data.train.images.max() == 1.0
    images, labels = data.train.next_batch(100)
    assert images.shape == (100, 784) and labels.shape == (100, 10)
