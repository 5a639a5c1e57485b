# Charte — two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

# pytest-xdist workers for `make test` (each has its own database; "auto": one per core).
TEST_WORKERS ?= auto
SERVE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/charte
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: bench-deps soak serve run install test test-sqlite test-postgres system-deps lint translations compile-translations db-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed compile-translations

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations -f

## make run: install, migrate, load the demo data and serve on http://127.0.0.1:5000 (SQLite; PORT=8080 make run for another port),
## with the scheduled jobs' worker (`flask worker`: reminders, notices, webhooks...) beside it
run: install
	$(BIN)/flask db upgrade
	CHARTE_BIND=$(HOST):$(PORT) $(BIN)/flask demo
	$(BIN)/flask worker --tick 15 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		CHARTE_BIND=$(HOST):$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT)

## make serve: production-style serving with gunicorn on PostgreSQL and Redis (see README)
serve: install
	./scripts/ensure-postgres.sh
	psql "$(dir $(SERVE_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$(notdir $(SERVE_DATABASE_URL))'" | grep -q 1 || \
		psql "$(dir $(SERVE_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(SERVE_DATABASE_URL))"
	DATABASE_URL=$(SERVE_DATABASE_URL) $(BIN)/flask db upgrade
	@echo "No demo accounts here. First administrator: DATABASE_URL=$(SERVE_DATABASE_URL) $(BIN)/flask users create --role admin --email you@example.com --name 'Your Name'"
	DATABASE_URL=$(SERVE_DATABASE_URL) RATELIMIT_STORAGE_URI=$(SERVE_REDIS_URL) \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

## make soak: 200 simulated employees against gunicorn on PostgreSQL, with a database restart and a
## killed worker (bounded: about 3 minutes); fails on any lost or duplicated evidence
soak: $(VENV)/.installed-test compile-translations
	./scripts/ensure-postgres.sh
	$(BIN)/python bench/soak.py --scenario all --users $(or $(USERS),200) --duration $(or $(DURATION),60)

## make test: the whole suite on SQLite, then on a throwaway PostgreSQL database
test: $(VENV)/.installed-test compile-translations system-deps node_modules/.installed
	$(BIN)/ruff check app tests bench
	$(BIN)/lint-imports
	CHARTE_TEST_DB=sqlite $(BIN)/pytest -q -n $(TEST_WORKERS)
	./scripts/ensure-postgres.sh
	CHARTE_TEST_DB=postgresql $(BIN)/pytest -q -n $(TEST_WORKERS)

test-sqlite: $(VENV)/.installed-test compile-translations
	CHARTE_TEST_DB=sqlite $(BIN)/pytest -q $(ARGS)

test-postgres: $(VENV)/.installed-test compile-translations
	./scripts/ensure-postgres.sh
	CHARTE_TEST_DB=postgresql $(BIN)/pytest -q $(ARGS)

system-deps:
	./scripts/system-deps.sh

## make bench-deps: wrk, the load tool of bench/bench_pages.py (not needed by the tests)
bench-deps:
	command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && apt-get install -y -qq wrk || sudo apt-get install -y -qq wrk; }

node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch $@

## make db-check: a fresh database migrated to head must match the models exactly
db-check: $(VENV)/.installed
	rm -f /tmp/charte-db-check.db
	DATABASE_URL=sqlite:////tmp/charte-db-check.db $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:////tmp/charte-db-check.db $(BIN)/flask db check
	rm -f /tmp/charte-db-check.db

## make lint: style, the architecture contracts (import-linter, see pyproject.toml) and mypy's baseline
lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/lint-imports
	$(BIN)/python scripts/mypy_baseline.py

## make translations: extract strings and update the fr/en catalogs (then translate, then compile)
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules instance/charte.db
