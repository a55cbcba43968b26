"""``chainrule.nn.functional``: layers, activations and losses as functions, with PyTorch's
signatures, all built from primitives (no gradient code of their own)."""

from __future__ import annotations

from ..ops.composite import log_softmax, softmax, softplus
from ..ops.elementwise import relu, sigmoid, tanh
from ..ops.linalg import linear
from ._layer_fns import (
                         avg_pool2d,
                         batch_norm,
                         conv1d,
                         conv2d,
                         dropout,
                         embedding,
                         flatten,
                         gelu,
                         layer_norm,
                         leaky_relu,
                         max_pool2d,
)
from ._loss_fns import (
                         binary_cross_entropy,
                         binary_cross_entropy_with_logits,
                         cross_entropy,
                         huber_loss,
                         l1_loss,
                         mse_loss,
                         nll_loss,
                         smooth_l1_loss,
)

__all__ = [
                         "avg_pool2d",
                         "batch_norm",
                         "binary_cross_entropy",
                         "binary_cross_entropy_with_logits",
                         "conv1d",
                         "conv2d",
                         "cross_entropy",
                         "dropout",
                         "embedding",
                         "flatten",
                         "gelu",
                         "huber_loss",
                         "l1_loss",
                         "layer_norm",
                         "leaky_relu",
                         "linear",
                         "log_softmax",
                         "max_pool2d",
                         "mse_loss",
                         "nll_loss",
                         "relu",
                         "sigmoid",
                         "smooth_l1_loss",
                         "softmax",
                         "softplus",
                         "tanh",
]
