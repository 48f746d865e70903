# Two commands on a fresh clone: `make demo` and `make test`.
# The virtual environment is built once; torch is installed first as the pinned CPU build: a
# wheel of that version in pip's find-links is used as it is, otherwise PyTorch's CPU index (PyPI's
# torch for Linux is the CUDA build, several GB). For a GPU, install torch before `make`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: demo test test-fast lint docs bench bench-publish clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@if $(PY) -c "import torch" 2>/dev/null; then :; \
	elif $(PY) -m pip download --quiet --no-deps --no-index --dest $(VENV)/.probe \
			torch==$(TORCH_VERSION) >/dev/null 2>&1; then \
		$(PY) -m pip install --quiet torch==$(TORCH_VERSION); \
	else \
		$(PY) -m pip install --quiet torch==$(TORCH_VERSION) --index-url $(TORCH_CPU_INDEX) \
			--extra-index-url https://pypi.org/simple; \
	fi; rm -rf $(VENV)/.probe
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qprecode evaluate --precoder mrt,zf --bits 1,2,3,4,inf --antennas 32 --users 2 \
		--channel rayleigh --snr-db -10:30:5 --channels 1000 --symbols 125 --seed 0 \
		--json runs/demo/sum_rate.json --plot runs/demo/sum_rate.png --quiet
	$(VENV)/bin/qprecode radiation --precoder mrt --bits 1,3 --antennas 32 --angles 110 \
		--json runs/demo/radiation.json --plot runs/demo/radiation.png

test: $(STAMP)
	$(PY) -m pytest

# The inner loop: every test not marked slow (no training runs, sweeps or reproductions).
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports

# The documentation site into site/ (kept out of git), warnings as errors: the docs extra is
# installed into the venv the first time.
docs: $(STAMP)
	@$(PY) -c "import mkdocs, mkdocstrings_handlers.python, material" 2>/dev/null \
		|| $(PY) -m pip install --quiet -e '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# This machine's figures into $(BENCH_OUT) (runs/benchmarks, kept out of git); `make
# bench-publish` writes them over the shipped results/benchmarks/*.json. OpenMP's idle workers
# spin briefly (GOMP_SPINCOUNT=10000, about 0.2 ms) instead of libgomp's 300,000 spins (several
# ms here), which take a core from the kernels' own threads. They do spin a little: workers that
# sleep at once (OMP_WAIT_POLICY=PASSIVE) make torch's batched small solves 5-40x slower (31
# systems of 32 x 32: 3-5 ms against 0.6 ms).
BENCH_OUT ?= runs/benchmarks
BENCH_PY = GOMP_SPINCOUNT=10000 $(PY)
bench: $(STAMP)
	$(BENCH_PY) benchmarks/bench_evaluate.py --json $(BENCH_OUT)/evaluate.json
	$(BENCH_PY) benchmarks/bench_gnn.py --json $(BENCH_OUT)/gnn.json
	$(BENCH_PY) benchmarks/bench_precoders.py --json $(BENCH_OUT)/precoders.json
	$(BENCH_PY) benchmarks/bench_local_search.py --json $(BENCH_OUT)/local_search.json
	$(BENCH_PY) benchmarks/bench_ofdm_local_search.py --json $(BENCH_OUT)/ofdm_local_search.json

bench-publish:
	$(MAKE) bench BENCH_OUT=results/benchmarks

clean:
	rm -rf $(VENV) runs/demo site

# Site-specific ray-traced channels (Sionna RT, the optional extra qprecode[sionna]). Dr.Jit runs
# Sionna on the CPU through an LLVM library: Debian's libllvm19, installed here with apt-get when
# running as root; elsewhere the target says what is missing. Override SITE_SCENE, SITE_OUT and
# SITE_ARGS for another site (`qprecode dataset site --help`).
SITE_SCENE ?= munich
SITE_OUT ?= data/sites/$(SITE_SCENE).h5
SITE_ARGS ?= --radii 50:350:10 --angle-step 10 --max-depth 10
.PHONY: site-data
site-data: $(STAMP)
	$(PY) -m pip install --quiet -e '.[sionna]'
	@lib="$${DRJIT_LIBLLVM_PATH:-$$(ls /usr/lib/*/libLLVM-19.so /usr/lib/*/libLLVM.so.19* 2>/dev/null | head -n 1)}"; \
	if [ -z "$$lib" ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing libllvm19 (LLVM for Dr.Jit)"; \
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq libllvm19 \
			|| { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq libllvm19; }; \
		lib="$$(dpkg -L libllvm19 2>/dev/null | grep -E 'libLLVM(-19)?\.so' | head -n 1)"; \
	fi; \
	if [ -z "$$lib" ] || [ ! -e "$$lib" ]; then \
		echo "site-data: Sionna RT needs an LLVM shared library for Dr.Jit on the CPU; none found."; \
		echo "  Debian/Ubuntu: sudo apt-get install libllvm19, then re-run make site-data"; \
		echo "  elsewhere: install LLVM (11 or newer) and set DRJIT_LIBLLVM_PATH=/path/to/libLLVM.so"; \
		exit 1; \
	fi; \
	echo "DRJIT_LIBLLVM_PATH=$$lib"; \
	DRJIT_LIBLLVM_PATH="$$lib" $(VENV)/bin/qprecode dataset site --scene $(SITE_SCENE) \
		--out $(SITE_OUT) $(SITE_ARGS) --plot-dir $(dir $(SITE_OUT))
