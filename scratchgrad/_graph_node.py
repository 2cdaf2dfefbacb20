"""What a graph node shows of itself, in PyTorch's terms: ``grad_fn.name()``,
``grad_fn.next_functions`` and the ``AccumulateGrad`` nodes of leaves. For looking at a graph;
the engine itself does not use it."""
from __future__ import annotations

import weakref
from typing import Any


class _GraphNode:
    """The inspection methods of :class:`~scratchgrad.function.Function`."""

    inputs: tuple

    def name(self) -> str:
        """The node's name as PyTorch's ``grad_fn.name()`` gives it: the op's class name and
        ``Backward0`` (``MulBackward0``), or PyTorch's own name where a scratchgrad op is
        exactly one PyTorch op under another name (``Concat`` is ``CatBackward0``).

        >>> import scratchgrad as sg
        >>> (sg.ones(2, requires_grad=True) * 2).grad_fn.name()
        'MulBackward0'
        """
        cls = type(self).__name__
        return _TORCH_NAMES.get(cls) or cls + "Backward0"

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_index)`` pair per input, as PyTorch's ``grad_fn.next_functions``:
        the node that made the input, an :class:`AccumulateGrad` for a leaf that requires
        grad, ``(None, 0)`` for an input that needs no gradient (constants included).

        >>> import scratchgrad as sg
        >>> a = sg.ones(2, requires_grad=True)
        >>> (a * 2).grad_fn.next_functions  # doctest: +ELLIPSIS
        ((<AccumulateGrad object at 0x...>, 0), (None, 0))
        """
        inputs = getattr(self, "inputs", None)
        if inputs is None:  # an op called while no graph was recorded
            return ()
        edges = []
        for x in inputs:
            if x.creator is not None:
                edges.append((x.creator, x._out_index))
            elif x.requires_grad:
                edges.append((AccumulateGrad.of(x), 0))
            else:
                edges.append((None, 0))
        return tuple(edges)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


# Where a scratchgrad op is exactly one PyTorch op that PyTorch names otherwise. Ops that map
# to several (reshape: View or UnsafeView; getitem: Select, Slice or Index; sum: Sum0 or
# Sum1; matmul: Mm, Mv, Bmm, Dot) keep their own name.
_TORCH_NAMES = {
    "Concat": "CatBackward0", "ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0",
    "BroadcastTo": "ExpandBackward0", "Cast": "ToCopyBackward0",
    "LogSumExp": "LogsumexpBackward0", "CumSum": "CumsumBackward0",
    "CumProd": "CumprodBackward0", "Log1p": "Log1PBackward0", "Clamp": "ClampBackward1",
    "PowScalar": "PowBackward0", "Pow": "PowBackward1", "NLLLoss": "NllLossBackward0",
    "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Conv2dOp": "ConvolutionBackward0", "MaxPool2dOp": "MaxPool2DWithIndicesBackward0",
    "AvgPool2dOp": "AvgPool2DBackward0", "BatchNorm": "NativeBatchNormBackward0",
    "LayerNorm": "NativeLayerNormBackward0", "Unfold": "Im2ColBackward0",
}


class AccumulateGrad:
    """The graph node of a leaf that requires grad, as PyTorch shows it in ``next_functions``:
    ``variable`` is the leaf, and there is nothing behind it. One node per leaf for as long as
    it is referenced (the engine itself adds leaf gradients directly; this is for looking at
    the graph).

    >>> import scratchgrad as sg
    >>> w = sg.ones(2, requires_grad=True)
    >>> node = (w * 3).grad_fn.next_functions[0][0]
    >>> node.variable is w, node.next_functions, node.name()
    (True, (), 'scratchgrad::autograd::AccumulateGrad')
    """

    # id(leaf) -> its node, while the node lives; the node holds the leaf, so the id can't be
    # reused by another tensor before the entry goes
    _nodes: "weakref.WeakValueDictionary[int, AccumulateGrad]" = weakref.WeakValueDictionary()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: Any) -> "AccumulateGrad":
        node = cls._nodes.get(id(leaf))
        if node is None:
            node = cls._nodes[id(leaf)] = cls(leaf)
        return node

    next_functions: tuple = ()

    def name(self) -> str:
        return "scratchgrad::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"
