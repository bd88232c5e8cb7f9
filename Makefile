# The two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The app reads PORT too: links in emails lead to this port unless PUBLIC_URL is set.
export PORT
export FLASK_APP := consultation:create_app

.PHONY: install run test lint translations-extract translations-update bench bench-quick bench-work

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

CATALOGUES := translations/en/LC_MESSAGES/messages.mo translations/fr/LC_MESSAGES/messages.mo

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $*

# axe-core for the browser accessibility tests; without npm those tests are skipped (not in CI).
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm est absent : les tests d'accessibilité dans le navigateur seront ignorés."; fi

install: $(VENV)/.installed $(CATALOGUES) node_modules/.package-lock.json

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask search reindex --if-empty
	$(BIN)/flask opendata build
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The whole suite on every core (pytest-xdist); tests that share data built once for their module
# stay on one worker (xdist_group). One test, one file: see the README's Tests section.
test: lint
	$(BIN)/pytest -q -n auto --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# After changing user-facing strings: extract them, then merge them into the catalogues
# (English is translated by hand; French, the source language, only carries plural forms).
translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --ignore-dirs='.*' -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/python -m consultation.core.french_plurals translations/fr/LC_MESSAGES/messages.po

# Benchmarks (issue 5, not part of `make test`): gunicorn and wrk on a generated city-scale
# dataset, SQLite and, when BENCH_DATABASE_URL is set, PostgreSQL. See bench/README.md.
# Both compare with bench/results/reference.json; BENCH_ARGS=--strict fails on a fall > 20 %.
BENCH_ARGS ?=
WRK_MISSING := wrk est introuvable : installez-le (Debian, Ubuntu : sudo apt-get install wrk), puis relancez.

bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "$(WRK_MISSING)" >&2; exit 1; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-quick: install
	@command -v wrk >/dev/null 2>&1 || { echo "$(WRK_MISSING)" >&2; exit 1; }
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

# The work per request, counted by callgrind (valgrind) in one process: exact where the shares
# above move with the machine; compared with bench/results/work-reference.json (+3 % flagged).
bench-work: install
	$(BIN)/python -m bench.work $(BENCH_ARGS)
