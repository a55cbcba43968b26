"""Classify handwritten digits (scikit-learn's 8x8 images) with a small network.

1797 images of 8x8 pixels, shipped with scikit-learn (no download). A train/test split, a
DataLoader over a TensorDataset, CrossEntropyLoss and Adam: the usual PyTorch training loop,
written with ``import chainrule as torch``.

    python examples/digits.py                     # CNN, about 98% test accuracy in seconds
    python examples/digits.py --model mlp         # about 97%
    python examples/digits.py --epochs 3          # a quick run
"""

import argparse
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import chainrule as torch
from chainrule import nn
from chainrule.utils.data import DataLoader, TensorDataset


def make_model(kind):
    if kind == "mlp":
        return nn.Sequential(                           # a multi-layer perceptron
            nn.Flatten(),                               # (N, 1, 8, 8) -> (N, 64)
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),                          # one score (logit) per digit
        )
    return nn.Sequential(                               # a small CNN
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),                                # 8x8 -> 4x4
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),                                # 4x4 -> 2x2
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        predicted = model(x).argmax(dim=1)
    model.train()
    return (predicted == y).float().mean().item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    digits = load_digits()                              # pixel values 0..16
    images = digits.images.reshape(-1, 1, 8, 8) / 16.0  # (N, channels, height, width) in [0, 1]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=0.25, stratify=digits.target, random_state=args.seed)
    x_train, x_test = torch.tensor(x_train).float(), torch.tensor(x_test).float()
    y_train, y_test = torch.tensor(y_train), torch.tensor(y_test)    # int64 class labels
    print(f"{len(x_train)} training images, {len(x_test)} test images")

    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True)
    model = make_model(args.model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch + 1:3d}  loss {total / len(x_train):.4f}  "
              f"train accuracy {accuracy(model, x_train, y_train):.2%}  "
              f"test accuracy {accuracy(model, x_test, y_test):.2%}")
    seconds = time.perf_counter() - start
    print(f"test accuracy: {accuracy(model, x_test, y_test):.4f}")
    print(f"training time: {seconds:.1f} s")


if __name__ == "__main__":
    main()
