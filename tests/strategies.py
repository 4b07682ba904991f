"""Shared hypothesis strategies: shapes, broadcastable shape pairs, arrays in an op's domain.

Array *values* come from a NumPy generator seeded by hypothesis (hypothesis still chooses,
replays and shrinks everything).  Uniform values never tie and almost never sit on a kink
(|x| at 0, max(x, y) at x == y, floor at an integer), so central differences are valid
there; hypothesis' own float strategy loves 0.0 and equal values, which is right for
forward edge cases but wrong for finite-difference gradient checks.

    @given(st.data())
    def test_x(data):
        shape = data.draw(shapes())
        x = data.draw(arrays(shape, POSITIVE))
"""
import numpy as np
from hypothesis import strategies as st

# --- domains: (low, high) of |value| or of value, and whether the sign is random ------------


class Domain:
    """Where an op's inputs may come from: uniform in [low, high], times a random sign when
    ``signed`` (so ``Domain(0.5, 2, signed=True)`` keeps values away from 0)."""

    def __init__(self, low, high, signed=False, name=None):
        self.low, self.high, self.signed = low, high, signed
        self.name = name or ("±[%g, %g]" % (low, high) if signed else "[%g, %g]" % (low, high))

    def sample(self, rng, shape):
        values = rng.uniform(self.low, self.high, size=shape)
        if self.signed:
            values = values * rng.choice([-1.0, 1.0], size=shape)
        return values

    def __repr__(self):
        return self.name


ANY = Domain(-3.0, 3.0, name="any")                            # exp, sin, tanh, ...
POSITIVE = Domain(0.5, 3.0, name="positive")                   # log, sqrt, rsqrt
NONZERO = Domain(0.2, 3.0, signed=True, name="nonzero")        # abs, sign, reciprocal, divisors
UNIT = Domain(-0.9, 0.9, name="(-1, 1)")                       # asin, acos
ABOVE_MINUS_ONE = Domain(-0.5, 3.0, name="(-1, inf)")          # log1p
TAN = Domain(-1.2, 1.2, name="(-pi/2, pi/2)")                  # tan
BASE = Domain(0.5, 2.0, name="pow base")                       # pow: x > 0
EXPONENT = Domain(-2.0, 2.0, name="pow exponent")


# --- shapes ------------------------------------------------------------------------------------

def shapes(min_rank=0, max_rank=3, min_side=1, max_side=3):
    """Small shapes, size-1 dimensions included: (), (1,), (3, 1, 2), ..."""
    return st.lists(st.integers(min_side, max_side), min_size=min_rank,
                    max_size=max_rank).map(tuple)


@st.composite
def broadcastable_shapes(draw, max_rank=3, max_side=3):
    """Two shapes that broadcast together, NumPy style: the shorter one lines up from the
    right, and in each dimension the sizes are equal or one of them is 1."""
    full = draw(shapes(0, max_rank, 1, max_side))
    pair = []
    for _ in range(2):
        rank = draw(st.integers(0, len(full)))
        dims = full[len(full) - rank:]
        dims = tuple(1 if draw(st.booleans()) and draw(st.booleans()) else d for d in dims)
        pair.append(dims)
    return tuple(pair)


@st.composite
def matmul_shapes(draw, batch=False):
    """Shapes (a, b) for a @ b: [.., m, k] and [.., k, n], batch dimensions broadcasting."""
    m, k, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if not batch:
        return (m, k), (k, n)
    batch_a, batch_b = draw(broadcastable_shapes(max_rank=2))
    return batch_a + (m, k), batch_b + (k, n)


def axes_for(rank):
    """An axis argument for a reduction over a tensor of ``rank``: None, an int (maybe
    negative) or a list of distinct ints."""
    if rank == 0:
        return st.none()
    single = st.integers(-rank, rank - 1)
    several = st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True)
    return st.one_of(st.none(), single, several)


# --- arrays ------------------------------------------------------------------------------------
# A *sampler* is ``rng -> array``.  ``samples(*samplers)`` draws ONE seed and fills every array
# from one generator, so the arrays of one example never repeat each other (two seeds drawn
# separately are often equal -- hypothesis likes to try that -- and x == y is a kink of
# maximum(x, y)).

def seeds():
    return st.integers(0, 2**32 - 1)


def samples(*samplers):
    """A tuple with one array per sampler, all from one seeded generator."""
    def make(seed):
        rng = np.random.default_rng(seed)
        return tuple(sampler(rng) for sampler in samplers)
    return seeds().map(make)


def float_values(shape, domain=ANY, dtype=np.float64):
    return lambda rng: np.asarray(domain.sample(rng, shape), dtype=dtype)


def int_values(shape, low=-9, high=9, nonzero=False, dtype=np.int32):
    """Integers in [low, high] (zeros replaced by 1 when ``nonzero``: integer divisors)."""
    def sample(rng):
        values = np.asarray(rng.integers(low, high + 1, size=shape))
        if nonzero:
            values[values == 0] = 1
        return values.astype(dtype)
    return sample


def bool_values(shape):
    return lambda rng: np.asarray(rng.random(shape) < 0.5)


def complex_values(shape, dtype=np.complex128):
    return lambda rng: np.asarray(rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape),
                                  dtype=dtype)


def arrays(shape, domain=ANY, dtype=np.float64):
    """One float array of ``shape`` with values from ``domain`` (see the module docstring)."""
    return samples(float_values(shape, domain, dtype)).map(lambda t: t[0])


def int_arrays(shape, low=-9, high=9, nonzero=False, dtype=np.int32):
    return samples(int_values(shape, low, high, nonzero, dtype)).map(lambda t: t[0])


def bool_arrays(shape):
    return samples(bool_values(shape)).map(lambda t: t[0])


def complex_arrays(shape, dtype=np.complex128):
    return samples(complex_values(shape, dtype)).map(lambda t: t[0])
