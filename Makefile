# The README's two commands: `make demo` (the kit's main job) and `make test` (every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader finds `alembic` and the kernel through PATH: always run it from the venv.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build grade clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/mlscreen demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest

build: $(VENV)/.installed
	$(BIN)/mlscreen build

grade: $(VENV)/.installed
	$(BIN)/mlscreen grade

clean:
	rm -rf release/coding submitted/* autograded/* feedback/* gradebook.db reports \
	       source/coding/data source/coding/model
