# The two commands a new user runs (see README):
#   make demo   -- set up, then train the main example on the default engine
#   make test   -- set up, then run the whole test suite on every engine
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export OMP_NUM_THREADS ?= 1
export PYTHONHASHSEED ?= 0

.PHONY: setup demo test bench clean

$(BIN)/.installed: pyproject.toml requirements/constraints.txt requirements/dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -r requirements/dev.txt -e .
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/python examples/mnist_mlp.py

test: setup
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider tests

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
