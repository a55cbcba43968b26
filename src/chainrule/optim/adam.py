"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _effective_grad


def adam(params: list[np.ndarray], grads: list[np.ndarray], exp_avgs: list[np.ndarray],
         exp_avg_sqs: list[np.ndarray], max_exp_avg_sqs: list[np.ndarray] | None,
         steps: list[float], *, lr: float, beta1: float, beta2: float, eps: float,
         weight_decay: float, amsgrad: bool, maximize: bool,
         decoupled_weight_decay: bool) -> None:
    """PyTorch's Adam update, in place on ``params`` and the moment buffers; ``steps`` are the
    step counts including this step::

        p *= 1 - lr * weight_decay (decoupled), else g = grad + weight_decay * p
        m += (1 - beta1) * (g - m);   v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v) (amsgrad)
        p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """
    for i, p in enumerate(params):
        g = grads[i]
        if decoupled_weight_decay:
            if weight_decay:
                p *= 1 - lr * weight_decay
            g = _effective_grad(p, g, 0, maximize)
        else:
            g = _effective_grad(p, g, weight_decay, maximize)
        m, v = exp_avgs[i], exp_avg_sqs[i]
        tmp = np.subtract(g, m)  # m.lerp_(g, 1 - beta1), as PyTorch writes it
        tmp *= 1 - beta1
        m += tmp
        v *= beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - beta2
        v += tmp
        if amsgrad:
            v = np.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
        step = steps[i]
        step_size = lr / (1 - beta1 ** step)
        np.sqrt(v, out=tmp)
        tmp /= (1 - beta2 ** step) ** 0.5
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= -step_size
        p += tmp


class Adam(Optimizer):
    """Adam, ``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, maximize=False, decoupled_weight_decay=False)``, with PyTorch's update
    formulas. ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2), or with
    ``decoupled_weight_decay=True`` shrinks the weights directly (AdamW)."""

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def _validate(self, group: dict) -> None:
        lr, eps, (beta1, beta2) = group["lr"], group["eps"], group["betas"]
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= beta1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {beta1}")
        if not 0.0 <= beta2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {beta2}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")

    def _step_group(self, group: dict) -> None:
        params, arrays, grads = self._with_grads(group)
        amsgrad = group["amsgrad"]
        exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], []
        for p, a in zip(params, arrays):
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = np.zeros_like(a)
                state["exp_avg_sq"] = np.zeros_like(a)
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(a)
            state["step"] += 1
            steps.append(state["step"])
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if amsgrad:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
        beta1, beta2 = group["betas"]
        adam(arrays, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr=group["lr"],
             beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
             amsgrad=amsgrad, maximize=group["maximize"],
             decoupled_weight_decay=group["decoupled_weight_decay"])
        self._bump_versions(params)


class AdamW(Adam):
    """Adam with decoupled weight decay (the weights shrink by ``lr * weight_decay`` each step,
    outside the moments), ``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=1e-2, amsgrad=False, *, maximize=False)``."""

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
