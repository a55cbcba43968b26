"""Gradient descent by hand, as in the source tutorials.

chainrule computes the gradient (``loss.backward()`` fills ``w.grad``); we take the step
ourselves on ``w.data``, so the step itself is not recorded in the graph.

    python examples/gradient_descent.py
    python examples/gradient_descent.py --epochs 50 --lr 0.1
"""

import argparse

import chainrule as torch


def one_step(lr):
    """loss = 2 w^2 (elementwise), so d loss / dw = 4 w."""
    w = torch.tensor([10, 20], requires_grad=True, dtype=torch.float)
    loss = 2 * w ** 2
    loss.sum().backward()
    print("w.grad =", w.grad)                           # tensor([40., 80.])
    print("w - lr * w.grad =", w.data - lr * w.grad)    # tensor([ 9.6000, 19.2000])


def descend(epochs, lr):
    """Minimise w^2 + 20 from w = 10: each step multiplies w by (1 - 2 lr)."""
    w = torch.tensor(10, requires_grad=True, dtype=torch.float)
    for epoch in range(epochs):
        loss = w ** 2 + 20
        if w.grad is not None:
            w.grad.zero_()                              # gradients accumulate unless zeroed
        loss.sum().backward()
        if epoch % 100 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:4d}  w = {w.data.item()!r}  loss = {loss.item():.6f}"
                  f"  grad = {w.grad.item():.6f}")
        w.data -= lr * w.grad                           # the update, outside the graph
    return w


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=500, help="rounds of descent (500)")
    parser.add_argument("--lr", type=float, default=0.01, help="learning rate (0.01)")
    args = parser.parse_args(argv)

    print("== one step on loss = 2 * w**2 ==")
    one_step(args.lr)
    print(f"\n== {args.epochs} steps on loss = w**2 + 20, lr = {args.lr} ==")
    w = descend(args.epochs, args.lr)
    print("final w =", w.data.item())


if __name__ == "__main__":
    main()
