"""Graph-mode optimizers with TF1's names and update formulas (``tf.train``).

``minimize(loss)`` = ``compute_gradients`` (the nodes of :func:`gradients`) followed by
``apply_gradients``, which makes one train node. Running it (``sess.run(train_op, feed)``)
evaluates the gradients and then replaces the values of the variables; it fetches as None.
Slots (momentum accumulators, Adam's moments and beta powers) are non-trainable ``Variable``
nodes of the graph, named as in TF1 (``w/Momentum``, ``w/Adam``, ``w/Adam_1``,
``beta1_power``), so ``global_variables_initializer()`` resets them too. Updates are computed
in each variable's dtype: hyperparameters enter as Python floats and never widen float32.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     w = tf.Variable(3.0)
...     step = tf.train.GradientDescentOptimizer(0.25).minimize(tf.square(w))
...     with tf.Session() as sess:
...         for _ in range(2):
...             sess.run(step)          # w <- w - 0.25 * 2w = w / 2
...         float(sess.run(w))
0.75
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor
from .core import Operation, Variable
from .gradients import gradients

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer"]


class _ApplyGradients:
    """The eager function of a train node: update the variables from the gradient values."""

    __name__ = "apply_gradients"

    def __init__(self, opt: "Optimizer", variables: list[Variable], lr_is_node: bool,
                 global_step: Variable | None) -> None:
        self.opt = opt
        self.variables = variables
        self.lr_is_node = lr_is_node
        self.global_step = global_step

    def __call__(self, *values: Tensor) -> None:
        k = 0
        lr = self.opt._lr
        if self.lr_is_node:
            lr, k = float(values[0]._data), 1
        grads = values[k:k + len(self.variables)]
        self.opt._prepare()
        for g, v in zip(grads, self.variables):
            self.opt._apply_dense(np.asarray(g._data, dtype=v._value.dtype), v, float(lr))
        self.opt._finish()
        if self.global_step is not None:
            self.global_step._set(self.global_step._value + 1)
        return None


class Optimizer:
    """Base class: subclasses set ``_slot_names`` and write ``_apply_dense`` on arrays.

    >>> import scratchgrad.graph as tf
    >>> with tf.Graph().as_default():
    ...     w = tf.Variable([1.0, 2.0], name="w")
    ...     opt = tf.train.MomentumOptimizer(0.1, 0.9)
    ...     pairs = opt.compute_gradients(tf.reduce_sum(w * w))
    ...     _ = opt.apply_gradients(pairs)
    >>> [v.name for _, v in pairs], opt.get_slot(w, "momentum").name
    (['w'], 'w/Momentum')
    """

    _slot_names: tuple[tuple[str, str], ...] = ()   # (slot name, TF1's name suffix)

    def __init__(self, learning_rate: Any, name: str) -> None:
        if not isinstance(learning_rate, Operation):
            learning_rate = float(learning_rate)
            if learning_rate < 0:
                raise ValueError(f"{name}: learning_rate must be >= 0, got {learning_rate}")
        self._lr = learning_rate
        self._name = name
        self._slots: dict[Variable, dict[str, Variable]] = {}

    # ------------------------------------------------------------------ TF1 API
    def compute_gradients(self, loss: Operation, var_list: Sequence[Variable] | None = None
                          ) -> list[tuple[Operation | None, Variable]]:
        """``[(gradient node or None, variable)]``; by default for every trainable variable
        that ``loss`` depends on, in creation order."""
        if not isinstance(loss, Operation):
            raise TypeError(f"{self._name}.compute_gradients: loss must be a graph node, got "
                            f"{type(loss).__name__}")
        var_list = _trainable_ancestors(loss) if var_list is None else list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"{self._name}.compute_gradients: var_list must hold Variables, "
                                f"got {v!r}")
        if not var_list:
            raise ValueError(f"{self._name}: loss '{loss.name}' depends on no trainable "
                             "Variable; nothing to optimize")
        grads = gradients(loss, var_list) if var_list else []
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars: Sequence[tuple[Any, Variable]],
                        global_step: Variable | None = None, name: str | None = None
                        ) -> Operation:
        """A train node that applies the update to each variable with a gradient."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            names = [v.name for _, v in grads_and_vars]
            raise ValueError(f"{self._name}.apply_gradients: no gradients provided for any "
                             f"variable {names}; is the loss connected to them?")
        variables = [v for _, v in pairs]
        graph = variables[0].graph
        with graph.as_default():
            for v in variables:
                self._create_slots(v)
            self._create_non_slots(variables)
        lr_inputs = [self._lr] if isinstance(self._lr, Operation) else []
        fn = _ApplyGradients(self, variables, bool(lr_inputs), global_step)
        return Operation(f"Apply{self._name}", lr_inputs + [g for g, _ in pairs] + variables,
                         fn, {}, name or self._name, None, None, differentiable=False,
                         graph=graph)

    def minimize(self, loss: Operation, var_list: Sequence[Variable] | None = None,
                 global_step: Variable | None = None, name: str | None = None) -> Operation:
        """``apply_gradients(compute_gradients(loss, var_list))``. Note the order of
        arguments: ``var_list`` comes second here (TF1 has ``global_step`` second)."""
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)

    def get_slot(self, var: Variable, name: str) -> Variable | None:
        """The slot variable ``name`` of ``var`` (e.g. ``"momentum"``, ``"m"``, ``"v"``)."""
        return self._slots.get(var, {}).get(name)

    def get_slot_names(self) -> list[str]:
        """The names of this optimizer's slots."""
        return [s for s, _ in self._slot_names]

    # ------------------------------------------------------------------ for subclasses
    def _create_slots(self, var: Variable) -> None:
        if var in self._slots:
            return
        self._slots[var] = {
            slot: Variable(np.zeros_like(var._value), name=f"{var.name}/{suffix}",
                           trainable=False)
            for slot, suffix in self._slot_names}

    def _create_non_slots(self, variables: list[Variable]) -> None:
        pass

    def _prepare(self) -> None:
        pass

    def _apply_dense(self, g: np.ndarray, var: Variable, lr: float) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        pass


