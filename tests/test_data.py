"""chainrule.utils.data: datasets, samplers, collation, the DataLoader, random_split."""

import collections
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    Generator,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

Point = collections.namedtuple("Point", "x y")


def make_dataset(n=10):
    x = cr.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = cr.arange(n)
    return TensorDataset(x, y)


def first_column(loader):
    """The label tensors of one epoch, as lists."""
    return [batch[1].tolist() for batch in loader]


class Squares(Dataset):
    """A generic dataset (no fast path): dict samples."""

    def __init__(self, n):
        self.n = n
        self.calls = 0

    def __getitem__(self, i):
        self.calls += 1
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}

    def __len__(self):
        return self.n


# ---------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_len():
    ds = make_dataset(5)
    assert len(ds) == 5
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))


def test_tensor_dataset_needs_tensors_with_a_first_dimension():
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="at least one dimension"):
        TensorDataset(cr.tensor(1.0))


def test_tensor_dataset_takes_numpy_arrays_without_copy():
    a = np.arange(4, dtype=np.int32)
    ds = TensorDataset(a)
    assert ds.tensors[0].dtype == cr.int32
    a[0] = 7
    assert ds[0][0].item() == 7


def test_dataset_is_abstract():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_subset_and_concat():
    a, b = make_dataset(4), make_dataset(3)
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 7
    assert both.cumulative_sizes == [4, 7]
    assert [both[i][1].item() for i in range(7)] == [0, 1, 2, 3, 0, 1, 2]
    assert both[-1][1].item() == 2 and both[-7][1].item() == 0
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        both[-8]
    with pytest.raises(IndexError):
        both[7]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    sub = Subset(a, [3, 1])
    assert len(sub) == 2 and sub[0][1].item() == 3
    assert sub[[1, 0]][1].tolist() == [1, 3]


# ---------------------------------------------------------------- samplers
def test_sequential_and_batch_sampler():
    ds = make_dataset(7)
    assert list(SequentialSampler(ds)) == list(range(7))
    batches = list(BatchSampler(SequentialSampler(ds), 3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(range(7), 3, False)) == 3
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, True)) == 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0, "drop_last": False}, ValueError, "batch_size should be a positive integer"),
    ({"batch_size": True, "drop_last": False}, ValueError, "batch_size should be a positive"),
    ({"batch_size": 2, "drop_last": 1}, TypeError, "drop_last should be a boolean"),
])
def test_batch_sampler_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        BatchSampler(range(4), **kwargs)


def test_random_sampler():
    ds = make_dataset(10)
    g = Generator().manual_seed(1)
    order = list(RandomSampler(ds, generator=g))
    assert sorted(order) == list(range(10)) and all(type(i) is int for i in order)
    more = list(RandomSampler(ds, num_samples=25, generator=g))
    assert len(more) == 25 and sorted(more[:10]) == list(range(10))
    drawn = list(RandomSampler(ds, replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) <= set(range(10))
    assert len(RandomSampler(ds, num_samples=25)) == 25
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(make_dataset(0))
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(ds, replacement=1)
    with pytest.raises(TypeError, match="generator must be"):
        RandomSampler(ds, generator=42)


def test_sampler_base_needs_iter():
    with pytest.raises(NotImplementedError):
        iter(Sampler())


# ---------------------------------------------------------------- collation
def test_collate_numbers_follow_pytorch_dtypes():
    assert default_collate([1.5, 2.0]).dtype == cr.float64
    assert default_collate([1, 2]).dtype == cr.int64
    assert default_collate([True, False]).dtype == cr.bool
    out = default_collate([np.float32(1), np.float32(2)])
    assert out.dtype == cr.float32 and out.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.uint8,
                                   np.bool_])
def test_collate_numpy_arrays_keep_dtype(dtype):
    samples = [np.ones((2, 3), dtype=dtype) for _ in range(4)]
    out = default_collate(samples)
    assert isinstance(out, cr.Tensor)
    assert out.shape == (4, 2, 3) and out._data.dtype == dtype


