# ITSM developer commands. `make run` starts the whole application, `make test` runs the test suite.
# Both set up .venv first (from requirements.lock) and use PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Re-install only when the lock changes: the stamp is newer than requirements.lock after a good install.
STAMP := $(VENV)/.installed-requirements
# uv is pinned so every machine resolves the lock with the same installer.
UV_VERSION := 0.13.9
# Python 3.11 is required (see pyproject.toml); python3 is accepted when it is 3.11 (Debian 12's is).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || \
	(python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3))

PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist), each with its own test database and Redis database (see tests/settings.py);
# they overlap waiting on PostgreSQL, Redis, the Celery worker and the browser. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: help run test lint format demo clean distclean venv .venv

help:
	@echo "make run      set up, migrate, load demo data, start web + worker + beat on http://127.0.0.1:$(PORT)/"
	@echo "make test     run the test suite (PYTEST_ARGS='...' to pass pytest options)"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make demo     migrate and load (or refresh) the demo data only"
	@echo "make clean    remove caches, collected static files and test output (keeps var/db.sqlite3)"
	@echo "make distclean  also remove .venv and var/ (the embedded database, its secret key, queued tasks)"

venv .venv: $(STAMP)

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 is needed: install python3.11 (or set PYTHON=/path/to/python3.11)"; exit 1; fi
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install -q -p $(PY) -r requirements.lock
	@touch $@

# --- run ------------------------------------------------------------------------------------------
# A development server over plain HTTP: DEBUG on and no HTTPS redirect unless the environment says otherwise.
run: export DEBUG ?= 1
run: export ITSM_HTTPS ?= 0
run: venv
	@echo "== database: $(if $(DATABASE_URL),PostgreSQL (DATABASE_URL),embedded SQLite in $(or $(ITSM_VAR_DIR),var)/)"\
	"; queue: $(if $(REDIS_URL),Redis (REDIS_URL),filesystem transport in $(or $(ITSM_VAR_DIR),var)/celery/)"
	$(PY) manage.py migrate --noinput
# With DEBUG on, WhiteNoise serves files straight from the apps; collected files are only needed without it.
	@case "$$(echo "$$DEBUG" | tr A-Z a-z)" in 1|true|yes|on) ;; *) $(PY) manage.py collectstatic --noinput -v0 ;; esac
	$(PY) manage.py load_demo
	@echo
	@echo "== ITSM is starting on http://127.0.0.1:$(PORT)/ (API docs: http://127.0.0.1:$(PORT)/api/v1/docs/). Ctrl+C stops it."
	@echo
	$(VENV)/bin/honcho start -f Procfile.dev -p $(PORT)

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# --- quality --------------------------------------------------------------------------------------
test: venv
	@echo "== test mode: $(if $(DATABASE_URL),PostgreSQL (DATABASE_URL),embedded SQLite (postgres tests skipped))"\
	" + $(if $(REDIS_URL),Redis (REDIS_URL; tests use db 15, and 14, 13... for the other test processes),no Redis (worker tests skipped))"\
	"$(if $(CHROMIUM_PATH)$(shell command -v chromium 2>/dev/null),, + no Chromium (browser tests skipped))"\
	"$(if $(filter 1,$(ITSM_REQUIRE_ALL)),; ITSM_REQUIRE_ALL=1: a test that cannot run is an error)"
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# --- cleaning -------------------------------------------------------------------------------------
clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache test-results var/static

distclean: clean
	rm -rf $(VENV) var
