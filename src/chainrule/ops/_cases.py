"""Test metadata for the primitive table: float64 sample inputs for the registry-wide
gradient check. ``primitive.test(rng)`` returns ``[(args, params), ...]``; every float64 array
among ``args`` is differentiated, everything else is held constant."""

from __future__ import annotations

import numpy as np


def uniform(lo: float = -2.0, hi: float = 2.0):
    return lambda rng, shape: np.asarray(rng.uniform(lo, hi, shape))


def away_from_zero(lo: float = 0.2, hi: float = 2.0):
    """Values of either sign with |x| in [lo, hi]: keeps finite differences off a kink at 0."""
    return lambda rng, shape: np.asarray(rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape))


_ELEMENTWISE_SHAPES = {
    1: [((3, 4),), ((),), ((2, 3, 1),)],
    2: [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3))],
}


def elementwise(nargs: int, domain=None, params=None, domains=None):
    """Cases on broadcasting shapes for an elementwise primitive of ``nargs`` inputs."""
    domains = domains or [domain or uniform()] * nargs

    def make(rng):
        return [([d(rng, s) for d, s in zip(domains, shapes)], dict(params or {}))
                for shapes in _ELEMENTWISE_SHAPES[nargs]]

    return make


def cases(*specs):
    """Explicit cases: each spec is ``(arg_makers, params)``; an arg maker is a shape (a normal
    float64 sample), a callable ``rng -> value``, or a constant."""

    def make(rng):
        out = []
        for makers, params in specs:
            args = []
            for m in makers:
                if isinstance(m, tuple):
                    args.append(np.asarray(rng.standard_normal(m)))
                elif callable(m):
                    args.append(m(rng))
                else:
                    args.append(m)
            out.append((args, dict(params)))
        return out

    return make
