"""The Tensor: a NumPy array with autograd state, shaped like PyTorch's tensor."""

from __future__ import annotations

import weakref

import numpy as np

from . import _dtype
from ._tensor_str import tensor_repr
from .autograd import graph as _graph
from .autograd.grad_mode import _state

_ndarray = np.ndarray


class Size(tuple):
    """A shape: a tuple that prints like PyTorch's ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """Where a tensor lives. Only the CPU exists for now (GPU arrays are planned)."""

    __slots__ = ("index", "type")

    def __init__(self, type: str = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name != "cpu":
            raise RuntimeError(f"chainrule runs on the CPU only; device '{type}' is not "
                               "available (GPU support is planned)")
        self.type = name
        self.index = int(idx) if idx else index

    def __eq__(self, other) -> bool:
        return isinstance(other, (device, str)) and str(other).partition(":")[0] == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __str__(self) -> str:
        return self.type

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"


_CPU = device("cpu")


def check_device(d) -> None:
    """Accept ``"cpu"`` / ``device("cpu")`` / None wherever PyTorch takes a device."""
    if d is not None and not isinstance(d, device):
        device(d)


_SCALAR_TYPES = (int, float, bool)


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data, dtype=None)`` builds one from an array-like (MindSpore's spelling);
    ``chainrule.tensor(data, dtype=None, requires_grad=False)`` is PyTorch's.
    """

    __slots__ = (
        "__weakref__",
        "_base",
        "_data",
        "_fw",
        "_grad",
        "_hooks",
        "_requires_grad",
        "_vc",
        "grad_fn",
    )
    __hash__ = object.__hash__

    def __init__(self, data=None, dtype=None, requires_grad: bool = False) -> None:
        from .creation import as_array
        array = as_array(np.zeros((0,), np.float32) if data is None else data, dtype, copy=True)
        self._data = array
        self._grad = None
        self.grad_fn = None
        self._requires_grad = False
        self._vc = None
        self._base = None
        self._hooks = None
        self._fw = None
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------ autograd state
    @property
    def data(self) -> Tensor:
        """The values, detached from the graph (shares memory; PyTorch's ``.data``)."""
        return _graph.wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               f"gradients (got {self.dtype})")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        """The gradient accumulated by backward passes (None until one reaches this tensor)."""
        if self.grad_fn is not None and self._grad is None and not self._retains():
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being "
                          "accessed. Its .grad attribute won't be populated during "
                          "autograd.backward(). If you indeed want the .grad field to be "
                          "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                          "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad "
                                   f"{list(value.shape)} vs tensor {list(self.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad "
                                   f"{value.dtype} vs tensor {self.dtype}")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def _retains(self) -> bool:
        node = self.grad_fn
        return node is not None and node.retain is not None and node.retain() is self

    @property
    def retains_grad(self) -> bool:
        return self._retains()

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retain = weakref.ref(self)

    def register_hook(self, hook) -> _graph.RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn
        if node is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if node.hooks is None:
                node.hooks = []
            hooks = node.hooks
        hooks.append(hook)
        return _graph.RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same values (shared memory and version counter) cut from the graph."""
        t = _graph.wrap(self._data)
        t._vc = _graph.version_counter(self)
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def _version(self) -> int:
        vc = self._vc
        return vc[0] if vc else 0

    # ------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from .ops._util import normalize_dim
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_numpy(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def device(self) -> device:
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def T(self) -> Tensor:
        return _shape.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        return _shape.transpose(self, -2, -1)

    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared memory). Refused while the tensor requires grad."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .ops._numpy import array_ufunc
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .ops._numpy import array_function
        return array_function(func, types, args, kwargs)

    # ------------------------------------------------------------ conversions
    def to(self, *args, **kwargs) -> Tensor:
        """A tensor of another dtype (``to(chainrule.float64)``); devices other than the CPU are
        refused. Returns ``self`` when nothing changes, as PyTorch does."""
        dtype = kwargs.pop("dtype", None)
        check_device(kwargs.pop("device", None))
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dtype.dtype, type, np.dtype)):
                dtype = a
            else:
                check_device(a)
        out = self if dtype is None else _ew.to_dtype(self, _dtype.to_numpy(dtype))
        return out.clone() if copy and out is self else out

    def type(self, dtype=None):
        if dtype is None:
            return f"chainrule.{self.dtype.name}"
        return self.to(dtype)

    def float(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.float32))

    def double(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.float64))

    def half(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.float16))

    def long(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.int64))

    def int(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.int32))

    def bool(self) -> Tensor:
        return _ew.to_dtype(self, np.dtype(np.bool_))

    def type_as(self, other: Tensor) -> Tensor:
        return _ew.to_dtype(self, other._data.dtype)

    def cpu(self) -> Tensor:
        return self

    def clone(self) -> Tensor:
        """A copy with its own memory that stays in the graph (gradients flow back)."""
        return _ew.unary(_ew.clone_p, self, floating=False)

    def contiguous(self) -> Tensor:
        return self

    def is_contiguous(self) -> bool:
        return True

    # ------------------------------------------------------------ Python protocol
    def __repr__(self) -> str:
        suffixes = []
        dt = self._data.dtype
        if dt not in (np.float32, np.int64, np.bool_) or (self._data.size == 0 and dt != np.float32):
            suffixes.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return tensor_repr(self._data, suffixes)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return repr(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.item())

    def __getitem__(self, index) -> Tensor:
        return _ix.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        if _state.enabled and (self._requires_grad or (isinstance(value, Tensor)
                                                       and value._requires_grad)):
            self._inplace(_ix.index_put, index, value)
            return
        index = _ix.normalize_index(index)
        data = self._data
        v = value._data if isinstance(value, Tensor) else value
        try:
            data[index] = v
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot "
                               f"be broadcast to indexing result of shape "
                               f"{list(data[index].shape)}") from None
        _graph.bump_version(self)

    # ------------------------------------------------------------ operators
    def __add__(self, other):
        return _ew.binary(_ew.add_p, self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return _ew.binary(_ew.sub_p, self, other)

    def __rsub__(self, other):
        return _ew.binary(_ew.sub_p, other, self)

    def __mul__(self, other):
        return _ew.binary(_ew.mul_p, self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return _ew.binary(_ew.div_p, self, other, True)

    def __rtruediv__(self, other):
        return _ew.binary(_ew.div_p, other, self, True)

    def __floordiv__(self, other):
        return _ew.binary(_ew.floor_divide_p, self, other)

    def __rfloordiv__(self, other):
        return _ew.binary(_ew.floor_divide_p, other, self)

    def __mod__(self, other):
        return _ew.binary(_ew.remainder_p, self, other)

    def __rmod__(self, other):
        return _ew.binary(_ew.remainder_p, other, self)

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.binary(_ew.pow_p, other, self)

    def __matmul__(self, other):
        return _la.matmul(self, other)

    def __rmatmul__(self, other):
        return _la.matmul(other, self)

    def __neg__(self):
        return _ew.unary(_ew.neg_p, self, floating=False)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.unary(_ew.abs_p, self, floating=False)

    def __invert__(self):
        if self._data.dtype != np.bool_:
            return _graph.wrap(np.invert(self._data))
        return _ew.unary(_ew.logical_not_p, self, floating=False)

    def __and__(self, other):
        return _ew.bitwise(np.bitwise_and, _ew.logical_and_p, self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ew.bitwise(np.bitwise_or, _ew.logical_or_p, self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ew.bitwise(np.bitwise_xor, _ew.logical_xor_p, self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        if other is None:
            return False
        return _ew.binary(_ew.eq_p, self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return _ew.binary(_ew.ne_p, self, other)

    def __lt__(self, other):
        return _ew.binary(_ew.lt_p, self, other)

    def __le__(self, other):
        return _ew.binary(_ew.le_p, self, other)

    def __gt__(self, other):
        return _ew.binary(_ew.gt_p, self, other)

    def __ge__(self, other):
        return _ew.binary(_ew.ge_p, self, other)

    # ------------------------------------------------------------ in place
    def _inplace(self, fn, *args) -> Tensor:
        """Compute ``fn(self, *args)`` and write it into this tensor's memory.

        Recorded like PyTorch: the tensor's history becomes the new operation, whose saved
        input is a copy of the old values; the version counter moves on so that nodes which
        saved the old values refuse to use them.
        """
        grad_on = _state.enabled
        if grad_on and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        track = grad_on and (self._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in args))
        if not track:
            _state.enabled = False
            try:
                result = fn(self, *args)
            finally:
                _state.enabled = grad_on
            self._write(result._data)
            return self
        view = self._base
        if view is not None:
            base, index = view
            if base._requires_grad and base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                                   "an in-place operation.")
            if index is None:
                raise RuntimeError("an in-place operation on this view of a tensor is not "
                                   "supported while gradients are recorded (only views made by "
                                   "basic indexing, like x[0] or x[:, 1:3], are); apply it to the "
                                   "base tensor or to a clone() of the view")
            base_old = _graph.wrap(base._data.copy(), base.grad_fn)
        old = _graph.wrap(self._data.copy(), self.grad_fn)
        result = fn(old, *args)
        if view is None:
            self._write(result._data)
        else:
            # The base's history becomes "old base with the view's new values written in".
            new_base = _ix.index_put(base_old, index, result)
            base._write(new_base._data)
            base.grad_fn = new_base.grad_fn
            base._requires_grad = new_base._requires_grad
            base._fw = new_base._fw
        # A result that no longer depends on anything differentiable (``y.zero_()``) leaves
        # the tensor outside the graph.
        self.grad_fn = result.grad_fn
        self._requires_grad = result._requires_grad
        self._fw = result._fw
        return self

    def _write(self, values: np.ndarray) -> None:
        data = self._data
        if values.shape != data.shape or not data.flags.writeable:
            raise _inplace_error(data, values.shape)
        if not np.can_cast(values.dtype, data.dtype, casting="same_kind"):
            raise RuntimeError(f"result type {_dtype.scalar_type_name(values.dtype)} "
                               f"can't be cast to the desired output type "
                               f"{_dtype.scalar_type_name(data.dtype)}")
        np.copyto(data, values, casting="same_kind")
        _graph.bump_version(self)

    def _arith_(self, ufunc, fn, other) -> Tensor:
        """In-place arithmetic. Without a graph (the optimiser's ``p -= lr * g``) it goes
        straight into the array with no temporary; otherwise it is recorded by ``_inplace``."""
        if (_state.enabled and (self._requires_grad or (isinstance(other, Tensor)
                                                       and other._requires_grad))):
            return self._inplace(fn, other)
        data = self._data
        o = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(data, o, out=data, casting="same_kind")
        except TypeError:
            od = np.result_type(o) if not isinstance(o, _SCALAR_TYPES) else (
                np.dtype(np.float32) if isinstance(o, float) else data.dtype)
            raise RuntimeError(f"result type {_dtype.scalar_type_name(od)} can't be "
                               f"cast to the desired output type "
                               f"{_dtype.scalar_type_name(data.dtype)}") from None
        except ValueError:
            raise _inplace_error(data, np.shape(o)) from None
        _graph.bump_version(self)
        return self

    def add_(self, other, *, alpha=1) -> Tensor:
        if alpha != 1:
            other = other * alpha
        return self._arith_(np.add, _ew.add, other)

    def sub_(self, other, *, alpha=1) -> Tensor:
        if alpha != 1:
            other = other * alpha
        return self._arith_(np.subtract, _ew.sub, other)

    def mul_(self, other) -> Tensor:
        return self._arith_(np.multiply, _ew.mul, other)

    def div_(self, other) -> Tensor:
        if self._data.dtype.kind != "f":
            return self._inplace(_ew.div, other)
        return self._arith_(np.true_divide, _ew.div, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def pow_(self, exponent) -> Tensor:
        return self._inplace(_ew.pow, exponent)

    def neg_(self) -> Tensor:
        return self._inplace(_ew.neg)

    def clamp_(self, min=None, max=None) -> Tensor:
        return self._inplace(_ew.clamp, min, max)

    clip_ = clamp_

    def copy_(self, src) -> Tensor:
        """Write ``src`` (broadcast, cast to this dtype) into this tensor."""
        if not isinstance(src, Tensor):
            from .creation import tensor
            src = tensor(src)
        return self._inplace(_copy_from, src)

    def fill_(self, value) -> Tensor:
        if isinstance(value, Tensor) and value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if not _state.enabled or not (self._requires_grad or (
                isinstance(value, Tensor) and value._requires_grad)):
            self._data.fill(value.item() if isinstance(value, Tensor) else value)
            _graph.bump_version(self)
            return self
        return self._inplace(_copy_from, value)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def masked_fill_(self, mask, value) -> Tensor:
        return self._inplace(_ix.masked_fill, mask, value)

    def index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
        return self._inplace(_ix.index_put, tuple(indices), values, accumulate)

    def scatter_add_(self, dim, index, src) -> Tensor:
        return self._inplace(_ix.scatter_add, dim, index, src)

    def exp_(self) -> Tensor:
        return self._inplace(_ew.exp)

    def sigmoid_(self) -> Tensor:
        return self._inplace(_ew.sigmoid)

    def relu_(self) -> Tensor:
        return self._inplace(_ew.relu)

    def tanh_(self) -> Tensor:
        return self._inplace(_ew.tanh)

    def sqrt_(self) -> Tensor:
        return self._inplace(_ew.sqrt)

    def abs_(self) -> Tensor:
        return self._inplace(_ew.abs)


def _inplace_error(data: np.ndarray, other_shape: tuple) -> RuntimeError:
    """Why an in-place result cannot be written into ``data``, in PyTorch's words."""
    if not data.flags.writeable:
        return RuntimeError("unsupported operation: more than one element of the written-to "
                            "tensor refers to a single memory location. Please clone() the "
                            "tensor before performing the operation.")
    try:
        shape = np.broadcast_shapes(data.shape, other_shape)
    except ValueError:
        shape = other_shape
    return RuntimeError(f"output with shape {list(data.shape)} doesn't match the broadcast shape "
                        f"{list(shape)}")


def _copy_from(dst: Tensor, src) -> Tensor:
    """``src`` broadcast to ``dst``'s shape and cast to its dtype: out of place, so in-place
    copies are recorded like any other in-place op (gradient flows to ``src`` only)."""
    if not isinstance(src, Tensor):
        return _graph.wrap(np.full(dst._data.shape, src, dst._data.dtype))
    src = _ew.to_dtype(src, dst._data.dtype) if dst._data.dtype.kind == "f" else _graph.wrap(
        src._data.astype(dst._data.dtype))
    if src._data.shape != dst._data.shape:
        src = _shape.broadcast_to(src, dst._data.shape)
    return src


# The op families need the Tensor class, and the class's methods need them: bind both ways.
from .ops import _table

_graph.Tensor = Tensor
_table._bind(Tensor, _graph.apply)
from .autograd import engine as _engine
from .ops import composite as _cm
from .ops import elementwise as _ew
from .ops import indexing as _ix
from .ops import linalg as _la
from .ops import reduction as _red
from .ops import shape as _shape

_engine._bind(_red.sum_p, _shape.reshape_p, _ew.cast_p)

# Methods that are the public functions with the tensor as first argument.
_METHODS = {
    _ew: "add sub mul div true_divide divide floor_divide remainder pow neg negative abs exp "
         "log log1p expm1 sqrt rsqrt sin cos tan asin acos atan arcsin arccos arctan sinh cosh "
         "tanh sigmoid relu erf sign floor ceil round maximum minimum clamp clip eq ne lt le "
         "gt ge less less_equal greater greater_equal not_equal logical_not logical_and "
         "logical_or logical_xor isnan isinf isfinite",
    _red: "sum mean prod amax amin max min argmax argmin cumsum var std logsumexp norm",
    _shape: "reshape view flatten squeeze unsqueeze permute transpose swapaxes swapdims t "
            "expand broadcast_to flip repeat split chunk movedim",
    _ix: "gather scatter_add index_select masked_fill",
    _la: "matmul mm bmm mv dot inner outer",
    _cm: "softmax log_softmax square reciprocal",
}
for _module, _names in _METHODS.items():
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_module, _name))


def _view_as(self, other):
    return _shape.reshape(self, other._data.shape)


def _expand_as(self, other):
    return _shape.broadcast_to(self, other._data.shape)


def _where_method(self, condition, other):
    return _ew.where(condition, self, other)


Tensor.view_as = Tensor.reshape_as = _view_as
Tensor.expand_as = _expand_as
Tensor.where = _where_method
