# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up:
# system packages (when run as root with apt), a virtual environment, the package itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages: the Fashion-MNIST files, Graphviz for graph pictures, the English word
# list for the character-level language model.
APT_PACKAGES := dataset-fashion-mnist graphviz wamerican

.PHONY: demo test bench bench-smoke sysdeps clean gpu-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

sysdeps:
	@missing=""; \
	[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing="$$missing dataset-fashion-mnist"; \
	command -v dot >/dev/null || missing="$$missing graphviz"; \
	[ -f /usr/share/dict/american-english ] || missing="$$missing wamerican"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note: missing Debian packages:$$missing (run 'sudo apt-get install$$missing')"; \
	fi

# `make demo DEVICE=cuda` trains on the GPU (needs CuPy: pip install -e ".[cuda12]").
DEVICE ?= cpu

demo: sysdeps $(STAMP)
	$(PY) -m scratchgrad demo --device $(DEVICE)

# The whole suite; then the op harness and the nn and optimizer parity tests again on the
# reference code alone (every kernel off), and the kernels and device tests on the NumPy
# stand-in for CuPy, so that the CuPy kernels run too.
REFERENCE_TESTS = tests/test_ops.py tests/test_broadcast.py tests/test_nn_layers.py \
	tests/test_nn_more.py tests/test_losses.py tests/test_conv.py tests/test_rnn.py \
	tests/test_attention.py tests/test_optim.py tests/test_kernels.py tests/test_kernels_optim.py
test: sysdeps $(STAMP)
	$(PY) -m pytest
	SCRATCHGRAD_KERNELS=reference $(PY) -m pytest -p no:cacheprovider $(REFERENCE_TESTS)
	SCRATCHGRAD_TEST_DEVICE=fakecuda $(PY) -m pytest -p no:cacheprovider tests/test_kernels.py \
		tests/test_device.py tests/test_cuda_kernels.py

# Every workload against PyTorch and DeZero, one table, benchmarks/results/latest.json and
# ratios.png; about 10-15 min on 2 cores. `make bench BENCH_ARGS=--quick` for a short run.
bench: $(STAMP)
	$(PY) benchmarks/suite.py $(BENCH_ARGS)

# Every workload for a couple of steps (suite.py --smoke, through its pytest file, so the
# figures are checked); `make test` runs the same file with the rest of the suite.
bench-smoke: $(STAMP)
	$(PY) -m pytest -q tests/test_benchmarks_smoke.py

# The prepared GPU check (docs/gpu.md): tests on cuda, accuracy cuda vs cpu, benchmarks.
# Uses the Python on PATH (the GPU machine's, with CuPy), not the venv; outputs in $(OUT).
OUT ?= gpu-check-out
gpu-check:
	OUT=$(OUT) bash scripts/gpu_check.sh

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
