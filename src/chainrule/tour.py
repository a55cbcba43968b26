"""``chainrule tour``: the source tutorials' small gradient-descent examples, with their numbers."""

from __future__ import annotations

import math

import chainrule as torch


def tour() -> None:
    print("chainrule tour: the source tutorials' gradient-descent examples\n")

    print("1. Gradient of loss = 2 * w**2 at w = [10, 20], and one step of size 0.01")
    w = torch.tensor([10, 20], requires_grad=True, dtype=torch.float)
    loss = 2 * w ** 2
    loss.sum().backward()
    print("   w.grad                    =", w.grad)
    print("   w.data - 0.01 * w.grad    =", w.data - 0.01 * w.grad)

    print("\n2. 500 rounds of w <- w - 0.01 * d(w**2 + 20)/dw from w = 10")
    w = torch.tensor(10, requires_grad=True, dtype=torch.float)
    for epoch in range(500):
        loss = w ** 2 + 20
        if w.grad is not None:
            w.grad.zero_()
        loss.sum().backward()
        if epoch in (0, 1, 2):
            print(f"   epoch {epoch:3d}: w = {w.data.item():.9g}, grad = {w.grad.item():.9g}")
        if epoch == 499:
            print("   epoch 499: w.data.item() =", w.data.item())
        w.data = w.data - 0.01 * w.grad

    print("\n3. A linear layer through a mean squared error: every row of w.grad equals b.grad")
    torch.manual_seed(0)
    x, y = torch.ones(2, 5), torch.zeros(2, 3)
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    loss = ((x.matmul(w) + b - y) ** 2).mean()
    loss.backward()
    print("   b.grad =", b.grad)
    print("   w.grad =", w.grad)

    print("\n4. autograd.grad of (1 - x * w)**2 at x = 1, w = 2")
    x = torch.ones(1)
    w = torch.tensor([2.0], requires_grad=True)
    print("  ", torch.autograd.grad(((torch.ones(1) - x * w) ** 2).mean(), [w]))

    print("\n5. The graph of d = 2 * sin(a) + 1, and its gradient 2 * cos(a)")
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    d = 2 * torch.sin(a) + 1
    print("   d.grad_fn                =", d.grad_fn)
    print("   d.grad_fn.next_functions =", d.grad_fn.next_functions)
    d.sum().backward()
    err = (a.grad - 2 * torch.cos(a)).abs().max().item()
    print(f"   max |a.grad - 2 cos(a)|  = {err:.3g}")
