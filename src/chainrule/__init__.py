"""chainrule: automatic differentiation on NumPy.

PyTorch-shaped tensors and autograd (``import chainrule as torch``), JAX/MindSpore-style
functional transforms, forward and reverse mode.
"""

from __future__ import annotations

# The Tensor class first: the op families that it takes its methods from need it.
from .tensor import Size, Tensor, device

# isort: split
from . import autograd, nn, ops, optim, testing
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .autograd import checkpoint as _checkpoint_module
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd import functional as _functional_module
from .autograd.checkpoint import checkpoint
from .autograd.function import custom_jvp, custom_vjp
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from .ops.composite import log_softmax, reciprocal, softmax, square
from .ops.elementwise import (
    abs,
    acos,
    add,
    arccos,
    arcsin,
    arctan,
    asin,
    atan,
    ceil,
    clamp,
    clip,
    cos,
    cosh,
    div,
    divide,
    eq,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    ge,
    greater,
    greater_equal,
    gt,
    isfinite,
    isinf,
    isnan,
    le,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    relu,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    where,
)
from .ops.indexing import gather, index_select, masked_fill, scatter_add
from .ops.linalg import bmm, dot, einsum, inner, matmul, mm, mv, outer
from .ops.reduction import (
    amax,
    amin,
    argmax,
    argmin,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .ops.shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    flatten,
    flip,
    movedim,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    t,
    transpose,
    unsqueeze,
)
from .transforms import grad, hessian, hvp, jacfwd, jacrev, jvp, stop_gradient, value_and_grad, vjp

__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def clone(input: Tensor) -> Tensor:
    return input.clone()


def detach(input: Tensor) -> Tensor:
    return input.detach()
from . import utils
from .nn import Parameter
from .serialization import SerializationError, load, save
from .utils.data import Generator
