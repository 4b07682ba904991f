"""String ops: results against plain Python, TF's documented examples, shapes and errors."""
import base64

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitensor as tf
from minitensor.framework.errors import DTypeError, InvalidArgumentError, ShapeError
from minitensor.ops import string_ops


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def as_list(array):
    return np.asarray(array, dtype=object).tolist()


# =========================================================================
# Hash functions (checked once against reference implementations, pinned here)
# =========================================================================

# farmhash::Fingerprint64 of bytes(range(n)), computed with Google's C++ farmhash (through
# the pyfarmhash bindings) for every code path: 0-3, 4-7, 8-16, 17-32, 33-64 and > 64 bytes
# (one and several 64-byte rounds).
FINGERPRINT64 = {
    0: 0x9ae16a3b2f90404f, 1: 0xbe6056edf5e94b54, 3: 0x94a13d22e9eba49a,
    4: 0x82bffd898958e540, 7: 0xa2e0bff20db0a6a1, 8: 0xad5a13e1e8e93b98,
    16: 0x0efd25a0a34156d4, 17: 0xbbb6a6f8f20d1f1c, 32: 0x1a9d8199972cdf49,
    33: 0xe8756ec1cb75524e, 64: 0xf58504bb53decc4b, 65: 0xc6a3282c3e793dbe,
    128: 0x1c484c95f0ea5dd3, 129: 0xce8ba3741121083e, 200: 0x074c7fcc26d66fb3,
}


@pytest.mark.parametrize("n", sorted(FINGERPRINT64))
def test_fingerprint64_matches_farmhash(n):
    assert string_ops.fingerprint64(bytes(range(n))) == FINGERPRINT64[n]


def test_fingerprint64_matches_tf_documented_buckets():
    # tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
    out = run(tf.string_to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3))
    assert out.tolist() == [0, 2, 2]
    assert out.dtype == np.int64


def test_siphash24_paper_test_vectors():
    # Aumasson & Bernstein, SipHash paper, Appendix A: key 00..0f, message 00..(n-1).
    k0 = int.from_bytes(bytes(range(8)), "little")
    k1 = int.from_bytes(bytes(range(8, 16)), "little")
    vectors = {0: 0x726fdb47dd0e0e31, 1: 0x74f839c593dc67fd, 7: 0xab0200f58b01d137,
               8: 0x93f5f5799a932462, 9: 0x9e0082df0ba9e4b0, 15: 0xa129ca6149be45e5}
    for n, value in vectors.items():
        assert string_ops.siphash24(k0, k1, bytes(range(n))) == value


def test_strong_hash_matches_tf_documented_buckets():
    # tf.strings.to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2]) -> [2, 0]
    assert run(tf.string_to_hash_bucket_strong(["Hello", "TF"], 3, [1, 2])).tolist() == [2, 0]


# TF's Hash64 (core/lib/hash/hash.cc) compiled from its C source, for inputs that reach every
# tail length class.
TF_HASH64 = {
    "": 9328806548029283899,
    "7351ff": 12144082730901034332,
    "339fc99a66320db7": 3994928648893834186,
    "3158a35a255d051758": 1804826588447652314,
    "ca0bcbd0484764bd1f231ea81c7b64c514": 9316048248744826258,
}


@pytest.mark.parametrize("hex_input", sorted(TF_HASH64))
def test_legacy_hash64_matches_tf_source(hex_input):
    assert string_ops.tf_hash64(bytes.fromhex(hex_input)) == TF_HASH64[hex_input]


def test_legacy_hash_matches_tf_documented_buckets():
    # tf.strings.to_hash_bucket(["Hello", "TensorFlow", "2.x"], 3) -> [2, 0, 1]
    assert run(tf.string_to_hash_bucket(["Hello", "TensorFlow", "2.x"], 3)).tolist() == [2, 0, 1]
    assert run(tf.string_to_hash_bucket(string_tensor=["Hello"], num_buckets=3)).tolist() == [2]


