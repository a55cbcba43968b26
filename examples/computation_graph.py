"""The source tutorials' two-layer network, drawn as a computation graph (d2l, section 5.3).

Forward propagation, as the tutorial writes it (one example x, no biases):

    z = W1 x            h = relu(z)          o = W2 h
    L = l(o, y)         (here the squared error 1/2 ||o - y||^2)
    s = lambda/2 (||W1||^2 + ||W2||^2)       (the L2 penalty)
    J = L + s           (the objective)

The script records that graph with chainrule, draws it with the forward values on the nodes
(forward_graph.png), runs J.backward() and draws it again with the gradients flowing back
(backward_graph.png), then checks autograd against the tutorial's backpropagation formulas:

    dJ/do = o - y                      dJ/dW2 = dJ/do h^T + lambda W2
    dJ/dh = W2^T dJ/do                 dJ/dz  = dJ/dh * relu'(z)
    dJ/dW1 = dJ/dz x^T + lambda W1

    python examples/computation_graph.py
    python examples/computation_graph.py --out /tmp/graphs --lambd 0.1

The pictures need Graphviz's ``dot`` program (``apt-get install graphviz``, ``brew install
graphviz``); without it the script writes the graphs as .dot text files and says so.
"""

import argparse
import shutil
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import viz


def forward(x, y, W1, W2, lambd):
    """The d2l network, every intermediate kept so that the drawing can name it."""
    z = W1 @ x
    h = cr.relu(z)
    o = W2 @ h
    L = 0.5 * ((o - y) ** 2).sum()
    s = lambd / 2 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    J = L + s
    return {"z": z, "h": h, "o": o, "L": L, "s": s, "J": J}


def by_hand(x, y, W1, W2, lambd, parts):
    """Backpropagation written out, as in the tutorial (NumPy only)."""
    x, y, W1, W2 = (t.detach().numpy() for t in (x, y, W1, W2))
    z, h, o = (parts[k].detach().numpy() for k in ("z", "h", "o"))
    dJ_do = o - y
    dJ_dW2 = np.outer(dJ_do, h) + lambd * W2
    dJ_dh = W2.T @ dJ_do
    dJ_dz = dJ_dh * (z > 0)
    dJ_dW1 = np.outer(dJ_dz, x) + lambd * W1
    return dJ_dW1, dJ_dW2


def save(graph, out: Path, stem: str, have_dot: bool) -> list:
    """The .dot text always, the PNG when Graphviz can draw it."""
    written = [graph.render(out / f"{stem}.dot")]
    if have_dot:
        written.append(graph.render(out / f"{stem}.png"))
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/examples", help="output folder "
                                                                "(runs/examples)")
    parser.add_argument("--lambd", type=float, default=0.01,
                        help="L2 penalty lambda (0.01)")
    parser.add_argument("--inputs", type=int, default=4, help="input size d (4)")
    parser.add_argument("--hidden", type=int, default=3, help="hidden units h (3)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    cr.manual_seed(args.seed)
    d, hidden, q = args.inputs, args.hidden, 2
    x = cr.randn(d)                                     # one example: needs no gradient
    y = cr.tensor([1.0, -1.0])                          # its label
    W1 = cr.nn.Parameter(cr.randn(hidden, d) * 0.5)     # the two weight matrices
    W2 = cr.nn.Parameter(cr.randn(q, hidden) * 0.5)

    with viz.capture():            # keep every node's value (and, in backward, its gradient)
        parts = forward(x, y, W1, W2, args.lambd)
        names = dict(x=x, y=y, W1=W1, W2=W2, **parts)
        J = parts["J"]
        forward_graph = viz.draw_graph(J, params=names, show_grads=False,
                                       title="forward propagation: J = L + s")
        J.backward()
    backward_graph = viz.draw_graph(J, params=names, direction="backward",
                                    title="backpropagation: gradients of J (red)")

    print(f"J = L + s = {parts['L'].item():.6f} + {parts['s'].item():.6f} = {J.item():.6f}")
    dW1, dW2 = by_hand(x, y, W1, W2, args.lambd, parts)
    for name, auto, hand in (("dJ/dW1", W1.grad.numpy(), dW1), ("dJ/dW2", W2.grad.numpy(), dW2)):
        print(f"{name}: max |autograd - by hand| = {np.abs(auto - hand).max():.3g}")
    print(f"the graph: {len(forward_graph.nodes_of_kind('op'))} operations, "
          f"{len(forward_graph.nodes_of_kind('leaf'))} parameters")

    have_dot = shutil.which("dot") is not None
    written = save(forward_graph, out, "forward_graph", have_dot)
    written += save(backward_graph, out, "backward_graph", have_dot)
    for path in written:
        print("wrote", path)
    if not have_dot:
        print("Graphviz's dot program was not found, so only the .dot files were written; "
              "install Graphviz (apt-get install graphviz, brew install graphviz) and run again, "
              "or render them with: dot -Tpng forward_graph.dot -o forward_graph.png")


if __name__ == "__main__":
    main()
