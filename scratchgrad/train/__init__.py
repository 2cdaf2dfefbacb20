"""Training utilities: the :class:`Trainer` fit loop, metrics, checkpoints and the history.

>>> import scratchgrad as sg
>>> from scratchgrad import nn, optim
>>> from scratchgrad.train import Trainer
>>> model = nn.Linear(4, 3)
>>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()),
...                   progress=False)
>>> trainer.fit([(sg.randn(8, 4), sg.tensor([0, 1, 2, 0, 1, 2, 0, 1]))], epochs=1)["epoch"]
[1]
"""
from .checkpoint import (CHECKPOINT_NAME, CheckpointError, get_rng_states, load_checkpoint,
                         restore_checkpoint, save_checkpoint, set_rng_states)
from .history import History, load_history, plot_history
from .metrics import Accuracy, MeanMetric, Metric, get_metric
from .trainer import EarlyStopping, Trainer

__all__ = ["Trainer", "EarlyStopping", "Metric", "Accuracy", "MeanMetric", "get_metric",
           "History", "load_history", "plot_history", "CHECKPOINT_NAME", "CheckpointError",
           "get_rng_states", "set_rng_states", "save_checkpoint", "load_checkpoint",
           "restore_checkpoint"]
