"""The API survey against the installed PyTorch: every name that scratchgrad lacks in
torch.nn, torch.nn.functional, torch.optim, torch.optim.lr_scheduler and torch.utils.data has a
listed reason, and docs/pytorch.md's generated section is current."""
from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKED = ["torch.nn", "torch.nn.functional", "torch.optim", "torch.optim.lr_scheduler",
           "torch.utils.data"]


@pytest.fixture(scope="module")
def coverage(torch):
    spec = importlib.util.spec_from_file_location("api_coverage",
                                                  os.path.join(ROOT, "scripts", "api_coverage.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, module.survey()


@pytest.fixture(scope="module")
def torch():  # module-scoped: the survey runs once
    return pytest.importorskip("torch")


def test_every_missing_name_has_a_reason(coverage):
    module, report = coverage
    unexplained = {label: [n for n in report[label]["missing"] if module.reason_for(n) is None]
                   for label in CHECKED}
    assert not any(unexplained.values()), unexplained


def test_docs_section_is_current(coverage):
    module, report = coverage
    with open(os.path.join(ROOT, "docs", "pytorch.md")) as f:
        text = f.read()
    start, end = text.index(module.DOC_START), text.index(module.DOC_END)
    assert text[start:end + len(module.DOC_END)] == module.docs_section(report), (
        "run: python scripts/api_coverage.py --write-docs docs/pytorch.md")
