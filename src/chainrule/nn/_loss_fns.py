"""Loss functions (PyTorch's ``nn.functional`` signatures, defaults and errors), composed of
primitives in numerically stable forms, so they need no gradient code of their own."""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from ..creation import as_tensor
from ..ops.composite import log_softmax
from ..ops.elementwise import abs, clamp, exp, log, log1p, where
from ..ops.indexing import gather
from ..ops.shape import broadcast_to
from ..tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")
_INDEX_TARGET_DTYPES = (np.dtype(np.int64), np.dtype(np.uint8))  # PyTorch's Long and Byte


def _reduction(size_average, reduce, reduction: str) -> str:
    """``reduction``, or what PyTorch's deprecated ``size_average`` / ``reduce`` make of it."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", UserWarning, stacklevel=3)
    return legacy


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_if_broadcast(input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _pointwise(loss: Tensor, input: Tensor, reduction: str, weight, weighted_mean: bool):
    """Reduce a pointwise regression loss, scaled by ``weight`` (of ``input``'s shape) if any;
    ``weighted_mean`` divides by the summed weights instead of the count (PyTorch's MSE, L1)."""
    _check_reduction(reduction)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and weighted_mean:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)**2``."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    diff = input - target
    return _pointwise(diff * diff, input, reduction, weight, weighted_mean=True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _pointwise(abs(input - target), input, reduction, weight, weighted_mean=True)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, ``d = input -
    target``."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_if_broadcast(input, target)
    diff = input - target
    dist = abs(diff)
    loss = where(dist < delta, 0.5 * diff * diff, delta * (dist - 0.5 * delta))
    return _pointwise(loss, input, reduction, weight, weighted_mean=False)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (the L1 loss when
    ``beta`` is 0), ``d = input - target``."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    diff = input - target
    dist = abs(diff)
    if beta == 0:
        return _reduce(dist, reduction)
    return _reduce(where(dist < beta, 0.5 * diff * diff / beta, dist - 0.5 * beta), reduction)


def _log_clamped(p: Tensor) -> Tensor:
    """``max(log(p), -100)`` as PyTorch's BCE; clamping ``p`` above 0 first keeps the value
    and the gradient finite at ``p = 0``."""
    return clamp(log(clamp(p, min=1e-45)), min=-100.0)


def _log1m_clamped(p: Tensor) -> Tensor:
    """``max(log(1 - p), -100)`` through ``log1p`` (exact for small ``p``), which never falls
    below -100 for ``p < 1``; the inner ``where`` keeps the gradient finite at ``p = 1``."""
    at_one = p >= 1
    return where(at_one, -100.0, log1p(-where(at_one, 0.0, p)))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` against ``target``, the logs clamped
    to >= -100 as PyTorch. ``weight`` broadcasts to the target's shape."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    p = input._data
    if not np.all((p >= 0) & (p <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * _log_clamped(input) + (1 - target) * _log1m_clamped(input))
    if weight is not None:
        loss = loss * broadcast_to(weight, target.shape)
    return _reduce(loss, reduction)


def _log1p_exp(z: Tensor) -> Tensor:
    """``log(1 + exp(z))`` without overflow. The branch is chosen by ``where`` rather than
    written as ``relu(z) + log1p(exp(-|z|))``, whose kinks give the gradient 0 at ``z = 0``
    instead of 1/2."""
    pos = z > 0
    return where(pos, z, 0.0) + log1p(exp(where(pos, -z, z)))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy on logits, stable for large ``|input|``:
    ``(1 - y) x + (1 + (pos_weight - 1) y) log(1 + exp(-x))``. ``weight`` and ``pos_weight``
    (one per class, along the last dimension) broadcast to the input's shape."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    softplus_neg = _log1p_exp(-input)  # -log(sigmoid(x))
    if pos_weight is not None:
        softplus_neg = softplus_neg * (1 + (broadcast_to(pos_weight, input.shape) - 1) * target)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * broadcast_to(weight, input.shape)
    return _reduce(loss, reduction)


def _check_class_weight(weight, n_classes: int, prefix: str = "") -> None:
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")


def _check_index_target(input: Tensor, target: Tensor) -> None:
    """Target of class indices for ``input`` (C,), (N, C) or (N, C, d1, ...): (), (N,) or
    (N, d1, ...), int64 or uint8."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim > 1:
        batch = target.shape[0] if target.ndim else 0
        if batch != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({batch}).")
        if input.ndim == 2 and target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    if target._data.dtype not in _INDEX_TARGET_DTYPES:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_dtype.scalar_type_name(target._data.dtype)}")


def _nll_terms(log_probs: Tensor, target: Tensor, weight, ignore_index: int):
    """Per element ``-weight[t] * log_probs[..., t, ...]``, 0 where ``t == ignore_index``;
    the weights that 'mean' divides by (None when all are 1) and the mask of the counted
    targets (None when all count). The Nones spare the common case a few graph nodes."""
    class_dim = 0 if log_probs.ndim == 1 else 1
    t = target._data.astype(np.int64)
    ignored = t == ignore_index
    safe = np.where(ignored, 0, t)
    out_of_range = (safe < 0) | (safe >= log_probs.shape[class_dim])
    if out_of_range.any():
        raise IndexError(f"Target {safe[out_of_range].flat[0]} is out of bounds.")
    loss = -gather(log_probs, class_dim, np.expand_dims(safe, class_dim)).reshape(safe.shape)
    w = None if weight is None else weight[safe]
    if w is not None:
        loss = loss * w
    if not ignored.any():
        return loss, w, None
    keep = as_tensor(~ignored)
    w = as_tensor((~ignored).astype(log_probs._data.dtype)) if w is None else where(keep, w, 0.0)
    return where(keep, loss, 0.0), w, keep


def _reduce_by_weight(loss: Tensor, w: Tensor | None, reduction: str) -> Tensor:
    """As ``_reduce``, but 'mean' divides by the summed weights ``w`` of the counted targets."""
    if reduction == "mean" and w is not None:
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``
    ((C,), (N, C) or (N, C, d1, ...)); ``weight`` rescales each class."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_index_target(input, target)
    _check_class_weight(weight, input.shape[0 if input.ndim == 1 else 1])
    loss, w, _ = _nll_terms(input, target, weight, ignore_index)
    return _reduce_by_weight(loss, w, reduction)


def _class_weighted(log_probs: Tensor, weight, class_dim: int) -> Tensor:
    """``log_probs`` scaled by their class's ``weight`` (if any), for sums over classes."""
    if weight is None:
        return log_probs
    return log_probs * weight.reshape(weight.shape + (1,) * (log_probs.ndim - class_dim - 1))


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits ``input`` ((C,), (N, C) or (N, C, d1, ...)) against class
    indices or, when ``target`` has the input's shape, class probabilities; computed through
    ``log_softmax``, so stable for large logits.

    >>> cross_entropy(tensor([[0.0, 0.0]]), tensor([1]))  # log(2)
    tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    probabilities = target.shape == input.shape
    if probabilities:
        if not target.is_floating_point():
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_dtype.scalar_type_name(target._data.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_class_weight(weight, n_classes, "cross_entropy: ")
    else:
        _check_index_target(input, target)
        _check_class_weight(weight, n_classes)
    log_probs = log_softmax(input, class_dim)
    if probabilities:
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        weighted = _class_weighted(log_probs, weight, class_dim)
        return _reduce(-(weighted * target).sum(class_dim), reduction)
    loss, w, keep = _nll_terms(log_probs, target, weight, ignore_index)
    if label_smoothing > 0:
        # PyTorch's smoothing: a share of the loss spread uniformly over the classes.
        smooth = -_class_weighted(log_probs, weight, class_dim).sum(class_dim)
        smooth = smooth if keep is None else where(keep, smooth, 0.0)
        loss = (1 - label_smoothing) * loss + (label_smoothing / n_classes) * smooth
    return _reduce_by_weight(loss, w, reduction)
