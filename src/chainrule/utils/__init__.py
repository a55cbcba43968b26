"""Utilities around the core library (``chainrule.utils.data``: datasets and data loaders)."""

from . import data

__all__ = ["data"]
