# The two quick-start commands: `make train` (the main job) and `make test` (the whole suite).
# Each sets up its own virtual environment in .venv the first time.

VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: train test lint bench clean notebooks

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[all,dev]"
	touch $@

train: $(VENV)/.installed
	$(PY) -m glassnet train $(ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(ARGS)

# The lessons as notebooks: installs JupyterLab (the jupyter extra) into .venv, then opens
# JupyterLab on notebooks/ with .venv's Python as the kernel (nothing is installed globally).
notebooks: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[jupyter]"
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks $(ARGS)

bench: $(VENV)/.installed
	$(PY) benchmarks/engine_ops.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
