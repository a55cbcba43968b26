"""Tests for chainrule.ops._special.erf against the standard library's math.erf."""

import importlib.util
import math
import pathlib
import warnings

import numpy as np
import pytest

try:
    from chainrule.ops._special import erf
except ImportError:  # package not installed: load the module straight from src/
    _path = pathlib.Path(__file__).parents[1] / "src" / "chainrule" / "ops" / "_special.py"
    _spec = importlib.util.spec_from_file_location("_chainrule_special", _path)
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    erf = _mod.erf

MAX_REL_ERR = 1e-14  # the contract
MAX_ULPS = 4  # what the implementation actually achieves (about 1 ulp), with slack


def ref_erf(x):
    """math.erf elementwise, as a float64 array of the same shape."""
    x = np.asarray(x, dtype=np.float64)
    return np.array([math.erf(v) for v in x.ravel()], dtype=np.float64).reshape(x.shape)


def ulp_diff(got, want):
    """|got - want| in units of the float64 spacing at ``want``."""
    return np.abs(got - want) / np.spacing(np.abs(want))


def max_rel_err(got, want):
    nz = want != 0
    assert np.all(got[~nz] == 0)
    return float(np.max(np.abs(got[nz] - want[nz]) / np.abs(want[nz]), initial=0.0))


def check_close(x):
    got = erf(x)
    want = ref_erf(x)
    assert got.dtype == np.float64
    assert got.shape == np.shape(x)
    assert max_rel_err(got, want) < MAX_REL_ERR
    assert np.max(ulp_diff(got, want), initial=0.0) <= MAX_ULPS


def test_dense_grid():
    check_close(np.linspace(-10.0, 10.0, 400_001))


def test_random_points():
    rng = np.random.default_rng(12345)
    check_close(rng.uniform(-7.0, 7.0, 200_000))
    check_close(rng.standard_normal(200_000))


def test_range_boundaries():
    edges = np.array([1.0, 6.0, 5.9, 5.95, 0.5, 0.84375, 1.25, 2.0, 4.0])
    x = np.concatenate([edges, np.nextafter(edges, 0.0), np.nextafter(edges, 10.0)])
    check_close(np.concatenate([x, -x]))


def test_tiny_magnitudes():
    x = np.logspace(-320, -1, 20_000)  # reaches into the subnormals
    x = np.concatenate([x, -x, [5e-324, -5e-324, 2.2250738585072014e-308, 1e-300]])
    got = erf(x)
    want = ref_erf(x)
    # relative error is meaningless on subnormal results: use ulps there
    assert np.max(ulp_diff(got, want)) <= 1
    normal = np.abs(want) >= np.finfo(np.float64).tiny
    assert max_rel_err(got[normal], want[normal]) < MAX_REL_ERR
    assert np.all(np.sign(got) == np.sign(x))


def test_huge_magnitudes():
    x = np.logspace(0, 308, 5_000)
    x = np.concatenate([x, -x, [np.finfo(np.float64).max, -np.finfo(np.float64).max]])
    check_close(x)
    big = np.abs(x) >= 6.0
    assert np.all(erf(x)[big] == np.sign(x[big]))


def test_exactly_one_once_rounded():
    x = np.linspace(5.0, 30.0, 100_001)
    got = erf(x)
    want = ref_erf(x)
    np.testing.assert_array_equal(got == 1.0, want == 1.0)
    assert np.all(got <= 1.0)


def test_known_values():
    # float64 values nearest to high precision references
    table = {
        0.5: 0.5204998778130465,
        1.0: 0.8427007929497149,
        1.5: 0.9661051464753108,
        2.0: 0.9953222650189527,
        3.0: 0.9999779095030014,
        0.1: 0.1124629160182849,
        1e-10: 1.1283791670955126e-10,
    }
    x = np.array(list(table))
    want = np.array(list(table.values()))
    assert np.max(ulp_diff(erf(x), want)) <= 1


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0])
    got = erf(x)
    assert got[0] == 0.0 and not np.signbit(got[0])
    assert got[1] == 0.0 and np.signbit(got[1])
    assert got[2] == 1.0 and got[3] == -1.0
    assert np.isnan(got[4]) and np.isnan(got[5])
    assert got[6] == math.erf(1.0)


