"""W7: one training step of a small CNN (batch 64 of 1x28x28: Conv2d(1,32,3), ReLU,
MaxPool2d(2), Conv2d(32,64,3), ReLU, MaxPool2d(2), Flatten, Linear(64*5*5,10); cross-entropy,
SGD momentum 0.9, lr 0.01, float32), chainrule against PyTorch eager.

Same protocol as W2: identical initial weights and data, a few steps of both libraries
checked against each other, then ms per step.
"""

from __future__ import annotations

import sys

import torch
from _common import print_rows, row
from _train import cnn, implementations, timing_rows

import chainrule

X_SHAPE = (64, 1, 28, 28)


def run():
    print(f"W7 chainrule side: {implementations(chainrule)}", file=sys.stderr)
    return timing_rows("W7 CNN step, batch 64 x 1x28x28", cnn, X_SHAPE, 2.0, chainrule, torch,
                       row, rounds=10, per_round=10)


if __name__ == "__main__":
    print_rows(run())
