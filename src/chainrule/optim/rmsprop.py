"""RMSprop, plain or centered, with optional momentum."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _effective_grad


def rmsprop(params: list[np.ndarray], grads: list[np.ndarray], square_avgs: list[np.ndarray],
            grad_avgs: list[np.ndarray] | None, momentum_buffers: list[np.ndarray] | None, *,
            lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool, maximize: bool) -> None:
    """PyTorch's RMSprop update, in place on ``params`` and the buffers::

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - mean_g**2) + eps, with mean_g += (1 - alpha) * (g - mean_g) (centered)
              sqrt(v) + eps (otherwise)
        buf = momentum * buf + g / avg; p -= lr * buf   (momentum > 0)
        p -= lr * g / avg                               (otherwise)
    """
    for i, p in enumerate(params):
        g = _effective_grad(p, grads[i], weight_decay, maximize)
        v = square_avgs[i]
        v *= alpha
        tmp = np.multiply(g, g)
        tmp *= 1 - alpha
        v += tmp
        if centered:
            mean_g = grad_avgs[i]
            np.subtract(g, mean_g, out=tmp)
            tmp *= 1 - alpha
            mean_g += tmp
            np.multiply(mean_g, mean_g, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(g, tmp, out=tmp)
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            buf += tmp
            np.multiply(buf, lr, out=tmp)
            p -= tmp
        else:
            tmp *= lr
            p -= tmp


class RMSprop(Optimizer):
    """RMSprop, ``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, maximize=False)``, with PyTorch's update formulas."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def _validate(self, group: dict) -> None:
        if not 0.0 <= group["lr"]:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not 0.0 <= group["eps"]:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if not 0.0 <= group["alpha"]:
            raise ValueError(f"Invalid alpha value: {group['alpha']}")

    def _step_group(self, group: dict) -> None:
        params, arrays, grads = self._with_grads(group)
        momentum, centered = group["momentum"], group["centered"]
        square_avgs, grad_avgs, buffers = [], [], []
        for p, a in zip(params, arrays):
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["square_avg"] = np.zeros_like(a)
                if momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(a)
                if centered:
                    state["grad_avg"] = np.zeros_like(a)
            state["step"] += 1
            square_avgs.append(state["square_avg"])
            if momentum > 0:
                buffers.append(state["momentum_buffer"])
            if centered:
                grad_avgs.append(state["grad_avg"])
        rmsprop(arrays, grads, square_avgs, grad_avgs, buffers, lr=group["lr"],
                alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                momentum=momentum, centered=centered, maximize=group["maximize"])
        self._bump_versions(params)
