#!/usr/bin/env bash
# The prepared GPU check (issue 7): one script, about 8 minutes on an H200, outputs under $OUT.
#
#   1. environment: versions, the GPU, what is missing (pytest, hypothesis, torch CUDA, data);
#   2. scripts/gpu_smoke.py: every GPU path once, cpu vs cuda, kernels on and off (PASS/FAIL);
#   3. the whole test suite with cuda as the device under test (SCRATCHGRAD_TEST_DEVICE=cuda),
#      in three groups: device tests, the op harness, the rest;
#   4. the conv/loss/rnn tests again with the CUDA kernels off (the generic CuPy path);
#   5. a short CNN training on Fashion-MNIST on cuda and on the CPU (the CPU run starts first,
#      in the background, while the GPU runs the tests): the test accuracies must agree;
#   6. benchmarks/gpu.py: CNN and LSTM steps and an MLP epoch, scratchgrad cuda vs PyTorch cuda
#      vs scratchgrad cpu, with the ratios.
# Every step has its own time limit, so a hang in one still leaves the others' results; the
# summary is printed at the end and written to $OUT/summary.txt.
#
#   OUT=/tmp/gpu bash scripts/gpu_check.sh            # or: make gpu-check
#   PYTHON=python3 GPU_DATA=/path/to/fashion-mnist bash scripts/gpu_check.sh
#
# Fashion-MNIST: the GPU machine has no internet. Put the four IDX .gz files in .gpu-data/
# (git-ignored; 30 MB) and carry that folder, or point GPU_DATA at them. Without them step 5
# is skipped with a note; everything else needs no files.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
PY=${PYTHON:-$(command -v python || command -v python3)}
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }
began=$(date +%s)
elapsed() { echo $(( $(date +%s) - began ))s; }

# ---------------------------------------------------------------------- 1. environment
{
  echo "date: $(date -u)"; echo "python: $($PY --version 2>&1) at $(command -v $PY)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  $PY - <<'EOF'
import importlib
for name in ("numpy", "cupy", "torch", "pytest", "hypothesis", "scipy", "numba"):
    try:
        m = importlib.import_module(name)
        print(f"{name}: {getattr(m, '__version__', '?')}")
    except Exception as e:
        print(f"{name}: MISSING ({type(e).__name__}: {e})")
try:
    import torch
    print(f"torch.cuda.is_available: {torch.cuda.is_available()}")
except Exception:
    pass
import scratchgrad as sg
print(f"scratchgrad: {sg.__file__}; cuda.is_available: {sg.cuda.is_available()}"
      f"{'' if sg.cuda.is_available() else ' (' + str(sg.cuda.unavailable_reason()) + ')'}")
# the CPU baselines (steps 5 and 6) use the fused kernels only with Numba
print(f"scratchgrad.fused.available (CPU kernels, Numba): {sg.fused.available()}")
EOF
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
if ! $PY -c "import scratchgrad as sg, sys; sys.exit(0 if sg.cuda.is_available() else 1)"; then
  note "STOP: scratchgrad sees no CUDA (see env.txt); nothing else can run"
  exit 1
fi
HAVE_PYTEST=1; $PY -c "import pytest" 2>/dev/null || HAVE_PYTEST=0
HAVE_HYPO=1; $PY -c "import hypothesis" 2>/dev/null || HAVE_HYPO=0
[ $HAVE_PYTEST = 1 ] || note "MISSING: pytest is not installed: steps 3-4 (the test suite) cannot run; pip install pytest (carry a wheel: no internet there)"
[ $HAVE_HYPO = 1 ] || note "MISSING: hypothesis is not installed: tests/test_broadcast.py is left out of step 3"

DATA=${GPU_DATA:-}
[ -z "$DATA" ] && [ -f .gpu-data/t10k-images-idx3-ubyte.gz ] && DATA=.gpu-data
[ -z "$DATA" ] && [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] && DATA=/usr/share/datasets/fashion-mnist
TRAIN_ARGS=(train --dataset fashion-mnist --model cnn --epochs 1 --limit-train 12000 --batch-size 128 --seed 0 --quiet)
if [ -n "$DATA" ]; then
  # 5a. the CPU training runs in the background on 8 threads while the GPU runs the tests
  ( export OMP_NUM_THREADS=8 OPENBLAS_NUM_THREADS=8 MKL_NUM_THREADS=8
    timeout 420 $PY -m scratchgrad "${TRAIN_ARGS[@]}" --data-root "$DATA" --device cpu \
      --out "$OUT/train-cpu" > "$OUT/train_cpu.txt" 2>&1; echo "exit $?" >> "$OUT/train_cpu.txt" ) &
  CPU_TRAIN_PID=$!
else
  note "SKIP 5: Fashion-MNIST not found (put the IDX .gz files in .gpu-data/ or set GPU_DATA)"
fi

# ---------------------------------------------------------------------- 2. smoke
timeout 75 $PY scripts/gpu_smoke.py > "$OUT/smoke.txt" 2>&1
note "2 smoke: exit $? ($(grep -c '^PASS' "$OUT/smoke.txt") passed, $(grep -c '^FAIL' "$OUT/smoke.txt") failed) [$(elapsed)]"
grep '^FAIL' "$OUT/smoke.txt" | tee -a "$SUMMARY"

# ---------------------------------------------------------------------- 3-4. tests on cuda
# In groups, each with its own time limit, the device tests first: a group that runs out of
# time still leaves the others' results (and pytest prints failures only when a run ends).
# CuPy compiles every distinct kernel once; the cache (CUPY_CACHE_DIR, .cupy-cache/ here)
# makes a second run on the same machine faster, and can be carried to the next one.
export CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-$PWD/.cupy-cache}
if [ $HAVE_PYTEST = 1 ]; then
  PAR=(); $PY -c "import xdist" 2>/dev/null && PAR=(-n 8)  # pytest-xdist, if there
  IGNORE=(); [ $HAVE_HYPO = 1 ] || IGNORE=(--ignore=tests/test_broadcast.py)
  DEVICE_FILES=(tests/test_device.py tests/test_cuda_kernels.py tests/test_nn_layers.py
                tests/test_losses.py tests/test_conv.py tests/test_rnn.py tests/test_optim.py)
  run_group() {  # name, time limit, pytest arguments...
    local name=$1 limit=$2; shift 2
    # SIGINT at the limit: pytest stops and still prints the failures so far; --maxfail ends
    # a run early when something systematic breaks (the smoke step says what).
    SCRATCHGRAD_TEST_DEVICE=cuda timeout -s INT -k 20 "$limit" $PY -m pytest -q \
      -p no:cacheprovider -rfE --tb=short --maxfail=30 "${PAR[@]}" "${IGNORE[@]}" "$@" \
      > "$OUT/pytest_$name.txt" 2>&1
    local rc=$?
    [ $rc = 124 ] && note "3 $name: TIMED OUT after ${limit}s (stopped; failures so far in pytest_$name.txt)"
    note "3 $name on cuda: exit $rc: $(tail -n 1 "$OUT/pytest_$name.txt") [$(elapsed)]"
    grep -E '^(FAILED|ERROR)' "$OUT/pytest_$name.txt" | head -30 | tee -a "$SUMMARY"
  }
  run_group devices 110 "${DEVICE_FILES[@]}"
  run_group ops 110 tests/test_ops.py
  rest=(); for f in tests/test_*.py; do
    case " ${DEVICE_FILES[*]} tests/test_ops.py " in *" $f "*) ;; *) rest+=("$f") ;; esac
  done
  run_group rest 40 "${rest[@]}"
  SCRATCHGRAD_TEST_DEVICE=cuda SCRATCHGRAD_CUDA_KERNELS=0 timeout -s INT -k 20 40 $PY -m pytest \
    -q -p no:cacheprovider -rfE --tb=short --maxfail=30 "${PAR[@]}" tests/test_conv.py tests/test_losses.py \
    tests/test_rnn.py > "$OUT/pytest_kernels_off.txt" 2>&1
  note "4 conv/loss/rnn on cuda, kernels off: exit $?: $(tail -n 1 "$OUT/pytest_kernels_off.txt") [$(elapsed)]"
  grep -E '^(FAILED|ERROR)' "$OUT/pytest_kernels_off.txt" | head -20 | tee -a "$SUMMARY"
