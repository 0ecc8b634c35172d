# The two commands of the README: `make run` (install, demo data, start) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test lint migrations-check demo messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

run: demo
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/dev-server

# lint-imports: the layers of the README (pyproject.toml, [tool.importlinter]); an upward
# import between apps fails it.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

migrations-check: install-test
	$(PY) manage.py makemigrations --check --dry-run

test: install-test lint migrations-check
	bin/test-browser-setup
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

messages: install-test
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3

# The guide's screenshots (操作指南): the browser test does each role's tasks and saves them
# into var/screenshots/guide/; this also copies them into static/guide/, which the guide shows.
# QUANFU_REQUIRE_SERVICES: without chromium, fail rather than skip and copy nothing.
.PHONY: guide-screenshots
guide-screenshots: install-test
	bin/test-browser-setup
	QUANFU_REQUIRE_SERVICES=1 QUANFU_GUIDE_STATIC=1 $(BIN)/pytest -p no:xdist -q tests/test_browser_guide.py

# Benchmarks run on PostgreSQL in a database of their own (created if missing).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/quanfu_bench
.PHONY: bench-rhythm bench-dashboards
bench-rhythm: install-test
	psql "$(BENCH_DATABASE_URL)" -c "SELECT 1" >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres quanfu_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/rhythm_jobs.py

bench-dashboards: install-test
	psql "$(BENCH_DATABASE_URL)" -c "SELECT 1" >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres quanfu_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/dashboards.py

# Scale data and the register benchmark (issue 8), in a database of their own.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/quanfu_scale
PRESET ?= street
.PHONY: scale-db scale-data bench
scale-db: install-test
	psql "$(SCALE_DATABASE_URL)" -c "SELECT 1" >/dev/null 2>&1 || \
		psql "$(dir $(SCALE_DATABASE_URL))postgres" -c 'CREATE DATABASE "$(notdir $(SCALE_DATABASE_URL))"'
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py migrate --noinput -v0

scale-data: scale-db
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py generate_scale --preset $(PRESET) $(SCALE_ARGS)

bench: scale-db
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) bench/register.py

# The API under concurrent load: gunicorn on loopback driven by wrk (Debian's package).
.PHONY: bench-load
bench-load: scale-db
	bin/bench-setup
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) bench/load.py

# The city level: dashboards, the T+2 sweep and the daily job on the city preset, measured
# on a scratch copy (the generated database is never changed). SCALE_DATABASE_URL if given,
# else the city preset's database (make scale-data PRESET=city SCALE_DATABASE_URL=…).
CITY_DATABASE_URL = $(if $(filter environment command line,$(origin SCALE_DATABASE_URL)),$(SCALE_DATABASE_URL),postgres://postgres@127.0.0.1:5432/quanfu_scale_city)
.PHONY: bench-city
bench-city: install-test
	DATABASE_URL=$(CITY_DATABASE_URL) $(PY) bench/city.py

# The ledgers' Excel: export of 100,000 matters and import of 10,000 rows, on PostgreSQL in
# a database made empty for it (dropped and created again each run).
LEDGERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/quanfu_bench_ledgers
.PHONY: bench-ledgers bench-all
bench-ledgers: install-test
	psql "$(dir $(LEDGERS_DATABASE_URL))postgres" -q \
		-c 'DROP DATABASE IF EXISTS "$(notdir $(LEDGERS_DATABASE_URL))" WITH (FORCE)' \
		-c 'CREATE DATABASE "$(notdir $(LEDGERS_DATABASE_URL))"'
	$(PY) bench/ledgers_bench.py 100000 10000 --database-url $(LEDGERS_DATABASE_URL)

# Every benchmark of issue 8, then their figures against the goals (bench/summary.py).
# On the city preset: make bench-all SCALE_DATABASE_URL=postgres://…/quanfu_scale_city
bench-all: bench bench-load bench-city bench-ledgers
	$(PY) bench/summary.py
