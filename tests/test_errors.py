"""Bad input gives PyTorch's error, in PyTorch's words, with PyTorch's exception type
(SPEC §7, issue 2 point 5)."""

import numpy as np
import pytest

import chainrule as torch


# ---------------------------------------------------------------- shapes
def test_binary_op_shape_mismatch_names_both_shapes():
    a, b = torch.ones(2, 3), torch.ones(4)
    with pytest.raises(RuntimeError) as exc:
        a + b
    msg = str(exc.value)
    assert "[2, 3]" in msg and "[4]" in msg, msg


@pytest.mark.parametrize("op", ["sub", "mul", "div", "maximum"])
def test_other_binary_ops_shape_mismatch(op):
    a, b = torch.ones(2, 3, requires_grad=True), torch.ones(4)
    with pytest.raises(RuntimeError) as exc:
        getattr(torch, op)(a, b)
    msg = str(exc.value)
    assert "[2, 3]" in msg and "[4]" in msg, msg


def test_matmul_shape_mismatch():
    with pytest.raises(RuntimeError,
                       match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        torch.ones(2, 3) @ torch.ones(4, 5)
    with pytest.raises(RuntimeError,
                       match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        torch.ones(2, 3, requires_grad=True).matmul(torch.ones(4, 5))


# ---------------------------------------------------------------- requires_grad
def test_integer_tensor_cannot_require_grad_at_creation():
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.tensor([1, 2, 3], requires_grad=True)


def test_integer_tensor_cannot_require_grad_later():
    t = torch.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        t.requires_grad_()
    assert t.requires_grad is False
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.tensor([True, False]).requires_grad_()
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        t.requires_grad = True


def test_integer_creation_functions_cannot_require_grad():
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.arange(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.zeros(3, dtype=torch.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        torch.ones(2, dtype=torch.int32).requires_grad_(True)


def test_requires_grad_false_on_non_leaf():
    y = torch.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        y.requires_grad_(False)


# ---------------------------------------------------------------- backward
def test_backward_non_scalar_without_gradient():
    y = torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()


def test_backward_without_graph():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn"):
        torch.ones(2).sum().backward()
    with torch.no_grad():
        y = (torch.ones(2, requires_grad=True) * 3).sum()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        y.backward()


def test_second_backward_through_freed_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_second_backward_with_exp_saved_output():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    torch.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        torch.autograd.grad(y, x)


def test_second_backward_works_with_retain_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])  # 2 * (2x)


# ---------------------------------------------------------------- in place on saved tensors
def test_inplace_modification_of_saved_output():
    x = torch.ones(2, 3, requires_grad=True) * 1.0  # non-leaf
    y = x.exp()  # exp saves its output
    y.add_(1)
    with pytest.raises(RuntimeError) as exc:
        y.sum().backward()
    msg = str(exc.value)
    assert ("one of the variables needed for gradient computation has been modified by an "
            "inplace operation") in msg, msg
    assert "[2, 3]" in msg, msg
    assert "is at version 1; expected version 0" in msg, msg


def test_inplace_modification_of_saved_input():
    a_leaf = torch.ones(3, requires_grad=True)
    a = a_leaf * 1.0
    b = torch.ones(3, requires_grad=True)
    z = a * b  # saves a (for b's gradient) and b
    a.mul_(2)
    with pytest.raises(RuntimeError) as exc:
        z.sum().backward()
    msg = str(exc.value)
    assert ("one of the variables needed for gradient computation has been modified by an "
            "inplace operation") in msg, msg
    assert "[3]" in msg, msg
    assert "is at version 1; expected version 0" in msg, msg


def test_inplace_modification_of_saved_leaf_in_no_grad():
    w = torch.ones(3, requires_grad=True)
    y = (w * w).sum()
    with torch.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ---------------------------------------------------------------- in place on leaves
LEAF_MSG = "leaf Variable that requires grad is being used in an in-place operation"


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1),
    lambda x: x.mul_(2),
    lambda x: x.sub_(1),
    lambda x: x.div_(2),
    lambda x: x.zero_(),
    lambda x: x.fill_(3.0),
    lambda x: x.clamp_(0, 1),
    lambda x: x.copy_(torch.zeros(3)),
    lambda x: x.__setitem__(0, 1),
    lambda x: x.__setitem__(slice(None), torch.zeros(3)),
], ids=["add_", "mul_", "sub_", "div_", "zero_", "fill_", "clamp_", "copy_", "setitem",
        "setitem_slice"])
