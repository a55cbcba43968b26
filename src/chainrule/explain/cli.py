"""``chainrule diff`` and ``chainrule graph`` (being written)."""

from __future__ import annotations


def add_parsers(sub) -> None:
    """Add the ``diff`` and ``graph`` subcommands to the ``chainrule`` parser."""


def run(args) -> int:
    """Run ``diff`` or ``graph``; returns the exit status."""
    raise NotImplementedError(args.command)
