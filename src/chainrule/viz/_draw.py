"""Build a picture of a recorded graph: nodes, edges and labels, then DOT text.

The walk starts at the outputs' ``grad_fn`` and follows ``Node.parents`` (no recursion, so
deep graphs work). Op nodes are numbered in recording order (``Node.seq``), leaves and
constants in the order the ops meet them, so the DOT text is the same on every run.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd.graph import Node
from ..tensor import Tensor

# Colours and fonts (one place, so the pictures stay consistent).
FONT = "Helvetica"
COLORS = {
    "leaf": "#cfe6ff",      # light blue: tensors you created (parameters, inputs)
    "op": "#ececec",        # light grey: operations
    "output": "#c9f0c5",    # green: what draw_graph was asked to draw
    "constant": "#f7f7f7",  # pale grey: inputs that need no gradient
}
BORDER = {"leaf": "#4a86c5", "op": "#8c8c8c", "output": "#3f9a3a", "constant": "#c8c8c8"}
GRAD_COLOR = "#c62828"      # gradients are written in red
SMALL_COLOR = "#666666"

_INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH, so the graph cannot be rendered to "
    "{fmt}. Install Graphviz: Debian/Ubuntu 'sudo apt-get install graphviz', macOS "
    "'brew install graphviz', conda 'conda install -c conda-forge graphviz', Windows "
    "'winget install graphviz' (note: 'pip install graphviz' or the 'viz' extra installs only "
    "the Python bindings, not the dot program). Without it, graph.source is the DOT text and "
    "graph.render('graph.dot') writes it to a file.")


# ---------------------------------------------------------------- formatting

def _fmt_number(v, digits: int = 4) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if v == 0:
        return "0"
    if np.isfinite(v) and v == round(v) and abs(v) < 1e6:
        return str(round(v))
    return f"{v:.{digits}g}"


def summarize(a) -> str:
    """A short text for an array: the number for one element, the numbers for up to four,
    else ``mean m, range [min, max]``."""
    a = np.asarray(a)
    if a.size == 0:
        return "empty"
    if a.size == 1:
        return _fmt_number(a.reshape(-1)[0])
    if a.size <= 4:
        return "[" + ", ".join(_fmt_number(v) for v in a.reshape(-1)) + "]"
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} true"
    with np.errstate(all="ignore"):
        f = a.astype(np.float64).reshape(-1)
        finite = np.isfinite(f)
        note = ""
        if not finite.all():
            bad = "/".join(w for w, m in (("nan", np.isnan(f)), ("inf", np.isinf(f))) if m.any())
            if not finite.any():
                return "all " + bad
            f = f[finite]
            note = f", has {bad}"
        lo, hi = f.min(), f.max()
        if lo == hi:
            return f"all {_fmt_number(lo)}{note}"
        mean = f.mean()
        if abs(mean) < 1e-6 * max(abs(lo), abs(hi)):
            mean = 0.0  # rounding noise (the mean of sin over a period)
        return (f"mean {_fmt_number(mean, 3)}, range [{_fmt_number(lo, 3)}, "
                f"{_fmt_number(hi, 3)}]{note}")


def shape_text(shape, dtype) -> str:
    shape = tuple(shape)
    dims = "scalar" if not shape else "[" + ", ".join(str(int(n)) for n in shape) + "]"
    return f"{dims}  {np.dtype(dtype).name}" if dtype is not None else dims


def _short_params(params) -> str:
    """The op's settings worth printing (``exponent=2``, ``axis=(1,)``), short ones only."""
    parts = []
    for k, v in (params or {}).items():
        if v is None or v is False or isinstance(v, np.ndarray):
            continue
        text = f"{k}={v!r}"
        if len(text) <= 24:
            parts.append(text)
    return ", ".join(parts)


# ---------------------------------------------------------------- the graph object

