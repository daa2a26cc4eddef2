# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv when missing and installs glmgen with its test extras.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.glmgen-installed

.PHONY: demo test bench docs wheel clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m glmgen demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

# The wheel into dist/ (`pip install dist/*.whl` needs no source tree; tests/test_packaging.py checks one).
# build/ goes first: setuptools would pack files left there by an earlier build, even ones deleted since.
wheel: $(STAMP)
	rm -rf build dist
	$(PY) -m pip wheel --no-deps --wheel-dir dist .

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/run_all.py

# The documentation site (mkdocs.yml, docs/) into site/; --strict turns every warning into an error.
# The docs extra of pyproject.toml is installed once (re-installed when pyproject.toml changes).
DOCS_STAMP := $(VENV)/.glmgen-docs-installed

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(PY) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['docs'], sep='\n')" > $(VENV)/docs-requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/docs-requirements.txt
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .import_linter_cache
