"""``torch.utils.data.dataloader``: the DataLoader and collation of
:mod:`scratchgrad.data.dataloader`."""
from ...data.dataloader import DataLoader, default_collate, default_convert, get_worker_info

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]
