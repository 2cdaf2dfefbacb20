"""``scratchgrad.onnx``: export to ONNX, in ``torch.onnx``'s names. A stand-in for now, so that
programs that import it (or check :func:`is_in_onnx_export`) run; ``export`` says that it is
not written yet. The plan (docs/DESIGN.md): trace the model with ``scratchgrad.compile``'s
tracer and write the recorded ops as an ONNX graph.

>>> import scratchgrad as sg
>>> sg.onnx.is_in_onnx_export()
False
"""
from __future__ import annotations

from typing import Any


def export(model: Any, args: Any = (), f: Any = None, *more: Any, **options: Any) -> None:
    """Write ``model`` run on ``args`` to the ONNX file ``f``: not implemented yet.

    >>> import scratchgrad as sg
    >>> sg.onnx.export(sg.nn.Linear(2, 1), (sg.zeros(1, 2),), "model.onnx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    NotImplementedError: scratchgrad.onnx.export is not implemented yet: export to ONNX is ...
    """
    raise NotImplementedError(
        "scratchgrad.onnx.export is not implemented yet: export to ONNX is planned (trace "
        "the model with scratchgrad.compile's tracer, write its ops as an ONNX graph). "
        "Meanwhile, scratchgrad.save(model.state_dict(), \"model.safetensors\") writes "
        "weights that PyTorch loads (safetensors.torch.load_file).")


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is tracing the model now: never, yet."""
    return False


__all__ = ["export", "is_in_onnx_export"]
