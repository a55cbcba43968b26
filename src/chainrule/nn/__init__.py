"""Neural networks (``chainrule.nn``): modules, parameters, layers, losses, initialisation."""

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers import (
                     GELU,
                     AvgPool2d,
                     BatchNorm1d,
                     BatchNorm2d,
                     Conv1d,
                     Conv2d,
                     Dropout,
                     Embedding,
                     Flatten,
                     Identity,
                     LayerNorm,
                     LeakyReLU,
                     Linear,
                     LogSoftmax,
                     MaxPool2d,
                     ReLU,
                     Sigmoid,
                     Softmax,
                     Softplus,
                     Tanh,
)
from .loss import BCEWithLogitsLoss, MSELoss
from .module import Cell, Module
from .parameter import Parameter

__all__ = ["GELU", "AvgPool2d", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Cell",
           "Conv1d", "Conv2d", "Dropout", "Embedding", "Flatten", "Identity", "LayerNorm",
           "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module", "ModuleDict",
           "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Softplus",
           "Tanh", "functional", "init", "utils"]
