"""Layer functions (PyTorch's ``nn.functional`` signatures) built from primitives:
convolution is im2col (``unfold``) and one matrix product, pooling is ``unfold`` and a
reduction, normalisations are means and variances."""

from __future__ import annotations

import math

import numpy as np

from .. import creation
from ..autograd import graph
from ..ops import window
from ..ops.elementwise import erf, rsqrt, tanh, where
from ..ops.linalg import matmul
from ..ops.reduction import mean, var
from ..ops.shape import reshape


def _pair(v, name: str = "argument") -> tuple:
    if isinstance(v, int):
        return (v, v)
    v = tuple(v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v}")
    return v


def _check_conv(input, weight, groups: int, dims: int):
    if input.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to "
                           f"conv{dims}d, but got input of size: {list(input.shape)}")
    c = input.shape[1]
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(input.shape)} to have {weight.shape[1] * groups}"
                           f" channels, but got {c} channels instead")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D cross-correlation as PyTorch computes it, for input (N, C, H, W) or (C, H, W)."""
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    _check_conv(input, weight, groups, 2)
    kernel = tuple(weight.shape[2:])
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        # PyTorch pads an odd total one more on the right/bottom than on the left/top.
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if any(t % 2 for t in totals):
            input = _pad_right(input, [t % 2 for t in totals])
        padding = tuple(t // 2 for t in totals)
    elif padding == "valid":
        padding = (0, 0)
    padding = _pair(padding, "padding")
    h, w = input.shape[2:]
    oh = window.out_size(h, kernel[0], stride[0], padding[0], dilation[0])
    ow = window.out_size(w, kernel[1], stride[1], padding[1], dilation[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Calculated output size: ({oh}x{ow}). Output size is too small "
                           f"(input {list(input.shape)}, kernel {list(kernel)})")
    n, o = input.shape[0], weight.shape[0]
    cols = window.unfold_p(input, kernel=kernel, stride=stride, padding=padding,
                           dilation=dilation)                                # (N, C*k, L)
    if groups == 1:
        out = matmul(reshape(weight, o, -1), cols)                              # (N, O, L)
    else:
        cols = reshape(cols, n, groups, -1, oh * ow)
        out = matmul(reshape(weight, groups, o // groups, -1), cols)           # (N, G, O/G, L)
    out = reshape(out, n, o, oh, ow)
    if bias is not None:
        out = out + reshape(bias, 1, o, 1, 1)
    return out.squeeze(0) if unbatched else out


def _first(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def _pad_right(input, extra):
    """Zeros appended after the last rows/columns (differentiable: a concatenation)."""
    from ..ops.shape import cat
    for axis, n in zip((2, 3), extra):
        if n:
            shape = list(input.shape)
            shape[axis] = n
            input = cat([input, creation.zeros(*shape, dtype=input.dtype)], axis)
    return input


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D cross-correlation for input (N, C, L) or (C, L): a 2-D one of height 1."""
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    _check_conv(input, weight, groups, 1)
    pad = padding if isinstance(padding, str) else (0, _first(padding))
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _first(stride)), pad,
                 (1, _first(dilation)), groups)
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _pool_geometry(kernel_size, stride, padding, dilation, ceil_mode, name) -> dict:
    """Kernel, stride (the kernel by default), padding and dilation as pairs, checked."""
    if ceil_mode:
        raise NotImplementedError(f"{name} with ceil_mode=True is not supported yet")
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == () else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={padding[0]}, kernel_size={kernel[0]}")
    return {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}


