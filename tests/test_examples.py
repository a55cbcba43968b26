"""Run every script in examples/ with small settings and check what it prints and draws.

Each example runs as a user would run it (``python examples/NAME.py ...``) in a subprocess,
with the Agg backend and its output folder in tmp_path.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                     (3.584428, -1.848126)]

pytest.importorskip("matplotlib")


def run_example(name, *args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg")
    command = [sys.executable, str(EXAMPLES / name), *map(str, args)]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def check_png(path, min_height=200, min_width=400):
    import matplotlib.image as mpimg

    assert path.is_file(), f"{path} was not written"
    assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    assert image.shape[0] >= min_height and image.shape[1] >= min_width
    assert image[..., :3].std() > 0.05, f"{path} looks blank"


def max_diffs(out):
    """Every 'max |...| = number' that an example prints."""
    return [float(v) for v in re.findall(r"max \|[^|]*\| = ([-+0-9.e]+)", out)]


# ---------------------------------------------------------------- gradient_descent.py

def test_gradient_descent_spec_numbers(tmp_path):
    out = run_example("gradient_descent.py", cwd=tmp_path)
    assert "w.grad = tensor([40., 80.])" in out
    assert "w - lr * w.grad = tensor([ 9.6000, 19.2000])" in out
    # SPEC §8: float32 arithmetic, as PyTorch prints it
    assert "epoch  499  w = 0.000418612064095214 " in out
    assert "epoch    0  w = 10.0  loss = 120.000000  grad = 20.000000" in out


def test_gradient_descent_flags(tmp_path):
    out = run_example("gradient_descent.py", "--epochs", 3, "--lr", 0.1, cwd=tmp_path)
    assert "w - lr * w.grad = tensor([ 6., 12.])" in out       # 10 - 0.1*40, 20 - 0.1*80
    final = float(re.search(r"final w = (\S+)", out).group(1))
    assert final == pytest.approx(10 * 0.8 ** 3, rel=1e-6)     # each step: w <- (1 - 2 lr) w


# ---------------------------------------------------------------- autograd_basics.py

def test_autograd_basics(tmp_path):
    out = run_example("autograd_basics.py", "--steps", 50, "--out", tmp_path, cwd=tmp_path)
    diffs = max_diffs(out)
    assert len(diffs) == 2 and max(diffs) < 1e-6          # a.grad == cos(a), == 2 cos(a)

    assert re.search(r"d\.grad_fn: <AddBackward0 ", out)
    assert re.search(r"next_functions: \(\(<MulBackward0 [^>]*>, 0\), \(None, 0\)\)", out)
    chain = re.findall(r"^\s*-> (\w+)$", out, flags=re.MULTILINE)
    assert chain == ["AddBackward0", "MulBackward0", "SinBackward0", "AccumulateGrad"]

    assert re.search(r"inside no_grad\(\):\s+requires_grad = False\s+grad_fn = None", out)
    assert re.search(r"y\.detach\(\):\s+requires_grad = False\s+grad_fn = None", out)
    assert re.search(r"y = x \* 2:\s+requires_grad = True\s+grad_fn = <MulBackward0", out)

    errors = re.findall(r"^RuntimeError: (.*)$", out, flags=re.MULTILINE)
    assert len(errors) == 2
    assert "modified by an inplace operation" in errors[0] and "ExpBackward0" in errors[0]
    assert "leaf Variable that requires grad" in errors[1]

    check_png(tmp_path / "sin_derivative.png")


# ---------------------------------------------------------------- functional_grad.py

def test_functional_grad(tmp_path):
    out = run_example("functional_grad.py", "--seed", 3, cwd=tmp_path)
    for label in ("two outputs:", "stop_gradient:", "has_aux:", "by hand:", "value_and_grad:"):
        assert label in out
    diffs = max_diffs(out)
    # gw2 = gw + 1, gb2 = gb + 1; stop_gradient, has_aux and value_and_grad all give gw, gb;
    # gb = (sigmoid(z) - y) / 3
    assert len(diffs) == 9
    assert max(diffs) < 1e-6
    assert "loss equals function(x, y, w, b): True" in out
    assert "w.grad is still None" in out

    # the printed gradients: every row of d loss / dw equals d loss / db (x is all ones)
    gb = [float(v) for v in re.search(r"d loss / db = tensor\(\[([^\]]*)\]\)", out)
          .group(1).split(",")]
    rows = re.findall(r"\[([-0-9., ]+)\]", out.split("d loss / db")[0])
    assert len(rows) == 5
    for row in rows:
        assert [float(v) for v in row.split(",")] == pytest.approx(gb)
    assert all(0 < g < 1 / 3 for g in gb)               # (sigmoid(z) - 0) / 3


# ---------------------------------------------------------------- optimizers.py

def test_optimizers(tmp_path):
    out = run_example("optimizers.py", "--steps", 200, "--out", tmp_path, cwd=tmp_path)
    pattern = re.compile(r"^(.+?)\s+from \(\s*(\S+),\s*(\S+)\) -> \(\s*(\S+),\s*(\S+)\)"
                         r"\s+f = (\S+)", flags=re.MULTILINE)
    runs = pattern.findall(out)
    assert len(runs) == 12                              # 3 optimisers x 4 starting points
    ends = {}
    for name, _, _, x, y, f in runs:
        x, y, f = float(x), float(y), float(f)
        distances = [np.hypot(x - mx, y - my) for mx, my in HIMMELBLAU_MINIMA]
        assert min(distances) < 1e-2, f"{name} ended at ({x}, {y}), not at a minimum"
        assert f < 1e-3 and (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2 < 1e-3
        ends.setdefault(name, set()).add(int(np.argmin(distances)))
    assert set(ends) == {"SGD", "SGD + momentum", "Adam"}
    assert len(ends["SGD"]) == 4 and len(ends["Adam"]) == 4   # the starts reach all 4 minima

    activation_errors = re.findall(r"^(\w+)\s*: max \|autograd - derivative by hand\| = (\S+)",
                                   out, flags=re.MULTILINE)
    assert [name for name, _ in activation_errors] == ["sigmoid", "tanh", "ReLU"]
    assert all(float(err) < 1e-6 for _, err in activation_errors)

    check_png(tmp_path / "himmelblau.png")
    check_png(tmp_path / "activations.png", min_height=250, min_width=800)


def test_optimizers_default_output_folder(tmp_path):
    """Without --out the plots go to runs/examples/ (git-ignored) below the current folder."""
    out = run_example("optimizers.py", "--steps", 20, cwd=tmp_path)
    assert len(re.findall(r" -> \(", out)) == 12
    for name in ("himmelblau.png", "activations.png"):
        check_png(tmp_path / "runs" / "examples" / name)


# ---------------------------------------------------------------- digits.py

def test_digits_defaults_reach_95_percent(tmp_path):
    pytest.importorskip("sklearn")
    out = run_example("digits.py", cwd=tmp_path)
    accuracy = float(re.search(r"^test accuracy: ([\d.]+)$", out, flags=re.MULTILINE).group(1))
    seconds = float(re.search(r"^training time: ([\d.]+) s$", out, flags=re.MULTILINE).group(1))
    assert "1347 training images, 450 test images" in out
    assert accuracy >= 0.95, out
    assert seconds < 60


def test_digits_mlp_quick(tmp_path):
    pytest.importorskip("sklearn")
    out = run_example("digits.py", "--model", "mlp", "--epochs", 3, cwd=tmp_path)
    losses = re.findall(r"^epoch\s+\d+\s+loss ([\d.]+)", out, flags=re.MULTILINE)
    losses = [float(v) for v in losses]
    assert len(losses) == 3 and losses[-1] < losses[0]
    accuracy = float(re.search(r"^test accuracy: ([\d.]+)$", out, flags=re.MULTILINE).group(1))
    assert accuracy > 0.8


# ---------------------------------------------------------------- style
