"""MNIST handwritten digits: read the IDX files, check them, download them when missing.

Two ways in, one for each API of the course:

    # TF 1.x tutorials
    from minitensor.examples.tutorials.mnist import input_data
    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    batch_x, batch_y = mnist.train.next_batch(100)     # (100, 784) float32, (100, 10) float32

    # Keras
    (x_train, y_train), (x_test, y_test) = minitensor.datasets.mnist.load_data()

Where the four files are looked for, in this order (the first directory holding a file wins,
file by file):

1. the directory you pass (``read_data_sets("MNIST_data/")``, ``load_data(path)``);
2. ``$MINITENSOR_MNIST_DIR``;
3. the cache: ``$MINITENSOR_DATA_DIR/mnist``, or ``~/.cache/minitensor/mnist``.

Each file may be gzipped or not, and named the classic way (``train-images-idx3-ubyte.gz``)
or with a dot (``train-images.idx3-ubyte.gz``). Missing files are downloaded from public
mirrors into ``$MINITENSOR_MNIST_DIR`` when set, else into the cache, so every script on the
machine shares one copy. Every file is checked against its known SHA-256 before use.

The IDX format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number ``0 0 type ndim``
(2049 = 0x00000801 for labels: unsigned bytes, 1 dimension; 2051 = 0x00000803 for images:
unsigned bytes, 3 dimensions), then ``ndim`` big-endian uint32 sizes, then the data, row-major.
"""
import collections
import gzip
import hashlib
import os
import struct
import zlib

import numpy as np

from ..framework import dtypes
from ..framework.errors import MinitensorError

__all__ = ["DataSet", "Datasets", "read_data_sets", "load_data", "read_idx", "parse_idx",
           "dense_to_one_hot", "extract_images", "extract_labels", "download", "find_files",
           "search_dirs", "cache_dir", "MIRRORS", "FILES", "DatasetError", "ChecksumError",
           "DatasetNotFoundError", "DownloadError"]

DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MIRRORS = (
    DEFAULT_SOURCE_URL,
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
DOWNLOAD_TIMEOUT_S = 30


# --- the four files ---------------------------------------------------------------------

class _MnistFile(collections.namedtuple(
        "_MnistFile", "key stem magic count gz_sha256 raw_sha256")):
    """One of the four MNIST files.

    ``stem`` is the classic name without ``.gz``; ``gz_sha256`` is the SHA-256 of the gzipped
    copy this project ships in ``shared/data/mnist`` (its SHA256SUMS); ``raw_sha256`` the SHA-256
    of the unpacked IDX bytes, which any good copy has, however it was compressed (the mirrors'
    ``.gz`` files were packed by another gzip than the shipped ones, so their bytes differ).
    """

    @property
    def gz_name(self):
        return self.stem + ".gz"

    def candidate_names(self):
        """Every name this file may have on disk: ``-idx`` or ``.idx``, gzipped or not."""
        dotted = self.stem.replace("-idx", ".idx")
        return [self.stem + ".gz", dotted + ".gz", self.stem, dotted]


FILES = collections.OrderedDict((f.key, f) for f in [
    _MnistFile("train_images", "train-images-idx3-ubyte", 2051, 60000,
               "b09d8b89df4ad239afc76a323dbe9559169cd8cca365467dfe8aa1f7ca54109b",
               "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    _MnistFile("train_labels", "train-labels-idx1-ubyte", 2049, 60000,
               "c51906e7929bbf7c824fbd16019b56297269ca82cba449c5b5d59c0a02147fed",
               "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    _MnistFile("test_images", "t10k-images-idx3-ubyte", 2051, 10000,
               "f72c2dff3457595ec2fe452d25d97b7f974a74ad5b006687704212bedd1486d8",
               "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    _MnistFile("test_labels", "t10k-labels-idx1-ubyte", 2049, 10000,
               "4baf84ddd60ae342cfdd282ec3fba3249a201a4459782165496a7cbebbe49a2e",
               "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
])


# --- errors -----------------------------------------------------------------------------

class DatasetError(MinitensorError, ValueError):
    """A data file that cannot be read: not IDX, truncated, damaged gzip."""
    docs_page = "datasets"


class ChecksumError(DatasetError):
    """A data file whose SHA-256 is not the known one (a partial or damaged download)."""
    docs_page = "datasets"


class DatasetNotFoundError(MinitensorError, FileNotFoundError):
    """The files are in none of the searched directories and could not be downloaded."""
    docs_page = "datasets"


# --- reading IDX --------------------------------------------------------------------------

_IDX_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(source):
    """(name, bytes) from a path or a binary file object (``source.name`` names it)."""
    if hasattr(source, "read"):
        return getattr(source, "name", "<file object>"), source.read()
    path = os.fspath(source)
    with open(path, "rb") as f:
        return path, f.read()


def _gunzip(name, data):
    """The unpacked bytes of gzipped ``data``; a damaged or cut-off file says so."""
    try:
        return gzip.decompress(data)
    except EOFError:
        raise DatasetError(
            "%s is a gzip file that ends early (%d bytes on disk): the download or copy was "
            "interrupted." % (name, len(data)),
            hint="delete %s and run again to download it afresh (or copy a complete one "
                 "there)." % name) from None
    except (OSError, zlib.error) as e:
        raise DatasetError(
            "%s is not a readable gzip file (%s)." % (name, e),
            hint="delete %s and run again to download it afresh (or copy a good one "
                 "there)." % name) from None


def parse_idx(data, name="<bytes>", expected_magic=None):
    """The array stored in the IDX bytes ``data`` (unpacked), in native byte order.

    ``expected_magic`` (2049 labels, 2051 images) makes a file of the other kind an error.
    """
    fix = "delete %s and run again to download it afresh (or copy a good one there)." % name
    if len(data) < 4:
        raise DatasetError("%s is too short to be an IDX file: %d bytes, and the header alone "
                           "needs at least 4." % (name, len(data)), hint=fix)
    zero0, zero1, type_code, ndim = struct.unpack(">BBBB", data[:4])
    magic = struct.unpack(">I", data[:4])[0]
    if zero0 != 0 or zero1 != 0 or type_code not in _IDX_TYPES:
        looks_like = ""
        if data[:1] in (b"<", b"{") or data[:9].lower().startswith(b"<!doctype"):
            looks_like = " It starts like a web page, not data: the download got an error " \
                         "page instead of the file."
        raise DatasetError("%s is not an IDX file: its first 4 bytes are %s, not "
                           "00 00 <type> <ndim>.%s" % (name, data[:4].hex(" "), looks_like),
                           hint=fix)
    if expected_magic is not None and magic != expected_magic:
        kinds = {2049: "labels (magic 2049)", 2051: "images (magic 2051)"}
        raise DatasetError("%s holds %s, but %s were expected here." % (
            name, kinds.get(magic, "magic number %d" % magic),
            kinds.get(expected_magic, "magic number %d" % expected_magic)),
            hint="check the file names: images are *-images-idx3-ubyte*, labels "
                 "*-labels-idx1-ubyte*.")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError("%s is truncated: its header announces %d dimensions (%d header "
                           "bytes) but the file has only %d bytes." % (name, ndim, header_size,
                                                                       len(data)), hint=fix)
    shape = struct.unpack(">" + "I" * ndim, data[4:header_size])
    dtype = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header_size
    if got != expected:
        what = "is truncated" if got < expected else "has %d extra bytes at the end" % (
            got - expected)
        raise DatasetError("%s %s: the header says shape %s of %s (%d data bytes), the file "
                           "holds %d data bytes." % (name, what, tuple(shape), dtype.name,
                                                     expected, got), hint=fix)
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def read_idx(source, expected_magic=None):
    """The array in an IDX file (a path or a binary file object), gzipped or not.

    >>> labels = read_idx("MNIST_data/train-labels-idx1-ubyte.gz")   # (60000,) uint8
    """
    name, data = _read_bytes(source)
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(name, data)
    return parse_idx(data, name, expected_magic)


# --- checksums -----------------------------------------------------------------------------

def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _load_checked(path, spec, verify=True, name=None):
    """Read one MNIST file, check its SHA-256, return its array.

    A file passes when its bytes are a known copy (the shipped ``.gz`` or the unpacked IDX), or
    when what it unpacks to is the known IDX (a ``.gz`` packed by another gzip, as the mirrors'
    are). The IDX header is parsed before the unpacked hash is compared, so a cut-off file is
    reported as cut off rather than as a bare hash mismatch.
    """
    path_name, data = _read_bytes(path)
    name = name or path_name
    file_sha = _sha256(data)
    is_gzip = data[:2] == _GZIP_MAGIC
    raw = _gunzip(name, data) if is_gzip else data
    array = parse_idx(raw, name, spec.magic)
    if verify and file_sha not in (spec.gz_sha256, spec.raw_sha256):
        raw_sha = _sha256(raw) if is_gzip else file_sha
        if raw_sha != spec.raw_sha256:
            expected = ("  expected: %s (the .gz as shipped), or any .gz that unpacks to\n"
                        "            %s\n" % (spec.gz_sha256, spec.raw_sha256)) if is_gzip \
                else "  expected: %s\n" % spec.raw_sha256
            got = "  got:      %s%s\n" % (file_sha, (
                " (unpacked: %s)" % raw_sha) if is_gzip else "")
            raise ChecksumError(
                "%s is not the MNIST file %s: its SHA-256 does not match.\n%s%s"
                "It may be a partial download, a damaged copy, or another data set saved under "
                "this name." % (name, spec.gz_name, expected, got),
                hint="delete %s and run again to download it afresh (or copy a good one "
                     "there)." % name)
    if spec.count is not None and array.shape[0] != spec.count:
        raise DatasetError("%s holds %d examples; MNIST's %s has %d." % (
            name, array.shape[0], spec.stem, spec.count),
            hint="delete %s and run again to download it afresh." % name)
    return array


# --- where the files are -----------------------------------------------------------------

def cache_dir():
    """``$MINITENSOR_DATA_DIR/mnist`` when that variable is set, else ``~/.cache/minitensor/mnist``.
    """
    base = os.environ.get("MINITENSOR_DATA_DIR")
    if base:
        return os.path.join(os.path.expanduser(base), "mnist")
    return os.path.join(os.path.expanduser("~"), ".cache", "minitensor", "mnist")


def search_dirs(directory=None):
    """[(directory, why it is searched)] in search order, without repeats."""
    candidates = []
    if directory:
        candidates.append((os.path.expanduser(os.fspath(directory)), "the directory you passed"))
    env_dir = os.environ.get("MINITENSOR_MNIST_DIR")
    if env_dir:
        candidates.append((os.path.expanduser(env_dir), "$MINITENSOR_MNIST_DIR"))
    candidates.append((cache_dir(), "the cache"))
    seen, result = set(), []
    for path, why in candidates:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            result.append((path, why))
    return result


def download_dir():
    """Where missing files are downloaded: ``$MINITENSOR_MNIST_DIR`` if set, else the cache."""
    return os.path.expanduser(os.environ.get("MINITENSOR_MNIST_DIR") or cache_dir())


def find_files(directory=None):
    """{key: path or None} for the four files, searching :func:`search_dirs` in order."""
    found = {}
    for key, spec in FILES.items():
        found[key] = None
        for folder, _ in search_dirs(directory):
            for name in spec.candidate_names():
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    found[key] = path
                    break
            if found[key]:
                break
    return found


# --- downloading --------------------------------------------------------------------------

def _urlopen(url, timeout):
    """Open ``url`` (tests replace this function to stand in for the network)."""
    import urllib.request
    return urllib.request.urlopen(url, timeout=timeout)


def download(key, directory=None, mirrors=None):
    """Download one MNIST file (``key`` as in :data:`FILES`) into ``directory``; its path.

    Tries each mirror in turn; a download is written to a temporary file in ``directory``,
    checked, and only then renamed into place, so an interrupted download never leaves a
    half file under the real name. Raises :class:`DatasetNotFoundError` when no mirror works.
    """
    import tempfile
    spec = FILES[key]
    directory = os.path.expanduser(os.fspath(directory)) if directory else download_dir()
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise DownloadError(spec, ["cannot create the download directory %s: %s"
                                   % (directory, e)])
    target = os.path.join(directory, spec.gz_name)
    failures = []
    for base in (mirrors or MIRRORS):
        url = base.rstrip("/") + "/" + spec.gz_name
        try:
            handle, temp_path = tempfile.mkstemp(prefix="." + spec.gz_name + ".", suffix=".part",
                                                  dir=directory)
        except OSError as e:
            raise DownloadError(spec, ["cannot write into %s: %s" % (directory, e)])
        try:
            with os.fdopen(handle, "wb") as out:
                with _urlopen(url, DOWNLOAD_TIMEOUT_S) as response:
                    while True:
                        chunk = response.read(1 << 20)
                        if not chunk:
                            break
                        out.write(chunk)
            _load_checked(temp_path, spec, name=url)  # raises on a cut-off or wrong file
            os.replace(temp_path, target)
            print("Downloaded %s from %s (%d bytes)." % (target, url, os.path.getsize(target)))
            return target
        except (OSError, ValueError) as e:  # URLError and DatasetError are among these
            reason = str(e).splitlines()[0]
            failures.append(reason if reason.startswith(url) else "%s: %s" % (url, reason))
        finally:
            if os.path.exists(temp_path):
                os.remove(temp_path)
    raise DownloadError(spec, failures)


class DownloadError(DatasetNotFoundError):
    """No mirror gave a good copy of one file; ``failures`` has one line per attempt."""

    def __init__(self, spec, failures):
        self.failures = list(failures)
        super().__init__("could not download %s:\n%s" % (
            spec.gz_name, "\n".join("    " + line for line in self.failures)))


def _missing_error(missing, directory, failures):
    names = ", ".join(FILES[key].gz_name for key in missing)
    searched = "\n".join(
        "    %s  (%s%s%s)" % (path, why,
                             "" if os.path.isabs(path) else ": " + os.path.abspath(path),
                             "" if os.path.isdir(path) else ", does not exist")
        for path, why in search_dirs(directory))
    tried = "\n".join("    " + line for line in failures) or "    (no mirror was tried)"
    put_there = download_dir()
    return DatasetNotFoundError(
        "MNIST files missing, and downloading them failed.\n"
        "  missing: %s\n"
        "  looked in, in this order:\n%s\n"
        "  download attempts:\n%s" % (names, searched, tried),
        hint="copy the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
             "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; gzipped or not, '-idx' or "
             "'.idx' in the name) into %s, or into any directory and set MINITENSOR_MNIST_DIR "
             "to it." % put_there)


def _load_all(directory=None, source_url=None, verify=True):
    """{key: uint8 array} for the four files: found, else downloaded, and checked."""
    paths = find_files(directory)
    missing = [key for key, path in paths.items() if path is None]
    if missing:
        mirrors = [source_url] if source_url else None
        try:
            for key in missing:
                paths[key] = download(key, mirrors=mirrors)
        except DownloadError as e:
            still_missing = [key for key in missing if paths[key] is None]
            raise _missing_error(still_missing, directory, e.failures) from None
    return collections.OrderedDict(
        (key, _load_checked(path, FILES[key], verify)) for key, path in paths.items())


# --- Keras ---------------------------------------------------------------------------------

def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, like ``keras.datasets.mnist``.

    Shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,). ``path`` may be a directory
    holding the IDX files, or a Keras ``mnist.npz`` (keys x_train, y_train, x_test, y_test);
    a ``.npz`` path that does not exist (Keras' default ``'mnist.npz'``) falls back to the
    usual search and download.
    """
    if path is not None and os.fspath(path).endswith(".npz"):
        path = os.path.expanduser(os.fspath(path))
        if os.path.isfile(path):
            with np.load(path, allow_pickle=False) as f:
                return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        path = None
    arrays = _load_all(path)
    return ((arrays["train_images"], arrays["train_labels"]),
            (arrays["test_images"], arrays["test_labels"]))


# --- TF 1.x input_data ---------------------------------------------------------------------

def extract_images(f):
    """Images from an IDX file object into a uint8 array (N, rows, cols, 1), like TF's."""
    images = read_idx(f, expected_magic=2051)
    return images[..., np.newaxis]


def extract_labels(f, one_hot=False, num_classes=10):
    """Labels from an IDX file object into a uint8 array (N,), or one-hot (N, num_classes)."""
    labels = read_idx(f, expected_magic=2049)
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


def dense_to_one_hot(labels_dense, num_classes=10):
    """Class ids (N,) to one-hot rows (N, num_classes) of float32: 3 -> [0,0,0,1,0,...]."""
    labels_dense = np.asarray(labels_dense)
    if labels_dense.size and (labels_dense.min() < 0 or labels_dense.max() >= num_classes):
        raise ValueError("dense_to_one_hot: labels must lie in [0, %d), got values from %d to "
                         "%d." % (num_classes, labels_dense.min(), labels_dense.max()))
    one_hot = np.zeros((labels_dense.shape[0], num_classes), dtype=np.float32)
    one_hot[np.arange(labels_dense.shape[0]), labels_dense.astype(np.int64)] = 1.0
    return one_hot


class DataSet:
    """Images and labels with ``next_batch`` (TF 1.x's ``mnist.train``).

    ``images`` are (N, 784) float32 in [0, 1] (``dtype=tf.uint8`` keeps 0..255; ``reshape=False``
    keeps (N, 28, 28, 1)); ``labels`` are uint8 class ids, or one-hot float32 rows.
    ``next_batch`` walks a fresh random permutation each epoch (seeded by ``seed``); the batch
    that crosses the end of an epoch is the rest of the old epoch followed by the start of the
    new one, as in TF. ``images`` and ``labels`` stay in file order.
    """

    def __init__(self, images, labels, fake_data=False, one_hot=False, dtype=dtypes.float32,
                 reshape=True, seed=None):
        dtype = dtypes.as_dtype(dtype).base_dtype
        if dtype not in (dtypes.uint8, dtypes.float32):
            raise TypeError("DataSet: invalid image dtype %s; expected tf.uint8 (keeps 0..255) or "
                            "tf.float32 (scales into [0, 1])." % dtype.name)
        self._rng = np.random.default_rng(seed)
        self.one_hot = one_hot
        self._fake_data = fake_data
        if fake_data:
            self._num_examples = 10000
            self._images, self._labels = np.zeros((0, 784), np.float32), np.zeros((0,), np.uint8)
        else:
            images, labels = np.asarray(images), np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise ValueError("DataSet: %d images but %d labels; they must pair up one to one."
                                 % (images.shape[0], labels.shape[0]))
            self._num_examples = images.shape[0]
            if reshape:
                images = images.reshape(images.shape[0], -1)
            if dtype == dtypes.float32 and images.dtype != np.float32:
                images = images.astype(np.float32) * np.float32(1.0 / 255.0)
            self._images, self._labels = images, labels
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._order = None  # this epoch's permutation (None: file order)

    @property
    def images(self):
        return self._images

    @property
    def labels(self):
        return self._labels

    @property
    def num_examples(self):
        return self._num_examples

    @property
    def epochs_completed(self):
        return self._epochs_completed

    def _new_order(self, shuffle):
        self._order = self._rng.permutation(self._num_examples) if shuffle else None

    def _take(self, start, end):
        rows = slice(start, end) if self._order is None else self._order[start:end]
        return self._images[rows], self._labels[rows]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next ``batch_size`` examples: (images, labels)."""
        if fake_data or self._fake_data:
            image = np.ones((batch_size, 784), np.float32)
            if self.one_hot:
                return image, dense_to_one_hot(np.zeros(batch_size, np.int64))
            return image, np.zeros(batch_size, np.uint8)
        batch_size = int(batch_size)
        if not 0 < batch_size <= self._num_examples:
            raise ValueError("next_batch(%d): batch_size must be between 1 and the %d examples "
                             "of this DataSet." % (batch_size, self._num_examples))
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0:
            self._new_order(shuffle)  # the first epoch
        if start + batch_size <= self._num_examples:
            self._index_in_epoch += batch_size
            return self._take(start, self._index_in_epoch)
        # the epoch ends inside this batch: its rest, then the start of a reshuffled epoch
        self._epochs_completed += 1
        rest_images, rest_labels = self._take(start, self._num_examples)
        self._new_order(shuffle)
        self._index_in_epoch = batch_size - (self._num_examples - start)
        new_images, new_labels = self._take(0, self._index_in_epoch)
        return (np.concatenate((rest_images, new_images), axis=0),
                np.concatenate((rest_labels, new_labels), axis=0))

    def __repr__(self):
        return "<DataSet: %d examples, images %s %s, labels %s %s>" % (
            self._num_examples, self._images.shape, self._images.dtype, self._labels.shape,
            self._labels.dtype)


Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def read_data_sets(train_dir=None, fake_data=False, one_hot=False, dtype=dtypes.float32,
                   reshape=True, validation_size=5000, seed=None, source_url=None):
    """MNIST as ``Datasets(train, validation, test)`` of :class:`DataSet` (TF 1.x ``input_data``).

    >>> mnist = read_data_sets("MNIST_data/", one_hot=True)
    >>> mnist.train.images.shape, mnist.validation.num_examples, mnist.test.labels.shape
    ((55000, 784), 5000, (10000, 10))

    The first ``validation_size`` training examples become ``validation``. Files are looked
    for in ``train_dir``, then ``$MINITENSOR_MNIST_DIR``, then the cache, and downloaded when
    missing (from ``source_url`` if given). ``fake_data=True`` reads nothing and gives batches
    of ones (TF's test mode).
    """
    if fake_data:
        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)
        return Datasets(train=fake(), validation=fake(), test=fake())
    arrays = _load_all(train_dir, source_url)
    train_images = arrays["train_images"][..., np.newaxis]
    test_images = arrays["test_images"][..., np.newaxis]
    train_labels, test_labels = arrays["train_labels"], arrays["test_labels"]
    if one_hot:
        train_labels, test_labels = dense_to_one_hot(train_labels), dense_to_one_hot(test_labels)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError("read_data_sets: validation_size should be between 0 and %d. "
                         "Received: %d." % (len(train_images), validation_size))
    options = dict(dtype=dtype, reshape=reshape, seed=seed, one_hot=one_hot)
    return Datasets(
        train=DataSet(train_images[validation_size:], train_labels[validation_size:], **options),
        validation=DataSet(train_images[:validation_size], train_labels[:validation_size],
                           **options),
        test=DataSet(test_images, test_labels, **options))
