# kentaudit: two commands on a fresh machine with Python 3.11+ and make:
#   make cycle   # set up .venv, run the default synthetic cycle, print where outputs are
#   make test    # set up .venv, run the whole test suite
# conda users: conda env create -f environment.yml; conda activate kentaudit;
#   make test VENV=$$CONDA_PREFIX
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kentaudit-installed
CYCLE ?= params/cycle-2009.yaml
PYTEST_ARGS ?=
# conda environments already hold the dependencies: install kentaudit alone there
PIP_FLAGS := $(if $(wildcard $(VENV)/conda-meta),--no-deps,)

.PHONY: install test cycle bench browser-tools clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(PIP_FLAGS) -e '.[test,bench]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

test: install
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

cycle: install
	$(PY) -m kentaudit run $(CYCLE)

bench: install
	$(PY) benchmarks/run.py

browser-tools:
	cd tools/browser && npm install --no-audit --no-fund --silent

clean:
	rm -rf outputs/*/ .pytest_cache
