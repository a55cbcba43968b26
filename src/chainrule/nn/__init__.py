"""Neural networks: modules, parameters, losses (``chainrule.nn``)."""

from . import functional
from .loss import BCEWithLogitsLoss, MSELoss
from .module import Cell, Module
from .parameter import Parameter

__all__ = ["BCEWithLogitsLoss", "Cell", "MSELoss", "Module", "Parameter", "functional"]
