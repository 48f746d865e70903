# Two commands on a fresh clone: `make demo` and `make test`.
# The virtual environment is built once; torch is installed first as the pinned CPU wheel.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/qprecode evaluate --precoder mrt,zf --bits 1,2,3,4,inf --antennas 32 --users 2 \
		--channel rayleigh --snr-db -10:30:5 --channels 1000 --symbols 125 --seed 0 \
		--json results/demo/sum_rate.json --plot results/demo/sum_rate.png --quiet
	$(VENV)/bin/qprecode radiation --precoder mrt --bits 1,3 --antennas 32 --angles 110 \
		--json results/demo/radiation.json --plot results/demo/radiation.png

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benchmarks/bench_evaluate.py
	$(PY) benchmarks/bench_gnn.py
	$(PY) benchmarks/bench_nonlinear.py

clean:
	rm -rf $(VENV) results/demo
