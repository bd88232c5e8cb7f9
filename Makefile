# The two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := consultation:create_app

.PHONY: install run test lint translations-extract translations-update

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

CATALOGUES := translations/en/LC_MESSAGES/messages.mo translations/fr/LC_MESSAGES/messages.mo

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $*

install: $(VENV)/.installed $(CATALOGUES)

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

# After changing user-facing strings: extract them, then merge them into the catalogues
# (English is translated by hand; French, the source language, only carries plural forms).
translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --ignore-dirs='.*' -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/python -m consultation.core.french_plurals translations/fr/LC_MESSAGES/messages.po
