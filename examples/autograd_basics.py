"""Autograd basics: the derivative of sin, the graph behind it, no_grad, detach, in-place errors.

Follows PyTorch's "Fundamentals of Autograd" with ``import chainrule as torch``.

    python examples/autograd_basics.py                 # writes runs/examples/sin_derivative.png
    python examples/autograd_basics.py --out /tmp/plots --steps 50
"""

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")                                   # write files, never open a window
import matplotlib.pyplot as plt

import chainrule as torch


def derivative_of_sin(steps, out_dir):
    """d/da sin(a) from autograd, plotted against the exact answer cos(a)."""
    a = torch.linspace(0.0, 2.0 * math.pi, steps=steps, requires_grad=True)
    b = torch.sin(a)
    b.sum().backward()                   # d(sum sin a_i)/da_i = cos a_i: a.grad holds sin'(a)
    err = (a.grad - torch.cos(a.detach())).abs().max().item()
    print(f"max |a.grad - cos(a)| = {err:.3g}")

    xs = a.detach().numpy()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(xs, b.detach().numpy(), label="sin(a)")
    ax.plot(xs, torch.cos(a.detach()).numpy(), linewidth=3, alpha=0.5, label="cos(a), exact")
    ax.plot(xs, a.grad.numpy(), "o", markersize=4, markevery=max(1, steps // 25),
            label="a.grad from autograd")
    ax.set(title="The derivative of sin from autograd is cos", xlabel="a", ylabel="value")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    fig.tight_layout()
    path = Path(out_dir) / "sin_derivative.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def the_graph(steps):
    """The tutorial's d = 2 sin(a) + 1: every result remembers the operation that made it."""
    a = torch.linspace(0.0, 2.0 * math.pi, steps=steps, requires_grad=True)
    d = 2 * torch.sin(a) + 1
    print("d.grad_fn:", d.grad_fn)
    print("d.grad_fn.next_functions:", d.grad_fn.next_functions)
    print("walking back from d to a:")
    node, depth = d.grad_fn, 0
    while node is not None:
        print("  " * depth + "-> " + node.name())
        parents = [fn for fn, _ in node.next_functions if fn is not None]
        node, depth = (parents[0] if parents else None), depth + 1
    # AccumulateGrad is where a leaf's gradient lands: in a.grad.

    d.sum().backward()
    err = (a.grad - 2 * torch.cos(a.detach())).abs().max().item()
    print(f"max |a.grad - 2 cos(a)| = {err:.3g}")


def no_grad_and_detach():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    print("y = x * 2:               requires_grad =", y.requires_grad, " grad_fn =", y.grad_fn)
    with torch.no_grad():                     # nothing inside is recorded
        z = x * 2
    print("inside no_grad():        requires_grad =", z.requires_grad, " grad_fn =", z.grad_fn)
    c = y.detach()                            # same numbers, cut from the graph
    print("y.detach():              requires_grad =", c.requires_grad, " grad_fn =", c.grad_fn)


def in_place_error():
    """Changing a tensor that backward still needs is caught, not silently wrong."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()                  # exp's backward reuses its output y
    y.add_(1)                    # ...which is now changed in place
    try:
        y.sum().backward()
    except RuntimeError as err:
        print("RuntimeError:", err)

    try:
        x.add_(1)                # a leaf that requires grad cannot change outside no_grad
    except RuntimeError as err:
        print("RuntimeError:", err)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="points on [0, 2pi] (100)")
    parser.add_argument("--out", default="runs/examples", help="folder for the PNG")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)

    print("== sin and its derivative ==")
    derivative_of_sin(args.steps, args.out)
    print("\n== the graph of d = 2 * sin(a) + 1 ==")
    the_graph(25)
    print("\n== no_grad and detach ==")
    no_grad_and_detach()
    print("\n== modifying a saved tensor in place ==")
    in_place_error()


if __name__ == "__main__":
    main()
