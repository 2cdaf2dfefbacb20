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
    python scripts/api_coverage.py --write-docs docs/pytorch.md  # the "Left out" section
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
     r"functional_call|while_loop|unify_type_list|wait|fork|Future|futures|"
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


# Why scratchgrad lacks the names of torch.nn, torch.nn.functional, torch.optim,
# torch.optim.lr_scheduler, torch.utils.data, torch.autograd and torch.linalg that no rule of
# LEFT_OUT covers: (reason, pattern) rules first, then single names. --write-docs lists them in
# docs/pytorch.md; tests/test_api_coverage.py checks that every missing name there has one.
# torch.* and torch.Tensor are surveyed but not given reasons here.
REASON_RULES: list[tuple[str, str]] = [
    ("3-D convolutions, pooling, normalisation and padding-free 3-D layers: not built yet; no "
     "3-D model in the learning path",
     r".*3d|.*3d_with_indices|Conv3d|ConvTranspose3d|BatchNorm3d|InstanceNorm3d"),
    ("lazy modules (shapes inferred on first call): not built; scratchgrad layers take their "
     "sizes up front", r"Lazy.*|Uninitialized.*"),
    ("fractional max pooling: not built yet (random pooling regions, rarely used)",
     r"fractional_max_pool.*|FractionalMaxPool.*"),
    ("max unpooling: not built yet", r"max_unpool.*|MaxUnpool.*"),
    ("PyTorch's deprecated DataPipes (torchdata), removed upstream",
     r".*DataPipe|DataChunk|datapipes|functional_datapipe|graph_settings|"
     r"guaranteed_datapipes_determinism|non_deterministic|runtime_validation.*|"
     r"argument_validation"),
    ("profiler internals (scratchgrad has no autograd profiler)",
     r"Profiler.*|profiler_.*|kineto_available"),
    ("fused and grouped matmul kernels for low-precision GPU training",
     r"grouped_mm|scaled_grouped_mm|scaled_mm|linear_cross_entropy|LinearCrossEntropy.*"),
    ("channel shuffle: not built yet", r"channel_shuffle|native_channel_shuffle|ChannelShuffle"),
]
REASONS: dict[str, str] = {
    "AdaptiveLogSoftmaxWithLoss": "not built yet; large-vocabulary language models are "
                                  "outside the learning path",
    "CTCLoss": "CTC loss: not built yet (speech models are outside the learning path)",
    "ctc_loss": "CTC loss: not built yet (speech models are outside the learning path)",
    "Buffer": "nn.Buffer (PyTorch 2.5 marker for register_buffer by assignment): not built; "
              "use register_buffer",
    "Container": "deprecated in PyTorch (use Module)",
    "CrossMapLRN2d": "legacy Lua-Torch layer; LocalResponseNorm covers it",
    "NLLLoss2d": "deprecated in PyTorch (NLLLoss takes (N, C, H, W))",
    "DataParallel": "single-process multi-GPU: not built (one device at a time)",
    "SyncBatchNorm": "needs a process group across GPUs: not built",
    "parallel": "DataParallel's helpers (replicate, scatter, gather): not built",
    "RReLU": "randomised leaky ReLU: not built yet", "rrelu": "randomised leaky ReLU: not built",
    "rrelu_": "randomised leaky ReLU: not built yet",
    "common_types": "type aliases for annotations, not API",
    "grad": "torch.nn.grad (conv input/weight gradients as functions): not exposed; the conv "
            "Functions' backward holds them",
    "intrinsic": "quantization-aware fused modules (quantized tensors are left out)",
    "qat": "quantization-aware training modules (quantized tensors are left out)",
    "affine_grid": "spatial transformer sampling: not built yet",
    "grid_sample": "spatial transformer sampling: not built yet",
    "conv_tbc": "time-batch-channel convolution from fairseq: not built",
    "multi_head_attention_forward": "nn.MultiheadAttention's functional core with a dozen "
                                    "positional weights: not exposed",
    "Adafactor": "not built yet", "Muon": "not built yet",
    "SparseAdam": "needs sparse gradients (sparse tensors are left out)",
    "swa_utils": "stochastic weight averaging (AveragedModel, SWALR): not built yet",
    "swap_in_optimizer_params_and_state": "internal helper of torch.optim",
    "Tensor": "an import of torch.lr_scheduler's module, not API",
    "inf": "math.inf imported by torch.optim.lr_scheduler, not API",
    "DistributedSampler": "needs multi-process training (torch.distributed), not built",
    "NestedIOFunction": "legacy autograd Function form, deprecated in PyTorch",
    "SavedTensor": "saved-tensor hooks: not built",
    "anomaly_mode": "submodule; its names (detect_anomaly, set_detect_anomaly) are in "
                    "scratchgrad.autograd",
    "grad_mode": "submodule; its names (no_grad, enable_grad, ...) are in scratchgrad.autograd",
    "function": "submodule; Function and FunctionCtx are in scratchgrad.autograd",
    "variable": "submodule of the deprecated Variable; Variable is in scratchgrad.autograd",
    "functional": "torch.autograd.functional (jacobian, hessian, vjp, ...): not built yet; "
                  "scratchgrad.autograd.grad covers vector-Jacobian products",
    "enforce_grad_layout_policy": "memory-layout policy of gradients (NumPy manages memory)",
    "is_multithreading_enabled": "the backward engine here is single-threaded",
    "set_multithreading_enabled": "the backward engine here is single-threaded",
    "is_view_replay_enabled": "view replay for functionalisation (compiler internals)",
}
for _name in ["cond", "cholesky_ex", "inv_ex", "solve_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve",
              "lu", "lu_factor", "lu_factor_ex", "lu_solve", "householder_product", "lstsq",
              "matrix_exp", "matrix_rank", "solve_triangular", "tensorinv", "tensorsolve",
              "vander", "diagonal"]:
    REASONS.setdefault(_name, "linear algebra not built yet (the everyday decompositions, "
                              "solve, inv, det and norms are)")
