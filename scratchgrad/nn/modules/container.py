"""PyTorch's ``torch.nn.modules.container`` path: containers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