@settings(deadline=None, max_examples=15)
@given(st.lists(st.binary(max_size=150), min_size=1, max_size=6), st.integers(1, 1000))
def test_hash_buckets_equal_hash_mod_buckets(strings, n):
    tf.reset_default_graph()
    x = tf.placeholder(tf.string, [None])
    fast = tf.string_to_hash_bucket_fast(x, n)
    strong = tf.string_to_hash_bucket_strong(x, n, key=[7, 11])
    legacy = tf.string_to_hash_bucket(x, n)
    got = run([fast, strong, legacy], {x: np.array(strings, dtype=object)})
    assert got[0].tolist() == [string_ops.fingerprint64(s) % n for s in strings]
    assert got[1].tolist() == [string_ops.siphash24(7, 11, s) % n for s in strings]
    assert got[2].tolist() == [string_ops.tf_hash64(s) % n for s in strings]
    for g in got:
        assert g.dtype == np.int64 and np.all((0 <= g) & (g < n))


def test_hash_keeps_shape_and_key_changes_buckets():
    words = [["apple", "banana", "cherry"], ["date", "elder", "fig"]]
    fast = tf.string_to_hash_bucket_fast(words, 1000)
    assert fast.shape.as_list() == [2, 3] and fast.dtype == tf.int64
    a = run(tf.string_to_hash_bucket_strong(words, 2**40, [1, 2]))
    b = run(tf.string_to_hash_bucket_strong(words, 2**40, [1, 3]))
    assert a.shape == (2, 3) and not np.array_equal(a, b)


def test_hash_argument_errors():
    with pytest.raises(ValueError, match="key must be a list of two integers"):
        tf.string_to_hash_bucket_strong(["a"], 3, key=[1])
    with pytest.raises(ValueError, match="num_buckets must be >= 1"):
        tf.string_to_hash_bucket_fast(["a"], 0)


# =========================================================================
# as_string
# =========================================================================

def test_as_string_defaults_follow_printf():
    assert as_list(run(tf.as_string([1, -20, 300]))) == [b"1", b"-20", b"300"]
    assert as_list(run(tf.as_string([1.5, -0.25]))) == [b"1.500000", b"-0.250000"]
    assert as_list(run(tf.as_string([True, False]))) == [b"true", b"false"]
    assert run(tf.as_string(tf.constant(3, dtype=tf.int64))) == b"3"


def test_as_string_float_options():
    x = tf.constant([3.14159, 1234.5], dtype=tf.float64)
    assert as_list(run(tf.as_string(x, precision=2))) == [b"3.14", b"1234.50"]
    assert as_list(run(tf.as_string(x, scientific=True))) == [b"3.141590e+00", b"1.234500e+03"]
    assert as_list(run(tf.as_string(x, shortest=True))) == [b"3.14159", b"1234.5"]
    assert as_list(run(tf.as_string(x, precision=1, width=8))) == [b"     3.1", b"  1234.5"]
    assert as_list(run(tf.as_string(x, precision=1, width=8, fill="0"))) == [b"000003.1",
                                                                           b"001234.5"]
    assert as_list(run(tf.as_string(x, precision=1, width=8, fill="-"))) == [b"3.1     ",
                                                                           b"1234.5  "]
    assert as_list(run(tf.as_string([7], width=3, fill="0"))) == [b"007"]


def test_as_string_float32_is_printed_as_its_double_value():
    # TF's printf promotes float to double: 0.1f prints as 0.100000 but with 10 digits shows
    # the float32 rounding.
    x = tf.constant([0.1], dtype=tf.float32)
    assert as_list(run(tf.as_string(x, precision=10))) == [b"%.10f" % float(np.float32(0.1))]


def test_as_string_complex():
    x = tf.constant([1 + 2j], dtype=tf.complex64)
    assert as_list(run(tf.as_string(x, precision=1))) == [b"(1.0,2.0)"]


def test_as_string_errors():
    with pytest.raises(InvalidArgumentError, match="precision is only for float"):
        tf.as_string([1, 2], precision=2)
    with pytest.raises(InvalidArgumentError, match="scientific and shortest formats"):
        tf.as_string([1, 2], scientific=True)
    with pytest.raises(InvalidArgumentError, match="not both"):
        tf.as_string([1.0], scientific=True, shortest=True)
    with pytest.raises(InvalidArgumentError, match="fill must be one of"):
        tf.as_string([1.0], width=5, fill="x")
    with pytest.raises(DTypeError, match="does not accept string"):
        tf.as_string(["already a string"])


# =========================================================================
# base64
# =========================================================================

@settings(deadline=None, max_examples=15)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=5), st.booleans())
def test_base64_round_trip_against_python(data, pad):
    tf.reset_default_graph()
    x = tf.placeholder(tf.string, [None])
    encoded = tf.encode_base64(x, pad=pad)
    decoded = tf.decode_base64(encoded)
    enc, dec = run([encoded, decoded], {x: np.array(data, dtype=object)})
    expected = [base64.urlsafe_b64encode(d) for d in data]
    if not pad:
        expected = [e.rstrip(b"=") for e in expected]
    assert as_list(enc) == expected
    assert as_list(dec) == list(data)


def test_base64_is_web_safe():
    raw = bytes([0xfb, 0xff, 0xfe])            # standard base64: "+//+"
    assert run(tf.encode_base64([raw])).tolist() == [b"-__-"]
    assert run(tf.decode_base64(["-__-", "aGk", "aGk="])).tolist() == [raw, b"hi", b"hi"]


def test_decode_base64_rejects_standard_alphabet_and_bad_length():
    with pytest.raises(InvalidArgumentError, match="not web-safe base64"):
        run(tf.decode_base64(["+//+"]))
    with pytest.raises(InvalidArgumentError, match="not web-safe base64"):
        run(tf.decode_base64(["abcde"]))


# =========================================================================
# reduce_join and string_join
# =========================================================================

A = [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("kwargs, expected", [
    (dict(axis=0), [b"ac", b"bd"]),
    (dict(axis=1), [b"ab", b"cd"]),
    (dict(axis=-2), [b"ac", b"bd"]),
    (dict(axis=-1), [b"ab", b"cd"]),
    (dict(axis=0, keep_dims=True), [[b"ac", b"bd"]]),
    (dict(axis=1, keep_dims=True), [[b"ab"], [b"cd"]]),
    (dict(axis=0, separator="."), [b"a.c", b"b.d"]),
    (dict(axis=[0, 1]), b"acbd"),
    (dict(axis=[1, 0]), b"abcd"),
    (dict(), b"abcd"),
    (dict(axis=[]), [[b"a", b"b"], [b"c", b"d"]]),
    (dict(reduction_indices=1, keepdims=True), [[b"ab"], [b"cd"]]),
])
def test_reduce_join_tf_documented_examples(kwargs, expected):
    y = tf.reduce_join(A, **kwargs)
    out = run(y)
    assert (out if isinstance(out, bytes) else as_list(out)) == expected
    assert y.shape.as_list() == list(np.shape(np.array(expected, dtype=object)))


@settings(deadline=None, max_examples=15)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=3), st.data())
def test_reduce_join_against_python_loop(shape, data):
    tf.reset_default_graph()
    words = np.array(["w%d" % i for i in range(int(np.prod(shape)))], dtype=object).reshape(shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    out = run(tf.reduce_join(words, axis=axis, separator="+"))
    moved = np.moveaxis(words, axis, -1)
    expected = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(expected.shape):
        expected[index] = "+".join(moved[index]).encode()
    assert np.asarray(out, dtype=object).shape == expected.shape
    assert as_list(out) == as_list(expected)


def test_reduce_join_errors():
    with pytest.raises(ShapeError, match="axis 2 is out of range"):
        tf.reduce_join(A, axis=2)
    with pytest.raises(InvalidArgumentError, match="twice"):
        tf.reduce_join(A, axis=[0, -2])
    with pytest.raises(DTypeError, match="does not accept int32"):
        tf.reduce_join([[1, 2]], axis=0)


def test_string_join_elementwise_with_scalars():
    y = tf.string_join([["a", "b"], "-", tf.constant(["x", "y"])], separator="|")
    assert y.shape.as_list() == [2]
    assert as_list(run(y)) == [b"a|-|x", b"b|-|y"]
    assert run(tf.string_join(["hello", "world"], separator=" ")) == b"hello world"


def test_string_join_with_placeholders():
    a = tf.placeholder(tf.string, [None, 2])
    out = run(tf.string_join([a, "!"]), {a: [["x", "y"], ["z", "w"]]})
    assert as_list(out) == [[b"x!", b"y!"], [b"z!", b"w!"]]


def test_string_join_errors():
    with pytest.raises(ShapeError, match="same shape or be scalars"):
        tf.string_join([["a", "b"], ["c", "d", "e"]])
    with pytest.raises(DTypeError, match="inputs\\[1\\]"):
        tf.string_join([["a"], [1]])
    with pytest.raises(ValueError, match="non-empty list"):
        tf.string_join([])


# =========================================================================
# string_split -> SparseTensor
# =========================================================================

def test_string_split_returns_sparse_tensor_value():
    st_ = tf.string_split(["hello world", "a b c"])
    assert isinstance(st_, tf.SparseTensor)
    assert st_.dtype == tf.string
    value = run(st_)
    assert isinstance(value, tf.SparseTensorValue)
    assert value.indices.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]
    assert as_list(value.values) == [b"hello", b"world", b"a", b"b", b"c"]
    assert value.dense_shape.tolist() == [2, 3]
    assert value.indices.dtype == np.int64 and value.dense_shape.dtype == np.int64