def _windows(input, kernel_size, stride, padding, dilation, value, ceil_mode, name):
    """The input's windows as (N, C, kh*kw, L) via im2col, and the pooled output shape."""
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    geometry = _pool_geometry(kernel_size, stride, padding, dilation, ceil_mode, name)
    kernel = geometry["kernel"]
    n, c, h, w = input.shape
    oh, ow = (window.out_size(size, k, st, p, d) for size, k, st, p, d in zip(
        (h, w), kernel, geometry["stride"], geometry["padding"], geometry["dilation"]))
    cols = window.unfold_p(input, value=value, **geometry)
    return reshape(cols, n, c, kernel[0] * kernel[1], oh * ow), (n, c, oh, ow), unbatched


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over each window; the gradient goes to the first maximal element, as in
    PyTorch."""
    if return_indices:
        raise NotImplementedError("max_pool2d(return_indices=True) is not supported yet")
    params = _pool_geometry(kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    values, params["mask"] = window.window_max(input._data, **params)
    out = graph.record(window.pool_select_p, values, (input,), (input._data,), params)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each window (padding counted as zeros unless ``count_include_pad=False``)."""
    wins, shape, unbatched = _windows(input, kernel_size, stride, padding, 1, 0.0, ceil_mode,
                                      "avg_pool2d")
    total = wins.sum(2)
    if divisor_override is not None:
        out = total / divisor_override
    elif count_include_pad or not any(_pair(padding)):
        out = total / wins.shape[2]
    else:
        ones = creation.ones(1, 1, *input.shape[-2:], dtype=input.dtype)
        counts, _, _ = _windows(ones, kernel_size, stride, padding, 1, 0.0, False, "")
        out = total / counts.sum(2)
    out = reshape(out, *shape)
    return out.squeeze(0) if unbatched else out


def batch_norm(input, running_mean, running_var, weight=None, bias=None,
               training: bool = False, momentum: float | None = 0.1, eps: float = 1e-5,
               num_batches: int = 1):
    """Normalise over the batch (and spatial) dimensions; in training, also update the
    running statistics (with the unbiased variance, as PyTorch)."""
    if input.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {input.ndim}D input)")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training:
        n = input.numel() // input.shape[1]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(input.shape)}")
        mu = mean(input, axes, keepdim=True)
        v = var(input, axes, keepdim=True, correction=0)
        if running_mean is not None:
            # momentum=None: a cumulative average over the batches seen so far.
            m = momentum if momentum is not None else 1.0 / float(num_batches)
            running_mean._data *= 1 - m
            running_mean._data += m * mu._data.reshape(-1)
            running_var._data *= 1 - m
            running_var._data += m * v._data.reshape(-1) * (n / (n - 1))
            graph.bump_version(running_mean)
            graph.bump_version(running_var)
    else:
        mu = reshape(running_mean, *shape)
        v = reshape(running_var, *shape)
    out = (input - mu) * rsqrt(v + eps)
    if weight is not None:
        out = out * reshape(weight, *shape)
    if bias is not None:
        out = out + reshape(bias, *shape)
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing ``normalized_shape`` dimensions."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[-len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    mu = mean(input, axes, keepdim=True)
    out = (input - mu) * rsqrt(var(input, axes, keepdim=True, correction=0) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = creation.default_generator().random(input.shape) >= p
    scale = np.asarray(1.0 / (1.0 - p), input._data.dtype)
    return input * graph.wrap(keep.astype(input._data.dtype) * scale)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` picked by the integer ``input``; the ``padding_idx`` row gets no
    gradient."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported yet")
    idx = input._data if hasattr(input, "_data") else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{idx.dtype} instead (while checking arguments for embedding)")
    rows = weight[graph.wrap(idx)]
    if padding_idx is not None:
        pad = graph.wrap((idx == padding_idx)[..., None])
        rows = where(pad, rows.detach(), rows)
    return rows


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    return where(input > 0, input, input * negative_slope)


def gelu(input, approximate: str = "none"):
    """``x * Phi(x)`` (exact, with erf) or its tanh approximation."""
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + tanh(inner))
    if approximate != "none":
        raise RuntimeError(f"approximate argument must be either none or tanh, got "
                           f"{approximate}")
    return 0.5 * input * (1.0 + erf(input * (1.0 / math.sqrt(2.0))))


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    return input.flatten(start_dim, end_dim)
