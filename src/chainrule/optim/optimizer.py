"""``Optimizer``: the stateful shell shared by every algorithm (PyTorch's API and state format).

Each algorithm is a pure update on NumPy arrays (``sgd``, ``adam``, ...) that changes the
parameters' arrays in place; its ``Optimizer`` subclass gathers the arrays of the parameters
that have a gradient, keeps the per-parameter state and calls the update in ``step()``.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.graph import bump_version, wrap
from ..tensor import Tensor


class Optimizer:
    """Base class of the optimisers: ``param_groups`` is a list of dicts, each holding
    ``params`` (a list of tensors) and the algorithm's hyperparameters, filled in from
    ``defaults``; ``state[p]`` holds what the algorithm keeps for parameter ``p``.

    Subclasses define ``_validate(group)`` (raise on bad hyperparameters) and
    ``_step_group(group)`` (update the group's parameters that have a gradient).
    """

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self._validate(defaults)
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + type(params).__name__)
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _validate(self, group: dict) -> None:
        """Raise ``ValueError`` for an invalid hyperparameter in ``group``."""

    def _step_group(self, group: dict) -> None:
        raise NotImplementedError

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (the defaults fill the rest),
        e.g. to train layers that were frozen so far."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        group = {**param_group, "params": list(params)}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate(group)
        ids = {id(p) for p in group["params"]}
        if len(ids) != len(group["params"]):
            warnings.warn("optimizer contains a parameter group with duplicate parameters",
                          stacklevel=2)
        if any(id(p) in ids for g in self.param_groups for p in g["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: drop them (``set_to_none=True``, the default) or fill them with
        zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g.detach_()
                    g.zero_()

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient; ``closure`` (optional) re-evaluates the
        model and returns the loss, which ``step`` returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _with_grads(self, group: dict) -> tuple[list, list, list]:
        """The group's parameters that have a gradient, their arrays and their gradients'."""
        params, arrays, grads = [], [], []
        for p in group["params"]:
            g = p.grad
            if g is not None:
                params.append(p)
                arrays.append(p._data)
                grads.append(g._data)
        return params, arrays, grads

    @staticmethod
    def _bump_versions(params: list) -> None:
        for p in params:
            bump_version(p)

    # ------------------------------------------------------------ state dict
    def state_dict(self) -> dict:
        """``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index]}]}``,
        parameters numbered in group order as PyTorch does. Buffers are tensors sharing memory
        with the optimizer's (copy them to keep a snapshot); ``step`` is a float32 scalar."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: _export(k, v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` returned (from an optimizer over the same parameters, in
        the same groups). Buffers are copied and cast to their parameter's dtype; nothing
        changes unless all of it fits."""
        if not (isinstance(state_dict, dict) and "state" in state_dict
                and "param_groups" in state_dict):
            raise ValueError("expected a state dict with 'state' and 'param_groups' entries")
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        by_index = {int(i): p for g, s in zip(groups, saved_groups)
                    for i, p in zip(s["params"], g["params"])}
        state: defaultdict = defaultdict(dict)
        for key, values in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"loaded state dict has state for parameter {key}, which is "
                                 "in none of its parameter groups")
            state[p] = {k: _import(k, v, p, key) for k, v in values.items()}
        new_groups = [{**{k: v for k, v in s.items() if k != "params"}, "params": g["params"]}
                      for g, s in zip(groups, saved_groups)]
        self.state = state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _export(name: str, value):
    if name == "step":
        return wrap(np.array(value, np.float32))
    return wrap(value) if isinstance(value, np.ndarray) else value


def _import(name: str, value, param: Tensor, key):
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return float(value)
    if not isinstance(value, np.ndarray):
        return value
    if value.shape != param._data.shape:
        raise ValueError(f"loaded state dict has '{name}' of shape {value.shape} for parameter "
                         f"{key}, whose shape is {param._data.shape}")
    return np.array(value, dtype=param._data.dtype)


def _effective_grad(param: np.ndarray, grad: np.ndarray, weight_decay: float,
                    maximize: bool) -> np.ndarray:
    """The gradient an update follows: negated to maximize, plus L2 weight decay
    (new arrays: the parameter's own ``.grad`` is never changed)."""
    if maximize:
        grad = -grad
    if weight_decay:
        grad = grad + weight_decay * param
    return grad