def test_string_split_in_nested_fetches_and_eval():
    st_ = tf.string_split(["x y"])
    with tf.Session() as sess:
        out = sess.run({"split": st_, "also": [st_.values]})
        assert as_list(out["split"].values) == [b"x", b"y"]
        assert as_list(out["also"][0]) == [b"x", b"y"]
        assert st_.eval().dense_shape.tolist() == [1, 2]


@pytest.mark.parametrize("source, kwargs, rows", [
    (["a  b", ""], dict(), [[b"a", b"b"], []]),
    (["a  b"], dict(skip_empty=False), [[b"a", b"", b"b"]]),
    (["a,b;c"], dict(delimiter=",;"), [[b"a", b"b", b"c"]]),
    (["a,b;c"], dict(sep=";"), [[b"a,b", b"c"]]),
    (["abc", "de"], dict(delimiter=""), [[b"a", b"b", b"c"], [b"d", b"e"]]),
    ([",a,"], dict(delimiter=",", skip_empty=False), [[b"", b"a", b""]]),
])
def test_string_split_against_python(source, kwargs, rows):
    value = run(tf.string_split(source, **kwargs))
    expected_indices = [[i, j] for i, row in enumerate(rows) for j in range(len(row))]
    assert value.indices.tolist() == expected_indices
    assert as_list(value.values) == [t for row in rows for t in row]
    assert value.dense_shape.tolist() == [len(rows), max(len(r) for r in rows)]


def test_string_split_errors():
    with pytest.raises(ShapeError, match="must be a vector"):
        tf.string_split([["a b"]])
    with pytest.raises(DTypeError, match="does not accept float32"):
        tf.string_split([1.0])


def test_sparse_tensor_constructor_and_fetch():
    sp = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    assert sp.shape.as_list() == [3, 4] and sp.dtype == tf.float32
    value = run(sp)
    assert value.indices.tolist() == [[0, 0], [1, 2]]
    assert value.values.tolist() == [1.0, 2.0]
    assert value.dense_shape.tolist() == [3, 4]


# =========================================================================
# substr, regex_replace, length
# =========================================================================

