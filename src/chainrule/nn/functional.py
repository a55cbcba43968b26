"""``chainrule.nn.functional``: activations and losses as functions (PyTorch's signatures),
built from primitives; losses use numerically stable forms."""

from __future__ import annotations

from ..ops.composite import log_softmax, softmax, softplus
from ..ops.elementwise import relu, sigmoid, tanh
from ._loss_fns import binary_cross_entropy_with_logits, mse_loss

__all__ = ["binary_cross_entropy_with_logits", "log_softmax", "mse_loss", "relu", "sigmoid",
           "softmax", "softplus", "tanh"]
