# Two commands do all set-up on a fresh clone: `make reports` and `make test`.
# They use the active virtual environment, or create .venv when none is active.
SHELL := /bin/bash
VENV := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
BIN := $(VENV)/bin
STAMP := $(VENV)/.fetal_us-installed

.PHONY: install reports test test-fast lab export clean-nbs check-sync bench

# torch and torchvision come from the ranges in settings.ini (pip's local constraints pick the on-disk builds)
$(STAMP): settings.ini setup.py
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP)

## the main job: every report and the index on the built-in synthetic data (generated into data/ on first use)
reports: install
	$(BIN)/fetal-us reports --profile quick --out reports --update-readme README.md

## the tests: every notebook's cells, also those flagged slow (nbdev_test), then pytest for tests/ (none is fine);
## temporary files go to a scratch folder that is removed afterwards; one thread per notebook worker, so that the two
## workers (and the processes they start) don't fight over the cores
test: install
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	TMPDIR="$$scratch" OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nbdev_test --n_workers 2 --timing --do_print --flags slow || exit $$?; \
	if ls tests/test_*.py >/dev/null 2>&1; then $(BIN)/python -m pytest -q tests; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]; fi

## a quicker loop while editing: skips the cells flagged slow
test-fast: install
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	TMPDIR="$$scratch" OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} PATH="$(abspath $(BIN)):$$PATH" $(BIN)/nbdev_test --n_workers 2 --timing --do_print

## JupyterLab in the project's environment
lab: install
	$(BIN)/jupyter lab nbs/

export: install
	$(BIN)/nbdev_export

clean-nbs: install
	$(BIN)/nbdev_clean

## fails when the library is out of sync with the notebooks, or notebooks carry outputs
check-sync: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean && git diff --exit-code -- fetal_us nbs

bench: install
	$(BIN)/python benchmarks/cache_vs_png.py
	$(BIN)/python benchmarks/train_seed_recipe.py
	$(BIN)/python benchmarks/predict.py
