# Two commands a fresh machine needs: `make run` and `make test`. Both build .venv on first use.
VENV ?= .venv
# The project pins Python 3.11 (Django 5.2 LTS line); prefer it where several Pythons exist.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test test-fast bench load lint format check-deploy clean venv system-deps screens messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

system-deps:
	@bash scripts/system_deps.sh

run: $(STAMP)
	@bash scripts/system_deps.sh --runtime
	@bash scripts/run.sh

test: $(STAMP) system-deps
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest

test-fast: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -m "not browser"

# Screenshots at 1366 px and on a 390 px phone (sign-in, position, movements, a transfer's
# confirmation, an order for its autorizador, payroll errors and the layouts' pages), into
# docs/screens/ (SCREENS_DIR=... to choose another folder).
SCREENS_DIR ?= docs/screens
screens: $(STAMP) system-deps
	SCREENS_DIR=$(SCREENS_DIR) $(PY) -m pytest -q tests/browser/test_screens.py tests/browser/test_layouts.py

# After changing texts: refresh the es_EC catalogue and compile it (django.mo is committed: Django
# reads only the compiled file, and the tú forms of Django's own messages live there).
messages: $(STAMP)
	$(PY) manage.py makemessages -l es_EC --ignore=.venv --ignore=var --ignore=tests --ignore=staticfiles
	$(PY) manage.py compilemessages -l es_EC --ignore=.venv

bench: $(STAMP) system-deps
	$(PY) tests/benchmarks/run.py

# The mixed load on the production-like stack run natively (tests/load/README.md): gunicorn, a
# Celery worker and beat on PostgreSQL and Redis at 127.0.0.1 (or DATABASE_URL / REDIS_URL: it
# uses database <name>_load and Redis database 13 there, both emptied). About 7 minutes; exits 1
# on a missed target.
load: $(STAMP)
	@bash scripts/system_deps.sh --runtime
	$(PY) -m tests.load.run

lint: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var staticfiles test-results
