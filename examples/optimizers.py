"""Optimisers on Himmelblau's function, and activation functions with their derivatives.

Himmelblau's function f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 has four minima, all with
f = 0. We start SGD, SGD with momentum and Adam from several points, let autograd supply the
gradient, and draw the paths on a contour plot. A second plot shows sigmoid, tanh and ReLU
next to their derivatives, also computed by autograd.

    python examples/optimizers.py                  # writes runs/examples/*.png
    python examples/optimizers.py --steps 100 --out /tmp/plots
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")                                   # write files, never open a window
import matplotlib.pyplot as plt
import numpy as np

import chainrule as torch

MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
STARTS = [(0.0, 0.0), (-4.0, 4.0), (-1.0, -1.0), (4.0, -4.0)]
OPTIMIZERS = {                              # name -> how to build it for a list of parameters
    "SGD": lambda params: torch.optim.SGD(params, lr=0.01),
    "SGD + momentum": lambda params: torch.optim.SGD(params, lr=0.002, momentum=0.9),
    "Adam": lambda params: torch.optim.Adam(params, lr=0.1),
}


def himmelblau(x, y):
    """Works on tensors (for autograd) and on NumPy arrays (for the contour plot)."""
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def minimise(make_optimizer, start, steps):
    """Run one optimiser from one start; return the path as an array of (x, y) points."""
    xy = torch.tensor(start, requires_grad=True)
    optimizer = make_optimizer([xy])
    path = [xy.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = himmelblau(xy[0], xy[1])
        loss.backward()
        optimizer.step()
        path.append(xy.detach().numpy().copy())
    return np.array(path)


def plot_paths(paths, out_dir):
    xs = np.linspace(-5, 5, 400)
    X, Y = np.meshgrid(xs, xs)
    Z = himmelblau(X, Y)
    levels = np.logspace(-1, 3, 20)
    fig, axes = plt.subplots(1, len(OPTIMIZERS), figsize=(5 * len(OPTIMIZERS), 5.6),
                             sharey=True, layout="constrained")
    for ax, name in zip(axes, OPTIMIZERS):
        ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.7)
        for i, start in enumerate(STARTS):
            path = paths[name, start]
            ax.plot(path[:, 0], path[:, 1], ".-", color=f"C{i + 1}", markersize=3,
                    linewidth=1, label=f"from {start}")
            ax.plot(*path[0], "o", color=f"C{i + 1}")
        ax.plot(*zip(*MINIMA), "r*", markersize=14, label="minima (f = 0)")
        ax.set(title=name, xlabel="x", xlim=(-5, 5), ylim=(-5, 5), aspect="equal")
    axes[0].set_ylabel("y")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=5)
    fig.suptitle("Minimising Himmelblau's function f(x, y) = (x² + y − 11)² + (x + y² − 7)²")
    path = Path(out_dir) / "himmelblau.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"wrote {path}")


def plot_activations(out_dir):
    activations = [                     # name, function, its derivative written by hand
        ("sigmoid", torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
        ("tanh", torch.tanh, lambda x: 1 - torch.tanh(x) ** 2),
        ("ReLU", torch.relu, lambda x: (x > 0).float()),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained")
    for ax, (name, fn, derivative) in zip(axes, activations):
        x = torch.linspace(-5.0, 5.0, 201, requires_grad=True)
        y = fn(x)
        y.sum().backward()            # each y_i depends only on x_i, so x.grad = f'(x)
        err = (x.grad - derivative(x.detach())).abs().max().item()
        print(f"{name:7s}: max |autograd - derivative by hand| = {err:.2e}")
        ax.plot(x.detach().numpy(), y.detach().numpy(), label=f"{name}(x)")
        ax.plot(x.detach().numpy(), x.grad.numpy(), "--", label=f"{name}'(x) by autograd")
        ax.set(title=name, xlabel="x")
        ax.axhline(0.0, color="grey", linewidth=0.5)
        ax.legend(loc="best")
    fig.suptitle("Activation functions and their derivatives")
    path = Path(out_dir) / "activations.png"
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="optimiser steps per run (200)")
    parser.add_argument("--out", default="runs/examples", help="folder for the PNGs")
    args = parser.parse_args(argv)
    Path(args.out).mkdir(parents=True, exist_ok=True)

    paths = {}
    for name, make_optimizer in OPTIMIZERS.items():
        for start in STARTS:
            path = paths[name, start] = minimise(make_optimizer, start, args.steps)
            x, y = path[-1]
            nearest = min(MINIMA, key=lambda m: np.hypot(x - m[0], y - m[1]))
            print(f"{name:15s} from ({start[0]:4.1f}, {start[1]:4.1f}) -> "
                  f"({x:9.6f}, {y:9.6f})  f = {himmelblau(x, y):.2e}  "
                  f"nearest minimum ({nearest[0]:.3f}, {nearest[1]:.3f})")
    plot_paths(paths, args.out)
    plot_activations(args.out)


if __name__ == "__main__":
    main()
