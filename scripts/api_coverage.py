"""Which public names of PyTorch scratchgrad has, lacks, or leaves out on purpose.

For each namespace (``torch``, ``torch.Tensor``, ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.optim.lr_scheduler``, ``torch.utils.data``, ``torch.autograd``,
``torch.linalg``) it takes the installed PyTorch's public names (``dir()``, no leading
underscore, less what a module merely imports: ``typing`` names, ``math``, ``warnings``) and
sorts each into

- **present**: scratchgrad's matching namespace has the name;
- **left out**: the name matches a rule of ``LEFT_OUT`` below, which says why (sparse,
  quantized and complex tensors, CUDA internals, ...);
- **missing**: neither.

Coverage is present / (present + missing): the share of what applies to dense float and
integer tensors that scratchgrad has.

    python scripts/api_coverage.py            # the table
    python scripts/api_coverage.py --missing  # and every missing name
    python scripts/api_coverage.py --json out.json
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (reason, regular expression matched against the whole name). The first rule that matches
# a missing name says why it is left out. Names scratchgrad has are never counted as left out.
LEFT_OUT: list[tuple[str, str]] = [
    ("sparse tensors (scratchgrad's tensors are dense)",
     r".*sparse.*|.*_csr.*|.*_csc.*|.*bsr.*|.*bsc.*|to_dense|coalesce|is_coalesced|indices|"
     r"values|crow_indices|col_indices|ccol_indices|row_indices|dense_dim|smm|sspaddmm|"
     r"hspmm|saddmm|nnz|_nnz"),
    ("quantized tensors", r".*quantiz.*|q_.*|.*qscheme.*|int_repr|dequantize|fake_quantize.*|"
     r"qint.*|quint.*|.*per_channel.*|.*per_tensor.*|fbgemm.*|quantized_.*"),
    ("complex numbers and FFTs (PyTorch's complex autograd is not built here)",
     r".*complex.*|conj.*|resolve_conj|resolve_neg|is_conj|is_neg|view_as_real|view_as_complex|"
     r"angle|polar|real|imag|chalf|cfloat|cdouble|complex32|complex64|complex128|"
     r".*_neg_bit|.*_conj_bit|fft.*|stft|istft"),
    ("dtypes NumPy lacks", r"bfloat16|bits.*|uint[1-7]|int[1-7]|float8.*|float4.*"),
    ("named tensors (a prototype in PyTorch)",
     r"names|rename_?|refine_names|align_to|align_as|has_names"),
    ("storage and memory-format internals (NumPy manages memory)",
     r".*storage.*|.*Storage|data_ptr|is_pinned|pin_memory|share_memory_|is_shared|"
     r".*memory_format.*|channels_last.*|contiguous_format|preserve_format|record_stream|"
     r"set_|is_set_to|map_|map2_|apply_|new_empty_strided|empty_strided|as_strided.*|"
     r"dim_order|module_load"),
    ("CUDA, MPS, XPU and other device internals (scratchgrad's GPU path is CuPy)",
     r"cuda|.*_cuda_.*|.*mps.*|.*xpu.*|.*ipu.*|.*hpu.*|.*mtia.*|.*xla.*|.*mkldnn.*|"
     r".*miopen.*|.*cudnn.*|.*vulkan.*|.*nested.*|.*meta.*|.*mkl.*|.*openmp.*|"
     r"is_vulkan_available|.*privateuse.*|.*maia.*|is_ort|ort|ve|is_ve|ipu"),
    ("TorchScript, FX, export, dynamo, functorch and profiler internals "
     "(scratchgrad.compile is its own)",
     r"jit|fx|export|compiler|script.*|is_scripting|.*Guard|sym_.*|Sym.*|"
     r"compiled_with_cxx11_abi|library|ops|classes|overrides|package|hub|func|vmap|"
     r"functional_call|cond|while_loop|unify_type_list|wait|fork|Future|futures|"
     r"profiler|graph|forward_ad|DispatchKey.*|.*dispatch.*|ThroughputBenchmark|Tag|"
     r"ScriptFunction|ScriptObject|ScriptMethod|CompilationUnit|.*Type|"
     r"import_ir_module.*|merge_type_from_type_comment|parse_.*|PRIVATE_OPS|"
     r"PyTorchFileReader|PyTorchFileWriter|set_vital|vitals_enabled|read_vitals|"
     r"AggregationType|DeviceObjType|ExcludeDispatchKeyGuard|Stream|Event|StreamContext|"
     r"get_device_module|.*autocast.*|amp|ao|masked|monitor|signal|distributions|"
     r"return_types|types|testing|quasirandom|export|cpp|_C"),
    ("distributed internals (scratchgrad.distributed covers the data-parallel API)",
     r"distributed|.*rpc.*"),
    ("version and build information of the PyTorch distribution",
     r"version|git_version|has_.*|torch_version|__config__|__future__|parallel_info|"
     r"show_config|config|get_file_path|prepare_multiprocessing_environment|"
     r"init_num_threads|get_num_interop_threads|set_num_interop_threads"),
    ("removed or deprecated in PyTorch", r"chain_matmul|set_default_tensor_type|"
     r"is_warn_always_enabled|set_warn_always|storage_type"),
]


NAMESPACES = [
    ("torch", "torch", "scratchgrad"),
    ("torch.Tensor", "torch.Tensor", "scratchgrad.Tensor"),
    ("torch.nn", "torch.nn", "scratchgrad.nn"),
    ("torch.nn.functional", "torch.nn.functional", "scratchgrad.nn.functional"),
    ("torch.optim", "torch.optim", "scratchgrad.optim"),
    ("torch.optim.lr_scheduler", "torch.optim.lr_scheduler", "scratchgrad.optim.lr_scheduler"),
    ("torch.utils.data", "torch.utils.data", "scratchgrad.utils.data"),
    ("torch.autograd", "torch.autograd", "scratchgrad.autograd"),
    ("torch.linalg", "torch.linalg", "scratchgrad.linalg"),
]


def _resolve(path: str) -> Any:
    import importlib

    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(path)


def _is_api(owner: Any, name: str) -> bool:
    """False for what a module merely imports or keeps for itself: typing names, modules that
    are not its own submodules, upper-case constants, documentation snippets."""
    if inspect.isclass(owner):  # Tensor: every public method and attribute counts
        return True
    try:
        obj = getattr(owner, name)
    except Exception:  # noqa: BLE001  (a lazy attribute that fails to load)
        return False
    if inspect.ismodule(obj):
        return obj.__name__ == f"{owner.__name__}.{name}"
    if name.isupper() or name.endswith("_notes") or name in _HELPERS:
        return False
    module = getattr(obj, "__module__", None)
    if module is None:  # dtypes, numbers, instances
        return True
    return module.startswith(("torch", "builtins", "math"))


# Helpers a namespace exposes without being API: __torch_function__ plumbing, argument
# checkers, type aliases.
_HELPERS = {"handle_torch_function", "has_torch_function", "has_torch_function_unary",
            "has_torch_function_variadic", "is_tensor_like", "assert_int_or_pair",
            "factory_kwargs", "BroadcastingList1", "BroadcastingList2", "BroadcastingList3",
            "boolean_dispatch", "common_types"}


def public_names(owner: Any) -> list[str]:
    names = [n for n in dir(owner) if not n.startswith("_")]
    return sorted(n for n in names if _is_api(owner, n))


def left_out_reason(name: str) -> str | None:
    for reason, pattern in LEFT_OUT:
        if re.fullmatch(pattern, name):
            return reason
    return None


def survey(namespaces: list[tuple[str, str, str]] = NAMESPACES) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    for label, torch_path, ours_path in namespaces:
        theirs = _resolve(torch_path)
        try:
            ours = _resolve(ours_path)
        except (ImportError, AttributeError):
            ours = None
        present, missing, left_out = [], [], {}
        for name in public_names(theirs):
            if ours is not None and hasattr(ours, name):
                present.append(name)
                continue
            reason = left_out_reason(name)
            if reason is None:
                missing.append(name)
            else:
                left_out.setdefault(reason, []).append(name)
        report[label] = _entry(present, missing, left_out)
    # The functions of torch that are also Tensor methods (torch.exp and Tensor.exp): the
    # everyday tensor functions, without torch's many aten-level entry points.
    methods = set(dir(_resolve("torch.Tensor")))
    whole = report["torch"]
    report["torch, functions that are Tensor methods"] = _entry(
        [n for n in whole["present"] if n in methods], [n for n in whole["missing"] if n in methods],
        {r: [n for n in ns if n in methods] for r, ns in whole["left_out"].items()
         if any(n in methods for n in ns)})
    return report


def _entry(present: list[str], missing: list[str], left_out: dict[str, list[str]]) -> dict:
    applicable = len(present) + len(missing)
    return {"total": applicable + sum(map(len, left_out.values())), "present": present,
            "missing": missing, "left_out": left_out,
            "coverage": len(present) / applicable if applicable else 1.0}


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--missing", action="store_true", help="list every missing name")
    p.add_argument("--left-out", action="store_true", help="list every name left out, by reason")
    p.add_argument("--json", help="write the whole report to this JSON file")
    args = p.parse_args(argv)
    import torch  # noqa: F401  (the reference; fails clearly if absent)

    report = survey()
    print(f"{'namespace':42s} {'names':>6s} {'present':>8s} {'left out':>9s} {'missing':>8s} "
          f"{'coverage':>9s}")
    for label, r in report.items():
        n_out = sum(map(len, r["left_out"].values()))
        print(f"{label:42s} {r['total']:6d} {len(r['present']):8d} {n_out:9d} "
              f"{len(r['missing']):8d} {100 * r['coverage']:8.1f}%")
    if args.missing:
        for label, r in report.items():
            if r["missing"]:
                print(f"\nmissing from {label} ({len(r['missing'])}):")
                print("  " + ", ".join(r["missing"]))
    if args.left_out:
        for label, r in report.items():
            for reason, names in r["left_out"].items():
                print(f"\n{label}, left out: {reason}:\n  " + ", ".join(names))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
