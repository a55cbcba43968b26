"""Functions built from primitives only: they need no gradient code of their own."""

from __future__ import annotations

from ..tensor import Tensor
from ._util import normalize_dim
from .elementwise import exp, log1p, maximum, where
from .reduction import amax, logsumexp, sum


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``: stable for large inputs."""
    if dtype is not None:
        input = input.to(dtype)
    d = normalize_dim(dim, input.ndim)
    return input - logsumexp(input, d, keepdim=True)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the (constant) maximum for stability."""
    if dtype is not None:
        input = input.to(dtype)
    d = normalize_dim(dim, input.ndim)
    e = exp(input - amax(input, d, keepdim=True).detach())
    return e / sum(e, d, keepdim=True)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold`` (as PyTorch)."""
    z = input * beta
    # max(z, 0) rather than relu: at z = 0 its gradient is 1/2, so softplus'(0) = 1/2 exactly.
    soft = (maximum(z, 0.0) + log1p(exp(-abs(z)))) / beta
    return where(z > threshold, input, soft)


def square(input: Tensor) -> Tensor:
    return input * input


def reciprocal(input: Tensor) -> Tensor:
    return 1.0 / input
