"""dtypes and PyTorch's type-promotion rules, on top of NumPy dtypes."""

from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A chainrule dtype: a named wrapper around a NumPy dtype (``chainrule.float32``)."""

    __slots__ = ("is_floating_point", "itemsize", "name", "numpy")

    def __init__(self, name: str, np_dtype) -> None:
        self.name = name
        self.numpy = np.dtype(np_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_FROM_NUMPY = {d.numpy: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy(np_dtype) -> dtype:
    """The chainrule dtype of a NumPy dtype; TypeError for types chainrule has no tensor for."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy(d) -> np.dtype:
    """The NumPy dtype for anything that names a dtype: chainrule dtypes, NumPy dtypes, Python
    types (``float`` means the default float32, as in PyTorch) and names."""
    if type(d) is dtype:
        return d.numpy
    if d is builtins.float:
        return DEFAULT_FLOAT
    if d is builtins.int:
        return DEFAULT_INT
    if d is builtins.bool:
        return BOOL
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d].numpy
    npd = np.dtype(d)
    from_numpy(npd)
    return npd



def category(np_dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point: PyTorch promotes across categories."""
    kind = np_dtype.kind
    return 2 if kind == "f" else 0 if kind == "b" else 1


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types: the higher category wins outright (int64 + float16 -> float16);
    within a category the wider type wins."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def scalar_category(value) -> int:
    """Category of a Python scalar operand."""
    if isinstance(value, builtins.bool):
        return 0
    if isinstance(value, builtins.int):
        return 1
    return 2


def result_type(dims, zero_dims, scalars) -> np.dtype:
    """PyTorch's result type: tensors with dimensions decide, then 0-d tensors, then Python
    scalars, each group only where it raises the category (a float32 tensor times a 0-d float64
    tensor or times 0.01 stays float32; an int64 tensor times 2.5 becomes float32)."""
    result = None
    for d in dims:
        result = d if result is None else promote_types(result, d)
    zresult = None
    for d in zero_dims:
        zresult = d if zresult is None else promote_types(zresult, d)
    if result is None or zresult is not None and category(zresult) > category(result):
        result = zresult
    if scalars:
        scat = max(scalar_category(s) for s in scalars)
        if result is None or scat > category(result):
            result = (BOOL, DEFAULT_INT, DEFAULT_FLOAT)[scat]
    return result


_SCALAR_TYPE_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte",
                      "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                      "bool": "Bool"}


def scalar_type_name(np_dtype: np.dtype) -> str:
    """PyTorch's name for a dtype in error messages (``Float``, ``Long``...)."""
    return _SCALAR_TYPE_NAMES.get(np.dtype(np_dtype).name, str(np_dtype))
