# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres bench messages install serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

messages: install
	@$(PY) scripts/compile_messages.py

## demo: set up everything, load the demo hospital, serve it on http://127.0.0.1:8000
demo: messages
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	@echo "Serving cellrelay on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	@echo "Logins are one step: the second factor (TOTP) is off for the demo (CELLRELAY_SECOND_FACTOR=0); production requires it."
	@echo "Background work (FHIR exports, alert e-mails) runs inline in the demo; production runs manage.py db_worker."
	CELLRELAY_SECOND_FACTOR=0 TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite on SQLite, then on PostgreSQL (required when CI=true)
test: messages
	@$(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo "Model changes without migrations: run 'manage.py makemigrations'."; exit 1; }
	@$(MAKE) --no-print-directory test-sqlite
	@url=$$($(PY) scripts/postgres_url.py); \
	if [ -n "$$url" ]; then $(MAKE) --no-print-directory test-postgres DATABASE_URL="$$url"; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is required under CI=true, and none answers (set DATABASE_URL or start the server on 127.0.0.1:5432)."; exit 1; \
	else echo "PostgreSQL not reachable (no DATABASE_URL, nothing on 127.0.0.1:5432): ran the SQLite suite only."; fi

test-sqlite: messages
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL $(PYTEST)

test-postgres: messages
	@echo "== Test suite on PostgreSQL =="
	DATABASE_URL="$(DATABASE_URL)" $(PYTEST)

## bench: pages, seeding and writes side by side on both databases (docs/benchmarks.md), then the speed and
## memory targets (never in the test suite)
bench: messages
	@status=0; \
	$(PY) benchmarks/side_by_side.py || status=1; \
	$(PY) benchmarks/run.py || status=1; \
	$(PY) benchmarks/fhir_export.py || status=1; \
	exit $$status
