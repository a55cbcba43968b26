"""chainrule.save / chainrule.load: round trips, and clear errors for damaged or foreign files."""

import collections
import io
import json
import math
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import Parameter
from chainrule.serialization import SerializationError, _digest, load, save


def assert_same(a, b):
    """Same structure, types, dtypes, shapes, values and requires_grad."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, cr.Tensor):
        assert a._data.dtype == b._data.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a._data, b._data)
        assert a.requires_grad == b.requires_grad and b.grad_fn is None
        if isinstance(a, Parameter):
            assert a.name == b.name
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert [(type(k), k) for k in a] == [(type(k), k) for k in b]
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def round_trip(obj, tmp_path):
    path = tmp_path / "obj.pt"
    save(obj, path)
    return load(path)


def optimizer_like_state():
    return {
        "state": {0: {"step": 3, "momentum_buffer": cr.randn(3)},
                  1: {"step": cr.tensor(3.0), "exp_avg": cr.zeros(2, 2), "flag": None}},
        "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "nesterov": False,
                          "weight_decay": 0, "params": [0, 1], "name": "default"}],
    }


DTYPES = [cr.float16, cr.float32, cr.float64, cr.uint8, cr.int8, cr.int16, cr.int32, cr.int64,
          cr.bool]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (5,), (2, 3, 4)], ids=str)
def test_tensor_round_trip(dtype, shape, tmp_path):
    values = np.random.default_rng(0).standard_normal(shape) * 10
    t = cr.tensor(values).to(dtype)
    assert_same(t, round_trip(t, tmp_path))


def test_requires_grad_parameters_and_noncontiguous(tmp_path):
    x = cr.randn(3, 4, requires_grad=True)
    obj = [x, x * 2, Parameter(cr.randn(2), name="bias"), Parameter(cr.ones(2), False),
           cr.randn(4, 3).t(), cr.arange(10)[::3]]
    out = round_trip(obj, tmp_path)
    assert out[1].requires_grad and out[1].is_leaf  # a computed tensor loads as a leaf, as torch
    assert isinstance(out[2], Parameter) and out[2].name == "bias"
    assert isinstance(out[3], Parameter) and not out[3].requires_grad
    for a, b in zip(obj, out):
        assert type(a) is type(b) and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a._data, b._data)


@pytest.mark.parametrize("obj", [
    None, True, 0, -(2 ** 70), 1.5, float("inf"), float("nan"), "", "héllo ✓",
    [], (), {}, collections.OrderedDict(),
    [1, [2, [3, (4, None)]]], (cr.ones(2),), ((), [()]),
    {"a": {"b": {"c": [cr.zeros(1), "x", False]}}},
    {1: "int key", 2.5: "float key", None: "none", False: "bool", ("t", 1): "tuple key"},
    collections.OrderedDict([("z", cr.ones(1)), ("a", cr.zeros(1)), ("m", 2)]),
    np.arange(6, dtype=np.int16).reshape(2, 3), np.array([1 + 2j, 3j]), np.zeros((0, 2)),
    np.arange(3, dtype=">f4"), np.float16(2.5), np.int64(-3), np.bool_(True),
], ids=repr)
def test_structure_round_trip(obj, tmp_path):
    assert_same(obj, round_trip(obj, tmp_path))


def test_optimizer_and_model_state_dicts(tmp_path):
    state = optimizer_like_state()
    assert_same(state, round_trip(state, tmp_path))
    model = cr.nn.Linear(4, 3)
    sd = collections.OrderedDict((k, p.detach()) for k, p in model.named_parameters())
    out = round_trip(sd, tmp_path)
    assert type(out) is collections.OrderedDict and list(out) == ["weight", "bias"]
    assert_same(sd, out)


def test_shared_objects_stay_shared_and_loaded_data_is_independent(tmp_path):
    t = cr.ones(3)
    out = round_trip({"a": t, "b": [t, t.clone()]}, tmp_path)
    assert out["a"] is out["b"][0] and out["b"][1] is not out["a"]
    t.add_(1)
    assert out["a"].tolist() == [1.0, 1.0, 1.0]
    out["a"].add_(5)  # loaded tensors are writable
    assert out["b"][0].tolist() == [6.0, 6.0, 6.0]


def test_paths_and_file_objects(tmp_path):
    t = cr.arange(4)
    save(t, str(tmp_path / "plain"))
    assert (tmp_path / "plain").exists() and not (tmp_path / "plain.npz").exists()
    assert_same(t, load(str(tmp_path / "plain")))
    assert_same(t, load(pathlib.Path(tmp_path / "plain")))
    buf = io.BytesIO()
    save(t, buf)
    buf.seek(0)
    assert_same(t, load(buf))
    with open(tmp_path / "f.pt", "wb") as f:
        save(t, f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert_same(t, load(f, map_location="cpu", weights_only=True))
    with pytest.raises(RuntimeError, match="CPU only"):
        load(tmp_path / "f.pt", map_location="cuda")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


@pytest.mark.parametrize("obj", [object(), {1, 2}, [1, 2j], {cr.ones(1): 1},
                                 np.array([1, None], dtype=object), np.array(["a"]),
                                 collections.Counter("ab").keys()], ids=repr)
def test_unsupported_objects_raise_before_writing(obj, tmp_path):
    path = tmp_path / "bad.pt"
    with pytest.raises(TypeError, match="chainrule.save can"):
        save(obj, path)
    assert not path.exists()


def test_requires_grad_like_torch(tmp_path):
    torch = pytest.importorskip("torch")
    x = torch.ones(2, requires_grad=True)
    torch.save([x, x * 2, torch.nn.Parameter(torch.ones(1))], tmp_path / "t.pt")
    theirs = torch.load(tmp_path / "t.pt")
    y = cr.ones(2, requires_grad=True)
    ours = round_trip([y, y * 2, Parameter(cr.ones(1))], tmp_path)
    for a, b in zip(ours, theirs):
        assert (a.requires_grad, a.is_leaf) == (b.requires_grad, b.is_leaf)
        assert isinstance(a, Parameter) == isinstance(b, torch.nn.Parameter)


# ---------------------------------------------------------------- damaged and foreign files
SAMPLE = collections.OrderedDict(w=cr.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)),
                                 b=[cr.tensor([1, 2], dtype=cr.int32), 3.5, "x"])


@pytest.fixture
def sample_bytes():
    buf = io.BytesIO()
    save(SAMPLE, buf)
    return buf.getvalue()


def member_data_ranges(data: bytes):
    """(start, stop) of every member's contents (the index, the checksum, each .npy) in a zip."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                            info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            ranges.append((start, start + info.compress_size))
    return ranges


def write(tmp_path, data: bytes, name="damaged.pt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_every_flipped_byte_in_the_data_is_detected(sample_bytes, tmp_path):
    ranges = member_data_ranges(sample_bytes)
    assert len(ranges) == 4 and sum(b - a for a, b in ranges) > 300
    path = tmp_path / "damaged.pt"
    for start, stop in ranges:
        for i in range(start, stop):
            for mask in (0x01, 0xFF):
                data = bytearray(sample_bytes)
                data[i] ^= mask
                path.write_bytes(data)
                with pytest.raises(SerializationError) as err:
                    load(path)
                assert err.value.path == str(path) and str(path) in str(err.value)


def test_a_flipped_byte_anywhere_never_gives_a_different_object(sample_bytes):
    # Bytes of zip bookkeeping that readers ignore (timestamps, copies of the sizes in the local
    # headers) may flip harmlessly; every other flip is an error.
    harmless = 0
    for i in range(len(sample_bytes)):
        data = bytearray(sample_bytes)
        data[i] ^= 0x5A
        try:
            out = load(io.BytesIO(bytes(data)))
        except SerializationError:
            continue
        assert_same(SAMPLE, out)
        harmless += 1
    assert harmless < len(sample_bytes) // 4


def test_truncation_anywhere_is_detected(sample_bytes, tmp_path):
    path = tmp_path / "short.pt"
    for n in range(len(sample_bytes)):
        path.write_bytes(sample_bytes[:n])
        with pytest.raises(SerializationError):
            load(path)


def test_error_class_and_messages(tmp_path, sample_bytes):
    assert issubclass(SerializationError, RuntimeError)
    path = write(tmp_path, sample_bytes[:-10])
    with pytest.raises(SerializationError, match="damaged or truncated") as err:
        load(path)
    assert err.value.path == str(path) and "damaged" in err.value.reason
    with pytest.raises(SerializationError, match="the file is empty"):
        load(write(tmp_path, b""))


def rebuilt(sample_bytes, edit):
    """The sample archive rewritten member by member (with fresh, valid zip CRCs) after
    ``edit(members)``, which changes the dict of name -> array in place."""
    with np.load(io.BytesIO(sample_bytes), allow_pickle=False) as npz:
        members = {name: npz[name] for name in npz.files}
    edit(members)
    buf = io.BytesIO()
    np.savez(buf, **members)
    return buf.getvalue()


def test_checksum_catches_changes_the_zip_crc_cannot(sample_bytes, tmp_path):
    def change_value(members):
        members["a0"] = members["a0"].copy()
        members["a0"][1, 1] += 1

    with pytest.raises(SerializationError, match="checksum mismatch"):
        load(write(tmp_path, rebuilt(sample_bytes, change_value)))

    def change_index(members):
        members["__chainrule__"] = np.frombuffer(
            bytes(members["__chainrule__"]).replace(b'"x"', b'"y"'), np.uint8)

    with pytest.raises(SerializationError, match="checksum mismatch"):
        load(write(tmp_path, rebuilt(sample_bytes, change_index)))

    def drop_array(members):
        del members["a1"]

    with pytest.raises(SerializationError, match="members don't match"):
        load(write(tmp_path, rebuilt(sample_bytes, drop_array)))


def test_future_version_is_refused(sample_bytes, tmp_path):
    def bump(members):
        header = json.loads(bytes(members["__chainrule__"]))
        header["version"] = 2
        index = json.dumps(header).encode()
        arrays = [members[f"a{i}"] for i in range(len(header["arrays"]))]
        members["__chainrule__"] = np.frombuffer(index, np.uint8)
        members["__chainrule_sha256__"] = np.frombuffer(_digest(index, arrays), np.uint8)

    with pytest.raises(SerializationError, match="unsupported format version 2"):
        load(write(tmp_path, rebuilt(sample_bytes, bump)))


class CreatesFile:
    """Unpickling this creates ``path``: the file must never appear."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_pickles_are_never_run(tmp_path, sample_bytes):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump({"state": CreatesFile(marker)}, f)
    with pytest.raises(SerializationError, match="pickle"):
        load(path)
    # a pickled object array hidden inside an archive that otherwise looks right
    evil = np.empty(1, dtype=object)
    evil[0] = CreatesFile(marker)

    def plant(members):
        members["a1"] = evil

    with pytest.raises(SerializationError):
        load(write(tmp_path, rebuilt(sample_bytes, plant)))
    # a NumPy file of an object array
    np.save(tmp_path / "obj.npy", evil, allow_pickle=True)
    with pytest.raises(SerializationError, match="NumPy .npy file"):
        load(tmp_path / "obj.npy")
    assert not marker.exists()


@pytest.mark.parametrize("content, match", [
    (np.random.default_rng(0).bytes(200), "no zip archive signature"),
    (b"hello, world\n", "no zip archive signature"),
    (b"PK\x03\x04" + bytes(60), "damaged or truncated"),
], ids=["random", "text", "zip-magic"])
def test_foreign_bytes(content, match, tmp_path):
    with pytest.raises(SerializationError, match=match):
        load(write(tmp_path, content, "foreign.bin"))


def test_plain_npz_and_plain_zip(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.ones(3))
    with pytest.raises(SerializationError, match="no chainrule index"):
        load(tmp_path / "plain.npz")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("__chainrule__.npy", "not an array")
        z.writestr("__chainrule_sha256__.npy", "nor this")
    with pytest.raises(SerializationError, match="index or checksum member is damaged"):
        load(tmp_path / "other.zip")


def test_torch_save_file_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    torch.save({"w": torch.ones(2), "evil": CreatesFile(marker)}, tmp_path / "t.pt")
    with pytest.raises(SerializationError, match="no chainrule index"):
        load(tmp_path / "t.pt")
    assert not marker.exists()
