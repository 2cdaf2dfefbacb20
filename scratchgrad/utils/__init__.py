"""Tools for the learner: gradient checks and pictures of computational graphs."""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .dot import plot_graph, to_dot
from .serialization import load, save

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "load", "plot_graph", "save", "to_dot"]
