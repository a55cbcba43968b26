"""Pictures of computation graphs: forward values on the nodes, gradients flowing back.

    import chainrule as cr
    from chainrule import viz

    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    with viz.capture():                 # keep every op's value (and, in backward, its grad)
        z = x * y + cr.sin(x)
        z.backward()
    g = viz.draw_graph(z, params={"x": x, "y": y})
    print(g.source)                     # DOT text, needs nothing installed
    g.render("z.png")                   # PNG/SVG/PDF through Graphviz's `dot` program
    viz.draw_graph(z, params={"x": x, "y": y}, direction="backward").render("z_back.svg")

What a drawing can show: leaf values and their ``.grad``, the outputs' values, and the
outputs of ops whose backward rule saved them (``relu``, ``exp``, ...) until a backward frees
them. Every op's value, and the gradient that reached it in backward, are known only for the
part of the graph recorded (and differentiated) inside ``capture()``: values are not kept by
default, so that graphs cost nothing extra while nobody looks at them.

Rendering needs Graphviz's ``dot`` executable (Debian/Ubuntu: ``apt-get install graphviz``;
macOS: ``brew install graphviz``); the ``viz`` extra's Python ``graphviz`` package is not
needed (``graphviz.Source(g.source)`` works too, if you have it).
"""

from __future__ import annotations

import contextlib

from ..autograd.grad_mode import debug_state as _debug_state
from ._draw import Graph, GraphEdge, GraphNode, draw_graph, summarize

__all__ = ["Graph", "GraphEdge", "GraphNode", "capture", "draw_graph", "summarize"]


@contextlib.contextmanager
def capture():
    """Keep, for the nodes recorded inside the block, their forward value, and for a backward
    run inside it, the gradient that reached each of them (for ``draw_graph``).

    Usable as ``with chainrule.viz.capture(): ...`` or as a decorator. Costs a reference to
    every intermediate array while the graph lives, so use it on graphs you want to look at.
    """
    prev = _debug_state.values
    _debug_state.values = True
    _debug_state.refresh()
    try:
        yield
    finally:
        _debug_state.values = prev
        _debug_state.refresh()
