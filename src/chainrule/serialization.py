"""``save`` / ``load``: tensors and nested containers of them, in a file that loads without
running code.

The file is an uncompressed NumPy ``.npz`` archive (a zip file): one ``.npy`` member per array
(``a0``, ``a1``...), a JSON index ``__chainrule__`` giving the nested structure and every array's
dtype and shape, and ``__chainrule_sha256__``, a SHA-256 digest over the index and the bytes of
every array. Reading uses ``np.load(..., allow_pickle=False)``, so nothing is ever unpickled, and
everything is read and checked before the object is built: a damaged, truncated or foreign file
raises :class:`SerializationError` and never gives a partial object.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os

import numpy as np

from . import _dtype
from .autograd.graph import wrap
from .nn.parameter import Parameter
from .tensor import Tensor, check_device

__all__ = ["SerializationError", "load", "save"]

_INDEX = "__chainrule__"
_DIGEST = "__chainrule_sha256__"
_FORMAT = "chainrule"
_VERSION = 1
_ARRAY_KINDS = "biufc"  # NumPy dtype kinds that are stored without pickle
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"


class SerializationError(RuntimeError):
    """``chainrule.load`` could not read a file: damaged, truncated, or not written by
    ``chainrule.save``. ``path`` names the file and ``reason`` says what is wrong."""

    def __init__(self, path, reason: str) -> None:
        super().__init__(f"chainrule.load: can't load {path!r}: {reason}")
        self.path = path
        self.reason = reason


class _Invalid(Exception):
    """A problem found while reading; ``load`` turns it into a SerializationError."""


# ---------------------------------------------------------------- writing
def _is_key(key) -> bool:
    if isinstance(key, tuple):
        return all(_is_key(k) for k in key)
    return key is None or type(key) in (bool, int, float, str)


def _encode(obj, arrays: list, memo: dict):
    """The JSON node for ``obj``; its arrays are appended to ``arrays``. A tensor or array met
    twice is stored once and loads as one object."""
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        if id(obj) in memo:
            return memo[id(obj)]
        if isinstance(obj, Tensor):
            node = {"t": "tensor", "requires_grad": obj.requires_grad}
            if isinstance(obj, Parameter):
                node.update(parameter=True, name=obj.name)
            array = obj._data
        else:
            if obj.dtype.kind not in _ARRAY_KINDS:
                raise TypeError(f"chainrule.save can't store NumPy data of dtype {obj.dtype}")
            node = {"t": "ndarray" if isinstance(obj, np.ndarray) else "scalar"}
            array = np.asarray(obj)
        node["a"] = len(arrays)
        arrays.append(array)
        memo[id(obj)] = node
        return node
    if isinstance(obj, dict):
        keys = list(obj)
        for key in keys:
            if not _is_key(key):
                raise TypeError("chainrule.save can only store dict keys that are str, int, "
                                f"float, bool, None or tuples of them, not {type(key).__name__}")
        return {"t": "odict" if isinstance(obj, collections.OrderedDict) else "dict",
                "keys": [_encode(k, arrays, memo) for k in keys],
                "values": [_encode(obj[k], arrays, memo) for k in keys]}
    if isinstance(obj, (list, tuple)):
        return {"t": "tuple" if isinstance(obj, tuple) else "list",
                "items": [_encode(x, arrays, memo) for x in obj]}
    raise TypeError(f"chainrule.save can't store objects of type {type(obj).__name__} (only "
                    "tensors, NumPy arrays and scalars, numbers, strings, None, and lists, "
                    "tuples and dicts of them)")


def _digest(index: bytes, arrays) -> bytes:
    h = hashlib.sha256(b"chainrule\0")
    for chunk in (np.frombuffer(index, np.uint8), *arrays):
        chunk = np.ascontiguousarray(chunk)
        h.update(chunk.nbytes.to_bytes(8, "little"))
        h.update(chunk)
    return h.digest()


def save(obj, f) -> None:
    """Write ``obj`` to ``f``, a path (used as given, no suffix added) or a binary file object.

    ``obj`` is a tensor, a NumPy array or scalar, a number, string, bool or None, or a dict
    (``OrderedDict`` included, keys str/int/float/bool/None/tuples), list or tuple nesting them:
    a model's or an optimiser's ``state_dict()``, for instance. Tensors keep dtype, shape,
    ``requires_grad``, and being a ``Parameter`` (with its name); named tuples come back as
    tuples, and tensors sharing memory without being the same object are stored separately.
    """
    arrays: list = []
    root = _encode(obj, arrays, {})
    header = {"format": _FORMAT, "version": _VERSION,
              "arrays": [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays],
              "root": root}
    index = json.dumps(header, separators=(",", ":")).encode()
    members = {_INDEX: np.frombuffer(index, np.uint8),
               _DIGEST: np.frombuffer(_digest(index, arrays), np.uint8)}
    members.update((f"a{i}", a) for i, a in enumerate(arrays))
    if hasattr(f, "write"):
        np.savez(f, **members)
    else:
        with open(f, "wb") as fh:
            np.savez(fh, **members)


# ---------------------------------------------------------------- reading
def _check_magic(fh) -> None:
    start = fh.tell()
    head = fh.read(len(_NPY_MAGIC))
    fh.seek(start)
    if not head:
        raise _Invalid("the file is empty")
    if head.startswith(_NPY_MAGIC):
        raise _Invalid("it is a NumPy .npy file, not a file written by chainrule.save")
    if head.startswith(b"\x80"):
        raise _Invalid("it looks like a pickle, which chainrule.load never reads (only files "
                       "written by chainrule.save)")
    if not head.startswith(_ZIP_MAGIC):
        raise _Invalid("not a file written by chainrule.save (no zip archive signature)")


def _read_members(fh) -> tuple[dict, list]:
    """The parsed index and the arrays, checked against the index and the checksum."""
    with np.load(fh, allow_pickle=False) as npz:
        names = set(npz.files)
        if _INDEX not in names or _DIGEST not in names:
            raise _Invalid("not a file written by chainrule.save (the archive has no chainrule "
                           "index: a plain .npz, or a torch.save file?)")
        index = npz[_INDEX]
        digest = npz[_DIGEST]
        if (not isinstance(index, np.ndarray) or index.dtype != np.uint8
                or not isinstance(digest, np.ndarray) or digest.dtype != np.uint8):
            raise _Invalid("the index or checksum member is damaged")
        index = index.tobytes()
        header = json.loads(index)
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise _Invalid("the index is not a chainrule index")
        if header.get("version") != _VERSION:
            raise _Invalid(f"unsupported format version {header.get('version')!r} (this "
                           f"chainrule reads version {_VERSION})")
        specs = header["arrays"]
        expected = {_INDEX, _DIGEST} | {f"a{i}" for i in range(len(specs))}
        if names != expected:
            raise _Invalid("the archive's members don't match its index")
        arrays = []
        for i, spec in enumerate(specs):
            array = npz[f"a{i}"]
            if (not isinstance(array, np.ndarray) or array.dtype.str != spec["dtype"]
                    or list(array.shape) != spec["shape"]):
                raise _Invalid(f"array a{i} doesn't match the index")
            arrays.append(array)
    if digest.tobytes() != _digest(index, arrays):
        raise _Invalid("checksum mismatch: the file is damaged")
    return header, arrays


def _array_node(node: dict, arrays: list):
    i = node["a"]
    if type(i) is not int or not 0 <= i < len(arrays):
        raise _Invalid(f"malformed index: no array {i!r}")
    array = arrays[i]
    kind = node["t"]
    if kind == "ndarray":
        return array
    if kind == "scalar":
        if array.ndim:
            raise _Invalid(f"malformed index: scalar array a{i} has dimensions")
        return array[()]
    if array.dtype not in _dtype._FROM_NUMPY:
        raise _Invalid(f"malformed index: tensor a{i} has dtype {array.dtype}")
    requires_grad = node["requires_grad"] is True
    if node.get("parameter"):
        return Parameter(wrap(array), requires_grad=requires_grad, name=node["name"])
    t = wrap(array)
    if requires_grad:
        t.requires_grad = True
    return t


def _decode(node, arrays: list, memo: dict):
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is not dict:
        raise _Invalid(f"malformed index: unexpected {type(node).__name__}")
    kind = node.get("t")
    if kind in ("tensor", "ndarray", "scalar"):
        i = node.get("a")
        if type(i) is int and i in memo:
            seen_node, obj = memo[i]
            if seen_node != node:
                raise _Invalid(f"malformed index: array a{i} used twice in different ways")
            return obj
        obj = _array_node(node, arrays)
        memo[i] = (node, obj)
        return obj
    if kind in ("list", "tuple") and type(node.get("items")) is list:
        items = [_decode(x, arrays, memo) for x in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind in ("dict", "odict") and type(node.get("keys")) is list:
        keys = [_decode(k, arrays, memo) for k in node["keys"]]
        values = node.get("values")
        if type(values) is not list or len(values) != len(keys) or not all(map(_is_key, keys)):
            raise _Invalid("malformed index: bad dict entry")
        pairs = zip(keys, (_decode(v, arrays, memo) for v in values))
        return collections.OrderedDict(pairs) if kind == "odict" else dict(pairs)
    raise _Invalid(f"malformed index: unknown node {kind!r}")


def _describe(f) -> str:
    if hasattr(f, "read"):
        return str(getattr(f, "name", f))
    return os.fspath(f)


def load(f, map_location=None, weights_only: bool = True):
    """Read what :func:`save` wrote to ``f`` (a path or a binary file object).

    Tensors come back as chainrule tensors (``Parameter`` s as Parameters) with their saved
    ``requires_grad``, OrderedDicts as OrderedDicts, tuples as tuples. ``map_location`` may name
    the CPU (the only device); ``weights_only`` is accepted for PyTorch compatibility: loading
    never runs code from the file. A damaged, truncated or foreign file raises
    :class:`SerializationError`.
    """
    check_device(map_location)
    path = _describe(f)
    with contextlib.nullcontext(f) if hasattr(f, "read") else open(f, "rb") as fh:
        try:
            _check_magic(fh)
            header, arrays = _read_members(fh)
            return _decode(header["root"], arrays, {})
        except _Invalid as e:
            raise SerializationError(path, str(e)) from None
        except Exception as e:  # anything else a damaged archive makes NumPy or zipfile raise
            raise SerializationError(
                path, "the file is damaged or truncated, or was not written by chainrule.save "
                f"({type(e).__name__}: {e})") from e
