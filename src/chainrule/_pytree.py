"""Nested containers of values ("pytrees"): tuples, lists, dicts and None around leaves.

The functional transforms take and return them: a gradient comes back in the structure of its
input. Named tuples keep their type.
"""

from __future__ import annotations


class TreeDef:
    """The structure of a pytree with its leaves taken out."""

    __slots__ = ("children", "kind", "meta")

    def __init__(self, kind: str, meta=None, children: tuple = ()) -> None:
        self.kind = kind
        self.meta = meta
        self.children = children

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.meta == other.meta and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        return f"{self.kind}({', '.join(map(repr, self.children))})"


_LEAF = TreeDef("leaf")
_NONE = TreeDef("none")


def tree_flatten(tree) -> tuple[list, TreeDef]:
    """``(leaves, treedef)``: the leaves in order, and what ``tree_unflatten`` needs."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves: list) -> TreeDef:
    if tree is None:
        return _NONE
    if isinstance(tree, tuple):
        kind = "namedtuple" if hasattr(tree, "_fields") else "tuple"
        meta = type(tree) if kind == "namedtuple" else None
        return TreeDef(kind, meta, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, list):
        return TreeDef("list", None, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = tuple(tree)
        return TreeDef("dict", keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return _LEAF


def tree_unflatten(treedef: TreeDef, leaves) -> object:
    """The pytree of structure ``treedef`` holding ``leaves`` in order."""
    it = iter(leaves)
    return _build(treedef, it)


def _build(td: TreeDef, it):
    kind = td.kind
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    children = [_build(c, it) for c in td.children]
    if kind == "tuple":
        return tuple(children)
    if kind == "namedtuple":
        return td.meta(*children)
    if kind == "list":
        return children
    return dict(zip(td.meta, children))