for _name in ["eig", "eigvals"]:
    REASONS[_name] = "general eigenvalues are complex (complex autograd is left out)"


def reason_for(name: str) -> str | None:
    """Why scratchgrad lacks ``name`` (one of the surveyed namespaces'), or None."""
    if name in REASONS:
        return REASONS[name]
    for reason, pattern in REASON_RULES:
        if re.fullmatch(pattern, name):
            return reason
    return None


DOC_NAMESPACES = ["torch.nn", "torch.nn.functional", "torch.optim", "torch.optim.lr_scheduler",
                  "torch.utils.data", "torch.autograd", "torch.linalg"]
DOC_START, DOC_END = "<!-- api-coverage:start -->", "<!-- api-coverage:end -->"


def docs_section(report: dict[str, dict[str, Any]]) -> str:
    """The generated "Left out, with the reason" section (between the markers)."""
    lines = [DOC_START, "## Left out, with the reason", "",
             "Generated by `python scripts/api_coverage.py --write-docs docs/pytorch.md` "
             "from the installed PyTorch; a test keeps it current.", ""]
    for label in DOC_NAMESPACES:
        r = report[label]
        by_reason: dict[str, list[str]] = {}
        for name in r["missing"]:
            by_reason.setdefault(reason_for(name) or "NO REASON GIVEN", []).append(name)
        for reason, names in r["left_out"].items():
            by_reason.setdefault(reason, []).extend(names)
        if not by_reason:
            continue
        lines += [f"### `{label}`", ""]
        for reason in sorted(by_reason):
            names = ", ".join(f"`{n}`" for n in sorted(by_reason[reason]))
            lines.append(f"- {reason}: {names}")
        lines.append("")
    lines.append(DOC_END)
    return "\n".join(lines)


def write_docs(path: str, report: dict[str, dict[str, Any]]) -> str:
    """Rewrite the marked section of ``path`` (appended when the markers are absent)."""
    text = open(path).read() if os.path.exists(path) else ""
    section = docs_section(report)
    if DOC_START in text and DOC_END in text:
        head, rest = text.split(DOC_START, 1)
        text = head + section + rest.split(DOC_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)
    return text


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
    p.add_argument("--write-docs", metavar="PATH",
                   help="rewrite the 'Left out, with the reason' section of this Markdown file")
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
    if args.write_docs:
        write_docs(args.write_docs, report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == "__main__":
    main()
