# Shortcuts for working on vethlab. Run `make` or `make help` to list them.
# They use the virtualenv that the README's quick start creates in .venv.
PYTHON ?= .venv/bin/python

.DEFAULT_GOAL := help
.PHONY: help test notebooks lab

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

test: ## run every test, notebooks included (the README's test command, without the install)
	$(PYTHON) -m pytest

notebooks: ## rebuild and re-run the notebooks from notebooks/src (NAMES="02_topic" for some)
	$(PYTHON) tools/build_notebooks.py $(NAMES)

lab: ## open the notebooks in JupyterLab
	$(PYTHON) -m jupyter lab notebooks/