def _trainable_ancestors(loss: Operation) -> list[Variable]:
    seen: set[Operation] = set()
    stack = [loss]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.inputs)
    return sorted((n for n in seen if isinstance(n, Variable) and n.trainable),
                  key=lambda n: n._id)


class GradientDescentOptimizer(Optimizer):
    """``var -= lr * grad``.

    >>> import scratchgrad.graph as tf
    >>> tf.train.GradientDescentOptimizer(0.1).get_slot_names()
    []
    """

    def __init__(self, learning_rate: Any, name: str = "GradientDescent") -> None:
        super().__init__(learning_rate, name)

    def _apply_dense(self, g: np.ndarray, var: Variable, lr: float) -> None:
        var._set(var._value - lr * g)


class MomentumOptimizer(Optimizer):
    """TF1's ``ApplyMomentum``: ``accum = momentum * accum + grad``, then
    ``var -= lr * accum``, or with ``use_nesterov``, ``var -= lr * (grad + momentum * accum)``.

    >>> import scratchgrad.graph as tf
    >>> tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True).get_slot_names()
    ['momentum']
    """

    _slot_names = (("momentum", "Momentum"),)

    def __init__(self, learning_rate: Any, momentum: float, use_nesterov: bool = False,
                 name: str = "Momentum") -> None:
        super().__init__(learning_rate, name)
        self._momentum = float(momentum)
        self._nesterov = bool(use_nesterov)

    def _apply_dense(self, g: np.ndarray, var: Variable, lr: float) -> None:
        slot = self._slots[var]["momentum"]
        accum = slot._value * self._momentum + g
        slot._set(accum)
        step = g + self._momentum * accum if self._nesterov else accum
        var._set(var._value - lr * step)


class AdamOptimizer(Optimizer):
    """TF1's Adam, with its placement of epsilon (the "epsilon hat" of Kingma and Ba, sec. 2):

    ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``; ``m = beta1 m + (1 - beta1) g``;
    ``v = beta2 v + (1 - beta2) g^2``; ``var -= lr_t * m / (sqrt(v) + epsilon)``.

    So epsilon is added to the uncorrected ``sqrt(v)``, unlike PyTorch's ``torch.optim.Adam``
    (which adds it to ``sqrt(v / (1 - beta2^t))``); the two differ while ``v`` is small.
    ``beta1^t`` and ``beta2^t`` are the non-trainable float64 variables ``beta1_power`` and
    ``beta2_power``, multiplied by the betas after every step, as in TF1.

    >>> import scratchgrad.graph as tf
    >>> tf.train.AdamOptimizer().get_slot_names()
    ['m', 'v']
    """

    _slot_names = (("m", "Adam"), ("v", "Adam_1"))

    def __init__(self, learning_rate: Any = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, name: str = "Adam") -> None:
        super().__init__(learning_rate, name)
        self._beta1, self._beta2, self._eps = float(beta1), float(beta2), float(epsilon)
        self._beta1_power: Variable | None = None
        self._beta2_power: Variable | None = None
        self._scale = 1.0

    def _create_non_slots(self, variables: list[Variable]) -> None:
        if self._beta1_power is None:
            self._beta1_power = Variable(np.float64(self._beta1), name="beta1_power",
                                         trainable=False)
            self._beta2_power = Variable(np.float64(self._beta2), name="beta2_power",
                                         trainable=False)

    def _prepare(self) -> None:
        b1p = float(self._beta1_power._value)
        b2p = float(self._beta2_power._value)
        self._scale = math.sqrt(1.0 - b2p) / (1.0 - b1p)

    def _apply_dense(self, g: np.ndarray, var: Variable, lr: float) -> None:
        slots = self._slots[var]
        m = slots["m"]._value + (g - slots["m"]._value) * (1.0 - self._beta1)
        v = slots["v"]._value + (g * g - slots["v"]._value) * (1.0 - self._beta2)
        slots["m"]._set(m)
        slots["v"]._set(v)
        var._set(var._value - (lr * self._scale) * m / (np.sqrt(v) + self._eps))

    def _finish(self) -> None:
        self._beta1_power._set(self._beta1_power._value * self._beta1)
        self._beta2_power._set(self._beta2_power._value * self._beta2)
