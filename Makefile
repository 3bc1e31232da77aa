# kentaudit: two commands on a fresh machine with Python 3.11+ and make:
#   make cycle   # set up .venv, run the default synthetic cycle, print where outputs are
#   make test    # set up .venv, run the whole test suite (at most 5 minutes on 2 idle cores)
#   make test-fast  # everything but the end-to-end runs (tests marked slow): under 90 s
#   make docs    # the API reference from the docstrings, in docs/api/index.html
# Without make (Windows, conda): see docs/running.md, "Without make".
# conda users: conda env create -f environment.yml; conda activate kentaudit;
#   make test VENV=$$CONDA_PREFIX
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kentaudit-installed
# the default synthetic cycles: the 2009 review (initial, extended, re-audit) and the
# 2013 annual audit with 2010-2012 for trends
CYCLES ?= params/cycle-2009.yaml params/cycle-2013.yaml
PYTEST_ARGS ?=
# conda environments already hold the dependencies: install kentaudit alone there
PIP_FLAGS := $(if $(wildcard $(VENV)/conda-meta),--no-deps,)

# extra uv flags for `make lock`, e.g. LOCK_FLAGS="-c constraints.txt" to lock what is installed
LOCK_FLAGS ?=

.PHONY: install test test-fast cycle bench docs browser-tools clean lock

$(PY):
	$(PYTHON) -m venv $(VENV)

# requirements.lock pins every package (exact versions compiled from pyproject.toml by
# `make lock`); a venv installs exactly those, then kentaudit without dependencies
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(if $(PIP_FLAGS),,$(PY) -m pip install --quiet -r requirements.lock)
	$(PY) -m pip install --quiet --no-deps -e '.[test,bench,lab]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Bytecode on for the tests, whatever the environment says: pytest keeps each test module
# it rewrites (assert rewriting) and Python each module it compiles as bytecode, so the
# second xdist worker, every `kentaudit run` subprocess and the next run read them instead
# of compiling again (with PYTHONDONTWRITEBYTECODE set, collection cost each process about
# 4 s more CPU). The files are git-ignored (__pycache__/).
test test-fast: export PYTHONDONTWRITEBYTECODE :=

# the whole suite; CI (.ci/run) runs this. Executed cycles are shared across tests
# (tests/conftest.py), so each distinct configuration runs once per session
test: install
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# the tier to run before each commit: every test but the end-to-end runs of notebooks
# and whole cycles (marked slow; see docs/running.md, "Tests in tiers")
test-fast: install
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow" $(PYTEST_ARGS)

cycle: install
	@for c in $(CYCLES); do $(PY) -m kentaudit run $$c || exit $$?; done
	@echo
	@echo "Outputs (git-ignored) for each cycle are under outputs/<cycle>/:"
	@echo "  publish/appendix.html, publish/appendix.xlsx, publish/csv/  the disclosure-controlled appendix"
	@echo "  html/index.html                                            reviewer pages of the executed notebooks"
	@echo "  results/, figures/, manifest.json, run.log                 tables, charts and provenance"
	@echo "  restricted/                                                unsuppressed tables: internal use only"

lock: | $(PY)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra bench --extra lab --universal \
	  --python-version 3.11.5 --no-header --annotation-style line $(LOCK_FLAGS) -o requirements.lock.new
	# header first, into a new file: redirecting into requirements.lock itself would empty
	# it before sed read the header
	{ sed -n '1,/^# tests\/test_packaging.py/p' requirements.lock; cat requirements.lock.new; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock
	rm -f requirements.lock.new

bench: install
	$(PY) benchmarks/run.py

# API reference generated from the docstrings (pdoc, numpy docstring style);
# tests/test_docs.py builds it too, so it cannot rot
docs: install
	$(PY) docs/build_api.py docs/api

browser-tools:
	cd tools/browser && npm install --no-audit --no-fund --silent

clean:
	rm -rf outputs/*/ .pytest_cache
