# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run    creates .venv if missing, installs the pinned dependencies, runs the sample months
#   make test   the same set-up, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: run test sample bench banff reliability clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"' \
		|| { echo "Cần Python 3.11 trở lên / Python 3.11+ is required"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# the sample pair: 2024-01 is published first, so that 2024-02's report compares the months (call list)
run: $(STAMP)
	$(BIN)/heza run --period 2024-01 --no-email
	$(BIN)/heza run --period 2024-02

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

reliability: $(STAMP)
	$(BIN)/python -m tests.reliability

# Our error localiser against Statistics Canada's Banff (errorloc + deterministic) on rows with planted slips,
# then our Hidiroglou-Berthelot flags against Banff's on the published 2024-01 and 2024-02:
# Banff needs pandas < 3 and pyarrow < 19, so it gets its own environment (.venv-banff, banff pinned here).
banff: $(STAMP)
	test -x .venv-banff/bin/python || $(PYTHON) -m venv .venv-banff
	.venv-banff/bin/python -m pip install --quiet banff==3.1.3
	$(BIN)/python -m benchmarks.banff_localise plant data/banff_localise
	.venv-banff/bin/python benchmarks/banff_localise.py banff data/banff_localise
	$(BIN)/python -m benchmarks.banff_localise compare data/banff_localise
	.venv-banff/bin/python benchmarks/banff_compare.py banff data/processed data/banff_flags.json
	$(BIN)/python -m benchmarks.banff_compare ours data/processed data/banff_flags.json

# heza sample refuses to overwrite data/raw/2024-0{1,2}; `make sample SAMPLE_FLAGS=--force` replaces them.
sample: $(STAMP)
	$(BIN)/heza sample $(SAMPLE_FLAGS)

clean:
	rm -rf $(VENV) .prefect .pytest_cache .hypothesis
