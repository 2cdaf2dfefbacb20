"""scratchgrad.save / scratchgrad.load as torch.save / torch.load: file objects, Tensors back,
whole objects through the pickle container, weights_only's allowlist, map_location, fuzz."""
from __future__ import annotations

import io
import os
import pickle
import random

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn, optim
from scratchgrad.serialization import (SerializationError, UnpicklingError, add_safe_globals,
                                       clear_safe_globals, get_safe_globals, safe_globals)


class MyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = 2.0

    def forward(self, x):
        return self.fc(x) * self.scale


class Boom:
    """Unpickling this runs os.system: what a malicious file does."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(autouse=True)
def _no_leftover_globals():
    clear_safe_globals()
    yield
    clear_safe_globals()


def _roundtrip(obj, **kwargs):
    buf = io.BytesIO()
    sg.save(obj, buf)
    buf.seek(0)
    return sg.load(buf, **kwargs)


def test_scratchgrad_serialization_is_the_module_and_save_load_are_its():
    assert sg.serialization.save is sg.save and sg.serialization.load is sg.load
    assert issubclass(UnpicklingError, pickle.UnpicklingError)
    assert issubclass(UnpicklingError, SerializationError)


@pytest.mark.parametrize("where", ["bytesio", "open", "path", "pathlike"])
def test_state_dict_round_trip_gives_tensors_with_equal_values_and_dtypes(tmp_path, where):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    state = model.state_dict()
    path = tmp_path / "m.pt"
    if where == "bytesio":
        back = _roundtrip(state)
    elif where == "open":
        with open(path, "wb") as f:
            sg.save(state, f)
        with open(path, "rb") as f:
            back = sg.load(f)
    else:
        sg.save(state, str(path) if where == "path" else path)
        back = sg.load(str(path) if where == "path" else path)
    assert list(back) == list(state)
    for k, v in state.items():
        assert type(back[k]) is sg.Tensor and back[k].dtype == v.dtype
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(back)
    x = sg.randn(5, 3)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_arrays_stay_arrays_and_parameters_stay_parameters():
    p = nn.Parameter(sg.ones(2))
    back = _roundtrip({"a": np.arange(3), "p": p, "t": sg.zeros(2, requires_grad=True),
                       "n": np.float32(1.5), "s": "x"})
    assert type(back["a"]) is np.ndarray and back["a"].tolist() == [0, 1, 2]
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad
    assert type(back["t"]) is sg.Tensor and back["t"].requires_grad
    assert back["n"] == np.float32(1.5) and back["s"] == "x"


def test_optimizer_state_dict_round_trip_loads_into_an_optimizer():
    model = nn.Linear(2, 2)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(sg.ones(1, 2)).sum().backward()
    opt.step()
    back = _roundtrip(opt.state_dict())
    opt2 = optim.Adam(nn.Linear(2, 2).parameters(), lr=0.5)
    opt2.load_state_dict(back)
    assert opt2.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(np.asarray(opt2.state_dict()["state"][0]["exp_avg"]),
                                  np.asarray(opt.state_dict()["state"][0]["exp_avg"]))


def test_whole_module_round_trip_with_weights_only_false_gives_a_working_model(tmp_path):
    model = MyNet()
    path = tmp_path / "net.pt"
    sg.save(model, path)
    back = sg.load(path, weights_only=False)
    assert type(back) is MyNet and back is not model
    x = sg.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    assert type(back.fc.weight) is nn.Parameter and back.fc.weight.requires_grad
    back(x).sum().backward()
    assert back.fc.weight.grad is not None


def test_whole_module_is_refused_by_default_with_a_clear_message(tmp_path):
    path = tmp_path / "net.pt"
    sg.save(MyNet(), path)
    with pytest.raises(UnpicklingError) as e:
        sg.load(path)
    msg = str(e.value)
    assert str(path) in msg and "MyNet" in msg and "weights_only=False" in msg
    assert "add_safe_globals" in msg


def test_safe_globals_let_a_module_load_and_are_scoped(tmp_path):
    path = tmp_path / "net.pt"
    model = MyNet()
    sg.save(model, path)
    with safe_globals([MyNet, nn.Linear]):
        assert MyNet in get_safe_globals()
        back = sg.load(path)
    assert get_safe_globals() == []
    x = sg.randn(2, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(UnpicklingError, match="Linear"):  # MyNet alone is not enough
        with safe_globals([MyNet]):
            sg.load(path)
    add_safe_globals([MyNet, nn.Linear])
    assert type(sg.load(path)) is MyNet
    clear_safe_globals()
    with pytest.raises(UnpicklingError):
        sg.load(path)


def test_whole_optimizer_round_trip_with_weights_only_false():
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(sg.ones(1, 2)).sum().backward()
    opt.step()
    back_model, back_opt = _roundtrip((model, opt), weights_only=False)
    # the optimizer holds the very parameters of the loaded model (identity kept by the pickle)
    assert back_opt.param_groups[0]["params"][0] is back_model.weight
    assert back_opt.param_groups[0]["lr"] == 0.1
    back_model(sg.ones(1, 2)).sum().backward()
    before = back_model.weight.detach().numpy().copy()
    back_opt.step()
    assert not np.array_equal(before, back_model.weight.detach().numpy())


def test_shared_tensors_stay_shared():
    t = sg.ones(3)
    a, b, c = _roundtrip((t, t, {1, 2}))  # a set is not a state: the pickle container
    assert a is b and c == {1, 2}


def _assert_refused_without_side_effect(tmp_path, load):
    marker = tmp_path / "pwned"
    with pytest.raises(SerializationError) as e:
        load()
    assert not marker.exists()
    return str(e.value)


def test_default_refuses_an_os_system_pickle_in_the_container(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    sg.save({"payload": Boom(str(marker)), "w": sg.ones(2)}, path)  # not a state: container
    assert not marker.exists()
    msg = _assert_refused_without_side_effect(tmp_path, lambda: sg.load(path))
    assert "system" in msg and "weights_only=False" in msg
    with pytest.raises(SerializationError):
        with safe_globals([MyNet]):
            sg.load(path)
    assert not marker.exists()


def test_default_refuses_a_hand_made_os_system_pickle(tmp_path):
    marker = tmp_path / "pwned"
    # GLOBAL 'os system', a string, TUPLE1, REDUCE, STOP: protocol 0 opcodes written by hand
    evil = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(b"\x80\x02" + evil[0:])
    _assert_refused_without_side_effect(tmp_path, lambda: sg.load(raw))
    _assert_refused_without_side_effect(tmp_path, lambda: sg.load(io.BytesIO(raw.read_bytes())))
    # the same pickle as data.pkl of a container with a valid marker and digest
    good = io.BytesIO()
    sg.save(MyNet(), good)
    src = zipfile_members(good.getvalue())
    import hashlib
    import json
    blob = b"\x80\x02" + evil
    marker_json = json.loads(src["scratchgrad_pickle.json"])
    marker_json["pickle_sha256"] = hashlib.sha256(blob).hexdigest()
    src["scratchgrad_pickle.json"] = json.dumps(marker_json).encode()
    src["data.pkl"] = blob
    crafted = tmp_path / "crafted.pt"
    write_zip(crafted, src)
    msg = _assert_refused_without_side_effect(tmp_path, lambda: sg.load(crafted))
    assert "os.system" in msg or "posix.system" in msg


def test_a_torch_save_file_is_refused_clearly(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    path = tmp_path / "t.pt"
    torch.save({"w": torch.ones(2), "boom": Boom(str(marker))}, path)
    with pytest.raises(SerializationError, match="torch.save"):
        sg.load(path)
    with pytest.raises(SerializationError, match="torch.save"):
        sg.load(path, weights_only=False)
    assert not marker.exists()


def test_a_raw_pickle_loads_with_weights_only_when_it_holds_only_allowed_things(tmp_path):
    path = tmp_path / "p.pkl"
    path.write_bytes(pickle.dumps({"a": [1, 2.5, (3, "x")], "b": {1, 2}, "c": b"by"}, 2))
    assert sg.load(path) == {"a": [1, 2.5, (3, "x")], "b": {1, 2}, "c": b"by"}


def test_map_location_is_accepted():
    state = {"w": sg.ones(2)}
    for where in ("cpu", sg.device("cpu"), {"cpu": "cpu"}, lambda t, loc: t, None):
        assert _roundtrip(state, map_location=where)["w"].device == "cpu"
    assert _roundtrip(MyNet(), map_location="cpu", weights_only=False).fc.weight.device == "cpu"
    seen = []
    _roundtrip(state, map_location=lambda t, loc: seen.append(loc))
    assert seen == ["cpu"]
    with pytest.raises(TypeError):
        _roundtrip(state, map_location=3)


def test_map_location_cuda_without_a_gpu_is_a_clear_error():
    pytest.importorskip("numpy")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(SerializationError, match="map_location='cpu'"):
        _roundtrip({"w": sg.ones(2)}, map_location="cuda")


def test_mmap_is_accepted(tmp_path):
    sg.save({"w": sg.ones(2)}, tmp_path / "a.pt")
    assert sg.load(tmp_path / "a.pt", mmap=True)["w"].tolist() == [1.0, 1.0]


def test_a_failed_load_changes_nothing(tmp_path):
    model = MyNet()
    path = tmp_path / "net.pt"
    sg.save(model, path)
    before = open(path, "rb").read()
    with pytest.raises(SerializationError):
        sg.load(path)
    assert open(path, "rb").read() == before and get_safe_globals() == []
    from scratchgrad import serialization
    assert getattr(serialization._loading, "map_location", None) is None


def test_save_to_a_path_is_atomic_when_pickling_fails(tmp_path):
    path = tmp_path / "x.pt"
    sg.save({"v": 1}, path)
    with pytest.raises(Exception):
        sg.save(lambda: 0, path)  # a lambda cannot be pickled
    assert sg.load(path) == {"v": 1} and os.listdir(tmp_path) == ["x.pt"]


def zipfile_members(raw: bytes) -> dict[str, bytes]:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path, members: dict[str, bytes]) -> None:
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, b in members.items():
            z.writestr(n, b)


def _damaged(raw: bytes, seed: int, n: int = 200):
    rng = random.Random(seed)
    for i in range(n):
        if i % 4 == 0:
            yield raw[:rng.randrange(len(raw))]
        else:
            b = bytearray(raw)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            yield bytes(b)


@pytest.mark.parametrize("weights_only", [True, False])
def test_fuzzed_pickle_containers_load_identically_or_fail(tmp_path, weights_only):
    model = MyNet()
    buf = io.BytesIO()
    sg.save(model, buf)
    raw = buf.getvalue()
    x = sg.randn(2, 3)
    reference = model(x).detach().numpy()
    failed = identical = silent = 0
    with safe_globals([MyNet, nn.Linear]):
        for damaged in _damaged(raw, seed=int(weights_only)):
            try:
                back = sg.load(io.BytesIO(damaged), weights_only=weights_only)
            except SerializationError:
                failed += 1
                continue
            same = type(back) is MyNet and back.scale == model.scale and \
                np.array_equal(back(x).detach().numpy(), reference) and \
                list(back.state_dict()) == list(model.state_dict())
            identical += same
            silent += not same
    assert silent == 0 and failed + identical == 200 and failed > 150
