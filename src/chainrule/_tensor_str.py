"""Render NumPy arrays exactly as PyTorch's ``repr(tensor)`` does.

Only PyTorch's default print options are supported: precision 4,
threshold 1000, edgeitems 3 and linewidth 80.
"""

import math

import numpy as np

_PRECISION = 4
_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 80
_PREFIX = "tensor("


def tensor_repr(data: np.ndarray, suffixes: list[str]) -> str:
    """Return ``tensor(...)`` text for ``data`` followed by ``suffixes``.

    ``suffixes`` are ready-made ``key=value`` strings (dtype, requires_grad,
    grad_fn, ...). For empty arrays that are not 1-d a ``size=`` entry is
    put in front of them, as PyTorch does.
    """
    data = np.asarray(data)
    indent = len(_PREFIX)
    extra = list(suffixes)
    if data.size == 0:
        body = "[]"
        if data.ndim != 1:
            extra.insert(0, f"size={tuple(data.shape)}")
    else:
        summarize = data.size > _THRESHOLD
        fmt = _Formatter(_edges(data) if summarize else data)
        body = _block(data, indent, summarize, fmt)
    return _join_suffixes(_PREFIX + body, extra, indent)


class _Formatter:
    """One fixed-width text style shared by every element of an array."""

    def __init__(self, sample: np.ndarray) -> None:
        self.floating = sample.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = sample.ravel()
        if not self.floating:
            self.width = max([1, *(len(str(v)) for v in flat.tolist())])
            return
        wide = flat.astype(np.float64)
        vals = wide[np.isfinite(wide) & (wide != 0)]
        if vals.size == 0:
            return
        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        if self.sci_mode:
            texts = [f"{v:.{_PRECISION}e}" for v in vals.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in vals.tolist()]
        else:
            texts = [f"{v:.{_PRECISION}f}" for v in vals.tolist()]
        self.width = max(self.width, *map(len, texts))

    def __call__(self, value) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{_PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{_PRECISION}f}"
        return text.rjust(self.width)


def _edges(data: np.ndarray) -> np.ndarray:
    """Keep only the leading and trailing edge items along every long axis."""
    for axis, n in enumerate(data.shape):
        if n > 2 * _EDGEITEMS:
            keep = [*range(_EDGEITEMS), *range(n - _EDGEITEMS, n)]
            data = np.take(data, keep, axis=axis)
    return data


def _shown(n: int, summarize: bool) -> list[int | None]:
    """Indices to print along an axis of length ``n``; ``None`` marks ``...``."""
    if summarize and n > 2 * _EDGEITEMS:
        return [*range(_EDGEITEMS), None, *range(n - _EDGEITEMS, n)]
    return list(range(n))


def _block(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Bracketed text of ``data`` whose first line starts at column ``indent``."""
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        return _row(data, indent, summarize, fmt)
    parts = [
        "..." if i is None else _block(data[i], indent + 1, summarize, fmt)
        for i in _shown(data.shape[0], summarize)
    ]
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _row(data: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Text of a 1-d array, wrapped to fit the line width."""
    values = data.tolist()
    items = [" ..." if i is None else fmt(values[i]) for i in _shown(len(values), summarize)]
    per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _join_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append suffixes, starting a new line when one would overflow the width."""
    out = [text]
    # PyTorch's own (slightly generous) measure of the last line's length.
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _LINEWIDTH:
            out.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)
