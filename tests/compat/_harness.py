"""Run compatibility programs under one library and report what each printed, as JSON.

    python tests/compat/_harness.py torch|scratchgrad PROGRAM.py...

With ``scratchgrad`` the harness first puts :class:`TorchAlias` at the front of
``sys.meta_path``: every import of ``torch`` or ``torch.<sub>`` (``import torch.nn as nn``,
``from torch.utils.data import DataLoader``, ``torch.optim.lr_scheduler``) is answered with the
already-imported module ``scratchgrad.<sub>``, registered in ``sys.modules`` under the torch
name. The program text is never read or changed; it runs with ``runpy.run_path(...,
run_name="__main__")`` so that classes it defines pickle as they would in a script. Each
program's stdout is captured; an exception ends that program and is reported with its
traceback. One process per library keeps the cost of importing torch to once per run.
"""
import contextlib
import importlib
import importlib.abc
import importlib.util
import io
import json
import os
import runpy
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:  # the checkout's scratchgrad, not an installed copy
    sys.path.insert(0, ROOT)


class TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve ``torch`` and ``torch.X.Y`` to ``scratchgrad`` and ``scratchgrad.X.Y``."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        real = "scratchgrad" + name[len("torch"):]
        try:
            if importlib.util.find_spec(real) is None:
                return None
        except ModuleNotFoundError:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        return importlib.import_module("scratchgrad" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


def install_alias():
    sys.meta_path.insert(0, TorchAlias())


def run_program(path):
    out = io.StringIO()
    error = None
    cwd = os.getcwd()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
    except BaseException:  # noqa: BLE001  (SystemExit too: a program's failure is data)
        error = traceback.format_exc()
    finally:
        os.chdir(cwd)
    return {"stdout": out.getvalue(), "error": error}


def main(argv):
    lib, programs = argv[0], argv[1:]
    if lib == "scratchgrad":
        install_alias()
    import torch  # noqa: F401  (the cost of the import once, before the first program)
    results = {os.path.basename(p): run_program(p) for p in programs}
    sys.__stdout__.write(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
