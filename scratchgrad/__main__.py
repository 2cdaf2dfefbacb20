"""``python -m scratchgrad``: the same command as ``scratchgrad`` (see :mod:`scratchgrad.cli`).

    python -m scratchgrad train --dataset spiral --model mlp --epochs 2
"""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
