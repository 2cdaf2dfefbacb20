"""The kernel modules, one per kind of acceleration; importing one registers its kernels."""
