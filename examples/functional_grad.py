"""Functional autodiff in the style of MindSpore: grad, stop_gradient, has_aux, value_and_grad.

A one-layer network z = x @ w + b with a binary cross-entropy loss, differentiated with
respect to chosen arguments (``grad_position``) or to the weights of a ``Cell``. Gradients are
returned, never accumulated into ``.grad``.

    python examples/functional_grad.py --seed 0
"""

import argparse

import numpy as np

import chainrule as cr
from chainrule import Parameter, Tensor, nn, ops


def max_diff(a, b):
    return float(np.abs(a.numpy() - b.numpy()).max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed for the random w and b")
    args = parser.parse_args(argv)
    np.random.seed(args.seed)

    x = ops.ones(5, cr.float32)                 # input
    y = ops.zeros(3, cr.float32)                # target
    w = Parameter(Tensor(np.random.randn(5, 3), cr.float32), name="w")
    b = Parameter(Tensor(np.random.randn(3,), cr.float32), name="b")

    def function(x, y, w, b):
        z = ops.matmul(x, w) + b
        return ops.binary_cross_entropy_with_logits(z, y, ops.ones_like(z), ops.ones_like(z))

    # 1. grad_position picks the arguments to differentiate: (2, 3) means w and b.
    gw, gb = cr.grad(function, (2, 3))(x, y, w, b)
    print("d loss / dw =")
    print(gw)
    print("d loss / db =", gb)

    # 2. A function with two outputs: the gradient is that of their sum (each seeded with
    #    ones). d(sum z)/dw is all ones here (x is all ones), and d(sum z)/db too.
    def function_with_logits(x, y, w, b):
        z = ops.matmul(x, w) + b
        return function(x, y, w, b), z

    gw2, gb2 = cr.grad(function_with_logits, (2, 3))(x, y, w, b)
    print("\ntwo outputs:    max |gw2 - (gw + 1)| =", max_diff(gw2, gw + 1),
          "  max |gb2 - (gb + 1)| =", max_diff(gb2, gb + 1))

    # 3. stop_gradient cuts z out of the graph: only the loss contributes again.
    def function_stop_gradient(x, y, w, b):
        z = ops.matmul(x, w) + b
        return function(x, y, w, b), ops.stop_gradient(z)

    gw3, gb3 = cr.grad(function_stop_gradient, (2, 3))(x, y, w, b)
    print("stop_gradient:  max |gw3 - gw| =", max_diff(gw3, gw),
          "  max |gb3 - gb| =", max_diff(gb3, gb))

    # 4. has_aux=True: differentiate the first output, return the others as they are.
    (gw4, gb4), (z,) = cr.grad(function_with_logits, (2, 3), has_aux=True)(x, y, w, b)
    print("has_aux:        max |gw4 - gw| =", max_diff(gw4, gw),
          "  max |gb4 - gb| =", max_diff(gb4, gb), "  aux z =", z)
    # By hand: loss = mean(softplus(z) - y z), so d loss / dz = (sigmoid(z) - y) / 3 = d loss / db.
    print("by hand:        max |gb - (sigmoid(z) - y) / 3| =",
          max_diff(gb, (cr.sigmoid(z) - y) / 3))

    # 5. A Cell (MindSpore's Module): differentiate with respect to its weights.
    class Network(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = w
            self.b = b

        def construct(self, x):
            return ops.matmul(x, self.w) + self.b

    model = Network()
    loss_fn = nn.BCEWithLogitsLoss()

    def forward_fn(x, y):
        return loss_fn(model(x), y)

    grad_fn = cr.value_and_grad(forward_fn, None, weights=model.trainable_params())
    loss, (gw5, gb5) = grad_fn(x, y)
    print("value_and_grad: max |gw5 - gw| =", max_diff(gw5, gw),
          "  max |gb5 - gb| =", max_diff(gb5, gb), f"  loss = {loss.item():.6f}")
    print("loss equals function(x, y, w, b):", np.isclose(loss.item(), function(x, y, w, b).item()))
    print("w.grad is still", w.grad, "(functional transforms return gradients)")


if __name__ == "__main__":
    main()
