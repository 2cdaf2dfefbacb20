"""The compatibility suite: everyday PyTorch programs run under torch and under scratchgrad.

Each file in ``programs/`` is a short script written for PyTorch (``import torch``,
``import torch.nn as nn``, ...). It prints ``key value...`` lines. ``_harness.py`` runs all the
programs in one subprocess per library: once with the real torch, once with scratchgrad standing
in for it through an import alias (a ``sys.meta_path`` finder that answers ``torch`` and
``torch.<sub>`` with ``scratchgrad`` and ``scratchgrad.<sub>``; see the harness's docstring).
The program text is never changed.

The comparison, line by line and token by token:

- the same number of lines; in each line the numbers (not the digits inside a word such as
  ``float32`` or ``fc1``) are taken out, and what is left must be equal;
- numbers written with a point or an exponent agree within the program's tolerance
  (``abs(a - b) <= atol + rtol * abs(a)``, ``a`` from torch, ``-0.0 == 0.0``); integers,
  ``True``/``False`` and every other word must be equal;
- before comparing, both outputs are normalized in the ways the import alias or a documented
  difference (docs/pytorch.md) explains, nothing else: the word ``scratchgrad`` is read as
  ``torch`` (``scratchgrad::autograd::AccumulateGrad``); a dtype's ``torch.`` prefix is
  dropped (scratchgrad's dtypes are NumPy's and print as ``float32``); ``torch.Size([2, 3])``
  is read as ``(2, 3)`` (scratchgrad's Size prints as PyTorch's, but its repr inside a list
  and its f-string form are the tuple's); object addresses (``object at 0x7f...``) are dropped,
  so ``print(loss.grad_fn)`` compares by node name.

A program states its tolerance in a header comment, ``# compat: rtol=1e-3 atol=1e-5``; the
default is rtol=1e-4, atol=1e-6 (deterministic math from identical NumPy-made inputs). Programs
whose numbers depend on each library's own RNG print properties (``loss_decreased True``)
instead of raw values.

``XFAIL`` lists the programs that scratchgrad cannot run yet because a feature is being built
elsewhere; their scratchgrad runs are marked ``xfail(strict=True)`` so that the day the feature
lands the unexpected pass fails, and the mark is removed.
"""
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS_DIR = os.path.join(HERE, "programs")
PROGRAMS = sorted(f for f in os.listdir(PROGRAMS_DIR) if f.endswith(".py"))
ROOT = os.path.dirname(os.path.dirname(HERE))

# program -> the feature scratchgrad needs before it runs the program like torch does
XFAIL: dict[str, str] = {
    "padded_sequences.py": "nn.utils.rnn.pack_padded_sequence / pad_packed_sequence and "
                           "nn.RNN taking a PackedSequence (not built yet)",
}

DEFAULT_TOL = {"rtol": 1e-4, "atol": 1e-6}


def tolerance(program):
    tol = dict(DEFAULT_TOL)
    with open(os.path.join(PROGRAMS_DIR, program)) as f:
        for line in f:
            m = re.match(r"#\s*compat:(.*)", line)
            if m:
                for key, value in re.findall(r"(\w+)=(\S+)", m.group(1)):
                    tol[key] = float(value)
    return tol


_cache = {}


def run_all(lib):
    """Run every program under ``lib`` in one subprocess, once per pytest session."""
    if lib not in _cache:
        paths = [os.path.join(PROGRAMS_DIR, p) for p in PROGRAMS]
        # One thread: on a shared machine torch's spinning thread pool makes the suite 4x slower.
        env = dict(os.environ, OMP_NUM_THREADS="1",
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        proc = subprocess.run([sys.executable, os.path.join(HERE, "_harness.py"), lib, *paths],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"the {lib} harness failed:\n{proc.stderr[-4000:]}")
        _cache[lib] = json.loads(proc.stdout)
    return _cache[lib]


_DTYPES = ("float16|float32|float64|bfloat16|int8|int16|int32|int64|uint8|bool|complex64|"
           "complex128")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])"
                     r"|(?<![\w.])[-+]?(?:nan|inf)(?![\w.])")