def test_odd_symmetry():
    x = np.linspace(0.0, 8.0, 50_001)
    np.testing.assert_array_equal(erf(-x), -erf(x))


def test_no_warnings():
    x = np.array(
        [
            np.nan,
            np.inf,
            -np.inf,
            0.0,
            -0.0,
            5e-324,
            1e-310,
            1e-300,
            1e-160,
            0.5,
            1.0,
            5.99,
            6.0,
            27.0,
            1e300,
            np.finfo(np.float64).max,
        ]
    )
    x = np.concatenate([x, -x])
    with np.errstate(over="ignore"):  # the casts themselves overflow to inf
        narrow = [x.astype(np.float16), x.astype(np.float32)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            for arr in [x, *narrow]:
                erf(arr)
            erf(np.float64(np.nan))
            erf(np.float32(np.inf))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_low_precision_dtypes(dtype):
    if dtype is np.float16:  # every finite float16
        x = np.arange(2**16, dtype=np.uint16).view(np.float16)
        x = x[np.isfinite(x)]
    else:
        x = np.random.default_rng(7).uniform(-7, 7, 100_000).astype(np.float32)
        x = np.concatenate([x, np.logspace(-45, 38, 2_000, dtype=np.float32)])
    with np.errstate(all="raise"):
        got = erf(x)
    assert got.dtype == dtype
    want = ref_erf(x).astype(dtype)
    # computed in float64, so off by at most one rounding of the narrow type
    assert np.all(np.abs(got - want) <= np.spacing(np.abs(want)))
    assert np.mean(got == want) > 0.999
    specials = np.array([np.inf, -np.inf, np.nan, -0.0], dtype=dtype)
    got = erf(specials)
    assert got.dtype == dtype
    assert got[0] == 1 and got[1] == -1 and np.isnan(got[2]) and np.signbit(got[3])


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, np.bool_])
def test_integer_inputs_follow_ufunc_dtype(dtype):
    x = np.array([0, 1, 2, 3]).astype(dtype)
    got = erf(x)
    assert got.dtype == np.sin(x).dtype
    np.testing.assert_allclose(got, ref_erf(x), rtol=1e-3)


def test_complex_rejected():
    with pytest.raises(TypeError):
        erf(np.array([1 + 1j]))


def test_scalars_and_zero_d():
    for x, dtype in [
        (np.array(0.5), np.float64),
        (np.float64(0.5), np.float64),
        (np.float32(0.5), np.float32),
        (np.float16(0.5), np.float16),
        (0.5, np.float64),
    ]:
        got = erf(x)
        expected = np.sin(x)  # what a ufunc gives back for this input
        assert type(got) is type(expected)
        assert np.ndim(got) == 0
        assert got.dtype == dtype
        assert got == dtype(math.erf(0.5))


def test_empty_and_shapes():
    for shape in [(0,), (3, 0), (0, 2, 2)]:
        got = erf(np.empty(shape))
        assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.float64
    got = erf(np.empty(0, dtype=np.float32))
    assert got.dtype == np.float32

    x = np.linspace(-4, 4, 60).reshape(6, 10)
    got = erf(x)
    assert got.shape == (6, 10)
    np.testing.assert_array_equal(got, erf(x.ravel()).reshape(6, 10))
    assert max_rel_err(got, ref_erf(x)) < MAX_REL_ERR

    # non-contiguous views
    np.testing.assert_array_equal(erf(x.T), got.T)
    np.testing.assert_array_equal(erf(x[::2, ::3]), got[::2, ::3])


def test_large_array_over_several_chunks():
    rng = np.random.default_rng(3)
    x = rng.uniform(-6.5, 6.5, 300_007)
    x[::1000] = np.nan
    got = erf(x)
    assert np.array_equal(np.isnan(got), np.isnan(x))
    ok = ~np.isnan(x)
    assert max_rel_err(got[ok], ref_erf(x[ok])) < MAX_REL_ERR


def test_input_not_modified():
    x = np.linspace(-3, 3, 101)
    before = x.copy()
    erf(x)
    np.testing.assert_array_equal(x, before)
    x32 = x.astype(np.float32)
    before32 = x32.copy()
    erf(x32)
    np.testing.assert_array_equal(x32, before32)
