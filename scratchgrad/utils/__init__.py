"""Tools for the learner: gradient checks and pictures of computational graphs."""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .dot import plot_graph, to_dot
from . import hooks  # PyTorch's torch.utils.hooks.RemovableHandle
from .serialization import load, save
from . import data  # noqa: E402  (PyTorch's spelling: scratchgrad.utils.data.DataLoader)

__all__ = ["data", "GradcheckError", "gradcheck", "gradgradcheck", "hooks", "load", "plot_graph",
           "save", "to_dot"]