def normalize(text):
    text = re.sub(r"\bscratchgrad\b", "torch", text)
    text = re.sub(rf"\btorch\.({_DTYPES})\b", r"\1", text)
    text = re.sub(r"torch\.Size\(\[([^\]]*?)\]\)",
                  lambda m: f"({m.group(1)},)" if m.group(1) and "," not in m.group(1)
                  else f"({m.group(1)})", text)
    return re.sub(r" object at 0x[0-9a-fA-F]+", " object", text)


def _numbers_equal(x, y, rtol, atol):
    if not any(c in x for c in ".eEna") or not any(c in y for c in ".eEna"):
        return x == y  # integers compare exactly
    fx, fy = float(x), float(y)
    if fx == fy or (fx != fx and fy != fy):
        return True
    return abs(fy - fx) <= atol + rtol * abs(fx)


def compare(expected, actual, rtol, atol):
    """Return a list of differences between torch's output and scratchgrad's."""
    exp_lines, act_lines = normalize(expected).splitlines(), normalize(actual).splitlines()
    problems = []
    if len(exp_lines) != len(act_lines):
        problems.append(f"{len(exp_lines)} lines from torch, {len(act_lines)} from scratchgrad")
    for e, a in zip(exp_lines, act_lines):
        en, an = _NUMBER.findall(e), _NUMBER.findall(a)
        ok = (_NUMBER.sub("#", e) == _NUMBER.sub("#", a) and len(en) == len(an)
              and all(_numbers_equal(x, y, rtol, atol) for x, y in zip(en, an)))
        if not ok:
            problems.append(f"torch: {e!r}\n  scratchgrad: {a!r}")
    return problems


def _params():
    for program in PROGRAMS:
        yield pytest.param("torch", program, id=f"torch-{program[:-3]}")
        marks = ()
        if program in XFAIL:
            marks = pytest.mark.xfail(strict=True, reason=f"needs {XFAIL[program]}")
        yield pytest.param("scratchgrad", program, id=f"scratchgrad-{program[:-3]}", marks=marks)


@pytest.mark.parametrize("lib, program", list(_params()))
def test_program(lib, program, torch):  # the torch fixture: skipped without it, unless CI
    reference = run_all("torch")[program]
    assert reference["error"] is None, f"the program fails with torch:\n{reference['error']}"
    assert reference["stdout"].strip(), "the program prints nothing to compare"
    if lib == "torch":
        return
    result = run_all("scratchgrad")[program]
    assert result["error"] is None, (f"fails with scratchgrad:\n{result['error']}\n"
                                     f"printed before:\n{result['stdout']}")
    tol = tolerance(program)
    problems = compare(reference["stdout"], result["stdout"], tol["rtol"], tol["atol"])
    assert not problems, "\n".join(problems)


def test_compare_reads_tolerances_and_module_names():
    assert compare("loss 1.00000\nsize torch.Size([2, 3])",
                   "loss 1.00001\nsize scratchgrad.Size([2, 3])", 1e-4, 0) == []
    assert compare("loss 1.0", "loss 1.1", 1e-4, 0) != []
    assert compare("ok True", "ok False", 1, 1) != []
    assert compare("a 1\nb 2", "a 1", 1e-4, 0) != []
    assert compare("dtype torch.float32 <MulBackward0 object at 0x7f00>",
                   "dtype float32 <MulBackward0 object at 0x1234>", 1e-4, 0) == []
    assert compare("dtype torch.float32", "dtype float64", 1e-4, 0) != []
    assert compare("m [-0.0, 1.5e-05] torch.Size([4]) fc1.weight",
                   "m [0.0, 1.50001e-05] (4,) fc1.weight", 1e-4, 0) == []
    assert compare("n 99 fc1", "n 100 fc1", 0.5, 0) != []
    assert compare("fc1 x", "fc2 x", 0.5, 0) != []


def test_alias_resolves_torch_submodules():
    code = ("import sys; sys.path.insert(0, %r); import _harness; _harness.install_alias()\n"
            "import torch, torch.nn as nn, torch.nn.functional as F, scratchgrad\n"
            "from torch.utils.data import DataLoader\n"
            "from torch.optim.lr_scheduler import StepLR\n"
            "assert torch is scratchgrad and nn is scratchgrad.nn\n"
            "assert F is scratchgrad.nn.functional\n"
            "assert DataLoader is scratchgrad.utils.data.DataLoader\n"
            "print('ok')" % HERE)
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr
