# Two commands do everything: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests' checkers from the npm registry (axe-core, vnu-jar), as package-lock.json pins them.
NODE_STAMP := node_modules/.installed

# The test suite runs against real PostgreSQL and Redis (see README); override to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The fault run's broker and cache (databases 14 and 15, emptied before and after).
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
RUN_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/papers_digest
RUN_REDIS_URL ?= redis://127.0.0.1:6379/0
DEMO_DB := $(CURDIR)/demo.sqlite3
# Where `make site` serves the demo's database; the demo's emails link there
# (SITE_ADDRESS in digest/management/commands/demo.py).
SITE_ADDRESS := 127.0.0.1:8000
DEMO_ENV := env -u REDIS_URL DATABASE_URL=sqlite:///$(DEMO_DB) SITE_URL=http://$(SITE_ADDRESS)

.PHONY: demo site test bench run lint install

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# --ignore-scripts: vnu-jar's install script would download a Java; the tests use Debian's.
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -f $(DEMO_DB)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py demo

# The site on the demo's data, with a staff account it prints; Ctrl-C stops it.
site: $(STAMP)
	test -f $(DEMO_DB) || $(MAKE) demo
	$(DEMO_ENV) $(BIN)/python manage.py demo_staff
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(SITE_ADDRESS)

test: $(STAMP) $(NODE_STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m bench

run: $(STAMP)
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='papers_digest'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE papers_digest"
	DATABASE_URL=$(RUN_DATABASE_URL) REDIS_URL=$(RUN_REDIS_URL) $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(RUN_DATABASE_URL) REDIS_URL=$(RUN_REDIS_URL) PATH=$(CURDIR)/$(BIN):$$PATH \
		$(BIN)/honcho start web worker beat

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