def test_inplace_on_leaf_requiring_grad(op):
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        op(x)
    np.testing.assert_array_equal(x.detach().numpy(), np.ones(3, np.float32))


def test_setitem_on_leaf_requiring_grad():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        x[0] = 1


def test_augmented_assignment_on_leaf_requiring_grad():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        x += 1
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        x -= 1
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        x *= 2
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        x /= 2


def test_inplace_on_leaf_allowed_in_no_grad():
    x = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        x[0] = 5
        x += 1
        x.mul_(2)
        x -= 0.5 * torch.ones(3)
    np.testing.assert_allclose(x.detach().numpy(), [11.5, 3.5, 3.5])
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    # still a working leaf afterwards
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [23.0, 7.0, 7.0])


# ---------------------------------------------------------------- conversions
def test_numpy_on_tensor_requiring_grad():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor\.detach\(\)\.numpy\(\) instead"):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"Use tensor\.detach\(\)\.numpy\(\) instead"):
        (x * 2).numpy()
    np.testing.assert_array_equal(x.detach().numpy(), np.ones(3))


def test_item_on_multi_element_tensor():
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted to Scalar"):
        torch.ones(3).item()
    assert torch.ones(1, 1).item() == 1.0


# ---------------------------------------------------------------- autograd.grad
def test_autograd_grad_unused_input():
    x = torch.ones(3, requires_grad=True)
    y = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        torch.autograd.grad((x * 2).sum(), [x, y])


def test_autograd_grad_allow_unused_returns_none():
    x = torch.ones(3, requires_grad=True)
    y = torch.ones(3, requires_grad=True)
    gx, gy = torch.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0, 2.0])
    assert gy is None


def test_gradient_of_wrong_shape():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as exc:
        (x * 2).backward(torch.ones(4))
    msg = str(exc.value)
    assert "Mismatch in shape" in msg and "[4]" in msg and "[3]" in msg, msg
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        torch.autograd.grad(x * 2, x, grad_outputs=torch.ones(2, 3))


# ---------------------------------------------------------------- dims, devices
@pytest.mark.parametrize("fn", [
    lambda t: t.sum(2),
    lambda t: t.mean(dim=-3),
    lambda t: t.unsqueeze(4),
    lambda t: t.transpose(0, 2),
    lambda t: t.softmax(2),
    lambda t: t.size(2),
    lambda t: torch.cat([t, t], dim=2),
], ids=["sum", "mean", "unsqueeze", "transpose", "softmax", "size", "cat"])
def test_dimension_out_of_range(fn):
    with pytest.raises(IndexError, match="Dimension out of range"):
        fn(torch.ones(2, 3))


def test_index_out_of_range():
    with pytest.raises(IndexError):
        torch.ones(2, 3)[5]


def test_device_other_than_cpu():
    with pytest.raises(RuntimeError):
        torch.ones(3, device="cuda")
    with pytest.raises(RuntimeError):
        torch.tensor([1.0], device="cuda:0")
    with pytest.raises(RuntimeError):
        torch.ones(3).to("cuda")
    with pytest.raises(RuntimeError):
        torch.device("cuda")
    # the CPU is accepted everywhere
    assert torch.ones(3, device="cpu").device == torch.device("cpu")
    assert torch.zeros(2, device=torch.device("cpu")).to("cpu").shape == (2,)
