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


# ---------------------------------------------------------------- picking one element per window
def _padded_windows(x, kernel, stride, padding, dilation, value):
    """A strided (N, C, oh, ow, kh, kw) view of the padded input (no copy)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    oh, ow = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
        writeable=False)


def window_max(x, kernel, stride, padding, dilation):
    """``(max, first)``: every window's maximum, and a mask (kh*kw, N, C, oh, ow) marking, per
    window, the first position (row-major) that holds it: PyTorch's max pooling sends the
    gradient there. One pass per kernel element over the output, no im2col copy."""
    view = _padded_windows(x, kernel, stride, padding, dilation, -np.inf)
    positions = [(q // kernel[1], q % kernel[1]) for q in range(kernel[0] * kernel[1])]
    best = view[..., 0, 0].copy()
    for i, j in positions[1:]:
        np.maximum(best, view[..., i, j], out=best)
    first = np.empty((len(positions),) + best.shape, bool)
    for q, (i, j) in enumerate(positions):
        np.equal(view[..., i, j], best, out=first[q])
    taken = first[0].copy()
    for q in range(1, len(positions)):
        np.logical_and(first[q], ~taken, out=first[q])
        taken |= first[q]
    return best, first


def _pool_select(x, mask, kernel, stride, padding, dilation):
    view = _padded_windows(x, kernel, stride, padding, dilation, 0)
    out = np.zeros(view.shape[:4], x.dtype)
    for q in range(kernel[0] * kernel[1]):
        np.copyto(out, view[..., q // kernel[1], q % kernel[1]], where=mask[q])
    return out


def _pool_scatter(g, mask, size, kernel, stride, padding, dilation):
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = size, kernel, stride, padding, dilation
    n, c, oh, ow = g.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), g.dtype)
    if (sh, sw) == (kh, kw) and (dh, dw) == (1, 1):
        # Windows tile the input: write each kernel position's share straight into place.
        s = out.strides
        tiles = np.lib.stride_tricks.as_strided(
            out, (n, c, oh, kh, ow, kw), (s[0], s[1], s[2] * kh, s[2], s[3] * kw, s[3]))
        for q in range(kh * kw):
            np.multiply(mask[q], g, out=tiles[:, :, :, q // kw, :, q % kw])
    else:
        for q in range(kh * kw):
            i, j = divmod(q, kw)
            out[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                j * dw:j * dw + sw * (ow - 1) + 1:sw] += mask[q] * g
    return out[:, :, ph:ph + h, pw:pw + w]


def _batched_over_n(prim):
    """Batch rule of a per-sample window primitive: fold the directions into N."""

    def rule(i, t, ans, *inputs, **params):
        from .shape import reshape_p
        b, n = t.shape[0], t.shape[1]
        mask = params["mask"]
        extra = dict(params, mask=np.broadcast_to(mask[:, None], mask.shape[:1] + (b,) +
                                                  mask.shape[1:]).reshape(
            (mask.shape[0], b * n) + mask.shape[2:]))
        out = prim(reshape_p(t, shape=(b * n,) + tuple(t.shape[2:])), **extra)
        return reshape_p(out, shape=(b, n) + tuple(out.shape[1:]))

    return rule


def _pool_cases(rng):
    cases = []
    for geometry in (_window_params(kernel=(2, 3), stride=(2, 2), padding=(1, 1)),
                     _window_params(kernel=(2, 2), stride=(2, 2))):
        x = rng.standard_normal((2, 3, 5, 6))
        _, mask = window_max(x, **geometry)
        g = rng.standard_normal(mask.shape[1:])
        cases.append(([x], {"mask": mask, **geometry}))
        cases.append(([g], {"mask": mask, "size": (5, 6), **geometry}))
    return cases


# Max pooling picks one element per window: selecting it, and scattering a gradient back to it,
# are linear and each other's transpose (primitives for speed: no im2col copy, no add.at).
pool_select_p = defprim(
    "pool_select", _pool_select,
    vjps=(lambda g, ans, x, mask, kernel, stride, padding, dilation: pool_scatter_p(
        g, mask=mask, size=tuple(x.shape[2:]), kernel=kernel, stride=stride, padding=padding,
        dilation=dilation),),
    multilinear=True, save=1, node_name="MaxPool2DWithIndicesBackward0",
    test=lambda rng: _pool_cases(rng)[0::2])
pool_scatter_p = defprim(
    "pool_scatter", _pool_scatter,
    vjps=(lambda g, ans, x, mask, size, kernel, stride, padding, dilation: pool_select_p(
        g, mask=mask, kernel=kernel, stride=stride, padding=padding, dilation=dilation),),
    multilinear=True, save=SAVE_NOTHING, node_name="MaxPool2DWithIndicesBackwardBackward0",
    test=lambda rng: _pool_cases(rng)[1::2])
pool_select_p.batch_jvp = _batched_over_n(pool_select_p)
pool_scatter_p.batch_jvp = _batched_over_n(pool_scatter_p)
