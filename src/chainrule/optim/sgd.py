"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _effective_grad


def sgd(params: list[np.ndarray], grads: list[np.ndarray],
        momentum_buffers: list[np.ndarray | None], *, lr: float, momentum: float,
        dampening: float, weight_decay: float, nesterov: bool, maximize: bool) -> None:
    """PyTorch's SGD update, in place on ``params`` (and on ``momentum_buffers``, whose
    ``None`` entries are replaced by new buffers)::

        g = grad + weight_decay * p
        buf = g (first step), else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
        p -= lr * g
    """
    for i, p in enumerate(params):
        g = _effective_grad(p, grads[i], weight_decay, maximize)
        if momentum:
            buf = momentum_buffers[i]
            if buf is None:
                buf = momentum_buffers[i] = g.copy()
            else:
                buf *= momentum
                if dampening:
                    buf += (1 - dampening) * g
                else:
                    buf += g
            g = g + momentum * buf if nesterov else buf
        p -= lr * g


class SGD(Optimizer):
    """Stochastic gradient descent, ``SGD(params, lr=1e-3, momentum=0, dampening=0,
    weight_decay=0, nesterov=False, *, maximize=False)``, with PyTorch's update formulas.

    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def _validate(self, group: dict) -> None:
        if group["lr"] < 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if group["momentum"] < 0.0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["weight_decay"] < 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _step_group(self, group: dict) -> None:
        params, arrays, grads = self._with_grads(group)
        momentum = group["momentum"]
        buffers = [self.state[p].get("momentum_buffer") for p in params] if momentum else None
        sgd(arrays, grads, buffers, lr=group["lr"], momentum=momentum,
            dampening=group["dampening"], weight_decay=group["weight_decay"],
            nesterov=group["nesterov"], maximize=group["maximize"])
        if momentum:
            for p, buf in zip(params, buffers):
                self.state[p]["momentum_buffer"] = buf
        self._bump_versions(params)
