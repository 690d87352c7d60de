# Two commands: `make run` (set up everything and serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := evc

.PHONY: extract-messages run test test-sqlite test-postgresql install install-test translations migrate db lint bench migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

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

test: install-test translations
	$(BIN)/ruff check evc tests bench
	$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q --db=postgresql

test-sqlite: install-test translations
	$(BIN)/python -m pytest -q

test-postgresql: install-test translations
	$(BIN)/python -m pytest -q --db=postgresql

lint: install-test
	$(BIN)/ruff check evc tests bench

bench: install-test translations
	$(BIN)/python bench/pages.py

# New migration from the models: make migration m="add trajectory"
migration: db
	$(BIN)/python -c "import sys; from evc.migrate import revision; revision('sqlite:///instance/evc.sqlite3', sys.argv[1])" "$(m)"

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* .venv' -o evc/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i evc/translations/messages.pot -d evc/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
