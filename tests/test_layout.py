"""The architecture's rules, checked: the reference ops and the engine hold no fast paths and
no compiler calls, the engine knows nothing of ``nn``, importing the package changes nothing
in the process, and the learner's core stays within its size budget."""
from __future__ import annotations

import os
import re
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


# ---------------------------------------------------------------------- what the core may hold
_REFERENCE = [*sorted((PKG / "ops").glob("*.py")), *sorted((PKG / "optim").glob("*.py")),
              PKG / "tensor.py", PKG / "function.py", *sorted((PKG / "autograd").glob("*.py")),
              *sorted(PKG.glob("_tensor_*.py"))]
_FORBIDDEN = ("tracer", "_gpu_ops", "fused", "cupy", "numba")
# The one place an optimizer picks its fused variant (the public ``fused=`` argument): what may
# name "fused" in optim/.
_ALLOWED = {"optim": ("fused",)}


def _words(path: Path) -> list[tuple[int, str]]:
    import io
    import tokenize

    out = []
    with open(path, "rb") as f:
        for tok in tokenize.tokenize(f.readline):
            if tok.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT):
                out.append((tok.start[0], tok.string))
    return out


def test_reference_code_names_no_kernel_and_no_compiler():
    """ops/, optim/ and the engine neither import nor mention a kernel kind or the compiler's
    tracer: the fast paths live in scratchgrad/kernels/, picked by the engine's two dispatch
    points, and the compiler reaches the engine through one policy object."""
    found = []
    for path in _REFERENCE:
        allowed = _ALLOWED.get(path.parent.name, ())
        for line, text in _words(path):  # as grep would: "CuPy" in prose is no import
            for word in _FORBIDDEN:  # a word or a name's part: "_fused" yes, "refused" no
                if re.search(rf"(?<![A-Za-z]){word}", text) and word not in allowed:
                    found.append(f"{path.relative_to(REPO)}:{line}: {word}")
    assert not found, "\n".join(found)


def test_the_engine_imports_nothing_from_nn():
    import ast

    engine = [PKG / "tensor.py", PKG / "function.py", *sorted((PKG / "autograd").glob("*.py")),
              PKG / "_config.py", *sorted(PKG.glob("_tensor_*.py"))]
    found = []
    for path in engine:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module == "nn" or node.module.startswith("nn.")
                    or ".nn" in f".{node.module}" and node.level > 0):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: from {node.module}")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------------- the size budget
def code_lines(path: Path) -> int:
    """Lines of code: not blank, not only a comment, not inside a docstring."""
    import ast

    src = path.read_text()
    doc: set[int] = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                doc.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for i, line in enumerate(src.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in doc)


# The learner's core: what ``y = (x * w).sum(); y.backward()`` runs through. Raising a budget
# is a decision: edit the figure here, with the reason in the commit message.
ENGINE = ["tensor.py", "function.py", "autograd/__init__.py", "_config.py", "_version.py",
          "_policy.py"]
ENGINE_BUDGET = 900  # code lines of these files together
TENSOR_BUDGET = 400  # lines of tensor.py, docstrings and comments included


def test_the_core_stays_within_its_budget(capsys):
    sizes = {name: code_lines(PKG / name) for name in ENGINE}
    total = sum(code_lines(p) for p in PKG.rglob("*.py"))
    tensor_lines = len((PKG / "tensor.py").read_text().splitlines())
    with capsys.disabled():
        print(f"\nengine code lines: {sizes} = {sum(sizes.values())} (budget {ENGINE_BUDGET}); "
              f"tensor.py {tensor_lines} lines (budget {TENSOR_BUDGET}); "
              f"the package: {total} code lines")
    assert sum(sizes.values()) <= ENGINE_BUDGET, sizes
    assert tensor_lines <= TENSOR_BUDGET


def test_code_lines_counts_only_code(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""Doc\nstring."""\n# comment\n\ndef f():\n    """Doc."""\n    return 1  # x\n')
    assert code_lines(f) == 2


def test_the_guided_path_anchors_point_at_their_definitions():
    """Every `file:line` anchor of docs/autograd.md follows the name it shows (the nearest
    name in backticks before it), and that line of the file defines that name."""
    text = (REPO / "docs" / "autograd.md").read_text()
    anchors = list(re.finditer(r"`(scratchgrad/[\w/]+\.py):(\d+)`", text))
    assert len(anchors) >= 8
    for m in anchors:
        name = re.findall(r"`([A-Za-z_][\w.]*)[^`]*`", text[:m.start()])[-1].split(".")[-1]
        source = (REPO / m.group(1)).read_text().splitlines()[int(m.group(2)) - 1]
        assert re.match(rf"\s*(def|class) {re.escape(name)}\b", source), (m.group(0), name,
                                                                           source)
