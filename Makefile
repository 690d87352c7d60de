# Two commands: `make run` (set up everything and serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := evc

# Pinned versions come from the lock files requirements.txt (runtime) and requirements-test.txt
# (runtime + test extras), compiled from pyproject.toml by `make lock`. The package itself is
# installed on top of them without dependencies, so nothing unpinned slips in.
LOCK_VENV := .venv-lock
PIP_TOOLS_VERSION := 7.6.2
PIP_COMPILE_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

.PHONY: extract-messages run test test-sqlite test-postgresql install install-test translations migrate db lint typecheck imports lock bench migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet -r requirements-test.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Recompile both lock files after changing the dependencies in pyproject.toml; pins that still
# fit stay as they are (`make lock UPGRADE=1` moves everything to the newest allowed). pip-tools
# lives in its own virtual environment so it never ends up in the project's.
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools==$(PIP_TOOLS_VERSION); }
	$(LOCK_VENV)/bin/pip-compile $(PIP_COMPILE_FLAGS) -o requirements.txt pyproject.toml
	$(LOCK_VENV)/bin/pip-compile $(PIP_COMPILE_FLAGS) --extra test -o requirements-test.txt pyproject.toml

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d evc/translations -D messages

db: install translations
	$(BIN)/python -m evc.instance_setup
	$(BIN)/flask evc upgrade
	$(BIN)/flask evc check-framework
	$(BIN)/flask evc seed-demo --if-empty

run: db
	@echo "evc runs at http://127.0.0.1:$(PORT)/  (stop with Ctrl+C)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# ruff, the import contracts and mypy first (seconds), then the suite on SQLite with coverage
# (settings in [tool.coverage] of pyproject.toml) and on PostgreSQL.
test: install-test translations
	$(BIN)/ruff check evc tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --cov=evc --cov-report=term:skip-covered
	$(BIN)/python -m pytest -q --db=postgresql

test-sqlite: install-test translations
	$(BIN)/python -m pytest -q

test-postgresql: install-test translations
	$(BIN)/python -m pytest -q --db=postgresql

lint: install-test
	$(BIN)/ruff check evc tests bench

# Type check of evc/ with the settings in pyproject.toml ([tool.mypy]).
typecheck: install-test
	$(BIN)/mypy

# Architecture contracts in pyproject.toml ([tool.importlinter]).
imports: install-test
	$(BIN)/lint-imports

bench: install-test translations
	$(BIN)/python bench/pages.py

# New migration from the models: make migration m="add trajectory"
migration: db
	$(BIN)/python -c "import sys; from evc.migrate import revision; revision('sqlite:///instance/evc.sqlite3', sys.argv[1])" "$(m)"

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* .venv' -o evc/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i evc/translations/messages.pot -d evc/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache
