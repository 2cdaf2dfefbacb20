"""Trainer: fit, evaluate, predict, schedulers, early stopping, history and its plot."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn, optim
from scratchgrad.data import DataLoader, Spiral, TensorDataset
from scratchgrad.optim import lr_scheduler
from scratchgrad.train import (Accuracy, EarlyStopping, History, Trainer, get_metric,
                               load_history, plot_history)


def _spiral_loaders(batch_size: int = 32):
    train = Spiral(num_samples_per_class=60, seed=0)
    val = Spiral(num_samples_per_class=30, seed=1)
    return (DataLoader(train, batch_size=batch_size, shuffle=True),
            DataLoader(val, batch_size=90, shuffle=False))


def _model(dropout: float = 0.0) -> nn.Module:
    layers = [nn.Linear(2, 32), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(32, 3))


def _trainer(model: nn.Module, lr: float = 0.05, **kw) -> Trainer:
    return Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr),
                   progress=False, **kw)


def test_fit_reduces_loss_and_logs_metrics():
    train, val = _spiral_loaders()
    trainer = _trainer(_model())
    history = trainer.fit(train, epochs=8, val_loader=val)
    assert len(history) == 8 and history["epoch"] == list(range(1, 9))
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["accuracy"][-1] > history["accuracy"][0]
    for key in ("val_loss", "val_accuracy", "lr", "time", "samples_per_s"):
        assert key in history
    assert trainer.epoch == 8


def test_evaluate_and_predict_shapes_and_modes():
    train, val = _spiral_loaders()
    model = _model(dropout=0.5)
    trainer = _trainer(model)
    result = trainer.evaluate(val)
    assert set(result) == {"loss", "accuracy"} and 0.0 <= result["accuracy"] <= 1.0
    assert model.training  # evaluate restores the mode it found
    x = sg.tensor(Spiral(num_samples_per_class=10, seed=3).data)
    out = trainer.predict(x)
    assert out.shape == (30, 3) and not out.requires_grad
    # eval mode: dropout off, so predictions repeat exactly, and chunks agree (up to BLAS's
    # blocking, which depends on the batch size)
    np.testing.assert_array_equal(trainer.predict(x)._data, out._data)
    np.testing.assert_allclose(trainer.predict(x, batch_size=7)._data, out._data, atol=1e-6)
    assert trainer.predict(val).shape == (90, 3)
    assert trainer.predict(x._data).shape == (30, 3)  # a NumPy array works too


def test_metric_accuracy_counts_and_names():
    acc = get_metric("accuracy")
    acc.update(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1]))
    assert acc.compute() == pytest.approx(2 / 3)
    assert get_metric("top3").name == "top3_accuracy"
    assert isinstance(get_metric(Accuracy()), Accuracy)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        get_metric("f1")


def test_custom_metric_function_is_averaged_over_samples():
    train, _ = _spiral_loaders()

    def confident(out, target):
        return float(np.exp(out).max(axis=1).mean())

    trainer = Trainer(_model(), nn.CrossEntropyLoss(),
                      optim.SGD(_model().parameters(), lr=0.1), progress=False,
                      metrics=["accuracy", confident])
    assert "confident" in trainer.evaluate(train)


def test_early_stopping_stops_when_monitor_stalls():
    train, val = _spiral_loaders()
    model = _model()
    # lr = 0: nothing changes, so val_accuracy never improves after the first epoch
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0),
                      progress=False)
    history = trainer.fit(train, epochs=20, val_loader=val,
                          early_stopping=dict(monitor="val_accuracy", patience=2, mode="max"))
    assert len(history) == 4  # best at 1, then 3 epochs without improvement (> patience)
    assert trainer.early_stopping.stopped and trainer.early_stopping.best_epoch == 1


def test_early_stopping_needs_val_loader_for_val_monitor():
    train, _ = _spiral_loaders()
    with pytest.raises(ValueError, match="needs a val_loader"):
        _trainer(_model()).fit(train, epochs=1, early_stopping={"monitor": "val_loss"})


def test_early_stopping_state_round_trip():
    es = EarlyStopping(monitor="loss", patience=0, mode="min")
    es.update({"loss": 1.0})
    clone = EarlyStopping(monitor="loss", patience=0, mode="min")
    clone.load_state_dict(json.loads(json.dumps(es.state_dict())))
    assert clone.update({"loss": 1.5}) is True


def test_epoch_scheduler_is_stepped_once_per_epoch():
    train, _ = _spiral_loaders()
    model = _model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False).fit(train, 3)
    assert history["lr"] == [1.0, 0.5, 0.25]
    assert opt.param_groups[0]["lr"] == 0.125


def test_plateau_scheduler_gets_the_monitored_value():
    train, val = _spiral_loaders()
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.0)  # a flat val_loss: plateau right away
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=0)
    seen = []
    original = sched.step
    sched.step = lambda metric: (seen.append(metric), original(metric))  # type: ignore
    history = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False) \
        .fit(train, 2, val_loader=val)
    assert seen == history["val_loss"]


def test_batch_scheduler_steps_after_every_batch():
    train, _ = _spiral_loaders(batch_size=60)  # 180 samples: 3 batches per epoch
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=6)
    Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False,
            scheduler_step="batch").fit(train, 2)
    assert sched.last_epoch == 6
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        Trainer(model, nn.CrossEntropyLoss(), opt, lr_scheduler.ReduceLROnPlateau(opt),
                scheduler_step="batch")


def test_nan_loss_is_reported():
    model = nn.Linear(2, 3)
    x = sg.tensor([[np.nan, 0.0]])
    with pytest.raises(FloatingPointError, match="loss became nan"):
        _trainer(model).fit([(x, sg.tensor([0]))], epochs=1)


def test_ctrl_c_in_fit_or_evaluate_stops_the_loaders_thread_at_once():
    """The epoch's iterator is closed when Ctrl-C (or any error) leaves the loop, not left
    for the garbage collector, which may reach it only at interpreter exit."""
    import gc
    import threading

    def prefetch_threads():
        return [t for t in threading.enumerate() if t.name == "DataLoader-prefetch"]

    class Interrupting(nn.CrossEntropyLoss):
        def forward(self, out, y):
            raise KeyboardInterrupt

    class Keeping(DataLoader):  # holds on to its iterator, as a loader may
        def __iter__(self):
            self.last = super().__iter__()
            return self.last

    train = Keeping(Spiral(num_samples_per_class=60, seed=0), batch_size=32)
    val = Keeping(Spiral(num_samples_per_class=30, seed=1), batch_size=90)
    trainer = Trainer(_model(), Interrupting(), optim.SGD(_model().parameters()),
                      progress=False)
    gc.disable()  # the iterator must be closed without the collector's help
    try:
        for run in (lambda: trainer.fit(train, epochs=1), lambda: trainer.evaluate(val)):
            with pytest.raises(KeyboardInterrupt):
                run()
            assert not prefetch_threads()
    finally:
        gc.enable()


def test_bad_batch_shape_is_reported():
    with pytest.raises(ValueError, match=r"pair \(inputs, targets\)"):
        _trainer(nn.Linear(2, 3)).fit([(sg.randn(1, 2),)], epochs=1)


def test_progress_prints_one_plain_line_per_epoch_when_not_a_tty(capsys):
    train, _ = _spiral_loaders()
    model = _model()
    Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), progress=True) \
        .fit(train, 2)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 2 and "samples/s" in lines[0] and "accuracy" in lines[0]


def test_history_files_written_each_epoch(tmp_path):
    train, val = _spiral_loaders()
    _trainer(_model()).fit(train, 2, val_loader=val, checkpoint_dir=tmp_path)
    rows = json.loads((tmp_path / "history.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "lr"} <= set(rows[0])
    csv_lines = (tmp_path / "history.csv").read_text().splitlines()
    assert csv_lines[0].split(",")[:3] == ["epoch", "loss", "accuracy"]
    assert len(csv_lines) == 3
    from_csv = load_history(tmp_path / "history.csv")
    assert from_csv["loss"] == pytest.approx([r["loss"] for r in rows], rel=1e-12)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_history_nan_and_missing_values():
    h = History([{"epoch": 1, "loss": float("nan")}, {"epoch": 2, "loss": 1.0, "x": 3}])
    assert h["loss"] == [None, 1.0] and h["x"] == [None, 3]
    assert json.loads(h.to_json())[0]["loss"] is None
    with pytest.raises(KeyError, match="no column 'nope'"):
        h["nope"]


def test_plot_history_writes_png(tmp_path):
    h = {"epoch": [1, 2, 3], "loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.7],
         "accuracy": [0.5, 0.6, 0.7], "val_accuracy": [0.4, 0.5, 0.55], "lr": [0.1] * 3}
    out = plot_history(h, tmp_path / "curves.png")
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    json_path = tmp_path / "history.json"
    History.from_dict(h).save(tmp_path)
    plot_history(json_path, tmp_path / "from_file.png")
    assert (tmp_path / "from_file.png").stat().st_size > 1000


def test_plot_history_without_matplotlib_names_it(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="matplotlib"):
        plot_history({"loss": [1.0]}, tmp_path / "c.png")


def test_tensor_dataset_loader_and_models_fit():
    from scratchgrad.models import mlp

    x = sg.randn(64, 1, 4, 4)
    y = (x._data.reshape(64, -1).sum(axis=1) > 0).astype(np.int64)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = mlp(in_features=16, hidden=(32,), num_classes=2)
    history = _trainer(model, lr=0.02).fit(loader, epochs=6)
    assert history["accuracy"][-1] > 0.8


def test_compiled_training_equals_eager_training():
    """Trainer(compile=True): the same losses and weights as eager mode, with dropout and a
    per-batch scheduler (the last batch of each epoch is smaller: a second trace)."""
    def run(compile_):
        sg.manual_seed(0)
        train, val = _spiral_loaders(batch_size=50)
        model = _model(dropout=0.2)
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        trainer = Trainer(model, nn.CrossEntropyLoss(), opt, sched, progress=False,
                          scheduler_step="batch", compile=compile_)
        history = trainer.fit(train, epochs=3, val_loader=val)
        return history, [p._data.copy() for p in model.parameters()], trainer

    h_eager, w_eager, _ = run(False)
    h_comp, w_comp, trainer = run(True)
    np.testing.assert_allclose(h_comp["loss"], h_eager["loss"], rtol=1e-6)
    np.testing.assert_allclose(h_comp["val_accuracy"], h_eager["val_accuracy"])
    for a, b in zip(w_eager, w_comp):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    assert trainer._train_step.traces == 2  # batches of 50 and the last one of 30