@dataclass
class GraphNode:
    """One node of the picture. ``kind``: ``"leaf"``, ``"op"``, ``"output"`` or
    ``"constant"``. ``lines``: the label as plain text, first line the title."""

    id: str
    kind: str
    title: str
    subtitle: str = ""
    shape: str = ""
    value: str | None = None
    grad: str | None = None
    extra: list = field(default_factory=list)

    @property
    def lines(self) -> list:
        out = [self.title]
        if self.subtitle:
            out.append(self.subtitle)
        out.extend(self.extra)
        if self.shape:
            out.append(self.shape)
        if self.value is not None:
            out.append(f"value {self.value}")
        if self.grad is not None:
            out.append(f"grad {self.grad}")
        return out

    @property
    def label(self) -> str:
        """The label as plain text (one line per item)."""
        return "\n".join(self.lines)


@dataclass
class GraphEdge:
    """An arrow ``src -> dst``; ``label`` is the gradient it carries in the backward view."""

    src: str
    dst: str
    label: str | None = None
    input_index: int = 0


class Graph:
    """A drawn computation graph (made by ``draw_graph``).

    ``source`` is the DOT text (always available); ``render(path)`` writes SVG, PNG or PDF
    through Graphviz's ``dot`` program (or the DOT text itself for ``.dot``/``.gv``);
    in Jupyter the graph shows itself as SVG when ``dot`` is installed. ``nodes`` (id ->
    ``GraphNode``) and ``edges`` (``GraphEdge`` list) hold the structure; ``id_of(t)`` gives
    the node id of a tensor (its leaf node or its op node) or of a ``grad_fn``.
    """

    def __init__(self, nodes: dict, edges: list, direction: str, ids: dict, rankdir: str,
                 title: str | None = None) -> None:
        self.nodes = nodes
        self.edges = edges
        self.direction = direction
        self._ids = ids
        self.rankdir = rankdir
        self.title = title
        self._source = None

    # ---------------------------------------------------------------- structure
    def id_of(self, obj) -> str:
        """The node id of a leaf tensor, of a computed tensor (its op) or of a ``grad_fn``."""
        if isinstance(obj, Tensor) and obj.grad_fn is not None:
            obj = obj.grad_fn
        try:
            return self._ids[id(obj)]
        except KeyError:
            raise KeyError(f"{obj!r} is not in this graph") from None

    def nodes_of_kind(self, kind: str) -> list:
        return [n for n in self.nodes.values() if n.kind == kind]

    def __repr__(self) -> str:
        return (f"<chainrule.viz.Graph ({self.direction}): {len(self.nodes)} nodes, "
                f"{len(self.edges)} edges>")

    def __str__(self) -> str:
        return self.source

    # ---------------------------------------------------------------- DOT
    @property
    def source(self) -> str:
        """The graph in Graphviz's DOT language."""
        if self._source is None:
            self._source = _to_dot(self)
        return self._source

    def pipe(self, format: str = "svg", dpi: int | None = None) -> bytes:
        """Render with ``dot`` and return the bytes (``format``: svg, png, pdf, ...)."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(_INSTALL_HINT.format(fmt=format.upper()))
        command = [dot, f"-T{format}"]
        if dpi is not None:
            command.append(f"-Gdpi={int(dpi)}")
        try:
            proc = subprocess.run(command, input=self.source.encode("utf-8"),
                                  capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError("Graphviz's dot took more than 120 s to lay out the graph; "
                               "draw a smaller graph") from None
        if proc.returncode != 0:
            raise RuntimeError(f"Graphviz's dot failed (exit status {proc.returncode}): "
                               f"{proc.stderr.decode('utf-8', 'replace').strip()}")
        return proc.stdout

    def render(self, path, format: str | None = None, dpi: int | None = None) -> Path:
        """Write the graph to ``path``; the format is the file's extension (``.svg``,
        ``.png``, ``.pdf``, or ``.dot``/``.gv`` for the DOT text, which needs no Graphviz)
        unless ``format`` is given. PNGs are drawn at ``dpi`` (default 110). Returns the
        path. Raises RuntimeError naming how to install Graphviz when ``dot`` is missing."""
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".")).lower()
        if not fmt:
            raise ValueError(f"cannot tell the format of {str(path)!r}: give the file an "
                             "extension (.svg, .png, .pdf, .dot) or pass format=")
        if fmt in ("dot", "gv"):
            data = self.source.encode("utf-8")
        else:
            if fmt == "png" and dpi is None:
                dpi = 110
            data = self.pipe(fmt, dpi=dpi)
        if path.parent and not path.parent.exists():
            os.makedirs(path.parent, exist_ok=True)
        path.write_bytes(data)
        return path

    def save(self, path) -> Path:
        """Write the DOT text to ``path`` (no Graphviz needed)."""
        return self.render(path, format="dot")

    def _repr_svg_(self):
        if shutil.which("dot") is None:
            return None
        return self.pipe("svg").decode("utf-8")


# ---------------------------------------------------------------- building

def _params_map(params):
    """``{id(tensor): name}`` from a dict, a Module, or pairs / Parameters."""
    if params is None:
        return {}, []
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        items = list(params.named_parameters())
    elif isinstance(params, dict):
        items = list(params.items())
    else:
        items = []
        for p in params:
            if isinstance(p, tuple) and len(p) == 2:
                items.append(p)
            elif isinstance(p, Tensor):
                items.append((getattr(p, "name", None) or "param", p))
            else:
                raise TypeError("params must be a dict name -> tensor (e.g. "
                                "dict(model.named_parameters())), a Module, or (name, tensor) "
                                f"pairs; got an item of type {type(p).__name__}")
    names = {}
    keep = []
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(t).__name__}, not a tensor")
        keep.append(t)
        names.setdefault(id(t), str(name))
        names.setdefault(id(t._data), str(name))  # the same data met as a constant input
        if t.grad_fn is not None:
            names.setdefault(id(t.grad_fn), str(name))
    return names, keep


def _debug(node) -> dict:
    info = getattr(node, "debug", None)
    return info if isinstance(info, dict) else {}


def _const_value(node: Node, i: int):
    """The constant input ``i`` of ``node`` (a Tensor, array or number) when it is known:
    captured with the node, or saved for its backward."""
    captured = _debug(node).get("inputs")
    if captured is not None and i < len(captured):
        return captured[i]
    inputs = getattr(node, "inputs", None)
    if inputs is not None and i < len(inputs):
        return inputs[i]
    vals = getattr(node, "vals", None)
    if vals is not None and i < len(vals):
        v = vals[i]
        if isinstance(v, (np.ndarray, int, float, bool, np.generic)):
            return v
    return None


def _known_value(p, node: Node, j: int):
    """The forward value of input ``j`` of ``node`` (parent ``p``), or None if unknown."""
    if p is None:
        c = _const_value(node, j)
        return c._data if isinstance(c, Tensor) else c
    if isinstance(p, Tensor):
        return p._data
    value = _debug(p).get("value")
    return value if value is not None else getattr(p, "ans", None)


def _edge_grad(node: Node, i: int, g):
    """The gradient that ``node`` sends to its input ``i`` (one term of that input's total
    when the input is used several times), recomputed from the node's rule and the captured
    values; None when something it needs is not known. Only for the table's own primitives
    (a user's Function.backward is never called again)."""
    if g is None:
        return None
    from ..autograd.engine import _sum_to
    from ..autograd.graph import Shape
    from ..ops._table import PRIMITIVES

    prim = getattr(node, "prim", None)
    if prim is None or PRIMITIVES.get(prim.name) is not prim:
        return None
    parents = node.parents
    vals = [None] * len(parents)
    if prim.save:
        for j, p in enumerate(parents):
            v = _known_value(p, node, j)
            if v is None:
                return None
            if prim.save == 1:
                v = Shape(np.shape(v)) if isinstance(v, np.ndarray) else None
            vals[j] = v
    ans = None
    if prim.save_ans:
        ans = _debug(node).get("value")
        if ans is None:
            ans = getattr(node, "ans", None)
        if ans is None:
            return None
    p = parents[i]
    if isinstance(p, Tensor):
        shape, dtype = p._data.shape, p._data.dtype
    else:
        shape, dtype = p.out_shape, p.out_dtype
    try:
        with np.errstate(all="ignore"):
            gi = prim.vjps[i](np.asarray(g), ans, *vals, **node.params)
            if gi is None:
                return None
            gi = np.asarray(gi)
            if gi.shape != tuple(shape):
                gi = _sum_to(gi, tuple(shape))
            return gi.astype(dtype, copy=False)
    except (ArithmeticError, AttributeError, IndexError, KeyError, RuntimeError, TypeError,
            ValueError):  # a rule that wants more than we know: leave the edge unlabelled
        return None


def _flatten_outputs(outputs) -> list:
    flat = []
    for o in outputs:
        if isinstance(o, (list, tuple)):
            flat.extend(_flatten_outputs(o))
        elif isinstance(o, Tensor):
            flat.append(o)
        else:
            raise TypeError(f"draw_graph takes tensors (the outputs to draw), got "
                            f"{type(o).__name__}")
    return flat


def draw_graph(*outputs, params=None, show_values: bool = True, show_grads: bool = True,
               direction: str = "forward", show_constants: bool = True,
               rankdir: str | None = None, title: str | None = None) -> Graph:
    """Draw the graph that computed ``outputs``.

    Nodes: each operation (``mul`` with its node name ``MulBackward0`` in small print), each
    leaf tensor (named from ``params``: a dict name -> tensor such as
    ``dict(model.named_parameters())``, a Module, or (name, tensor) pairs; else a
    Parameter's ``name``; else ``leaf``), each output (green), and the inputs that need no
    gradient as small grey ``constant`` nodes (``show_constants=False`` leaves them out).
    ``params`` may also name computed tensors (``{"h": h}``): their op nodes get the name.
    Every node shows its shape and dtype; with ``show_values`` its forward value (a number,
    or ``mean/min/max`` for larger tensors) and with ``show_grads`` its gradient (red).

    Which values and gradients are known: leaf values and ``.grad`` (after a backward),
    the outputs' values, and an op's output when its rule saved it (e.g. ``relu``, ``exp``,
    until a backward frees it). For every op's value and gradient, run the forward pass (and
    the backward) inside ``chainrule.viz.capture()``.

    ``direction="forward"``: arrows go with the data, inputs -> op -> output.
    ``direction="backward"``: arrows go the other way, output -> op -> inputs, drawn in red
    and labelled with the gradient they carry where it is known: an input used once receives
    its whole gradient; for one used several times, each arrow carries one term (recomputed
    from the op's rule and the captured values) and the node shows their sum. Constants
    (no gradient flows to them) are left out of the backward view.

    ``rankdir`` sets Graphviz's layout (default ``TB``: inputs at the top, the output at the
    bottom, in both views); ``title`` is printed above the picture.

    Returns a ``Graph``: ``.source`` (DOT), ``.render("g.png")`` / ``.render("g.svg")``.
    """
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
    outs = _flatten_outputs(outputs)
    if not outs:
        raise ValueError("draw_graph needs at least one output tensor")
    names, _keep = _params_map(params)

    # -- walk: every Node reachable from the outputs, and their leaf tensors
    ops: dict = {}
    stack = [o.grad_fn for o in outs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in ops:
            continue
        ops[id(node)] = node
        for p in node.parents:
            if p is not None and not isinstance(p, Tensor) and id(p) not in ops:
                stack.append(p)
    order = sorted(ops.values(), key=lambda n: n.seq)

    nodes: dict = {}
    edges: list = []
    ids: dict = {}          # id(object) -> node id
    uses: dict = {}         # node id -> how many edges leave it (forward sense)
    grads: dict = {}        # node id -> gradient array (or None)
    output_of: dict = {}    # id(grad_fn) -> output tensor
    for o in outs:
        if o.grad_fn is not None:
            output_of.setdefault(id(o.grad_fn), o)

    leaves: list = []

    def leaf_node(t: Tensor) -> str:
        key = id(t)
        if key in ids:
            return ids[key]
        nid = f"leaf{len(leaves)}"
        leaves.append(nid)
        ids[key] = nid
        title = names.get(key) or getattr(t, "name", None) or "leaf"
        g = t._grad
        nodes[nid] = GraphNode(
            nid, "leaf", str(title),
            subtitle="parameter" if type(t).__name__ == "Parameter" else "",
            shape=shape_text(t._data.shape, t._data.dtype),
            value=summarize(t._data) if show_values else None,
            grad=summarize(g._data) if show_grads and g is not None else None)
        grads[nid] = None if g is None else g._data
        return nid

    n_const = 0
    for k, node in enumerate(order):
        nid = f"op{k}"
        ids[id(node)] = nid
        info = _debug(node)
        value = info.get("value")
        if value is None and getattr(node, "ans", None) is not None:
            value = node.ans
        out_t = output_of.get(id(node))
        if value is None and out_t is not None:
            value = out_t._data
        g = info.get("grad")
        if g is None and out_t is not None and out_t._grad is not None:
            g = out_t._grad._data
        prim = getattr(node, "prim", None)
        op_name = getattr(prim, "name", None) or node.name()
        name = names.get(id(node))
        settings = _short_params(getattr(node, "params", None))
        nodes[nid] = GraphNode(
            nid, "op", f"{name} = {op_name}" if name else op_name, subtitle=node.name(),
            extra=[settings] if settings else [],
            shape=shape_text(node.out_shape, node.out_dtype),
            value=summarize(value) if show_values and value is not None else None,
            grad=summarize(g) if show_grads and g is not None else None)
        grads[nid] = g
        for i, p in enumerate(node.parents):
            if p is None:
                if not show_constants:
                    continue
                c = _const_value(node, i)
                cid = f"const{n_const}"
                n_const += 1
                cname = names.get(id(c)) if c is not None else None
                if isinstance(c, Tensor):
                    arr = c._data
                elif c is not None:
                    arr = np.asarray(c)
                else:
                    arr = None
                if cname is None and arr is not None and arr.ndim == 0:
                    nodes[cid] = GraphNode(cid, "constant", summarize(arr))  # just the number
                else:
                    nodes[cid] = GraphNode(
                        cid, "constant", cname or "constant",
                        shape=shape_text(arr.shape, arr.dtype) if arr is not None else "",
                        value=summarize(arr) if arr is not None and show_values else None)
                edges.append(GraphEdge(cid, nid, input_index=i))
                continue
            src = leaf_node(p) if isinstance(p, Tensor) else ids[id(p)]
            uses[src] = uses.get(src, 0) + 1
            edges.append(GraphEdge(src, nid, input_index=i))

    for k, o in enumerate(outs):
        oid = f"out{k}"
        src = None
        if o.grad_fn is not None:
            src = ids[id(o.grad_fn)]
        elif o._requires_grad:
            src = leaf_node(o)
        g = o._grad._data if o._grad is not None else None
        if g is None and o.grad_fn is not None:
            g = _debug(o.grad_fn).get("grad")
        name = names.get(id(o)) or ("output" if len(outs) == 1 else f"output {k}")
        nodes[oid] = GraphNode(
            oid, "output", name, shape=shape_text(o._data.shape, o._data.dtype),
            value=summarize(o._data) if show_values else None,
            grad=summarize(g) if show_grads and g is not None else None)
        grads[oid] = g
        if src is not None:
            uses[src] = uses.get(src, 0) + 1
            edges.append(GraphEdge(src, oid))

    if direction == "backward":
        node_of = {nid: ops[key] for key, nid in ids.items() if key in ops}
        back = []
        for e in edges:
            if nodes[e.src].kind == "constant":
                continue  # no gradient flows to a constant
            label = None
            if show_grads:
                if uses.get(e.src) == 1:
                    gi = grads.get(e.src)
                elif nodes[e.dst].kind == "output":
                    gi = grads.get(e.dst)
                else:
                    gi = _edge_grad(node_of[e.dst], e.input_index, grads.get(e.dst))
                if gi is not None:
                    label = summarize(gi)
            back.append(GraphEdge(e.dst, e.src, label=label, input_index=e.input_index))
        edges = back
        nodes = {k: n for k, n in nodes.items() if n.kind != "constant"}  # no gradient there
    if rankdir is None:
        rankdir = "TB" if direction == "forward" else "BT"
    return Graph(nodes, edges, direction, ids, rankdir, title=title)


# ---------------------------------------------------------------- DOT text

def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _html_label(n: GraphNode) -> str:
    e = html.escape
    small = 9 if n.kind != "constant" else 8
    parts = []
    if n.kind == "op":
        parts.append(f"<B>{e(n.title)}</B>")
    elif n.kind == "constant":
        parts.append(f'<FONT COLOR="{SMALL_COLOR}">{e(n.title)}</FONT>')
    else:
        parts.append(f'<B><FONT POINT-SIZE="13">{e(n.title)}</FONT></B>')
    for line in ([n.subtitle] if n.subtitle else []) + list(n.extra):
        parts.append(f'<FONT POINT-SIZE="{small}" COLOR="{SMALL_COLOR}">{e(line)}</FONT>')
    if n.shape:
        parts.append(f'<FONT POINT-SIZE="{small + 1}" COLOR="#333333">{e(n.shape)}</FONT>')
    if n.value is not None:
        if n.kind == "constant":
            parts.append(f'<FONT COLOR="{SMALL_COLOR}">{e(n.value)}</FONT>')
        else:
            parts.append(f"value {e(n.value)}")
    if n.grad is not None:
        parts.append(f'<FONT COLOR="{GRAD_COLOR}">grad {e(n.grad)}</FONT>')
    return "<" + "<BR/>".join(parts) + ">"


def _to_dot(g: Graph) -> str:
    graph_attrs = (f"rankdir={g.rankdir}, fontname={_q(FONT)}, nodesep=0.3, ranksep=0.45, "
                   'bgcolor="white", pad=0.2')
    if g.title:
        graph_attrs += f", label={_q(g.title)}, labelloc=t, fontsize=16"
    lines = [
        "digraph chainrule {",
        f"  graph [{graph_attrs}];",
        (f'  node [fontname={_q(FONT)}, fontsize=11, shape=box, style="rounded,filled", '
         'margin="0.15,0.06", penwidth=1.2];'),
        f"  edge [fontname={_q(FONT)}, fontsize=10, arrowsize=0.8];",
    ]
    for n in g.nodes.values():
        attrs = [f"label={_html_label(n)}", f'fillcolor="{COLORS[n.kind]}"',
                 f'color="{BORDER[n.kind]}"']
        if n.kind == "constant":
            attrs += ['fontsize=9', 'margin="0.08,0.03"', "height=0.3", "width=0.3"]
        elif n.kind == "output":
            attrs.append("penwidth=2")
        elif n.kind == "leaf":
            attrs.append('shape=box')
        lines.append(f"  {_q(n.id)} [{', '.join(attrs)}];")
    backward = g.direction == "backward"
    for e in g.edges:
        attrs = []
        if backward:
            attrs += [f'color="{GRAD_COLOR}"', f'fontcolor="{GRAD_COLOR}"']
        elif g.nodes[e.src].kind == "constant":
            attrs += ['color="#bbbbbb"', "arrowsize=0.6"]
        else:
            attrs.append('color="#555555"')
        if e.label is not None:
            attrs.append(f"label={_q(' ' + e.label + ' ')}")
        lines.append(f"  {_q(e.src)} -> {_q(e.dst)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