def test_collate_containers():
    batch = [(np.zeros(2, np.float32), 1, "a"), (np.ones(2, np.float32), 2, "b")]
    x, y, names = default_collate(batch)
    assert x.shape == (2, 2) and y.tolist() == [1, 2] and names == ["a", "b"]
    assert isinstance(default_collate(batch), list)  # tuples give lists, as in PyTorch
    dicts = [collections.OrderedDict(b=i, a=[i, float(i)]) for i in range(3)]
    out = default_collate(dicts)
    assert type(out) is collections.OrderedDict and list(out) == ["b", "a"]
    assert out["b"].tolist() == [0, 1, 2]
    assert out["a"][0].dtype == cr.int64 and out["a"][1].dtype == cr.float64
    points = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(points) is Point and points.x.tolist() == [1, 3]


def test_collate_tensors_and_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    out = default_collate([w * 2, w * 3])
    assert out.shape == (2, 2) and out.requires_grad
    out.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([object(), object()])


def test_collate_matches_torch():
    torch = pytest.importorskip("torch")
    batch = [{"img": np.full((2, 2), i, np.float16), "label": i, "w": i / 2, "ok": i % 2 == 0,
              "pair": (np.int32(i), [i, i + 1])} for i in range(3)]

    def flat(tree):
        if isinstance(tree, dict):
            return [v for k in sorted(tree) for v in flat(tree[k])]
        if isinstance(tree, (list, tuple)):
            return [v for x in tree for v in flat(x)]
        return [tree]

    ours, theirs = flat(default_collate(batch)), flat(torch.utils.data.default_collate(batch))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert str(a.dtype).rsplit(".")[-1] == str(b.dtype).rsplit(".")[-1]
        np.testing.assert_array_equal(a._data, b.numpy())


# ---------------------------------------------------------------- the loader
def test_loader_batches_shapes_dtypes_and_len():
    ds = make_dataset(10)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(b[0].dtype == cr.float32 and b[1].dtype == cr.int64 for b in batches)
    assert first_column(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[1][0]._data, ds.tensors[0]._data[4:8])


def test_loader_drop_last():
    loader = DataLoader(make_dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert first_column(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    shuffled = DataLoader(make_dataset(10), batch_size=3, shuffle=True, drop_last=True)
    assert [len(b) for b in first_column(shuffled)] == [3, 3, 3]


def test_shuffle_reproducible_with_manual_seed_and_new_each_epoch():
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True)
    cr.manual_seed(0)
    first, second = first_column(loader), first_column(loader)
    cr.manual_seed(0)
    assert first_column(loader) == first and first_column(loader) == second
    assert first != second
    for epoch in (first, second):
        assert sorted(i for b in epoch for i in b) == list(range(50))


@pytest.mark.parametrize("make_generator", [lambda: Generator().manual_seed(7),
                                            lambda: np.random.default_rng(7)])
def test_shuffle_with_generator(make_generator):
    ds = make_dataset(40)
    loader = DataLoader(ds, batch_size=16, shuffle=True, generator=make_generator())
    cr.manual_seed(1)
    first, second = first_column(loader), first_column(loader)
    assert first != second
    again = DataLoader(ds, batch_size=16, shuffle=True, generator=make_generator())
    cr.manual_seed(2)  # the global seed plays no part
    assert first_column(again) == first and first_column(again) == second


def test_generator():
    g = Generator()
    assert g.initial_seed() == 67280421310721
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    a = cr.rand(4, generator=g)
    b = cr.rand(4, generator=g.manual_seed(3))
    np.testing.assert_array_equal(a._data, b._data)
    new = g.seed()
    assert g.initial_seed() == new


def test_fast_path_indexes_tensors_once_per_batch(monkeypatch):
    ds = make_dataset(12)

    def per_sample(self, index):
        raise AssertionError("per-sample __getitem__ used")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_sample)
    batches = list(DataLoader(ds, batch_size=5, shuffle=True))
    assert [b[0].shape for b in batches] == [(5, 3), (5, 3), (2, 3)]
    train, _ = random_split(ds, [8, 4])
    assert sum(len(b[1]) for b in DataLoader(train, batch_size=3)) == 8


def test_fast_path_matches_generic_path():
    ds = make_dataset(23)
    train, _ = random_split(ds, [0.75, 0.25], generator=Generator().manual_seed(0))
    for dataset in (ds, train):
        fast = DataLoader(dataset, batch_size=5, shuffle=True,
                          generator=Generator().manual_seed(4))
        slow = DataLoader(dataset, batch_size=5, shuffle=True,
                          generator=Generator().manual_seed(4),
                          collate_fn=lambda batch: default_collate(batch))
        for a, b in zip(fast, slow, strict=True):
            assert type(a) is type(b) is list
            for x, y in zip(a, b, strict=True):
                assert x.dtype == y.dtype
                np.testing.assert_array_equal(x._data, y._data)


def test_fast_path_keeps_gradients():
    x = cr.ones(6, 2, requires_grad=True)
    ds = TensorDataset(x, cr.arange(6))
    for xb, _ in DataLoader(ds, batch_size=4, sampler=[0, 1, 1, 5]):
        (xb * 3).sum().backward()
    assert x.grad[:, 0].tolist() == [3.0, 6.0, 0.0, 0.0, 0.0, 3.0]


def test_generic_dataset_collates_dicts():
    ds = Squares(5)
    batches = list(DataLoader(ds, batch_size=2))
    assert ds.calls == 5
    assert batches[0]["x"].shape == (2, 2) and batches[0]["x"].dtype == cr.float32
    assert batches[1]["y"].tolist() == [4, 9] and batches[2]["name"] == ["s4"]


def test_collate_fn_and_unbatched_loading():
    ds = Squares(3)
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda batch: len(batch))
    assert list(loader) == [2, 1]
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 3 and isinstance(unbatched[1]["x"], cr.Tensor)
    assert unbatched[1]["x"].shape == (2,) and unbatched[1]["y"] == 1


def test_sampler_and_batch_sampler_arguments():
    ds = make_dataset(6)
    assert first_column(DataLoader(ds, batch_size=2, sampler=[5, 4, 3])) == [[5, 4], [3]]
    loader = DataLoader(ds, batch_sampler=[[0, 2], [4]])
    assert first_column(loader) == [[0, 2], [4]] and len(loader) == 2
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    assert first_column(DataLoader(ds, batch_size=3, num_workers=2)) == [[0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True),
                                                      (9, 3, True), (1, 4, False),
                                                      (1, 4, True)])
def test_loader_matches_torch(n, batch_size, drop_last):
    torch = pytest.importorskip("torch")
    xs = np.random.default_rng(0).standard_normal((n, 2)).astype(np.float32)
    ys = np.arange(n)
    ours = DataLoader(TensorDataset(cr.tensor(xs), cr.tensor(ys)), batch_size=batch_size,
                      drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(xs), torch.tensor(ys)),
        batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is type(b) is list
        for x, y in zip(a, b, strict=True):
            assert str(x.dtype).rsplit(".")[-1] == str(y.dtype).rsplit(".")[-1]
            np.testing.assert_array_equal(x._data, y.numpy())


# ---------------------------------------------------------------- random_split
def test_random_split_lengths_disjoint_and_complete():
    ds = make_dataset(20)
    parts = random_split(ds, [12, 5, 3], generator=Generator().manual_seed(0))
    assert [len(p) for p in parts] == [12, 5, 3]
    assert all(isinstance(p, Subset) and p.dataset is ds for p in parts)
    seen = [i for p in parts for i in p.indices]
    assert sorted(seen) == list(range(20))
    labels = [p[j][1].item() for p in parts for j in range(len(p))]
    assert labels == seen


def test_random_split_fractions_and_seed():
    ds = make_dataset(11)
    a = random_split(ds, [0.5, 0.3, 0.2], generator=Generator().manual_seed(5))
    b = random_split(ds, [0.5, 0.3, 0.2], generator=Generator().manual_seed(5))
    assert [len(p) for p in a] == [6, 3, 2]
    assert [p.indices for p in a] == [p.indices for p in b]
    cr.manual_seed(3)
    c = random_split(ds, [0.5, 0.5])
    cr.manual_seed(3)
    assert [p.indices for p in random_split(ds, [0.5, 0.5])] == [p.indices for p in c]


def test_random_split_errors_and_warning():
    ds = make_dataset(5)
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [2, 2])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(ds, [-0.5, 1.5])
    with pytest.raises(ValueError, match="must not be negative"):
        random_split(ds, [6, -1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = random_split(ds, [0.9, 0.1, 0.0])
    assert [len(p) for p in parts] == [5, 0, 0]
    assert any("Length of split at index 1 is 0" in str(w.message) for w in caught)


@pytest.mark.parametrize("n, fractions", [(10, [0.7, 0.3]), (11, [0.5, 0.3, 0.2]),
                                          (7, [0.1] * 10), (101, [1 / 3] * 3), (3, [0.9, 0.1])])
def test_random_split_sizes_match_torch(n, fractions):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [len(p) for p in random_split(make_dataset(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs
