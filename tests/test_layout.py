"""The architecture's rules, checked: the reference ops and the engine hold no fast paths and
no compiler calls, the engine knows nothing of ``nn``, importing the package changes nothing
in the process, and the learner's core stays within its size budget."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "scratchgrad"

_PROBE = """
import ctypes, json, sys
calls = []
real = ctypes.CDLL
class Spy:
    def __init__(self, name, *a, **k):
        self._lib = real(name, *a, **k)
    def __getattr__(self, attr):
        fn = getattr(self._lib, attr)
        if attr != "mallopt":
            return fn
        def spy(*args):
            calls.append(args)
            return fn(*args)
        return spy
ctypes.CDLL = Spy
import scratchgrad as sg
from scratchgrad import nn, optim
after_import = list(calls)
m = nn.Linear(2, 2)
sg.train.Trainer(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters()), progress=False).fit(
    [(sg.randn(4, 2), sg.tensor([0, 1, 1, 0]))], epochs=1)
print(json.dumps({"import": after_import, "fit": calls}))
"""


def test_import_changes_no_process_setting():
    """``import scratchgrad`` must not call mallopt (a process-wide allocator setting); the
    Trainer asks for it explicitly when it trains."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("SCRATCHGRAD_NO_MALLOPT", None)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                         text=True, check=True).stdout
    import json

    calls = json.loads(out.strip().splitlines()[-1])
    assert calls["import"] == []
    if sys.platform.startswith("linux"):
        assert len(calls["fit"]) == 2  # the mmap and trim thresholds