fi

# ---------------------------------------------------------------------- 5. accuracy cuda vs cpu
if [ -n "$DATA" ]; then
  timeout 60 $PY -m scratchgrad "${TRAIN_ARGS[@]}" --data-root "$DATA" --device cuda \
    --out "$OUT/train-cuda" > "$OUT/train_cuda.txt" 2>&1
  note "5 CNN on cuda: exit $?: $(grep 'test accuracy' "$OUT/train_cuda.txt" | tail -n 1) [$(elapsed)]"
  wait $CPU_TRAIN_PID
  note "5 CNN on cpu:  $(grep 'test accuracy' "$OUT/train_cpu.txt" | tail -n 1) ($(tail -n 1 "$OUT/train_cpu.txt")) [$(elapsed)]"
  $PY - "$OUT" <<'EOF' | tee -a "$SUMMARY"
import re, sys
acc = {}
for dev in ("cpu", "cuda"):
    m = re.findall(r"test accuracy ([0-9.]+)", open(f"{sys.argv[1]}/train_{dev}.txt").read())
    acc[dev] = float(m[-1]) if m else None
if None in acc.values():
    print(f"5 accuracy: INCOMPLETE {acc}")
else:
    d = abs(acc["cpu"] - acc["cuda"])
    # Same seed, same data order; the GPU has its own dropout stream and float32 sums in
    # another order, so the runs agree closely but not bit for bit.
    print(f"5 accuracy: cpu {acc['cpu']:.4f} cuda {acc['cuda']:.4f} |diff| {d:.4f} -> "
          f"{'PASS' if d <= 0.015 else 'FAIL'} (tolerance 0.015)")
EOF
fi

# ---------------------------------------------------------------------- 6. benchmarks
timeout 110 $PY benchmarks/gpu.py --json "$OUT/gpu_bench.json" > "$OUT/gpu_bench.txt" 2>&1
note "6 benchmarks: exit $? [$(elapsed)]"
cat "$OUT/gpu_bench.txt" | tee -a "$SUMMARY"

echo; echo "==== summary ($OUT/summary.txt)"; cat "$SUMMARY"
