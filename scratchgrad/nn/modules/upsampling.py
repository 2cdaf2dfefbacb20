"""PyTorch's ``torch.nn.modules.upsampling`` path: upsampling, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..upsampling import Upsample

__all__ = ["Upsample"]

from ..upsampling import UpsamplingNearest2d, UpsamplingBilinear2d  # noqa: E402

__all__ += ["UpsamplingNearest2d", "UpsamplingBilinear2d"]
