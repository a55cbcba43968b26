"""``Parameter``: a leaf tensor that a Module registers as one of its weights."""

from __future__ import annotations

from ..autograd import graph
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad by default and is found by ``Module.parameters()``.

    ``Parameter(tensor, requires_grad=True, name=None)`` (PyTorch's and MindSpore's spellings):
    it shares memory with ``tensor`` and is a leaf even when ``tensor`` was computed.
    """

    __slots__ = ("name",)

    def __init__(self, data=None, requires_grad=True, name: str | None = None) -> None:
        if isinstance(requires_grad, str):  # MindSpore's Parameter(data, "name")
            name, requires_grad = requires_grad, True
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            from ..creation import as_tensor
            data = as_tensor(data)
        self._data = data._data
        self._grad = None
        self.grad_fn = None
        self._requires_grad = False
        self._vc = graph.version_counter(data)
        self._base = None
        self._hooks = None
        self._fw = None
        self.name = name
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
