# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run    creates .venv if missing, installs the pinned dependencies, runs the sample month
#   make test   the same set-up, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: run test sample bench reliability clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"' \
		|| { echo "Cần Python 3.11 trở lên / Python 3.11+ is required"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/heza run --period 2024-02

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

# heza sample refuses to overwrite data/raw/2024-0{1,2}; `make sample SAMPLE_FLAGS=--force` replaces them.
sample: $(STAMP)
	$(BIN)/heza sample $(SAMPLE_FLAGS)

clean:
	rm -rf $(VENV) .prefect .pytest_cache .hypothesis
