"""Ready-made models for the CLI and the demo, with named layers so a state_dict reads well.

``mlp()`` (784-256-256-10 by default)::

    flatten -> fc1 -> relu1 -> fc2 -> relu2 -> fc3
    state_dict keys: fc1.weight, fc1.bias, fc2.*, fc3.*

``cnn()`` (for 1 x 28 x 28 images)::

    conv1 (1->32, 3x3, pad 1) -> bn1 -> pool1 (2x2) -> relu1     # 32 x 14 x 14
    conv2 (32->64, 3x3, pad 1) -> bn2 -> pool2 (2x2) -> relu2    # 64 x 7 x 7
    flatten -> fc1 (3136->128) -> relu3 -> dropout -> fc2 (128->10)
    state_dict keys: conv1.*, bn1.{weight,bias,running_mean,running_var,num_batches_tracked},
                     conv2.*, bn2.*, fc1.*, fc2.*

Each block pools before its ReLU: max pooling and ReLU commute (``max(relu(a), relu(b)) ==
relu(max(a, b))``, gradients too), so this is the usual conv-BN-ReLU-pool block, with the
ReLU on a quarter of the elements.

:func:`build_model` makes either from its name and keyword arguments, which is how a
checkpoint's metadata rebuilds the model it was saved from.

>>> import scratchgrad as sg
>>> model = build_model("mlp", in_features=2, hidden=(16,), num_classes=3)
>>> model(sg.randn(4, 2)).shape
(4, 3)
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Sequence

from . import nn

__all__ = ["mlp", "cnn", "build_model", "MODELS"]


def mlp(in_features: int = 784, hidden: Sequence[int] = (256, 256), num_classes: int = 10,
        dropout: float = 0.0) -> nn.Sequential:
    """A multilayer perceptron: Flatten, then Linear + ReLU per hidden width (+ Dropout when
    ``dropout > 0``), then a Linear to ``num_classes`` logits. Layers are ``fc1, fc2, ...``.

    Flatten first, so (N, 1, 28, 28) images and (N, 784) rows both work.

    >>> import scratchgrad as sg
    >>> m = mlp()
    >>> [k for k in m.state_dict()]
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']
    >>> m(sg.randn(2, 1, 28, 28)).shape
    (2, 10)
    """
    layers: OrderedDict[str, nn.Module] = OrderedDict(flatten=nn.Flatten())
    width = in_features
    for i, h in enumerate(hidden, 1):
        layers[f"fc{i}"] = nn.Linear(width, h)
        layers[f"relu{i}"] = nn.ReLU()
        if dropout > 0:
            layers[f"dropout{i}"] = nn.Dropout(dropout)
        width = h
    layers[f"fc{len(hidden) + 1}"] = nn.Linear(width, num_classes)
    return nn.Sequential(layers)


def cnn(in_channels: int = 1, num_classes: int = 10, image_size: int = 28,
        dropout: float = 0.5) -> nn.Sequential:
    """The small convolutional network of the demo (layout in the module docstring): two
    conv-BN-maxpool-ReLU blocks (32 then 64 channels), a 128-unit hidden layer with dropout.

    >>> import scratchgrad as sg
    >>> m = cnn()
    >>> list(m.state_dict())[:3]
    ['conv1.weight', 'conv1.bias', 'bn1.weight']
    >>> m.eval()(sg.randn(2, 1, 28, 28)).shape
    (2, 10)
    """
    conv2d = getattr(nn, "Conv2d", None)
    max_pool = getattr(nn, "MaxPool2d", None)
    if conv2d is None or max_pool is None:
        raise ImportError("models.cnn needs nn.Conv2d and nn.MaxPool2d (scratchgrad/nn/conv.py "
                          "and nn/pooling.py), which this installation lacks")
    if image_size % 4:
        raise ValueError(f"cnn: image_size should be divisible by 4 (two 2x2 poolings), got "
                         f"{image_size}")
    side = image_size // 4
    return nn.Sequential(OrderedDict(
        conv1=conv2d(in_channels, 32, 3, padding=1),
        bn1=nn.BatchNorm2d(32),
        pool1=max_pool(2),  # before the ReLU: the same values, the ReLU on 4x fewer elements
        relu1=nn.ReLU(),
        conv2=conv2d(32, 64, 3, padding=1),
        bn2=nn.BatchNorm2d(64),
        pool2=max_pool(2),
        relu2=nn.ReLU(),
        flatten=nn.Flatten(),
        fc1=nn.Linear(64 * side * side, 128),
        relu3=nn.ReLU(),
        dropout=nn.Dropout(dropout),
        fc2=nn.Linear(128, num_classes),
    ))


#: Model builders by name (what ``--model`` and a checkpoint's ``meta["model"]`` refer to).
MODELS: dict[str, Callable[..., nn.Module]] = {"mlp": mlp, "cnn": cnn}


def build_model(name: str, **kwargs: Any) -> nn.Module:
    """The model called ``name`` in :data:`MODELS`, built with ``kwargs``.

    >>> type(build_model("mlp")).__name__
    'Sequential'
    """
    try:
        builder = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}") from None
    return builder(**kwargs)