def test_substr_tf_documented_examples():
    assert as_list(run(tf.substr([b"Hello", b"World"], 1, 3))) == [b"ell", b"orl"]
    words = [[b"ten", b"eleven", b"twelve"], [b"thirteen", b"fourteen", b"fifteen"],
             [b"sixteen", b"seventeen", b"eighteen"]]
    pos = [[1, 2, 3], [1, 2, 3], [1, 2, 3]]
    length = [[2, 3, 4], [4, 3, 2], [5, 5, 5]]
    assert as_list(run(tf.substr(words, pos, length))) == [
        [b"en", b"eve", b"lve"], [b"hirt", b"urt", b"te"], [b"ixtee", b"vente", b"hteen"]]
    y = tf.substr(words, [1, 2, 3], [1, 2, 3])
    assert y.shape.as_list() == [3, 3]
    assert as_list(run(y)) == [[b"e", b"ev", b"lve"], [b"h", b"ur", b"tee"],
                               [b"i", b"ve", b"hte"]]
    y = tf.substr(b"thirteen", [1, 5, 7], [3, 2, 1])
    assert y.shape.as_list() == [3]
    assert as_list(run(y)) == [b"hir", b"ee", b"n"]


@settings(deadline=None, max_examples=15)
@given(st.text(alphabet="abcdef", max_size=8), st.data())
def test_substr_against_python_slicing(text, data):
    tf.reset_default_graph()
    pos = data.draw(st.integers(-len(text), len(text)))
    n = data.draw(st.integers(-1, 10))
    p = pos + len(text) if pos < 0 else pos
    expected = text[p:] if n < 0 else text[p:p + n]
    assert run(tf.substr(text, pos, n)) == expected.encode()


def test_substr_utf8_and_errors():
    assert run(tf.substr("naïve", 2, 2, unit="UTF8_CHAR")) == "ïv".encode()
    assert run(tf.substr("naïve", 2, 2)) == "ï".encode()
    with pytest.raises(InvalidArgumentError, match="pos 9 is out of range"):
        run(tf.substr(["Hello"], 9, 1))
    with pytest.raises(ShapeError, match="same shape"):
        tf.substr(["ab", "cd"], [0, 1], [1])
    with pytest.raises(DTypeError, match="does not accept float32"):
        tf.substr(["ab"], 0.5, 1)


def test_regex_replace():
    x = ["hello world", "aaa"]
    assert as_list(run(tf.regex_replace(x, "o", "0"))) == [b"hell0 w0rld", b"aaa"]
    assert as_list(run(tf.regex_replace(x, "a", "b", replace_global=False))) == [
        b"hello world", b"baa"]
    assert run(tf.regex_replace("john smith", r"(\w+) (\w+)", r"\2, \1")) == b"smith, john"
    assert run(tf.regex_replace("ab", "b", r"<\0>")) == b"a<b>"
    with pytest.raises(InvalidArgumentError, match="invalid pattern"):
        tf.regex_replace(["a"], "(", "")


def test_string_length():
    from minitensor.ops.string_ops import string_length
    y = string_length(["", "abc", "naïve"])
    assert y.dtype == tf.int32
    assert run(y).tolist() == [0, 3, 6]
    assert run(string_length(["naïve"], unit="UTF8_CHAR")).tolist() == [5]


# =========================================================================
# Common: non-string inputs, no gradients
# =========================================================================

@pytest.mark.parametrize("make", [
    lambda x: tf.string_to_hash_bucket_fast(x, 3),
    lambda x: tf.string_to_hash_bucket_strong(x, 3, [1, 2]),
    lambda x: tf.string_to_hash_bucket(x, 3),
    lambda x: tf.encode_base64(x),
    lambda x: tf.decode_base64(x),
    lambda x: tf.reduce_join(x),
    lambda x: tf.regex_replace(x, "a", "b"),
])
def test_non_string_inputs_are_refused_with_the_tensor_named(make):
    x = tf.placeholder(tf.float32, [2], name="features")
    with pytest.raises(DTypeError, match="'features:0'.*float32"):
        make(x)


def test_strings_have_no_gradient():
    x = tf.placeholder(tf.float32, [3])
    buckets = tf.string_to_hash_bucket_fast(tf.as_string(x), 10)
    y = tf.reduce_sum(tf.cast(buckets, tf.float32)) + tf.reduce_sum(x)
    g_strings_only = tf.gradients(tf.cast(buckets, tf.float32), x)
    assert g_strings_only == [None]
    assert run(tf.gradients(y, x)[0], {x: [1.0, 2.0, 3.0]}).tolist() == [1.0, 1.0, 1.0]
