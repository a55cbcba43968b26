"""Check ``chainrule._tensor_str.tensor_repr`` against PyTorch's own ``repr``."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch._tensor_str import _add_suffixes, _tensor_str

try:
    from chainrule._tensor_str import tensor_repr
except ImportError:  # package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from chainrule._tensor_str import tensor_repr

SHAPES = [(), (0,), (0, 3), (3, 0, 2), (1,), (5,), (2, 3), (2, 3, 4), (2, 3, 4, 5),
          (1, 1, 1), (7,), (60,), (4, 25), (1001,), (40, 40), (3, 1000), (8, 2, 70)]
SCALES = [1e-6, 1e-4, 1e-2, 1.0, 10.0, 1e3, 1e5, 1e8, 1e9]
FLOATS = [np.float16, np.float32, np.float64]


@pytest.fixture(autouse=True)
def _default_print_options():
    torch.set_printoptions(profile="default")
    yield
    torch.set_printoptions(profile="default")


def _dtype_suffix(a: np.ndarray, namespace: str) -> list[str]:
    """The dtype suffix PyTorch shows for ``a`` (default dtype float32)."""
    if a.size == 0:
        shown = a.dtype != np.float32
    else:
        shown = a.dtype not in (np.float32, np.int64, np.bool_)
    return [f"dtype={namespace}.{a.dtype.name}"] if shown else []


def _unwrap_suffixes(text: str) -> str:
    """Put suffixes that PyTorch moved to their own line back on the same line."""
    return re.sub(r",\n {7}(?=[a-z])", ", ", text)


def _check(a, t=None, extra: tuple[str, ...] = ()) -> None:
    """Compare ``tensor_repr(a, ...)`` with the repr of torch tensor ``t``.

    1. With torch's dtype names the text must equal ``repr(t)`` exactly.
    2. With chainrule's (4 characters longer) dtype names, where a suffix may
       move to a new line at a different point, it must equal what torch's
       own suffix logic makes of torch's body and those names.
    3. Up to that suffix placement it is ``repr(t)`` with ``torch.`` renamed.
    """
    a = np.asarray(a)
    if t is None:
        t = torch.from_numpy(a)
    expected = repr(t)
    assert tensor_repr(a, [*_dtype_suffix(a, "torch"), *extra]) == expected

    ours = [*_dtype_suffix(a, "chainrule"), *extra]
    got = tensor_repr(a, ours)
    size = [f"size={tuple(a.shape)}"] if a.size == 0 and a.ndim != 1 else []
    body = "[]" if a.size == 0 else _tensor_str(t.detach(), 7)
    assert got == _add_suffixes("tensor(" + body, size + ours, 7, False)

    renamed = expected.replace("torch.", "chainrule.")
    assert _unwrap_suffixes(got) == _unwrap_suffixes(renamed)


def _randn(shape, scale, dtype, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore"):  # large scales overflow float16 to inf
        return np.asarray(rng.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("scale", SCALES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_random_floats(shape, scale, dtype):
    for seed in range(3):
        _check(_randn(shape, scale, dtype, seed))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_integral_floats(shape, dtype):
    for scale in (1.0, 10.0, 1e3, 1e4, 1e9):
        a = np.round(_randn(shape, scale, np.float64, 1))
        with np.errstate(over="ignore"):
            _check(np.asarray(a).astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_floats_with_specials(shape, dtype):
    rng = np.random.default_rng(7)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0])
    for scale in (1.0, 1e-5, 1e6):
        for integral in (False, True):
            a = rng.standard_normal(shape) * scale
            if integral:
                a = np.round(a)
            mask = rng.random(shape) < 0.3
            a = np.where(mask, rng.choice(specials, size=shape), a)
            with np.errstate(over="ignore"):
                a = np.asarray(a).astype(dtype)
            _check(a)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_ints(shape, dtype):
    rng = np.random.default_rng(3)
    for high in (1, 10, 1000, 2**31 - 1):
        _check(rng.integers(-high, high, size=shape).astype(dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_bools(shape):
    rng = np.random.default_rng(4)
    _check(rng.random(shape) < 0.5)
    _check(np.ones(shape, dtype=bool))


@pytest.mark.parametrize(
    "values",
    [
        [4.0], [40.0, 80.0], [9.6, 19.2], [1e-5], [1e-5, 1.0], [1e10], [1e10, 1.0],
        [123456789.0], [0.0], [-0.0], [-0.0, 1.0], [0.0, -0.0, 2.5], [np.nan],
        [np.inf, -np.inf], [np.nan, 1.0], [np.nan, 1.5], [np.inf, 1e-7], [9.99995],
        [0.99996, 1.0], [999.99996], [1e-4, 0.1], [1e-4, 0.10001], [1e8], [1.0000001e8],
        [65504.0], [6e-8, 1.0], [-1.5, 2.25, -3.125], [1e300, 1e-300], [5e-324],
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_special_values(values, dtype):
    with np.errstate(over="ignore", under="ignore"):
        a = np.array(values).astype(dtype)
    _check(a)
    _check(a[0].copy())  # 0-d


@pytest.mark.parametrize("value", [3, -7, 0, True, False, 4.0, -2.5, 1e-9])
def test_scalars(value):
    _check(np.array(value))
    _check(np.array(value, dtype=np.float64))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 40), (3, 1000)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_requires_grad(shape, dtype):
    for scale in (1.0, 1e-5, 1e9):
        a = _randn(shape, scale, dtype, 5)
        _check(a, torch.tensor(a, requires_grad=True), ("requires_grad=True",))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_empty_requires_grad(shape, dtype):
    a = np.zeros(shape, dtype=dtype)
    _check(a, torch.tensor(a, requires_grad=True), ("requires_grad=True",))


@pytest.mark.parametrize("shape", [(), (4,), (3, 7), (12,)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.__name__)
def test_grad_fn(shape, dtype):
    a = _randn(shape, 100.0, dtype, 6)
    out = torch.tensor(a, requires_grad=True) * 3
    assert "grad_fn=<MulBackward0>" in repr(out)
    _check(out.detach().numpy(), out, ("grad_fn=<MulBackward0>",))


def test_suffixes_move_to_new_line():
    a = np.array([-1.25, 2.5, 3.75, -4.0, 5.5, 6.0, 7.125, -8.0], dtype=np.float64)
    t = torch.tensor(a, requires_grad=True)
    assert repr(t).endswith("],\n       dtype=torch.float64, requires_grad=True)")
    _check(a, t, ("requires_grad=True",))
    assert tensor_repr(a, ["dtype=chainrule.float64", "requires_grad=True"]) == (
        "tensor([-1.2500,  2.5000,  3.7500, -4.0000,  5.5000,  6.0000,  7.1250, -8.0000],\n"
        "       dtype=chainrule.float64, requires_grad=True)"
    )


@pytest.mark.parametrize("n", range(1, 13))
def test_long_suffix_lists(n):
    rng = np.random.default_rng(n)
    suffixes = [f"key{i}=" + "x" * int(rng.integers(1, 40)) for i in range(n)]
    for shape in [(), (3,), (2, 4), (n,), (0, 2), (30,), (3, 1000)]:
        a = _randn(shape, 1.0, np.float64, n)
        body = "[]" if a.size == 0 else _tensor_str(torch.from_numpy(a), 7)
        for names in (["dtype=torch.float64"], ["dtype=chainrule.float64"]):
            size = ["size=(0, 2)"] if a.size == 0 else []
            expected = _add_suffixes("tensor(" + body, size + names + suffixes, 7, False)
            assert tensor_repr(a, names + suffixes) == expected


def test_non_contiguous_views():
    a = _randn((6, 8), 10.0, np.float64, 9)
    for view in (a.T, a[::2, 1::3], a[:, ::-1]):
        _check(view, torch.from_numpy(view.copy()))


def test_known_outputs():
    assert tensor_repr(np.array([40.0, 80.0], np.float32), []) == "tensor([40., 80.])"
    assert tensor_repr(np.array([9.6, 19.2], np.float32), []) == "tensor([ 9.6000, 19.2000])"
    assert tensor_repr(np.array([1e-5], np.float32), []) == "tensor([1.0000e-05])"
    assert tensor_repr(np.array(4.0, np.float32), []) == "tensor(4.)"
    assert tensor_repr(np.array(3), []) == "tensor(3)"
    assert tensor_repr(np.array([True, False]), []) == "tensor([ True, False])"
    assert tensor_repr(np.zeros((0, 3), np.float32), []) == "tensor([], size=(0, 3))"
    assert tensor_repr(np.zeros((0, 3)), ["dtype=chainrule.float64"]) == (
        "tensor([], size=(0, 3), dtype=chainrule.float64)"
    )
