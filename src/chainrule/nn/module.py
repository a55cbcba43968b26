"""``Module`` (PyTorch) and ``Cell`` (MindSpore): containers of parameters, buffers and
sub-modules whose call runs ``forward`` (``construct`` for a Cell)."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from .. import _dtype
from ..autograd import graph
from ..tensor import Tensor, check_device
from .parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: assign Parameters and Modules as attributes and they
    are registered; call the module to run ``forward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value) -> None:
        if self.__dict__.get("_parameters") is None:
            raise AttributeError("cannot assign to a Module before Module.__init__() call")
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(chainrule.Tensor or None expected)")
            self._buffers[name] = value
            return
        for store in (self._parameters, self._modules, self._buffers):
            store.pop(name, None)
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """A tensor that is state but not a parameter (BatchNorm's running statistics): saved in
        ``state_dict`` (unless not persistent), converted by ``to()``, never trained."""
        if "." in name or not name:
            raise KeyError(f'buffer name can\'t contain "." or be empty, got {name!r}')
        self.__dict__.pop(name, None)
        self._parameters.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def register_parameter(self, name: str, param) -> None:
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module) -> None:
        self._modules[name] = module

    register_module = add_module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        result = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            out = hook(self, args, result)
            if out is not None:
                result = out
        return result

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` after each call; a returned value replaces the
        output. Returns a handle with ``remove()``."""
        key = object()
        self._forward_hooks[key] = hook
        return _DictHandle(self._forward_hooks, key)

    # -------------------------------------------------------- traversal
    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def trainable_params(self) -> list:
        """MindSpore's spelling: the parameters that require grad, in order."""
        return [p for p in self.parameters() if p.requires_grad]

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo=None, prefix: str = ""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    # -------------------------------------------------------- state
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered mapping from names (``fc.weight``) to parameters and persistent buffers,
        detached (sharing memory) unless ``keep_vars``."""
        out = OrderedDict() if destination is None else destination
        for mod_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            dot = f"{mod_prefix}." if mod_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values from ``state_dict`` into the parameters and buffers. Every key and shape
        is checked before anything is copied, so a failed load changes nothing."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            errors.append("Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
        values = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value._data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"chainrule.Size({list(array.shape)}) from checkpoint, the shape "
                              f"in current model is chainrule.Size({list(target._data.shape)}).")
            values[key] = array
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, array in values.items():
            target = own[key]
            np.copyto(target._data, array, casting="unsafe")
            graph.bump_version(target)
        return _IncompatibleKeys(missing, unexpected)

    def _convert(self, np_dtype) -> Module:
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f":
                t._data = t._data.astype(np_dtype)
                if t._grad is not None:
                    t._grad = graph.wrap(t._grad._data.astype(np_dtype))
        return self

    def to(self, *args, **kwargs) -> Module:
        """Convert floating parameters and buffers to a dtype; the CPU is the only device."""
        dtype = kwargs.get("dtype")
        check_device(kwargs.get("device"))
        for a in args:
            if isinstance(a, (_dtype.dtype, type, np.dtype)):
                dtype = a
            else:
                check_device(a)
        return self if dtype is None else self._convert(_dtype.to_numpy(dtype))

    def float(self) -> Module:
        return self._convert(np.dtype(np.float32))

    def double(self) -> Module:
        return self._convert(np.dtype(np.float64))

    def half(self) -> Module:
        return self._convert(np.dtype(np.float16))

    def cpu(self) -> Module:
        return self

    def apply(self, fn) -> Module:
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in
                 self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class _DictHandle:
    __slots__ = ("_key", "_store")

    def __init__(self, store, key) -> None:
        self._store = store
        self._key = key

    def remove(self) -> None:
        self._store.pop(self._key, None)


class Cell(Module):
    """MindSpore's spelling of a Module: ``construct`` is its forward."""

    def construct(self, *args, **kwargs):
        raise NotImplementedError(f'Cell [{type(self).__name__}] is missing the required '
                                  '"construct" function')

    def forward(self, *args, **kwargs):
        return self.construct(*args, **kwargs)
