"""Sliding windows over the last two dimensions: ``unfold`` (im2col) and its transpose
``fold`` (col2im). Convolution is ``unfold`` then a matrix product, pooling is ``unfold`` then
a reduction, so neither needs gradient code of its own; both primitives are linear, and each is
the other's VJP."""

from __future__ import annotations

import numpy as np

from . import _cases as C
from ._table import SAVE_NOTHING, defprim


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Positions of a window along one dimension (PyTorch's formula, floor mode)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _unfold(x, kernel, stride, padding, dilation, value=0.0):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    oh, ow = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
    s = x.strides
    # (N, C, kh, kw, oh, ow) as a strided view of the padded input, then one copy.
    view = np.lib.stride_tricks.as_strided(
        x, (n, c, kh, kw, oh, ow), (s[0], s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw),
        writeable=False)
    return view.reshape(n, c * kh * kw, oh * ow)


def _fold(cols, size, kernel, stride, padding, dilation, value=0.0):
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = size, kernel, stride, padding, dilation
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    oh, ow = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    for i in range(kh):  # one strided add per kernel position, not per pixel
        for j in range(kw):
            out[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                j * dw:j * dw + sw * (ow - 1) + 1:sw] += cols[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w]


def _window_params(**p):
    return {"kernel": p.get("kernel", (2, 2)), "stride": p.get("stride", (1, 1)),
            "padding": p.get("padding", (0, 0)), "dilation": p.get("dilation", (1, 1))}


def _unfold_batched(i, t, ans, x, **params):
    from .shape import reshape_p
    b, n = t.shape[0], t.shape[1]
    cols = unfold_p(reshape_p(t, shape=(b * n,) + tuple(t.shape[2:])), **params)
    return reshape_p(cols, shape=(b, n) + tuple(cols.shape[1:]))


def _fold_batched(i, t, ans, cols, **params):
    from .shape import reshape_p
    b, n = t.shape[0], t.shape[1]
    out = fold_p(reshape_p(t, shape=(b * n,) + tuple(t.shape[2:])), **params)
    return reshape_p(out, shape=(b, n) + tuple(out.shape[1:]))


unfold_p = defprim(
    "unfold", _unfold,
    vjps=(lambda g, ans, x, kernel, stride, padding, dilation, value=0.0: fold_p(
        g, size=tuple(x.shape[2:]), kernel=kernel, stride=stride, padding=padding,
        dilation=dilation),),
    multilinear=True, save=1, node_name="Im2ColBackward0", batch_jvp=_unfold_batched,
    test=C.cases((((2, 3, 5, 6),), _window_params(kernel=(3, 2))),
                 (((1, 2, 6, 6),), _window_params(kernel=(3, 3), stride=(2, 2),
                                                  padding=(1, 1))),
                 (((1, 1, 7, 5),), _window_params(kernel=(2, 2), dilation=(2, 1),
                                                  padding=(1, 0)))))
fold_p = defprim(
    "fold", _fold,
    vjps=(lambda g, ans, cols, size, kernel, stride, padding, dilation: unfold_p(
        g, kernel=kernel, stride=stride, padding=padding, dilation=dilation),),
    multilinear=True, save=SAVE_NOTHING, node_name="Col2ImBackward0", batch_jvp=_fold_batched,
    test=C.cases((((2, 18, 15),), {"size": (5, 6), **_window_params(kernel=(3, 2))}),
                 (((1, 18, 9),), {"size": (6, 6), **_window_params(kernel=(3, 3), stride=(2, 2),
                                                                    padding=(1, 1))})))
