"""Helpers for testing derivatives: ``check_grads(fn, args, order=2, modes=("fwd", "rev"))``."""

from .autograd.checks import GradcheckError, check_grads

__all__ = ["GradcheckError", "check_grads"]
