"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _effective_grad


def adagrad(params: list[np.ndarray], grads: list[np.ndarray], state_sums: list[np.ndarray],
            steps: list[float], *, lr: float, lr_decay: float, weight_decay: float,
            eps: float, maximize: bool) -> None:
    """PyTorch's Adagrad update, in place on ``params`` and ``state_sums``; ``steps`` are the
    step counts including this step::

        g = grad + weight_decay * p
        sum += g * g
        p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps)
    """
    for i, p in enumerate(params):
        g = _effective_grad(p, grads[i], weight_decay, maximize)
        clr = lr / (1 + (steps[i] - 1) * lr_decay)
        s = state_sums[i]
        tmp = np.multiply(g, g)
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        tmp *= clr
        p -= tmp


class Adagrad(Optimizer):
    """Adagrad, ``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, *, maximize=False)``, with PyTorch's update
    formulas. As in PyTorch, the state of every parameter exists from the start."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps, "maximize": maximize})

    def add_param_group(self, param_group: dict) -> None:
        """Add a group, creating its parameters' state at once (as PyTorch's Adagrad does)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = _initial_state(p, group)

    def _validate(self, group: dict) -> None:
        if not 0.0 <= group["lr"]:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not 0.0 <= group["lr_decay"]:
            raise ValueError(f"Invalid lr_decay value: {group['lr_decay']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if not 0.0 <= group["initial_accumulator_value"]:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{group['initial_accumulator_value']}")
        if not 0.0 <= group["eps"]:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")

    def _step_group(self, group: dict) -> None:
        params, arrays, grads = self._with_grads(group)
        state_sums, steps = [], []
        for p in params:
            state = self.state[p]
            if not state:  # a loaded state dict had none for p
                state.update(_initial_state(p, group))
            state["step"] += 1
            steps.append(state["step"])
            state_sums.append(state["sum"])
        adagrad(arrays, grads, state_sums, steps, lr=group["lr"], lr_decay=group["lr_decay"],
                weight_decay=group["weight_decay"], eps=group["eps"],
                maximize=group["maximize"])
        self._bump_versions(params)


def _initial_state(p, group: dict) -> dict:
    return {"step": 0.0, "sum": np.full_like(p._data, group["initial_accumulator_value"])}
