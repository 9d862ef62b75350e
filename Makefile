# Two commands for a newcomer: `make run` (the daemon) and `make test` (the gate).
# Both create .venv with Python 3.11 and install what they need first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/policy-monitor run

lint: $(STAMP)
	$(BIN)/ruff check monitor tests bench
	$(BIN)/ruff format --check monitor tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.import_bench
	$(BIN)/python -m bench.extract_bench
	$(BIN)/python -m bench.poll_bench
	$(BIN)/python -m bench.daemon_bench
	$(BIN)/python -m bench.memory_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
