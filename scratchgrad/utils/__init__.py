"""Tools for the learner: gradient checks and pictures of computational graphs."""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .dot import plot_graph, to_dot

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "plot_graph", "to_dot"]
